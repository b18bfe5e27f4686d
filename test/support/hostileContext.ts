// A build context whose file names are .dockerignore syntax: large files the missing-dockerignore fix must leave out
// (each name a pattern if written as it is: a negation, a comment, a class, a wildcard, white space Docker trims, a
// regexp operator, `!**` that would let everything back in), small decoys that a name written unescaped would catch
// instead, a secret the existing .dockerignore already leaves out, and a large file whose name holds a line break
// (no .dockerignore line can name it: it stays in the context, and the fix says so).
import { mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LARGE_FILE_BYTES } from '../../server/src/core/rules/missingDockerignore';
import { tempTree } from './tempDirs';

/** Large and unread by the Dockerfile: the fix must leave each of these out. */
export const HOSTILE = [
  '!keep.bin',
  '#notes.bin',
  'data[1].bin',
  ' lead.bin',
  'trail.bin ',
  'star*.bin',
  '!**',
  'a+b.bin',
  'back\\slash.bin',
  'q?.bin',
  'sub/(x)|{y}^$.bin',
];
/** Large too, but no .dockerignore line can name it. */
export const LINE_BREAK = 'huge.bin\n!**';
/** Small files that the hostile names, written unescaped or trimmed, would match instead. */
export const DECOYS = ['keep.bin', 'notes.bin', 'data1.bin', 'lead.bin', 'trail.bin', 'starX.bin', 'aab.bin', 'qX.bin'];

export const HOSTILE_DOCKERFILE = 'FROM scratch\nCOPY app.txt /app/\n';

/**
 * The context: `Dockerfile` (HOSTILE_DOCKERFILE unless given), app.txt, the decoys, `secrets/key` behind an existing
 * `.dockerignore`, and the large files (sparse: they take no disk, but Docker sends every byte).
 */
export function hostileContext(dockerfile = HOSTILE_DOCKERFILE): string {
  const dir = tempTree({
    Dockerfile: dockerfile,
    'app.txt': 'the app\n',
    '.dockerignore': 'secrets/\n',
    'secrets/key': 'do not send\n',
  });
  for (const name of DECOYS) writeFileSync(join(dir, name), 'small\n');
  for (const name of [...HOSTILE, LINE_BREAK]) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), '');
    truncateSync(join(dir, name), LARGE_FILE_BYTES + 1);
  }
  return dir;
}

/** Every file under `dir`, relative and '/'-separated. */
export function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((n) => {
    const path = rel ? `${rel}/${n}` : n;
    return statSync(join(dir, path)).isDirectory() ? filesUnder(dir, path) : [path];
  });
}

/** What Docker must send once the fix is written: everything but the hostile files and what was left out before. */
export function expectedAfterFix(dir: string): string[] {
  return filesUnder(dir)
    .filter((p) => !HOSTILE.includes(p) && !p.startsWith('secrets/'))
    .sort();
}
