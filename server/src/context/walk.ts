// Walks a build context the way Docker sends it: every path its .dockerignore lets through (Docker's own matching,
// via @balena/dockerignore). Directories are entered when not ignored, or when an exception (`!pattern`) might let
// something under them back in.
import ignore from '@balena/dockerignore';
import type { Dirent } from 'node:fs';
import { opendir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ContextEntry {
  /** Relative to the context, '/'-separated. */
  readonly path: string;
  readonly dirent: Dirent;
}

export interface Dockerignore {
  readonly text: string | null;
  ignores(path: string): boolean;
  /** Some pattern is an exception: an ignored directory may still hold included paths. */
  readonly hasExceptions: boolean;
}

const BOM = '\uFEFF';

/**
 * The pattern lines of a .dockerignore as Docker reads them: lines end at `\n` (a `\r` before it dropped), a BOM
 * before the first is dropped, a line is a comment only when its very first character is `#` (` #x` is a pattern),
 * blank lines are skipped. Each line is left untrimmed: the matcher trims it as Docker does, after that test.
 */
function dockerignorePatterns(text: string): string[] {
  return (text.startsWith(BOM) ? text.slice(1) : text)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => !l.startsWith('#') && l.trim() !== '');
}

/** The context's .dockerignore (absent: nothing ignored); null when it exists but cannot be read. */
export async function readDockerignore(dir: string): Promise<Dockerignore | null> {
  let text: string | null = null;
  try {
    text = await readFile(join(dir, '.dockerignore'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return null;
  }
  const patterns = dockerignorePatterns(text ?? '');
  // Case-sensitive, as Docker matches on Linux (the library's default folds case).
  const ig = ignore({ ignorecase: false }).add(patterns);
  return { text, ignores: (p) => ig.ignores(p), hasExceptions: patterns.some((p) => p.trim().startsWith('!')) };
}

/**
 * Calls `visit` for every path Docker would send (directories included, before their contents). `visit` returns
 * false to stop the walk. Unreadable folders are skipped (Docker would fail on them; the walk reports what it read).
 */
export async function walkContext(
  dir: string,
  ig: Dockerignore,
  visit: (e: ContextEntry, ignored: boolean) => boolean | Promise<boolean>,
): Promise<boolean> {
  const walk = async (rel: string): Promise<boolean> => {
    let handle;
    try {
      handle = await opendir(rel ? join(dir, rel) : dir);
    } catch {
      return true;
    }
    for await (const dirent of handle) {
      const path = rel ? `${rel}/${dirent.name}` : dirent.name;
      const ignored = ig.ignores(path);
      if (!(await visit({ path, dirent }, ignored))) return false;
      if (dirent.isDirectory() && (!ignored || ig.hasExceptions) && !(await walk(path))) return false;
    }
    return true;
  };
  return walk('');
}
