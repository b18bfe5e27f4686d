// `--cache-from REGISTRY/REPO[:TAG]` and `--cache-to REGISTRY/REPO[:TAG]` (docs/registry-cache.md): layer analyses
// fetched from, and pushed to, a cache the team keeps in their registry (registry/sharedCache.ts). Neither is needed
// for the analysis: a cache that cannot be read or written is one warning line on stderr, and the analysis stands.
import type { AnalyzedImage } from '../analysis/analyze';
import type { AnalysisCache } from '../analysis/cache';
import type { ComputedLayer } from '../analysis/compute';
import { formatBytes, plural } from '../core/format';
import { RegistryClient, RegistryError } from '../registry/client';
import { CredentialError } from '../registry/credentials';
import type { RegistryImage } from '../registry/image';
import { shareLayers, SharedLayerSource, type SharedImage, type ShareResult } from '../registry/sharedCache';
import { parseCacheRef, type CacheRef } from '../registry/sharedIndex';
import { UsageError } from './errors';
import type { CliIo } from './report';

function cacheRef(flag: string, text: string): CacheRef {
  const at = parseCacheRef(text);
  if (!at) throw new UsageError(`${flag} ${text}: name a registry repository, REGISTRY/REPO[:TAG] (no digest)`);
  return at;
}

/** How registries are spoken to: `--insecure-registry` and the `--ca-cert` files' PEM text. */
export interface RegistryTls {
  readonly insecure: boolean;
  readonly ca: readonly string[];
}

/** The LayerSource of `--cache-from`, warning on stderr for what it cannot use. */
export function sharedSource(text: string, io: CliIo, tls: RegistryTls): SharedLayerSource {
  const at = cacheRef('--cache-from', text);
  const client = new RegistryClient(at.host, { env: io.env, ...tls });
  return new SharedLayerSource(client, at, { warn: (line) => io.stderr(`dfsize: warning: ${line}\n`) });
}

/** One line per place the shared analyses came from (the image's referrers, the index), and what that cost. */
export function sharedSourceLine(source: SharedLayerSource): string {
  return [...source.origins]
    .map(
      ([from, o]) =>
        `dfsize: ${plural(o.count, 'layer analysis', 'layer analyses')} from ${from} (${formatBytes(o.bytes)} fetched)\n`,
    )
    .join('');
}

/** A registry image analysed: its registry's API host and its manifest. */
export interface ImageInRegistry {
  readonly host: string;
  readonly image: RegistryImage;
}

/** The image to tie the analyses to: only one in the cache's own repository (referrers live beside their subject). */
function imageToTie(at: CacheRef, result: AnalyzedImage, given: ImageInRegistry | null): SharedImage | null {
  if (!given || given.host !== at.host || given.image.repo !== at.repo) return null;
  const m = given.image.manifest;
  return { subject: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, diffIds: result.info.layers };
}

function referrersNote(via: ShareResult['referrers']): string {
  if (!via) return '';
  if ('failed' in via) return `; not tied to the image (${via.failed})`;
  return via.api
    ? "; tied to the image (the registry's referrers API)"
    : `; tied to the image (referrers tag ${via.tag.slice(0, 19)}…)`;
}

/**
 * The layers of the result that may be shared: those this run computed (or read from the local trusted cache), never
 * the ones that came from a shared cache (not verified here, so not passed on), and how many are unknown.
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
  opts: {
    cache: AnalysisCache | null;
    from: SharedLayerSource | null;
    tls: RegistryTls;
    image?: ImageInRegistry | null;
  },
): Promise<void> {
  const at = cacheRef('--cache-to', text);
  const client = new RegistryClient(at.host, { env: io.env, ...opts.tls });
  const { layers, unknown } = await layersToShare(result, opts.cache, opts.from);
  try {
    const r = await shareLayers(client, at, layers, imageToTie(at, result, opts.image ?? null));
    const skipped = unknown ? `; ${unknown} not shared (no verified analysis of them on this machine)` : '';
    io.stderr(
      `dfsize: --cache-to ${at.host}/${at.repo}:${at.tag}: ${plural(r.pushed, 'layer analysis', 'layer analyses')} pushed (${formatBytes(r.bytes)}), ${r.had} there already${skipped}${referrersNote(r.referrers)}\n`,
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
