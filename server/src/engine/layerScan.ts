// Reads one layer blob as it streams by: its compression comes from its first bytes (never from its name), it is
// decompressed on the fly (gzip — estargz is gzip too —, zstd, or none) and its tar headers are read (tarReader.ts).
// Entry bodies are skipped, never kept and never written anywhere; only each entry's header becomes a LayerEntry.
// Memory is the decompressor's window and one header block, whatever the layer's size.
import { createHash, type Hash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ArchiveFormatError } from './archiveError';
import { inflater, type Compression, type Inflater } from './inflate';
import { TarHeaderReader } from './tarReader';
import { TarError, type TarHeader } from './tarFormat';

export type { Compression };
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other' | 'whiteout' | 'opaque';

export interface LayerEntry {
  /** Absolute, normalised ('/etc/passwd'); for a whiteout, the path it deletes; for an opaque marker, its directory. */
  readonly path: string;
  readonly type: EntryType;
  /** Bytes as Docker counts them: file size, symlink target length, 0 for directories, hard links and whiteouts. */
  readonly size: number;
  /** The tar header's size field, which is what dive adds up (0 for a symlink, where Docker counts its target). */
  readonly tarSize: number;
  readonly mode: number;
  /** A symlink's target as written; a hard link's target as a normalised absolute path. */
  readonly linkTarget: string | null;
}

export interface ScanLimits {
  /** Entries in one layer before it counts as a bomb. */
  readonly maxEntries: number;
  /** Uncompressed bytes of one layer (and the size one entry may claim) before it counts as a bomb. */
  readonly maxBytes: number;
  /** Entries in the whole archive: what the analysis keeps in memory is proportional to this. */
  readonly maxTotalEntries: number;
  /** Uncompressed bytes of the whole archive. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxEntries: 2_000_000,
  maxBytes: 64 * 1024 ** 3,
  maxTotalEntries: 4_000_000,
  maxTotalBytes: 256 * 1024 ** 3,
};

/** Linux's PATH_MAX: no file system Docker unpacks into holds a longer path. */
export const MAX_PATH_BYTES = 4096;

export interface LayerStats {
  readonly compression: Compression;
  readonly entries: number;
  /** Σ entry sizes: what `docker history` shows for this layer. */
  readonly sizeBytes: number;
  /** Σ tar header sizes of every entry, duplicates included: dive's layer size. */
  readonly diveBytes: number;
  /** Bytes of the uncompressed tar. */
  readonly tarBytes: number;
  /** sha256 of the uncompressed tar (the layer's diffID), when asked for. */
  readonly digest: string | null;
}

export { ArchiveFormatError };

/** What is left of the archive-wide budget; shared by every layer of one archive. */
export interface ScanBudget {
  entries: number;
  bytes: number;
}

export function compressionOf(head: Uint8Array): Compression | 'tar' | 'json' | 'unknown' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  const first = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b || first === 0x5b) return 'json';
  return 'unknown';
}

/**
 * Plain relative names (`usr/bin/env`, `etc/`) need no splitting: the common case, kept cheap. Plain means no NUL,
 * no leading or doubled `/`, no `.` or `..` component. (A regular expression said this before, but its `.` stops at a
 * newline, so `a\n/../..` passed as plain and was never resolved; this loop also costs a third of its time.)
 */
function isPlain(name: string): boolean {
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 0x2f;
    if (c === 0) return false;
    if (c !== 0x2f) continue;
    const len = i - start;
    if (len === 0 && i < name.length) return false;
    if (len === 1 && name.charCodeAt(start) === 0x2e) return false;
    if (len === 2 && name.charCodeAt(start) === 0x2e && name.charCodeAt(start + 1) === 0x2e) return false;
    start = i + 1;
  }
  return true;
}

/**
 * A tar entry name as an absolute path. Absolute names are rooted at the image root, as Docker unpacks them; a name
 * that climbs above the root with `..`, holds a NUL byte or is longer than PATH_MAX is refused, as Docker refuses it.
 * Returns '/' for the root itself.
 */
export function cleanPath(name: string): string {
  if (name.length > MAX_PATH_BYTES && Buffer.byteLength(name) > MAX_PATH_BYTES) {
    throw new ArchiveFormatError(
      `an entry name is ${Buffer.byteLength(name)} bytes long (more than ${MAX_PATH_BYTES}): the archive is corrupt or hostile`,
    );
  }
  if (isPlain(name)) return `/${name.endsWith('/') ? name.slice(0, -1) : name}`;
  if (name.includes('\0'))
    throw new ArchiveFormatError(
      `an entry name contains a NUL byte (${JSON.stringify(name.slice(0, 80))}): the archive is corrupt or hostile`,
    );
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p !== '..') parts.push(p);
    else if (!parts.pop())
      throw new ArchiveFormatError(
        `the entry ${JSON.stringify(name.slice(0, 200))} climbs out of the image root with ".."`,
      );
  }
  return `/${parts.join('/')}`;
}

/** estargz's table of contents travels inside the layer but is not a file of the image (nor one dive lists). */
function isEstargzIndex(path: string, compression: Compression): boolean {
  return compression === 'gzip' && path === '/stargz.index.json';
}

/** The entry as the image sees it, or null for what is not part of the image's file system. */
export function entryOf(h: TarHeader, compression: Compression): LayerEntry | null {
  const path = cleanPath(h.name);
  if (path === '/') return null;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const mode = h.mode;
  const tarSize = h.size;
  if (base.startsWith('.wh.')) {
    const dir = path.slice(0, slash);
    if (base === '.wh..wh..opq') return { path: dir || '/', type: 'opaque', size: 0, tarSize, mode, linkTarget: null };
    // Other `.wh..wh.` names are aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): Docker skips them when unpacking.
    if (base.startsWith('.wh..wh.')) return null;
    return { path: `${dir}/${base.slice(4)}`, type: 'whiteout', size: 0, tarSize, mode, linkTarget: null };
  }
  if (isEstargzIndex(path, compression)) return null;
  switch (h.type) {
    case 'file':
      return { path, type: 'file', size: h.size, tarSize, mode, linkTarget: null };
    case 'dir':
      return { path, type: 'dir', size: 0, tarSize, mode, linkTarget: null };
    case 'symlink':
      return { path, type: 'symlink', size: Buffer.byteLength(h.linkname), tarSize, mode, linkTarget: h.linkname };
    case 'hardlink':
      return { path, type: 'hardlink', size: 0, tarSize, mode, linkTarget: cleanPath(h.linkname) };
    default:
      return { path, type: 'other', size: 0, tarSize, mode, linkTarget: null };
  }
}

/** A layer's tar failed to read: a bomb ends the whole read; anything else makes this one blob unreadable. */
function layerError(e: unknown): Error {
  if (!(e instanceof TarError)) return e as Error;
  if (e.kind === 'bomb') return new ArchiveFormatError(e.message);
  return new Error(e.kind === 'truncated' ? 'the layer is truncated' : e.message);
}

/**
 * One layer blob, pushed through as it arrives (a TarBody of the archive's reader): `data` with its bytes as they
 * come, `end` when it is complete. The compression must be known (the archive reader sniffs it from the first bytes).
 */
export class LayerScanner {
  private readonly tar: TarHeaderReader;
  private readonly inflate: Inflater | null;
  private readonly hash: Hash | null;
  private entries = 0;
  private sizeBytes = 0;
  private diveBytes = 0;
  private tarBytes = 0;
  private result: LayerStats | null = null;

  constructor(
    private readonly compression: Compression,
    onEntry: (e: LayerEntry) => void,
    private readonly limits: ScanLimits = DEFAULT_LIMITS,
    private readonly budget: ScanBudget = { entries: limits.maxTotalEntries, bytes: limits.maxTotalBytes },
    digest = false,
    /** Every header as read, the ones that are no part of the image's file system too (dive's export lists them). */
    onHeader?: (h: TarHeader) => void,
  ) {
    this.hash = digest ? createHash('sha256') : null;
    this.tar = new TarHeaderReader((h) => {
      // Refused from the header, before a byte of the body is read.
      if (h.type !== 'dir' && h.size > limits.maxBytes)
        throw new ArchiveFormatError(
          `the entry ${h.name} claims ${h.size} bytes (more than ${limits.maxBytes}): a bomb or a corrupt archive`,
        );
      if (onHeader && !isEstargzIndex(cleanPath(h.name), compression)) onHeader(h);
      const e = entryOf(h, compression);
      if (!e) return;
      if (++this.entries > limits.maxEntries)
        throw new ArchiveFormatError(`a layer holds more than ${limits.maxEntries} entries (a tar bomb?)`);
      if (--this.budget.entries < 0)
        throw new ArchiveFormatError(`the image holds more than ${limits.maxTotalEntries} entries (a tar bomb?)`);
      this.sizeBytes += e.size;
      this.diveBytes += e.tarSize;
      onEntry(e);
    });
    this.inflate =
      compression === 'none'
        ? null
        : inflater(compression, { write: (c) => this.tarData(c), drained: () => Promise.resolve() });
  }

  /** Uncompressed tar bytes, read as they come (the header reader never holds the writer back). */
  private tarData(chunk: Buffer): boolean {
    this.tarBytes += chunk.length;
    this.budget.bytes -= chunk.length;
    if (this.tarBytes > this.limits.maxBytes)
      throw new ArchiveFormatError(`a layer expands past ${this.limits.maxBytes} bytes (a decompression bomb?)`);
    if (this.budget.bytes < 0)
      throw new ArchiveFormatError(`the image expands past ${this.limits.maxTotalBytes} bytes (a decompression bomb?)`);
    this.hash?.update(chunk);
    try {
      this.tar.push(chunk);
    } catch (e) {
      throw layerError(e);
    }
    return true;
  }

  data(chunk: Buffer): void | Promise<void> {
    let wait: void | Promise<void> = undefined;
    try {
      if (this.inflate) wait = this.inflate.write(chunk);
      else this.tarData(chunk);
    } catch (e) {
      throw layerError(e);
    }
    return wait?.catch((e: unknown) => {
      throw layerError(e);
    });
  }

  async end(): Promise<void> {
    try {
      if (this.inflate) await this.inflate.end();
      this.tar.end();
    } catch (e) {
      throw layerError(e);
    }
    this.result = {
      compression: this.compression,
      entries: this.entries,
      sizeBytes: this.sizeBytes,
      diveBytes: this.diveBytes,
      tarBytes: this.tarBytes,
      digest: this.hash ? `sha256:${this.hash.digest('hex')}` : null,
    };
  }

  get stats(): LayerStats {
    if (!this.result) throw new Error('the layer was not read to its end');
    return this.result;
  }
}

/** Splits the first bytes off an async byte stream so they can be looked at, and gives back the whole stream. */
export async function peek(
  source: AsyncIterable<Buffer>,
  want = 512,
): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < want) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    // A lent chunk (fileChunks) is read into again once the next is asked for: one kept across that is a copy.
    got.push(len + r.value.length < want ? Buffer.from(r.value) : r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(got);
  const stream = (async function* () {
    if (head.length) yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  return { head, stream };
}

async function* copies(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield Buffer.from(chunk);
}

/**
 * A whole compressed archive (`docker save | gzip`) as its decompressed bytes, its compression sniffed by the caller
 * (compressionOf); layers use LayerScanner instead.
 */
export function decompressed(stream: AsyncIterable<Buffer>, kind: 'gzip' | 'zstd'): AsyncIterable<Buffer> {
  if (kind === 'gzip') {
    // pipeline, not pipe: a failing input (a read error, a cut export) destroys the gunzip stream with its error, which
    // the reader iterating it then throws; pipe would leave it on a stream nobody listens to, an uncaught crash.
    // Readable.from reads ahead and keeps what it read: lent chunks are copied.
    const gunzip = createGunzip();
    return pipeline(Readable.from(copies(stream)), gunzip, () => undefined);
  }
  // Decompressed chunks wait here until the reader asks for them (the outer tar reader holds back in turn).
  const out: Buffer[] = [];
  const z = inflater('zstd', { write: (c) => out.push(c) > 0, drained: () => Promise.resolve() });
  return (async function* () {
    for await (const chunk of stream) {
      await z.write(chunk);
      while (out.length) yield out.shift()!;
    }
    await z.end();
    while (out.length) yield out.shift()!;
  })();
}
