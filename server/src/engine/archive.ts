// Every image source becomes one canonical form here: the engine's export (`GET /images/{id}/get`) and archive
// files — legacy docker-archive (manifest.json, <id>/layer.tar), Docker ≥ 25 / containerd saves (OCI layout with a
// compatibility manifest.json) and pure OCI layouts (index.json → nested index → manifest → config + layers). The
// tar is read once, in whatever order its entries come: small JSON documents are kept, layer blobs are scanned as
// they stream by (layerScan), and the manifest decides afterwards which blob is which layer (archiveIndex).
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { HistoryRow, ImageInfo } from '../core/history';
import { configFromApi } from './apiJson';
import { fileChunks, notRegular, OPEN_USER_FILE } from './fileChunks';
import { resolveImage, type ArchiveDocs, type ArchiveImage } from './archiveIndex';
import {
  ArchiveFormatError,
  cleanPath,
  compressionOf,
  DEFAULT_LIMITS,
  decompressed,
  LayerScanner,
  peek,
  type LayerEntry,
  type LayerStats,
  type ScanBudget,
  type ScanLimits,
} from './layerScan';
import { TarError, type TarBody, type TarHeader } from './tarFormat';
import { TarReader } from './tarReader';

export { ArchiveFormatError } from './layerScan';
export { hostPlatform } from './platform';
export type { ArchiveImage } from './archiveIndex';

export interface ReadOptions {
  /** `os/arch[/variant]` to pick from a multi-platform index (default: this machine's, else the only one). */
  readonly platform?: string;
  /** Which image of a multi-image archive (a RepoTag or ref name); default the first. */
  readonly ref?: string;
  /** Called for every entry of every layer blob, keyed by the blob's path in the archive. */
  readonly onEntry?: (blob: string, entry: LayerEntry) => void;
  /** Called for every tar header of every layer blob, before it becomes an entry (or is left out as none). */
  readonly onHeader?: (blob: string, header: TarHeader) => void;
  /** Called when a blob that looked like a layer was read (ok, with its stats) or is unreadable (entries void). */
  readonly onBlobEnd?: (blob: string, ok: boolean, stats?: LayerStats) => void;
  readonly limits?: ScanLimits;
  /** The input's size when known (a file): an entry claiming more than what is left is a truncation, seen at once. */
  readonly totalBytes?: number;
  /** Check every layer against its diffID (sha256 of the uncompressed tar): exact, and costs a hash of every byte. */
  readonly verifyLayers?: boolean;
  /** Layers the caller has already analysed, by diffID: their blobs may be absent (a registry image read in part). */
  readonly known?: ReadonlyMap<string, LayerStats>;
  readonly signal?: AbortSignal;
  /** Bytes of the input consumed so far; called once per chunk. */
  readonly onBytes?: (bytes: number) => void;
}

/** Thrown when the read was cancelled through ReadOptions.signal. */
export class AbortedError extends Error {
  override name = 'AbortError';
  constructor() {
    super('cancelled');
  }
}

const MAX_JSON = 16 * 1024 * 1024;
/** All JSON documents kept together (configs, manifests, v1 `json` files): a bound on what small files can cost. */
const MAX_JSON_TOTAL = 64 * 1024 * 1024;
const DIGEST_NAME = /^(?:blobs\/sha256\/([a-f0-9]{64})|([a-f0-9]{64})\.json)$/;

class Collected implements ArchiveDocs {
  readonly json = new Map<string, unknown>();
  readonly digests = new Map<string, string>();
  readonly blobs = new Map<string, LayerStats>();
  readonly failed = new Map<string, string>();
  readonly aliases = new Map<string, string>();
  readonly sizes = new Map<string, number>();
  jsonBytes = 0;
  readonly budget: ScanBudget;
  constructor(
    readonly opts: ReadOptions,
    readonly limits: ScanLimits,
  ) {
    this.budget = { entries: limits.maxTotalEntries, bytes: limits.maxTotalBytes };
  }
}

/** One file of the archive: sniffed from its first bytes, then kept (JSON), scanned (a layer) or skipped. */
class BlobSink implements TarBody {
  private head: Buffer[] = [];
  private headLen = 0;
  private mode: 'sniff' | 'json' | 'layer' | 'skip' = 'sniff';
  private json: Buffer[] = [];
  private scanner: LayerScanner | null = null;

  constructor(
    private readonly c: Collected,
    private readonly name: string,
    private readonly size: number,
  ) {}

  private decide(): void | Promise<void> {
    const head = Buffer.concat(this.head, this.headLen);
    this.head = [];
    const kind = compressionOf(head);
    if (kind === 'json') {
      if (this.size > MAX_JSON || this.c.jsonBytes + this.size > MAX_JSON_TOTAL) {
        this.c.failed.set(this.name, 'is too large for an image document');
        this.mode = 'skip';
        return;
      }
      this.c.jsonBytes += this.size;
      this.mode = 'json';
      this.json.push(head);
      return;
    }
    const zeros = head.length >= 512 && head.every((b) => b === 0);
    if (kind !== 'gzip' && kind !== 'zstd' && kind !== 'tar' && !zeros) {
      this.mode = 'skip'; // VERSION, oci-layout's siblings, anything else
      return;
    }
    const { onEntry, onHeader } = this.c.opts;
    const name = this.name;
    this.scanner = new LayerScanner(
      kind === 'gzip' || kind === 'zstd' ? kind : 'none',
      (e) => onEntry?.(name, e),
      this.c.limits,
      this.c.budget,
      !!this.c.opts.verifyLayers,
      onHeader &&
        ((h) => {
          onHeader(name, h);
        }),
    );
    this.mode = 'layer';
    return this.feed(head);
  }

  /** A layer's bytes; a blob that cannot be read as a layer only matters if the manifest names it. */
  private feed(chunk: Buffer): void | Promise<void> {
    try {
      const r = this.scanner!.data(chunk);
      return r ? r.catch((e: unknown) => this.unreadable(e)) : undefined;
    } catch (e) {
      this.unreadable(e);
      return undefined;
    }
  }

  /** The layer's read failed: the blob is recorded as unreadable and skipped, unless the whole archive must stop. */
  private unreadable(e: unknown): void {
    if (e instanceof ArchiveFormatError) throw e;
    this.c.failed.set(this.name, `is not a readable layer (${(e as Error).message})`);
    this.c.opts.onBlobEnd?.(this.name, false);
    this.mode = 'skip';
  }

  data(chunk: Buffer): void | Promise<void> {
    switch (this.mode) {
      case 'sniff':
        this.head.push(Buffer.from(chunk));
        this.headLen += chunk.length;
        if (this.headLen >= Math.min(512, this.size)) return this.decide();
        return;
      case 'json':
        this.json.push(Buffer.from(chunk));
        return;
      case 'layer':
        return this.feed(chunk);
      default:
        return;
    }
  }

  async end(): Promise<void> {
    if (this.mode === 'sniff') await this.decide();
    if (this.mode === 'json') {
      this.keepJson();
      return;
    }
    if (this.mode !== 'layer') return;
    try {
      await this.scanner!.end();
      const { stats } = this.scanner!;
      this.c.blobs.set(this.name, stats);
      this.c.opts.onBlobEnd?.(this.name, true, stats);
    } catch (e) {
      this.unreadable(e);
    }
  }

  private keepJson(): void {
    const buf = Buffer.concat(this.json);
    this.json = [];
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    const named = DIGEST_NAME.exec(this.name);
    if (named && `sha256:${named[1] ?? named[2]}` !== digest) {
      this.c.failed.set(this.name, 'does not match its digest (the archive is corrupt or was altered)');
      return;
    }
    try {
      this.c.json.set(this.name, JSON.parse(buf.toString('utf8')));
      this.c.digests.set(this.name, digest);
    } catch {
      this.c.failed.set(this.name, 'is not valid JSON');
    }
  }
}

function entryName(h: TarHeader): string {
  return cleanPath(h.name).slice(1);
}

/** Reads an archive stream into its canonical form. Throws ArchiveFormatError with a one-line reason. */
export async function readArchive(input: AsyncIterable<Buffer>, opts: ReadOptions = {}): Promise<ArchiveImage> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const c = new Collected(opts, limits);
  const { head, stream } = await peek(input, 512);
  if (head.length === 0) throw new ArchiveFormatError('the archive is empty');
  const kind = compressionOf(head);
  if (kind !== 'tar' && kind !== 'gzip' && kind !== 'zstd')
    throw new ArchiveFormatError('not a tar archive (docker save or an OCI image layout)');
  const outer = kind === 'tar' ? stream : decompressed(stream, kind);
  // Only an uncompressed file's size says how many bytes are left for an entry.
  const total = kind === 'tar' ? opts.totalBytes : undefined;

  const reader = new TarReader((h) => {
    const name = entryName(h);
    // Refused from the header, before a byte of the body is read.
    if (h.type !== 'dir' && h.size > limits.maxBytes)
      throw new ArchiveFormatError(
        `the entry ${name} claims ${h.size} bytes (more than ${limits.maxBytes}): a bomb or a corrupt archive`,
      );
    if (total !== undefined && h.type === 'file' && h.size > total - h.offset) {
      throw new ArchiveFormatError(
        `the archive is truncated (${name} claims ${h.size} bytes, ${Math.max(0, total - h.offset)} are left)`,
      );
    }
    if (h.type === 'symlink' || h.type === 'hardlink') {
      // docker save links a layer.tar it already wrote to the first copy instead of writing it twice.
      const target =
        h.type === 'symlink'
          ? posix.normalize(posix.join(posix.dirname(name), h.linkname))
          : entryName({ ...h, name: h.linkname });
      c.aliases.set(name, target);
      return null;
    }
    if (h.type !== 'file') return null;
    c.sizes.set(name, h.size);
    return new BlobSink(c, name, h.size);
  });

  let read = 0;
  try {
    for await (const chunk of outer) {
      if (opts.signal?.aborted) throw new AbortedError();
      read += chunk.length;
      opts.onBytes?.(read);
      const r = reader.write(chunk);
      if (r) await r;
    }
    if (opts.signal?.aborted) throw new AbortedError();
    reader.end();
  } catch (e) {
    if (opts.signal?.aborted) throw new AbortedError();
    if (e instanceof ArchiveFormatError || e instanceof AbortedError) throw e;
    if (e instanceof TarError)
      throw new ArchiveFormatError(
        e.kind === 'truncated'
          ? 'the archive is truncated'
          : e.kind === 'bomb'
            ? e.message
            : `the archive is corrupt (${e.message})`,
      );
    const msg = (e as Error).message;
    throw new ArchiveFormatError(
      /unexpected end|premature|truncated|aborted|ECONNRESET|socket hang up/i.test(msg)
        ? `the archive is truncated (${msg})`
        : `the archive is corrupt (${msg})`,
    );
  }
  return resolveImage(c, opts);
}

/** The history of an archive image with each row's size (rows are paired with layers through empty_layer). */
export function imageInfoOf(a: ArchiveImage): ImageInfo {
  const c = a.config.config ?? {};
  let next = 0;
  const history: HistoryRow[] = (a.config.history ?? []).map((h) => {
    const empty = !!h.empty_layer;
    const layer = empty ? undefined : a.layers[next++];
    return {
      createdBy: h.created_by ?? '',
      sizeBytes: layer?.stats.sizeBytes ?? 0,
      created: h.created ?? null,
      comment: h.comment ?? '',
      id: null,
      emptyLayer: empty,
    };
  });
  return {
    id: a.configDigest,
    refs: a.refs,
    sizeBytes: a.layers.reduce((s, l) => s + l.stats.sizeBytes, 0),
    created: a.config.created ?? null,
    os: a.config.os ?? null,
    architecture: a.config.architecture ?? null,
    labels: c.Labels ?? {},
    layers: a.layers.map((l) => l.diffId ?? ''),
    history,
    config: configFromApi(c),
    // An archive's layer sizes are its layers' file bytes, whichever store wrote it.
    sizeMeasure: 'layer-tar',
  };
}

export async function readArchiveFile(path: string, opts: ReadOptions = {}): Promise<ArchiveImage> {
  // Opened first, so that a missing file is an ENOENT for the caller to word, not a format problem.
  const fh = await open(path, OPEN_USER_FILE);
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
  }
  const kind = notRegular(st);
  if (kind) {
    await fh.close();
    throw new ArchiveFormatError(
      `this is ${kind}, not an archive file: name a file written by docker save (or save one: docker save IMAGE -o FILE)`,
    );
  }
  const chunks = fileChunks(fh, st.size);
  try {
    return await readArchive(chunks, { totalBytes: st.size, ...opts });
  } finally {
    // Waits for the reads still under way when the read stopped early, then closes.
    await chunks.return(undefined);
    // The read's answer (or its failure) is already settled: a close that fails after it changes nothing the caller
    // could act on, and must not replace that answer.
    await fh.close().catch(() => undefined);
  }
}
