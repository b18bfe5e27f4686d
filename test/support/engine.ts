// Real engines for the engine suites. A suite calls `needEngine(this, 'docker' | 'podman' | 'modern')` in its `before`:
// with no engine answering it is skipped and says so plainly, unless DFSIZE_REQUIRE_ENGINE=1 (CI), where it fails instead.
import type { Context } from 'mocha';
import { dockerFor, MODERN_HOST, type EngineKind } from './builds';

export const REQUIRE_ENGINE = process.env.DFSIZE_REQUIRE_ENGINE === '1';
export const PODMAN_SOCKET = process.env.DFSIZE_PODMAN_SOCKET ?? '/tmp/podman.sock';

const answered = new Map<string, Promise<string | null>>();

/** null when the engine answers, else why not. */
function probe(kind: EngineKind): Promise<string | null> {
  if (kind === 'modern' && !MODERN_HOST) return Promise.resolve('DFSIZE_MODERN_DOCKER_HOST is not set');
  if (!answered.has(kind)) {
    const docker = dockerFor(kind === 'podman' ? 'podman' : kind === 'modern' ? 'modern-buildkit' : 'legacy');
    // eslint-disable-next-line @typescript-eslint/no-confusing-void-expression -- dockerode's types: the callback form
    const ping = docker.ping({ abortSignal: AbortSignal.timeout(5000) } as never) as unknown as Promise<unknown>;
    answered.set(
      kind,
      ping.then(
        () => null,
        (e: unknown) => (e as Error).message,
      ),
    );
  }
  return answered.get(kind)!;
}

const MODERN_WHERE = `Docker 28 engine with the containerd image store at ${MODERN_HOST ?? '$DFSIZE_MODERN_DOCKER_HOST'}`;

export async function needEngine(ctx: Context, kind: EngineKind): Promise<void> {
  const why = await probe(kind);
  if (why === null) return;
  const where =
    kind === 'modern'
      ? MODERN_WHERE
      : kind === 'podman'
        ? `Podman service at ${PODMAN_SOCKET} (scripts/parts/podman.sh serve)`
        : 'Docker engine at /var/run/docker.sock (scripts/parts/engine.sh)';
  needPart(ctx, `no ${where} answers (${why})`);
}

/**
 * The one way a suite goes without a real part it needs: `missing` (null when the part is there) is printed as one
 * SKIPPED line and the suite is skipped — or, under DFSIZE_REQUIRE_ENGINE=1 (CI), the suite fails with it.
 */
export function needPart(ctx: Context, missing: string | null): void {
  if (missing === null) return;
  if (REQUIRE_ENGINE) throw new Error(`DFSIZE_REQUIRE_ENGINE=1 but ${missing}`);
  console.log(`      SKIPPED: ${missing}; set DFSIZE_REQUIRE_ENGINE=1 to make this a failure`);
  ctx.skip();
}

/** The local registry the suites push to and read manifests from (scripts/parts/registry.sh serve). */
export const REGISTRY = 'http://127.0.0.1:5000';

/** Whether a registry's API answers at `addr` (`host:port`); a 401 counts (an auth mode answers anonymous probes so). */
export function registryAnswers(addr = '127.0.0.1:5000'): Promise<boolean> {
  // Only asks whether the part is up: no answer is the same as a refused connection (the suite says which part is missing).
  return fetch(`http://${addr}/v2/`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.status === 200 || r.status === 401,
    () => false,
  );
}
