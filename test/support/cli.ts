// Runs the bundled CLI (server/out/cli.js) as a user would: a real process, its exit code, stdout and stderr.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'server', 'out', 'cli.js');
/** dive's public test images and Dockerfiles, read in place. */
export const DIVE = join(ROOT, '..', 'shared', 'fixtures', 'dive');

export function dfsize(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120000, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
