// `--cache-from REGISTRY/REPO[:TAG]` and `--cache-to REGISTRY/REPO[:TAG]` (docs/registry-cache.md): layer analyses
// fetched from, and pushed to, a cache the team keeps in their registry (registry/sharedCache.ts). Neither is needed
// for the analysis: a cache that cannot be read or written is one warning line on stderr, and the analysis stands.
import type { AnalyzedImage } from '../analysis/analyze';
import type { AnalysisCache } from '../analysis/cache';
import type { ComputedLayer } from '../analysis/compute';
import { formatBytes, plural } from '../core/format';
import { RegistryClient, RegistryError } from '../registry/client';
import { CredentialError } from '../registry/credentials';
import { shareLayers, SharedLayerSource } from '../registry/sharedCache';
import { parseCacheRef, type CacheRef } from '../registry/sharedIndex';
import { UsageError } from './errors';
import type { CliIo } from './report';

function cacheRef(flag: string, text: string): CacheRef {
  const at = parseCacheRef(text);
  if (!at) throw new UsageError(`${flag} ${text}: name a registry repository, REGISTRY/REPO[:TAG] (no digest)`);
  return at;
}

/** The LayerSource of `--cache-from`, warning on stderr for what it cannot use. */
export function sharedSource(text: string, io: CliIo, insecure: boolean): SharedLayerSource {
  const at = cacheRef('--cache-from', text);
  const client = new RegistryClient(at.host, { env: io.env, insecure });
  return new SharedLayerSource(client, at, { warn: (line) => io.stderr(`dfsize: warning: ${line}\n`) });
}

/** One line saying how many layers came from the shared cache, and what that cost. */
export function sharedSourceLine(source: SharedLayerSource): string {
  const n = source.answered.size;
  return n
    ? `dfsize: ${plural(n, 'layer analysis', 'layer analyses')} from ${source.name} (${formatBytes(source.bytes)} fetched)\n`
    : '';
}

/**
 * The layers of the result that may be shared: those this run computed (or read from the local trusted cache), never
 * the ones that came from a shared cache (not verified here, so not passed on). Null when some are unknown.
 */
async function layersToShare(
  result: AnalyzedImage,
  cache: AnalysisCache | null,
  from: SharedLayerSource | null,
): Promise<{ layers: ComputedLayer[]; unknown: number }> {
  const all: ComputedLayer[] = [...(result.layers ?? [])];
  if (!result.layers && cache)
    for (const diffId of result.info.layers) {
      const list = await cache.readLayer('trusted', diffId);
      if (list) all.push({ diffId, list });
    }
  const layers = all.filter((l) => !l.diffId.startsWith('layer-') && !from?.answered.has(l.diffId));
  const unknown = new Set(result.info.layers).size - new Set(layers.map((l) => l.diffId)).size;
  return { layers, unknown: Math.max(0, unknown) };
}

/** `--cache-to`: pushes what the cache lacks; one line on stderr says what was shared, or why nothing was. */
export async function shareResult(
  text: string,
  io: CliIo,
  result: AnalyzedImage,
  opts: { cache: AnalysisCache | null; from: SharedLayerSource | null; insecure: boolean },
): Promise<void> {
  const at = cacheRef('--cache-to', text);
  const client = new RegistryClient(at.host, { env: io.env, insecure: opts.insecure });
  const { layers, unknown } = await layersToShare(result, opts.cache, opts.from);
  try {
    const r = await shareLayers(client, at, layers);
    const skipped = unknown ? `; ${unknown} not shared (no verified analysis of them on this machine)` : '';
    io.stderr(
      `dfsize: --cache-to ${at.host}/${at.repo}:${at.tag}: ${plural(r.pushed, 'layer analysis', 'layer analyses')} pushed (${formatBytes(r.bytes)}), ${r.had} there already${skipped}\n`,
    );
  } catch (e) {
    if (!(e instanceof RegistryError) && !(e instanceof CredentialError)) throw e;
    io.stderr(`dfsize: warning: --cache-to ${text}: ${e.message}; the analysis is not shared\n`);
  }
}

/** Parses both flags up front, so that a bad one is a usage error before any analysis. */
export function checkCacheFlags(values: { 'cache-to'?: string; 'cache-from'?: string }): void {
  if (values['cache-to'] !== undefined) cacheRef('--cache-to', values['cache-to']);
  if (values['cache-from'] !== undefined) cacheRef('--cache-from', values['cache-from']);
}
