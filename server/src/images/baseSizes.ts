// Sizes of the image's base and of its smaller variants, for large-base-image, from the first place that knows both
// sides of a comparison (one comparison never mixes two places):
//   1. the engine, when it has both images (uncompressed, as `docker images` shows);
//   2. the registry the user pulls from — Docker Hub, or the configured mirror for Docker Hub's names; a reference
//      that names its own registry (mcr.microsoft.com/…) is asked there — through the registry client (its token
//      dance, the docker CLI's credentials): uncompressed when the layer analysis of both images is in the cache
//      (analysis/cache.ts, keyed by their config digests), else compressed from their manifests;
//   3. nothing: the rule then uses its dated table. Why the registry gave nothing is returned for the caller to log.
// The registry is asked with a bound on the whole (a registry that does not answer costs at most `timeoutMs`).
import type { AnalysisCache } from '../analysis/cache';
import type { DockerfileModel } from '../core/dockerfile';
import { baseImageCandidates } from '../core/rules/index';
import type { ImageSource } from '../engine/source';
import { apiHost, RegistryClient, RegistryError } from '../registry/client';
import { resolveRegistryImage } from '../registry/image';
import { mirroredRef, type MirroredRef } from '../registry/reference';

export type SizesFrom = 'engine' | 'registry' | 'analysis';

export interface BaseSizes {
  readonly sizes: Map<string, number>;
  readonly from: SizesFrom | null;
  /** The registry that gave the sizes (its API host), when one did. */
  readonly registry: string | null;
  /** Why the registry asked gave no sizes (it did not answer, refused, …); null when it did or none was asked. */
  readonly problem: string | null;
}

export interface RegistrySizing {
  /**
   * Where Docker Hub's names are looked up instead of Docker Hub: `host[:port][/prefix]` (`127.0.0.1:5000/mirror` →
   * `mirror/library/node:20` there), `https://` or `http://` in front to say how; null: Docker Hub itself.
   */
  readonly mirror: string | null;
  /** For the docker CLI's credentials (DOCKER_CONFIG, HOME, PATH for credential helpers). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The analysis cache, for uncompressed sizes of images analysed before. */
  readonly cache: AnalysisCache | null;
  /** The bound on all the registry's answers together (default 8 s). */
  readonly timeoutMs?: number;
}

export interface SizeSources {
  /** An engine that answered (sizes of local images); null to skip. */
  readonly source: ImageSource | null;
  /** How to ask registries; null: no registry is asked (an untrusted workspace, or none wanted). */
  readonly registry: RegistrySizing | null;
}

/**
 * How registries are asked, from the mirror setting (`dockerfileSize.registry.mirror`, DFSIZE_REGISTRY_MIRROR): ''
 * asks Docker Hub itself, `off` asks no registry (the table is used unless the engine has both images).
 */
export function registrySizing(
  mirror: string,
  env: Readonly<Record<string, string | undefined>>,
  cache: AnalysisCache | null,
): RegistrySizing | null {
  const m = mirror.trim();
  return m === 'off' ? null : { mirror: m || null, env, cache };
}

interface Sized {
  readonly compressed: number;
  /** The layers' bytes by a cached analysis of the same image (its config digest), as `dfsize analyze` says; or null. */
  readonly uncompressed: number | null;
}

/** One image's sizes in its registry; null when the registry has no such tag (or not for this platform). */
async function sizeIn(client: RegistryClient, at: MirroredRef, cache: AnalysisCache | null): Promise<Sized | null> {
  try {
    const image = await resolveRegistryImage(client, at.repo, at.ref);
    const compressed = image.layers.reduce((s, l) => s + l.size, 0) + image.config.size;
    const id = image.config.digest;
    // Registry and engine analyses are both cached in the `trusted` scope (keyed by config digest); an unverified
    // archive's (`archive`) never sizes a registry image.
    const hit = cache && (await cache.readImage('trusted', id));
    return { compressed, uncompressed: hit ? hit.analysis.layers.reduce((s, l) => s + l.sizeBytes, 0) : null };
  } catch (e) {
    // A tag the registry does not have is an answer (that variant has no size), not a failure.
    if (e instanceof RegistryError && e.kind === 'not-found') return null;
    throw e;
  }
}

/** Both sides of one comparison from its registry, or why not. */
async function fromRegistry(
  refs: readonly string[],
  how: RegistrySizing,
  signal: AbortSignal,
): Promise<{ got: Array<Sized | null>; host: string }> {
  const at = refs.map((r) => mirroredRef(r, how.mirror));
  const clients = new Map<string, RegistryClient>();
  const clientFor = (l: MirroredRef) => {
    let c = clients.get(l.host);
    if (!c) {
      c = new RegistryClient(l.host, { env: how.env, insecure: l.insecure, signal, maxRetryAfterMs: 0 });
      clients.set(l.host, c);
    }
    return c;
  };
  const got = await Promise.all(at.map((l) => (l ? sizeIn(clientFor(l), l, how.cache) : Promise.resolve(null))));
  return { got, host: at[0]?.host ?? apiHost(null) };
}

function problemOf(e: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return `the registry gave no answer within ${timeoutMs / 1000} s`;
  return e instanceof Error ? e.message : String(e);
}

async function engineSize(source: ImageSource, ref: string): Promise<number | null> {
  try {
    return (await source.inspect(ref)).sizeBytes;
  } catch {
    // An image the engine does not have (or an engine gone meanwhile): the registry or the table answers instead.
    return null;
  }
}

/** Both sides known: the base's size and at least one variant's. */
const paired = (got: ReadonlyArray<number | null>) => got[0] !== null && got.slice(1).some((g) => g !== null);

/** Sizes for every base/variant pair the Dockerfile's image has; both sides from the same place or neither. */
export async function baseImageSizes(model: DockerfileModel, src: SizeSources): Promise<BaseSizes> {
  const sizes = new Map<string, number>();
  let from: BaseSizes['from'] = null;
  let registry: string | null = null;
  let problem: string | null = null;
  const keep = (refs: readonly string[], got: ReadonlyArray<number | null>) =>
    refs.forEach((r, k) => {
      const g = got[k];
      if (g !== null && g !== undefined) sizes.set(r, g);
    });
  for (const c of baseImageCandidates(model)) {
    const refs = [c.from, ...c.variants];
    const engine = src.source;
    if (engine) {
      const got = await Promise.all(refs.map((r) => engineSize(engine, r)));
      if (paired(got)) {
        keep(refs, got);
        from = 'engine';
        continue;
      }
    }
    if (!src.registry) continue;
    const timeoutMs = src.registry.timeoutMs ?? 8000;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const { got, host } = await fromRegistry(refs, src.registry, signal);
      const compressed = got.map((g) => g?.compressed ?? null);
      if (!paired(compressed)) continue;
      // Uncompressed only when every side that has a size has it uncompressed too: never one of each.
      const whole = got.every((g) => g === null || g.uncompressed !== null);
      keep(
        refs,
        got.map((g) => (g === null ? null : whole ? g.uncompressed : g.compressed)),
      );
      from = whole ? 'analysis' : 'registry';
      registry = host;
    } catch (e) {
      problem = problemOf(e, timeoutMs, signal);
    }
  }
  return { sizes, from, registry, problem };
}
