// The build context as Docker would send it, listed with each file's size on disk: for the missing-dockerignore
// rule. Bounded: a huge tree stops at maxFiles or the deadline and says so (`truncated`), never hangs the caller.
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContextFile } from '../core/rules/types';
import { readDockerignore, walkContext } from './walk';

export interface BuildContextListing {
  readonly files: ContextFile[];
  readonly dockerignore: string | null;
  readonly truncated: boolean;
}

export interface ReadOptions {
  /** Stop after this many files (default 200 000). */
  readonly maxFiles?: number;
  /** Stop after this many milliseconds (default 5 000). */
  readonly deadlineMs?: number;
}

/** Reads the context directory; null when it cannot be read at all (then the rule stays silent). */
export async function readBuildContext(dir: string, opts: ReadOptions = {}): Promise<BuildContextListing | null> {
  const maxFiles = opts.maxFiles ?? 200_000;
  const deadline = Date.now() + (opts.deadlineMs ?? 5_000);
  try {
    await (await opendir(dir)).close();
  } catch {
    // No folder to list (gone, not one, no permission): null, and the rule stays silent rather than guess.
    return null;
  }
  const ig = await readDockerignore(dir);
  if (!ig) return null;
  const files: ContextFile[] = [];
  let truncated = false;
  await walkContext(dir, ig, async ({ path, dirent }, ignored) => {
    if (files.length >= maxFiles || Date.now() > deadline) {
      truncated = true;
      return false;
    }
    if (ignored || dirent.isDirectory()) return true;
    try {
      files.push({ path, bytes: (await lstat(join(dir, path))).size });
    } catch {
      // vanished while listing
    }
    return true;
  });
  return { files, dockerignore: ig.text, truncated };
}
