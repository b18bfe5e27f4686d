// Every tar the product reads — an archive's outer tar and each layer's — read as it streams by, chunk by chunk,
// with no stream, promise or event per entry. Each header reaches the caller complete (long names and PAX applied,
// a size that breaks a limit refused before a byte of its body is read); the caller either takes the body (a
// TarBody, fed the chunk's own bytes as subarrays, which may hold the reader back) or leaves it, and it is skipped by
// counting. Nothing is copied but a header that straddles two chunks, and no chunk is kept once the write that gave
// it is done: so the archive reader can reuse its read buffers (fileChunks.ts).
//
// Why not tar-stream (still the tests' oracle, and what writes tars here): through tar-stream the layer walk cost
// about 0.7 s of CPU per 52,000 entries, most of it the stream per entry; and its entry streams hold chunks past the
// write that gave them, so every read buffer had to be a new one (a quarter of an archive analysis' time, measured in
// docs/bench-dive.md).
//
// It reads what tar-stream 3 reads, the same way (the differential tests in test/unit/tarReader.test.ts hold it to
// that): ustar with its prefix, old GNU and V7 headers, a GNU long name or link ('L', 'K', 'N'), PAX records
// ('x', merged over the last 'g') overriding path, linkpath and size; the checksum; a zero block skipped; a long
// header over 4 MiB refused; a body cut short is 'truncated'. One difference, a refusal where tar-stream would read
// on out of step: a long header whose size field is not a number (Go refuses those too).
import { headerOnlyCheck, TarError, type TarBody, type TarHeader, type TarType } from './tarFormat';

const BLOCK = 512;
/** tar-stream's limit on a PAX or GNU long-name record, refused before it is read. */
const MAX_META_BYTES = 4 * 1024 * 1024;
const EMPTY_BLOCK_SUM = 8 * 32;

type Meta = 'path' | 'link' | 'pax' | 'global';

/** A header's type flag (as tar-stream numbers it: the byte minus '0', a NUL as 0) as a type, or a long header. */
function typeOf(flag: number): TarType | Meta {
  switch (flag) {
    case 0:
    case 7:
      return 'file';
    case 1:
      return 'hardlink';
    case 2:
      return 'symlink';
    case 3:
      return 'char';
    case 4:
      return 'block';
    case 5:
      return 'dir';
    case 6:
      return 'fifo';
    case 72:
      return 'pax';
    case 55:
      return 'global';
    case 27:
      return 'link';
    case 28:
    case 30:
      return 'path';
  }
  return 'other';
}

function cksum(b: Uint8Array, at: number): number {
  let sum = EMPTY_BLOCK_SUM;
  for (let i = at; i < at + 148; i++) sum += b[i] ?? 0;
  for (let i = at + 156; i < at + BLOCK; i++) sum += b[i] ?? 0;
  return sum;
}

/** tar's base-256 number (first byte 0x80, or 0xff for a negative one); null for any other first byte. */
function parse256(b: Uint8Array, at: number, len: number): number | null {
  const positive = b[at] === 0x80;
  if (!positive && b[at] !== 0xff) return null;
  let sum = 0;
  for (let i = at + 1; i < at + len; i++) sum = sum * 256 + (positive ? (b[i] ?? 0) : 0xff - (b[i] ?? 0));
  return positive ? sum : -sum;
}

/** An octal field as tar-stream's decodeOct reads it (leading spaces and NULs, up to the first space; parseInt). */
function octal(b: Buffer, at: number, len: number): number | null {
  if ((b[at] ?? 0) & 0x80) return parse256(b, at, len);
  const stop = at + len;
  let i = at;
  while (i < stop && b[i] === 0x20) i++;
  let end = i;
  while (end < stop && b[end] !== 0x20) end++;
  while (i < end && b[i] === 0) i++;
  if (i === end) return 0;
  let n = 0;
  for (let j = i; j < end; j++) {
    const d = (b[j] ?? 0) - 0x30;
    // Anything but digits (a NUL terminator, a sign, junk): parseInt's own reading of the same text.
    if (d < 0 || d > 7) return parseInt(b.toString('utf8', i, end), 8);
    n = n * 8 + d;
  }
  return n;
}

/** A NUL-terminated text field. */
function text(b: Buffer, at: number, len: number): string {
  let end = at;
  while (end < at + len && b[end] !== 0) end++;
  return b.toString('utf8', at, end);
}

function isUstar(b: Buffer, at: number): boolean {
  const m = at + 257;
  return (
    b[m] === 0x75 && b[m + 1] === 0x73 && b[m + 2] === 0x74 && b[m + 3] === 0x61 && b[m + 4] === 0x72 && b[m + 5] === 0
  );
}

/** PAX records (`LEN key=value\n`), read as tar-stream reads them: a record it cannot read ends the list. */
function paxRecords(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  while (buf.length) {
    let i = 0;
    while (i < buf.length && buf[i] !== 32) i++;
    const len = parseInt(buf.toString('utf8', 0, i), 10);
    if (!len) return out;
    const record = buf.subarray(i + 1, len - 1).toString();
    const eq = record.indexOf('=');
    if (eq === -1) return out;
    out.set(record.slice(0, eq), record.slice(eq + 1));
    buf = buf.subarray(len);
  }
  return out;
}

const padding = (size: number) => (size % BLOCK === 0 ? 0 : BLOCK - (size % BLOCK));

/** The entry whose body is being handed over, and how much of it is still to come. */
interface Taking {
  readonly sink: TarBody;
  readonly size: number;
  left: number;
}

/**
 * A tar written chunk by chunk. `onEntry` gets each header as it is complete and returns where its body goes (null:
 * skipped). `write` returns a promise when a body's sink holds the reader back: wait for it before the next write.
 * The first failure (a TarError, or what `onEntry` or a sink throws) is thrown from the write that met it and from
 * every call after it.
 */
export class TarReader {
  /** A header cut by a chunk's end. */
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  /** Bytes to skip: a body nobody takes, and padding. */
  private skip = 0;
  private taking: Taking | null = null;
  /** A long header's body being collected. */
  private meta: { kind: Meta; body: Buffer; fill: number } | null = null;
  private longPath: string | null = null;
  private longLink: string | null = null;
  private pax: Map<string, string> | null = null;
  private paxGlobal: Map<string, string> | null = null;
  /** Bytes read so far. */
  private pos = 0;
  private error: unknown = null;

  constructor(private readonly onEntry: (h: TarHeader) => TarBody | null) {}

  write(chunk: Buffer): void | Promise<void> {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, as it was thrown
    if (this.error) throw this.error;
    try {
      const wait = this.consume(chunk, 0);
      return wait?.catch((e: unknown) => this.failed(e));
    } catch (e) {
      return this.failed(e);
    }
  }

  private failed(e: unknown): never {
    this.error ??= e;
    throw this.error;
  }

  /** The input is over: it must end between entries. */
  end(): void {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, as it was thrown
    if (this.error) throw this.error;
    if (this.skip > 0 || this.blockFill > 0 || this.meta || this.taking)
      this.failed(new TarError('truncated', 'truncated'));
  }

  /** Reads `chunk` from `at` on; when a sink holds the reader back, the rest is read once it lets go. */
  private consume(chunk: Buffer, at: number): void | Promise<void> {
    const n = chunk.length;
    let i = at;
    while (i < n) {
      let wait: void | Promise<void> = undefined;
      if (this.taking) {
        const k = Math.min(this.taking.left, n - i);
        wait = this.give(chunk.subarray(i, i + k));
        i += k;
      } else if (this.skip > 0) {
        const k = Math.min(this.skip, n - i);
        this.skip -= k;
        i += k;
        this.pos += k;
      } else if (this.meta) {
        i += this.collect(chunk, i);
      } else if (this.blockFill === 0 && n - i >= BLOCK) {
        this.pos += BLOCK;
        wait = this.header(chunk, i);
        i += BLOCK;
      } else {
        const k = Math.min(BLOCK - this.blockFill, n - i);
        chunk.copy(this.block, this.blockFill, i, i + k);
        this.blockFill += k;
        i += k;
        this.pos += k;
        if (this.blockFill === BLOCK) {
          this.blockFill = 0;
          wait = this.header(this.block, 0);
        }
      }
      if (wait) {
        const from = i;
        return wait.then(() => this.consume(chunk, from));
      }
    }
  }

  /** Body bytes to the entry's sink; at the body's end, the sink's end. */
  private give(part: Buffer): void | Promise<void> {
    const t = this.taking;
    if (!t) return;
    t.left -= part.length;
    this.pos += part.length;
    const wait = part.length ? t.sink.data(part) : undefined;
    if (t.left > 0) return wait;
    this.taking = null;
    this.skip = padding(t.size);
    return wait ? wait.then(() => t.sink.end()) : t.sink.end();
  }

  /** Takes a long header's body from `chunk` at `at`; returns how many bytes it took. */
  private collect(chunk: Buffer, at: number): number {
    const m = this.meta;
    if (!m) return 0;
    const k = Math.min(m.body.length - m.fill, chunk.length - at);
    chunk.copy(m.body, m.fill, at, at + k);
    m.fill += k;
    this.pos += k;
    if (m.fill === m.body.length) {
      this.meta = null;
      this.skip = padding(m.body.length);
      this.applyMeta(m.kind, m.body);
    }
    return k;
  }

  private applyMeta(kind: Meta, body: Buffer): void {
    if (kind === 'path') this.longPath = text(body, 0, body.length);
    else if (kind === 'link') this.longLink = text(body, 0, body.length);
    else if (kind === 'global') this.paxGlobal = paxRecords(body);
    else this.pax = this.paxGlobal ? new Map([...this.paxGlobal, ...paxRecords(body)]) : paxRecords(body);
  }

  /** The 512-byte header at `b[at]`: `pos` is already past it. */
  private header(b: Buffer, at: number): void | Promise<void> {
    const sum = cksum(b, at);
    // A zero block (its checksum field aside): skipped, as tar-stream skips it.
    if (sum === EMPTY_BLOCK_SUM) return;
    if (sum !== octal(b, at + 148, 8)) throw new TarError('a tar header is corrupt (bad checksum)');
    const flag = b[at + 156] ?? 0;
    const type = typeOf(flag === 0 ? 0 : flag - 0x30);
    const field = octal(b, at + 124, 12);
    if (type === 'path' || type === 'link' || type === 'pax' || type === 'global') {
      if (field !== null && field > MAX_META_BYTES)
        throw new TarError(
          `an extended tar header is larger than ${MAX_META_BYTES} bytes: the archive is corrupt or hostile`,
          'bomb',
        );
      if (field === null || !(field >= 0)) throw new TarError('a tar header has an unreadable size');
      if (field > 0) this.meta = { kind: type, body: Buffer.allocUnsafe(field), fill: 0 };
      return;
    }
    return this.entry(b, at, type, field ?? 0, flag);
  }

  private entry(b: Buffer, at: number, type: TarType, field: number, flag: number): void | Promise<void> {
    let name = text(b, at, 100);
    if (isUstar(b, at) && b[at + 345]) name = `${text(b, at + 345, 155)}/${name}`;
    let linkname = b[at + 157] === 0 ? '' : text(b, at + 157, 100);
    let size = field;
    if (this.longPath) name = this.longPath;
    if (this.longLink) linkname = this.longLink;
    this.longPath = this.longLink = null;
    const pax = this.pax;
    if (pax) {
      this.pax = null;
      name = pax.get('path') || name;
      linkname = pax.get('linkpath') || linkname;
      const paxSize = pax.get('size');
      if (paxSize) size = parseInt(paxSize, 10);
    }
    if (!(size >= 0)) throw new TarError('a tar header has an unreadable size');
    headerOnlyCheck(type, size, name);
    const sink = this.onEntry({
      name,
      type,
      size,
      mode: octal(b, at + 100, 8) ?? 0,
      linkname,
      uid: octal(b, at + 108, 8) ?? 0,
      gid: octal(b, at + 116, 8) ?? 0,
      typeflag: flag >= 0x31 && flag <= 0x37 ? flag : 0x30,
      offset: this.pos,
    });
    // A directory's body is never read (tar-stream and Go agree): what follows its header is the next header.
    const body = type === 'dir' ? 0 : size;
    if (!sink) this.skip = body + padding(body);
    else if (body > 0) this.taking = { sink, size: body, left: body };
    else return sink.end();
  }
}

/** A tar whose headers are all that is wanted (a layer's): every body skipped, every call synchronous. */
export class TarHeaderReader {
  private readonly reader: TarReader;

  constructor(onHeader: (h: TarHeader) => void) {
    this.reader = new TarReader((h) => {
      onHeader(h);
      return null;
    });
  }

  push(chunk: Buffer): void {
    // With no sink to wait for, a write is done when it returns.
    void this.reader.write(chunk);
  }

  end(): void {
    this.reader.end();
  }
}
