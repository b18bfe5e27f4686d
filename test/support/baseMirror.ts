// A Docker Hub mirror for large-base-image in the open registry (127.0.0.1:5000, scripts/parts/registry.sh, started
// when it does not answer): "debian:bookworm" is the real local/debian:bookworm-slim and "debian:bookworm-slim" the
// real local/busybox, both pushed by the 20.10 engine under the names the rule asks for, below their own prefix.
// pushBases puts the same two images below any registry and prefix (the token registry's suite pushes them so).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BUSYBOX, ensureBusybox } from './baseImage';
import { runCommand } from './builds';
import { DEBIAN, ensureDebian } from './debianBase';
import { RECIPES } from './cli';
import { REGISTRY, registryAnswers } from './engine';

const HOST = '127.0.0.1:5000';
const PREFIX = 'dfsize-test-bases';
/** The mirror as DFSIZE_REGISTRY_MIRROR and dockerfileSize.registry.mirror name it. */
export const BASE_MIRROR = `${HOST}/${PREFIX}`;

/** The compressed size of `repo:tag` as its manifest in a registry says: its layers and its config. */
export async function manifestBytes(
  repo: string,
  tag: string,
  registry = REGISTRY,
  headers: Record<string, string> = {},
): Promise<number> {
  const r = await fetch(`${registry}/v2/${repo}/manifests/${tag}`, {
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json', ...headers },
  });
  assert.equal(r.status, 200, `${repo}:${tag} is in the registry`);
  const m = (await r.json()) as { config: { size: number }; layers: Array<{ size: number }> };
  return m.layers.reduce((s, l) => s + l.size, 0) + m.config.size;
}

/** Whether the open registry answers, once started by scripts/parts/registry.sh when it did not. */
export async function serveOpenRegistry(): Promise<boolean> {
  if (!(await registryAnswers())) execFileSync('bash', [join(RECIPES, 'registry.sh'), 'serve'], { stdio: 'inherit' });
  return registryAnswers();
}

/**
 * Pushes both images as `<mirror>/library/debian:bookworm` and `:bookworm-slim` with the 20.10 engine, logged in by
 * the docker config folder `dockerConfig` when one is given.
 */
export async function pushBases(mirror: string, dockerConfig?: string): Promise<void> {
  await ensureBusybox();
  await ensureDebian();
  const docker = (...args: string[]) =>
    runCommand('docker', dockerConfig === undefined ? args : ['--config', dockerConfig, ...args]);
  for (const [local, tag] of [
    [DEBIAN, 'bookworm'],
    [BUSYBOX, 'bookworm-slim'],
  ] as const) {
    const remote = `${mirror}/library/debian:${tag}`;
    await docker('tag', local, remote);
    await docker('push', remote);
    await docker('rmi', remote);
  }
}

/** Pushes both images (null when no registry answers) and gives their compressed sizes. */
export async function pushBaseMirror(): Promise<{ full: number; slim: number } | null> {
  if (!(await serveOpenRegistry())) return null;
  await pushBases(BASE_MIRROR);
  const full = await manifestBytes(`${PREFIX}/library/debian`, 'bookworm');
  const slim = await manifestBytes(`${PREFIX}/library/debian`, 'bookworm-slim');
  assert.ok(full > 10 * slim, `${full} B and ${slim} B`);
  return { full, slim };
}
