// An image in a registry, read by layer: the manifest and the config first (the config names every layer's diffID),
// then only the blobs of layers that neither the local cache nor the shared one (`--cache-from`) has. What is fetched
// streams through the archive reader as an OCI layout that leaves the known blobs out (registry/image.ts), each layer
// hashed against its diffID as it streams: a layer that matches is exactly what the engine would export, so its list
// is cached `trusted` (it serves engine and archive analyses too) the moment it is read, and a fetch cut later loses
// only what was not read yet. Foreign layers (non-distributable: Windows bases) are not fetched but reported, with
// the manifest's size.
import { imageInfoOf, readArchive } from '../engine/archive';
import { blobPath } from '../engine/archiveDocs';
import type { LayerStats } from '../engine/layerScan';
import { RegistryError, type RegistryClient } from '../registry/client';
import { fetchConfig, isForeignLayer, registryArchive, type Descriptor, type RegistryImage } from '../registry/image';
import {
  checkAbort,
  finish,
  fromCache,
  readLayers,
  type AnalyzedImage,
  type AnalyzeOptions,
  type UnreadLayer,
} from './analyze';
import type { AnalysisCache } from './cache';
import { localLists } from './knownLists';
import { LayerListBuilder, type LayerList } from './entries';

/** A manifest layer with the diffID its config names for it. */
interface Layer {
  readonly desc: Descriptor;
  readonly diffId: string;
}

/** Each manifest layer with its diffID from the config (the archive reader checks the rest of the config). */
function layersOf(client: RegistryClient, image: RegistryImage, config: Buffer): Layer[] {
  let ids: unknown;
  try {
    ids = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  } catch {
    ids = undefined;
  }
  if (!Array.isArray(ids) || ids.length !== image.layers.length || !ids.every((d) => typeof d === 'string'))
    throw new RegistryError(
      'protocol',
      client.host,
      `the config ${image.config.digest} of ${image.repo} does not name one diffID for each of its ${image.layers.length} layers`,
    );
  return image.layers.flatMap((desc, i) => {
    const diffId = ids[i];
    return diffId === undefined ? [] : [{ desc, diffId }];
  });
}

/** A foreign layer as the analysis carries it: no entries, the manifest's (compressed) size. */
function unreadList(d: Descriptor): LayerList {
  const stats: LayerStats = {
    compression: 'gzip',
    entries: 0,
    sizeBytes: d.size,
    diveBytes: 0,
    tarBytes: 0,
    digest: null,
  };
  return new LayerListBuilder().finish(stats);
}

interface Plan {
  /** Every layer's list that need not be fetched, by diffID. */
  readonly lists: Map<string, LayerList>;
  /** Whether some came from the shared cache (then the image is not cached as trusted). */
  readonly shared: boolean;
  readonly unread: UnreadLayer[];
  /** The blobs to fetch, each once. */
  readonly fetch: Descriptor[];
}

/** Which layers are known (local cache, then `opts.layerSource`), which are foreign, which must be fetched. */
async function plan(layers: readonly Layer[], opts: AnalyzeOptions): Promise<Plan> {
  const cache = opts.cache ?? null;
  const diffIds = layers.map((l) => l.diffId);
  const lists = await localLists(cache, ['trusted'], diffIds);
  const missing = [...new Set(diffIds.filter((d) => !lists.has(d)))];
  // Headers are seen only by reading (--dive-json): then every blob is fetched.
  const source = opts.onHeader ? null : opts.layerSource;
  const shared = missing.length && source ? await source.lookup(missing, opts.signal) : new Map<string, LayerList>();
  for (const [d, l] of shared) lists.set(d, l);
  // A foreign layer neither cache knows is reported, not fetched.
  const unread: UnreadLayer[] = [];
  layers.forEach(({ desc: d, diffId }, index) => {
    if (lists.has(diffId) || !isForeignLayer(d)) return;
    const reason = `a foreign layer (${d.mediaType}): the registry does not serve it, so it was not read`;
    unread.push({ index, digest: d.digest, mediaType: d.mediaType, sizeBytes: d.size, reason });
    lists.set(diffId, unreadList(d));
  });
  const seen = new Set<string>();
  const fetch = layers
    .filter(({ desc, diffId }) => {
      if (lists.has(diffId) || seen.has(desc.digest)) return false;
      seen.add(desc.digest);
      return true;
    })
    .map((l) => l.desc);
  return { lists, shared: shared.size > 0, unread, fetch };
}

function unreadNote(unread: readonly UnreadLayer[]): string | null {
  if (!unread.length) return null;
  const which = unread.map((u) => u.index + 1).join(', ');
  return `${unread.length === 1 ? 'layer' : 'layers'} ${which}: foreign (not served by the registry), not read; sizes from the manifest`;
}

/** Writes each layer as it is read, when its bytes hash to its diffID; the writes are awaited by `settle`. */
function eagerStore(cache: AnalysisCache | null, layers: readonly Layer[]) {
  const diffIdOf = new Map(layers.map((l) => [blobPath(l.desc.digest), l.diffId]));
  const writes: Array<Promise<boolean>> = [];
  return {
    onList: (blob: string, list: LayerList) => {
      const diffId = diffIdOf.get(blob);
      if (cache && diffId && list.stats.digest === diffId) writes.push(cache.writeLayer('trusted', diffId, list));
    },
    settle: () => Promise.all(writes),
  };
}

/**
 * An image in a registry: cached whole by its config digest (no blob fetched), else by layer. Throws RegistryError
 * (the registry's trouble: a cut, a digest mismatch, a missing blob), ArchiveFormatError, AbortedError.
 */
export async function analyzeRegistry(
  client: RegistryClient,
  image: RegistryImage,
  opts: AnalyzeOptions,
): Promise<AnalyzedImage> {
  const cache = opts.cache ?? null;
  const of = image.layers.length;
  const hit = cache && (await fromCache(cache, ['trusted'], image.config.digest, opts, 'registry'));
  if (hit) return { ...hit, fetched: { layers: 0, of, bytes: client.bytesReceived } };
  const config = await fetchConfig(client, image);
  const layers = layersOf(client, image, config);
  const p = await plan(layers, opts);
  const total = p.fetch.reduce((n, l) => n + l.size, 0);
  let failure: unknown = null;
  const archive = registryArchive(client, image, config, p.fetch, (e) => (failure ??= e));
  const store = eagerStore(cache, layers);
  // Every fetched layer is hashed against its diffID: what is cached from here is as sure as the engine's export.
  const read = await readLayers((o) => readArchive(archive, o), { ...opts, verifyLayers: true }, total, {
    lists: p.lists,
    onList: store.onList,
  })
    // A fetch that failed says what happened (a cut, a digest mismatch); the reader would only see a torn archive.
    .catch((e: unknown) => {
      throw failure ?? e;
    })
    .finally(store.settle);
  checkAbort(opts.signal);
  const note = [read.archive.note, unreadNote(p.unread)].filter(Boolean).join('; ') || null;
  const platform = read.archive.platform ?? image.platform;
  const info = imageInfoOf(read.archive);
  const { result, doc } = finish(image.config.digest, read.layers, info, opts, 'registry', platform, note, null);
  // Only an image read or made of trusted layers is cached whole: foreign or shared layers are asked again next time.
  if (cache && !p.shared && !p.unread.length) await cache.writeImage('trusted', doc);
  const fetched = { layers: p.fetch.length, of, bytes: client.bytesReceived };
  const cached = p.fetch.length ? null : 'layers';
  return {
    ...result,
    cached,
    fetched,
    unread: p.unread,
    layers: read.layers,
    layerBlobs: read.archive.layers.map((l) => l.blob),
  };
}
