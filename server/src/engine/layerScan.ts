// Reads one layer blob as a stream: finds its compression from its first bytes (never from its name), decompresses
// (gzip — estargz is gzip too —, zstd, or none) and walks its tar entries. Entry bodies are drained, never kept and
// never written anywhere; only each entry's header becomes a LayerEntry.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { extract } from 'tar-stream';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other' | 'whiteout' | 'opaque';

export interface LayerEntry {
  /** Absolute, normalised ('/etc/passwd'); for a whiteout, the path it deletes; for an opaque marker, its directory. */
  readonly path: string;
  readonly type: EntryType;
  /** Bytes as Docker counts them: file size, symlink target length, 0 for directories, hard links and whiteouts. */
  readonly size: number;
  readonly mode: number;
  readonly linkTarget: string | null;
}

export type Compression = 'gzip' | 'zstd' | 'none';

export interface ScanLimits {
  /** Entries in one layer before it counts as a bomb. */
  readonly maxEntries: number;
  /** Uncompressed bytes of one layer before it counts as a bomb. */
  readonly maxBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxEntries: 2_000_000, maxBytes: 512 * 1024 ** 3 };

export interface LayerStats {
  readonly compression: Compression;
  readonly entries: number;
  /** Σ entry sizes: what `docker history` shows for this layer. */
  readonly sizeBytes: number;
  /** Bytes of the uncompressed tar. */
  readonly tarBytes: number;
}

export class ArchiveFormatError extends Error {
  override name = 'ArchiveFormatError';
}

export function compressionOf(head: Uint8Array): Compression | 'tar' | 'json' | 'unknown' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  const first = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b || first === 0x5b) return 'json';
  return 'unknown';
}

/** Normalises a tar entry name to an absolute path; `..` cannot climb above the root. Null for unusable names. */
export function cleanPath(name: string): string | null {
  if (name.includes('\0')) return null;
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

function zstdStream(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  // Node ≥ 22.15 has zstd in zlib; Node 20 (the CLI's floor) does not: fzstd is the pure-JS fallback.
  const native = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
  if (native) return Readable.from(source).pipe(native()) as unknown as AsyncIterable<Buffer>;
  return (async function* () {
    const out: Buffer[] = [];
    const d = new Decompress((chunk) => { out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)); });
    for await (const chunk of source) {
      d.push(chunk);
      while (out.length) yield out.shift()!;
    }
    d.push(new Uint8Array(0), true);
    while (out.length) yield out.shift()!;
  })();
}

/** Splits the first bytes off an async byte stream so they can be looked at, and gives back the whole stream. */
export async function peek(source: AsyncIterable<Buffer>, want = 512): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < want) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    got.push(r.value);
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

/** Decompressed bytes of a layer blob, and which compression it had. */
export async function decompressed(source: AsyncIterable<Buffer>): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const { head, stream } = await peek(source, 512);
  const kind = compressionOf(head);
  if (kind === 'gzip') return { compression: 'gzip', stream: Readable.from(stream).pipe(createGunzip()) };
  if (kind === 'zstd') return { compression: 'zstd', stream: zstdStream(stream) };
  return { compression: 'none', stream };
}

function entryOf(h: { name: string; type?: string | null; size?: number | null; mode?: number | null; linkname?: string | null }): LayerEntry | null {
  const path = cleanPath(h.name);
  if (path === null || path === '/') return null;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = path.slice(0, slash) || '/';
  const mode = h.mode ?? 0;
  if (base === '.wh..wh..opq') return { path: dir, type: 'opaque', size: 0, mode, linkTarget: null };
  if (base.startsWith('.wh.')) return { path: `${dir === '/' ? '' : dir}/${base.slice(4)}`, type: 'whiteout', size: 0, mode, linkTarget: null };
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return { path, type: 'file', size: h.size ?? 0, mode, linkTarget: null };
    case 'directory':
      return { path, type: 'dir', size: 0, mode, linkTarget: null };
    case 'symlink':
      return { path, type: 'symlink', size: Buffer.byteLength(h.linkname ?? ''), mode, linkTarget: h.linkname ?? '' };
    case 'link':
      return { path, type: 'hardlink', size: 0, mode, linkTarget: cleanPath(h.linkname ?? '') };
    default:
      return { path, type: 'other', size: 0, mode, linkTarget: null };
  }
}

/**
 * Walks the tar entries of a layer blob (any compression) and hands each to `onEntry`. estargz's table of contents
 * (`stargz.index.json` at the root) is part of the blob, not of the image, and is left out.
 */
export async function scanLayer(blob: AsyncIterable<Buffer>, onEntry: (e: LayerEntry) => void, limits: ScanLimits = DEFAULT_LIMITS): Promise<LayerStats> {
  const { compression, stream } = await decompressed(blob);
  let tarBytes = 0;
  const counted = (async function* () {
    for await (const chunk of stream) {
      tarBytes += chunk.length;
      if (tarBytes > limits.maxBytes) throw new ArchiveFormatError(`a layer expands past ${limits.maxBytes} bytes (a decompression bomb?)`);
      yield chunk as Buffer;
    }
  })();
  const ex = extract();
  const input = Readable.from(counted);
  input.on('error', (e) => ex.destroy(e));
  input.pipe(ex);
  let entries = 0;
  let sizeBytes = 0;
  for await (const entry of ex) {
    const h = entry.header;
    entry.resume();
    if (compression === 'gzip' && (h.name === 'stargz.index.json' || h.name === './stargz.index.json')) continue;
    const e = entryOf(h);
    if (!e) continue;
    if (++entries > limits.maxEntries) {
      input.destroy();
      throw new ArchiveFormatError(`a layer holds more than ${limits.maxEntries} entries (a tar bomb?)`);
    }
    sizeBytes += e.size;
    onEntry(e);
  }
  return { compression, entries, sizeBytes, tarBytes };
}
