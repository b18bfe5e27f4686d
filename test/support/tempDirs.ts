// Fresh folders in the system's temp dir for a test to own: one holding the files it lists (a build context, a
// project for the CLI, a tree for .dockerignore matching), or a copy of a fixture folder whose Dockerfile it opens.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A folder holding `files` (paths relative to it; folders made as needed). */
export function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-tree-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

/** A copy of the folder `from` (under its own name, so its path is ours to label), with its Dockerfile's URI and text. */
export function workspaceCopy(from: string): { dir: string; file: string; uri: string; text: string } {
  const dir = join(mkdtempSync(join(tmpdir(), 'dfsize-ws-')), basename(from));
  cpSync(from, dir, { recursive: true });
  const file = join(dir, 'Dockerfile');
  return { dir, file, uri: pathToFileURL(file).href, text: readFileSync(file, 'utf8') };
}
