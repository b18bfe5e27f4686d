// Runs the bundled CLI (server/out/cli.js) as a user would: a real process, its exit code, stdout and stderr.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'server', 'out', 'cli.js');
/** dive's public test images and Dockerfiles, read in place. */
export const DIVE = join(ROOT, '..', 'shared', 'fixtures', 'dive');
/** The recipes that start the real parts (engine, registry, base images), beside the project unless $RECIPES says. */
export const RECIPES = process.env.RECIPES ?? join(ROOT, '..', 'shared', 'recipes');
/** An engine address where nothing answers: the CLI runs as it does with no engine. */
export const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

export function dfsize(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120000, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like dfsize(), without blocking this process (needed when this process serves the engine, as EngineProxy does). */
export function dfsizeAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * dive's fixtures live beside the project (../shared/fixtures/dive, as in every checkout of this workplace and in CI).
 * Without them a suite says so and skips — or fails under DFSIZE_REQUIRE_ENGINE=1, where everything must run.
 */
export function needDive(ctx: Mocha.Context): void {
  if (existsSync(DIVE)) return;
  if (process.env.DFSIZE_REQUIRE_ENGINE === '1') throw new Error(`dive's fixtures are missing at ${DIVE}`);
  console.log(`      SKIPPED: dive's fixtures are not at ${DIVE} (this project expects ../shared beside it)`);
  ctx.skip();
}
