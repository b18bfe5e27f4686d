// The analysis' entry point: an image (from an engine, by reference or id) or an archive file in; the ImageAnalysis
// contract, per-path contents and the image's metadata out. Cached first (an image analysed before reads no archive
// and no export; an image whose layers were all analysed before needs no export either), streamed otherwise: one pass
// over the engine's export or the file, with progress, cancellable.
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import type { ImageAnalysis } from '../core/analysis';
import type { ImageInfo } from '../core/history';
import {
  AbortedError,
  ArchiveFormatError,
  imageInfoOf,
  readArchive,
  readArchiveFile,
  type ArchiveImage,
} from '../engine/archive';
import type { ScanLimits } from '../engine/layerScan';
import type { TarHeader } from '../engine/tarFormat';
import { EngineError, type ImageSource } from '../engine/source';
import type { RegistryClient } from '../registry/client';
import type { RegistryImage } from '../registry/image';
import { AnalysisCache, type CachedImage, type CacheScope } from './cache';
import { computeAnalysis, contentsOf, type ComputedLayer } from './compute';
import type { ImageContents } from './contents';
import { LayerListBuilder, type LayerList } from './entries';
import { knownLists } from './knownLists';
import type { LayerSource } from './layerSource';
import { analyzeRegistry } from './registryAnalysis';

export { AbortedError };

export type AnalysisSource =
  | { readonly archive: string }
  | { readonly engine: ImageSource; readonly image: string }
  | { readonly registry: RegistryClient; readonly image: RegistryImage };

export interface AnalysisProgress {
  readonly phase: 'reading' | 'computing';
  readonly bytes: number;
  /** The input's size when known (an archive file), else the engine's estimate (the image size). */
  readonly totalBytes: number | null;
}

export interface AnalyzeOptions {
  readonly signal?: AbortSignal;
  /** At most every 100 ms while reading, and once when computing starts. */
  readonly onProgress?: (p: AnalysisProgress) => void;
  readonly cache?: AnalysisCache | null;
  /** `os/arch[/variant]` to pick from a multi-platform archive. */
  readonly platform?: string;
  readonly limits?: ScanLimits;
  /** Hash every layer of an archive file against its diffID (its results may then serve engine analyses too). */
  readonly verifyLayers?: boolean;
  /** Whether to build the per-path contents (default true); without them a cached image costs one small read. */
  readonly contents?: boolean;
  /**
   * Every tar header of every layer blob as it is read, keyed by the blob's path in the archive (dive's export lists
   * them). The image is then always read: the cache is neither asked nor written.
   */
  readonly onHeader?: (blob: string, header: TarHeader) => void;
  /** Asked for the layers the local cache lacks before any export or blob is read (`--cache-from`). */
  readonly layerSource?: LayerSource | null;
}

export interface AnalyzedImage {
  readonly analysis: ImageAnalysis;
  readonly contents: ImageContents | null;
  /** Metadata and history; history rows carry empty_layer when the image config was read. */
  readonly info: ImageInfo;
  readonly source: 'engine' | 'archive' | 'registry';
  readonly platform: string | null;
  /** When the archive offered a choice (platforms, images): which one was analysed and why. */
  readonly note: string | null;
  /** 'image': the whole result came from the cache; 'layers': every layer did (no export was needed). */
  readonly cached: 'image' | 'layers' | null;
  /** Where each layer's blob sat in the archive or export (`<id>/layer.tar`, `blobs/sha256/<hex>`), when it was read. */
  readonly layerBlobs?: readonly string[];
  /** Each layer's diffID and entry list, when they were computed or read in this call (`--cache-to` shares them). */
  readonly layers?: readonly ComputedLayer[];
  /** From a registry: how many layer blobs were fetched, of how many, and the bytes received (manifests included). */
  readonly fetched?: { readonly layers: number; readonly of: number; readonly bytes: number };
  /** Layers that were not read, and why (foreign layers a registry does not serve): their sizes are the manifest's. */
  readonly unread?: readonly UnreadLayer[];
}

export interface UnreadLayer {
  readonly index: number;
  readonly digest: string;
  readonly mediaType: string;
  readonly sizeBytes: number;
  readonly reason: string;
}

export interface Read {
  archive: ArchiveImage;
  layers: ComputedLayer[];
}

/** Layers the archive may lack, by diffID (a registry image read in part), and who hears of each layer as it ends. */
export interface ReadKnown {
  readonly lists: ReadonlyMap<string, LayerList>;
  /** Each blob's list as soon as the blob was read whole (every blob must then be a layer of the image). */
  readonly onList: (blob: string, list: LayerList) => void;
}

/** One pass over an archive stream, building each layer's list as its entries go by. */
export async function readLayers(
  run: (o: Parameters<typeof readArchive>[1]) => Promise<ArchiveImage>,
  opts: AnalyzeOptions,
  totalBytes: number | null,
  known?: ReadKnown,
): Promise<Read> {
  const builders = new Map<string, LayerListBuilder>();
  const done = new Map<string, LayerList>();
  let last = 0;
  const archive = await run({
    known: known && new Map([...known.lists].map(([d, l]) => [d, l.stats])),
    platform: opts.platform,
    limits: opts.limits,
    verifyLayers: opts.verifyLayers,
    signal: opts.signal,
    onHeader: opts.onHeader,
    onEntry: (blob, e) => {
      let b = builders.get(blob);
      if (!b) builders.set(blob, (b = new LayerListBuilder()));
      b.add(e);
    },
    onBlobEnd: (blob, ok, stats) => {
      if (ok && stats && known) {
        const list = (builders.get(blob) ?? new LayerListBuilder()).finish(stats);
        done.set(blob, list);
        known.onList(blob, list);
      }
      if (!ok || known) builders.delete(blob);
    },
    onBytes:
      opts.onProgress &&
      ((bytes) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        opts.onProgress!({ phase: 'reading', bytes, totalBytes });
      }),
  });
  const layers = archive.layers.map((l, i): ComputedLayer => {
    let list = done.get(l.blob) ?? (l.diffId ? known?.lists.get(l.diffId) : undefined);
    if (!list) done.set(l.blob, (list = (builders.get(l.blob) ?? new LayerListBuilder()).finish(l.stats)));
    return { diffId: l.diffId ?? `layer-${i}`, list };
  });
  builders.clear();
  return { archive, layers };
}

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}

export async function fromCache(
  cache: AnalysisCache,
  scopes: readonly CacheScope[],
  imageId: string,
  opts: AnalyzeOptions,
  source: AnalyzedImage['source'],
): Promise<AnalyzedImage | null> {
  let doc: CachedImage | null = null;
  for (const s of scopes) if (!doc) doc = await cache.readImage(s, imageId);
  if (!doc) return null;
  let contents: ImageContents | null = null;
  if (opts.contents !== false) {
    const known = await knownLists(cache, scopes, doc.diffIds, null, opts.signal);
    if (!known) return null; // a layer list was evicted: analyse again
    contents = contentsOf(known.layers);
  }
  return {
    analysis: doc.analysis,
    contents,
    info: doc.info,
    source,
    platform: doc.platform,
    note: doc.note,
    cached: 'image',
  };
}

/** The analysis cached for the archive file `key` names: unverified results serve archive analyses only. */
async function fromArchiveCache(
  cache: AnalysisCache,
  key: string,
  opts: AnalyzeOptions,
): Promise<AnalyzedImage | null> {
  const known = await cache.readArchiveFile(key);
  return (
    known &&
    fromCache(cache, known.scope === 'trusted' ? ['trusted'] : ['archive', 'trusted'], known.imageId, opts, 'archive')
  );
}

async function store(
  cache: AnalysisCache | null | undefined,
  scope: CacheScope,
  layers: readonly ComputedLayer[],
  doc: CachedImage,
): Promise<void> {
  if (!cache) return;
  // Layers first: an image document is only ever read with its layers there.
  for (const l of layers) if (!l.diffId.startsWith('layer-')) await cache.writeLayer(scope, l.diffId, l.list);
  await cache.writeImage(scope, doc);
}

export function finish(
  imageId: string,
  layers: ComputedLayer[],
  info: ImageInfo,
  opts: AnalyzeOptions,
  source: AnalyzedImage['source'],
  platform: string | null,
  note: string | null,
  cached: AnalyzedImage['cached'],
): { result: AnalyzedImage; doc: CachedImage } {
  opts.onProgress?.({ phase: 'computing', bytes: 0, totalBytes: null });
  const { analysis, contents } = computeAnalysis(imageId, layers);
  const result: AnalyzedImage = {
    analysis,
    contents: opts.contents === false ? null : contents,
    info,
    source,
    platform,
    note,
    cached,
  };
  return { result, doc: { imageId, analysis, info, diffIds: layers.map((l) => l.diffId), platform, note } };
}

async function analyzeEngine(engine: ImageSource, image: string, opts: AnalyzeOptions): Promise<AnalyzedImage> {
  const cache = opts.cache ?? null;
  const details = await engine.inspect(image);
  checkAbort(opts.signal);
  const hit = cache && (await fromCache(cache, ['trusted'], details.id, opts, 'engine'));
  if (hit) return hit;
  const known = details.layers.length
    ? await knownLists(cache, ['trusted'], details.layers, opts.layerSource, opts.signal)
    : null;
  if (known) {
    const info: ImageInfo = { ...details, history: await engine.history(details.id) };
    const { result, doc } = finish(details.id, known.layers, info, opts, 'engine', null, null, 'layers');
    // Only what the local cache held is trusted: an image made of shared analyses is not cached as the engine's.
    if (cache && !known.shared) await cache.writeImage('trusted', doc);
    return { ...result, layers: known.layers };
  }
  const stream = await engine.export(details.id);
  const destroy = () => (stream as unknown as { destroy?: () => void }).destroy?.();
  opts.signal?.addEventListener('abort', destroy, { once: true });
  let broken = null as Error | null;
  stream.on('error', (e: Error) => {
    broken ??= e;
  });
  let read: Read;
  try {
    read = await readLayers((o) => readArchive(stream as AsyncIterable<Buffer>, o), opts, details.sizeBytes || null);
  } catch (e) {
    if (e instanceof AbortedError || opts.signal?.aborted) throw new AbortedError();
    // The export's own deadline (engine/dockerode.ts: it stopped sending) says what happened in its own words.
    if (broken instanceof EngineError) throw broken;
    // The engine went away mid-export (its socket closed, the stream ended early): the engine's failure, not the image's.
    const cut = broken ?? (e instanceof ArchiveFormatError && /truncated/.test(e.message) ? e : null);
    if (cut)
      throw new EngineError(
        'unreachable',
        `the engine at ${engine.endpoint} stopped sending the export of ${image} (${cut.message}): is it still running?`,
      );
    if (e instanceof ArchiveFormatError) throw new ArchiveFormatError(`the export of ${image}: ${e.message}`);
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', destroy);
    destroy();
  }
  checkAbort(opts.signal);
  // The export's config has what the history API lacks (empty_layer); the engine knows the image's names.
  const info: ImageInfo = { ...imageInfoOf(read.archive), id: details.id, refs: details.refs, labels: details.labels };
  const { result, doc } = finish(details.id, read.layers, info, opts, 'engine', read.archive.platform, null, null);
  await store(cache, 'trusted', read.layers, doc);
  return { ...result, layers: read.layers, layerBlobs: read.archive.layers.map((l) => l.blob) };
}

/** What identifies an archive file's contents without reading it: where it is and its inode's size and times. */
async function fileKey(path: string, opts: AnalyzeOptions): Promise<string> {
  const real = await realpath(path);
  const st = await stat(real, { bigint: true });
  return createHash('sha256')
    .update(
      JSON.stringify([
        real,
        String(st.dev),
        String(st.ino),
        String(st.size),
        String(st.mtimeNs),
        String(st.ctimeNs),
        opts.platform ?? '',
      ]),
    )
    .digest('hex');
}

async function analyzeArchive(path: string, opts: AnalyzeOptions): Promise<AnalyzedImage> {
  const cache = opts.cache ?? null;
  // No key (the file cannot be examined): no cache lookup; reading the archive below reports why, to the user.
  const key = cache ? await fileKey(path, opts).catch(() => null) : null;
  const hit = cache && key ? await fromArchiveCache(cache, key, opts) : null;
  if (hit) return hit;
  // Only for the progress bar's total (null: none shown); opening the archive below reports a file it cannot read.
  const total = await stat(path).then(
    (s) => s.size,
    () => null,
  );
  const read = await readLayers((o) => readArchiveFile(path, o), opts, total);
  checkAbort(opts.signal);
  const scope: CacheScope = opts.verifyLayers ? 'trusted' : 'archive';
  const imageId = read.archive.configDigest;
  const { result, doc } = finish(
    imageId,
    read.layers,
    imageInfoOf(read.archive),
    opts,
    'archive',
    read.archive.platform,
    read.archive.note,
    null,
  );
  if (cache && key) {
    await store(cache, scope, read.layers, doc);
    await cache.writeArchiveFile(key, imageId, scope);
  }
  return { ...result, layers: read.layers, layerBlobs: read.archive.layers.map((l) => l.blob) };
}

/**
 * Analyses an image: `{ engine, image }` (a reference or id on that engine; read through its export) or
 * `{ archive }` (a file: docker save, an OCI layout). Throws EngineError (engine trouble), ArchiveFormatError (a bad
 * archive, one line), AbortedError (cancelled), or the file system's error for a missing file.
 */
export async function analyzeImage(source: AnalysisSource, given: AnalyzeOptions = {}): Promise<AnalyzedImage> {
  checkAbort(given.signal);
  // Headers are only seen by reading: a cached image would give none.
  const opts: AnalyzeOptions = given.onHeader ? { ...given, cache: null } : given;
  if ('archive' in source) return analyzeArchive(source.archive, opts);
  if ('registry' in source) return analyzeRegistry(source.registry, source.image, opts);
  return analyzeEngine(source.engine, source.image, opts);
}

/** An image's analysis if the cache has it (no export, no archive read): what `dfsize report` adds when it can. */
export async function cachedAnalysis(
  cache: AnalysisCache,
  imageId: string,
  opts: Pick<AnalyzeOptions, 'contents'> = {},
): Promise<AnalyzedImage | null> {
  // Only an optimisation for `report`: an entry that cannot be read is a miss, and `analyze` makes it again.
  return fromCache(cache, ['trusted'], imageId, opts, 'engine').catch(() => null);
}

/** An archive file's analysis if an earlier one of the same file (same path, size and times) is in the cache. */
export async function cachedArchiveAnalysis(cache: AnalysisCache, path: string): Promise<AnalyzedImage | null> {
  // As above: a miss when the archive or its entry cannot be read (then `report` runs without the measured sizes).
  const key = await fileKey(path, {}).catch(() => null);
  return key ? fromArchiveCache(cache, key, {}).catch(() => null) : null;
}

/**
 * A registry image's analysis if the cache has it, by its config digest: what an untrusted workspace may show (it
 * never fetches). Registry analyses are stored in the `trusted` scope (their layers checked against the diffIDs);
 * an unverified archive's never stands in for one. Null on a miss.
 */
export async function cachedRegistryAnalysis(
  cache: AnalysisCache,
  configDigest: string,
): Promise<AnalyzedImage | null> {
  return fromCache(cache, ['trusted'], configDigest, {}, 'registry');
}
