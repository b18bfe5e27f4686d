// Every layer's analysis an image needs, found without reading the image: the local cache's first, then a LayerSource
// (a shared cache, `--cache-from`) for the rest. The engine and registry paths use it before any export or blob.
import type { AnalysisCache, CacheScope } from './cache';
import type { ComputedLayer } from './compute';
import type { LayerList } from './entries';
import type { LayerSource } from './layerSource';

/** The lists the local cache holds of `diffIds` (the first scope that has one wins); the others are absent. */
export async function localLists(
  cache: AnalysisCache | null,
  scopes: readonly CacheScope[],
  diffIds: readonly string[],
): Promise<Map<string, LayerList>> {
  const local = new Map<string, LayerList>();
  if (cache)
    for (const diffId of diffIds) {
      let list: LayerList | null = null;
      for (const s of scopes) if (!list) list = await cache.readLayer(s, diffId);
      if (list) local.set(diffId, list);
    }
  return local;
}

/**
 * Every layer's list without reading the image: the local cache's first, then what `source` has for the rest (a
 * shared cache). Null when some layer is in neither; then the image is read.
 */
export async function knownLists(
  cache: AnalysisCache | null,
  scopes: readonly CacheScope[],
  diffIds: readonly string[],
  source: LayerSource | null | undefined,
  signal: AbortSignal | undefined,
): Promise<{ layers: ComputedLayer[]; shared: number } | null> {
  const local = await localLists(cache, scopes, diffIds);
  const missing = diffIds.filter((d) => !local.has(d));
  const shared = missing.length && source ? await source.lookup(missing, signal) : new Map<string, LayerList>();
  const out: ComputedLayer[] = [];
  for (const diffId of diffIds) {
    const list = local.get(diffId) ?? shared.get(diffId);
    if (!list) return null;
    out.push({ diffId, list });
  }
  return { layers: out, shared: missing.length };
}
