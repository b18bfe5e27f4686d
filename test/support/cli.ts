// Runs the bundled CLI (server/out/cli.js) as a user would: a real process, its exit code, stdout and stderr.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'server', 'out', 'cli.js');
/** The project's scripts that start the real parts (engines, registry, base images): scripts/parts/*.sh. */
export const RECIPES = join(ROOT, 'scripts', 'parts');
/** An engine address where nothing answers: the CLI runs as it does with no engine. */
export const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

export function dfsize(
  args: string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 120000,
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like dfsize(), without blocking this process (needed when this process serves the engine, as EngineProxy does). */
export function dfsizeAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
