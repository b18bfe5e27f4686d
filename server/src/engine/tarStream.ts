// Reading a tar as it streams by, over tar-stream's extract() (the archive's outer tar; layer tars, whose bodies nobody
// keeps, are read for their headers by tarHeaders.ts, which must read them as this does): each
// entry's header reaches the caller before its body — with a PAX or GNU long name, link or size already applied —
// so a size that breaks a limit is refused before a byte of it is read; the body goes to the sink the caller returns
// (with backpressure), or is drained and dropped. Nothing is written anywhere and no body is kept.
//
// Where tar-stream and Go's archive/tar (what Docker unpacks with) would read the same bytes differently, the entry
// is refused rather than read one way: a link, device or FIFO whose size field claims a body (Go reads none,
// tar-stream would read one and continue at another offset). Two zero blocks end an archive for Go; tar-stream reads
// on, so bytes after the end marker must be zeros too (docker save and every layer writer pad with zeros).
import { extract, type Extract, type Header } from 'tar-stream';

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarHeader {
  readonly name: string;
  readonly type: TarType;
  /** The size field (PAX `size` when present): what Go's `FileInfo().Size()` says, and what dive adds up. */
  readonly size: number;
  readonly mode: number;
  readonly linkname: string;
  readonly uid: number;
  readonly gid: number;
  /** The header's type flag as Go's archive/tar reports it (`'0'` is 48; an old `'\0'` regular file reads as `'0'`). */
  readonly typeflag: number;
  /** Where the entry's body starts in the tar (bytes). */
  readonly offset: number;
}

/** Where an entry's body goes. Either method may return a promise to hold the reader back (backpressure). */
export interface TarBody {
  data(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export class TarError extends Error {
  override name = 'TarError';
  /** 'bomb': the archive claims more than the limits allow (refused on purpose, not a reading accident). */
  constructor(
    message: string,
    readonly kind: 'corrupt' | 'bomb' | 'truncated' = 'corrupt',
  ) {
    super(message);
  }
}

const TYPES: Partial<Record<string, TarType>> = {
  file: 'file',
  'contiguous-file': 'file',
  link: 'hardlink',
  symlink: 'symlink',
  'character-device': 'char',
  'block-device': 'block',
  directory: 'dir',
  fifo: 'fifo',
};
/** tar-stream's type names back to the flag bytes (what tar-stream does not name reads as a regular file, as in Go). */
const FLAGS: Partial<Record<string, number>> = {
  file: 0x30,
  link: 0x31,
  symlink: 0x32,
  'character-device': 0x33,
  'block-device': 0x34,
  directory: 0x35,
  fifo: 0x36,
  'contiguous-file': 0x37,
};
const REGULAR_FLAG = 0x30;
const HEADER_ONLY = new Set<TarType>(['hardlink', 'symlink', 'char', 'block', 'fifo']);
/** tar-stream's own limit on a PAX or GNU long-name record, refused before it is read. */
const MAX_META_BYTES = 4 * 1024 * 1024;

/** tar-stream's own errors (by their exact words) in the words the rest of the reader uses; others pass through. */
function tarError(e: Error): Error {
  const m = e.message;
  if (m === 'Unexpected end of data') return new TarError('truncated', 'truncated');
  if (m === 'Header exceeds max size')
    return new TarError(
      `an extended tar header is larger than ${MAX_META_BYTES} bytes: the archive is corrupt or hostile`,
      'bomb',
    );
  if (m.startsWith('Invalid tar header')) return new TarError('a tar header is corrupt (bad checksum)');
  if (m === 'Invalid header') return new TarError('a tar header has an unreadable size');
  return e;
}

/** An entry's stream as TarReader uses it. */
interface Body extends AsyncIterable<Buffer> {
  on(event: 'end', f: () => void): unknown;
  on(event: 'error', f: (e: Error) => void): unknown;
  resume(): unknown;
}

/** A link, device or FIFO whose size field claims a body is refused (see the top of this file). */
export function headerOnlyCheck(type: TarType, size: number, name: string): void {
  if (HEADER_ONLY.has(type) && size > 0) {
    throw new TarError(
      `the ${type} ${JSON.stringify(name.slice(0, 200))} claims a body of ${size} bytes, which tar readers disagree about`,
    );
  }
}

export function headerOf(h: Header): TarHeader {
  // tar-stream gives null for a type flag it does not know (GNU sparse, volume headers…): Go reads those as files.
  const type: TarType = TYPES[(h.type as string | null) ?? ''] ?? 'other';
  // tar-stream gives null for the numbers and names a header leaves empty, whatever its types say.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  const size = h.size ?? 0;
  headerOnlyCheck(type, size, h.name);
  return {
    name: h.name,
    type,
    size,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    mode: h.mode ?? 0,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    linkname: h.linkname ?? '',
    uid: h.uid,
    gid: h.gid,
    typeflag: FLAGS[(h.type as string | null) ?? ''] ?? REGULAR_FLAG,
    offset: (h as { byteOffset?: number }).byteOffset ?? 0,
  };
}

/**
 * A tar pushed chunk by chunk: `write` returns a promise when the reader wants the writer to wait, `end` when the
 * input is over (it rejects unless the tar ended between entries). The first failure — tar-stream's, or one thrown by
 * `onEntry` or a body sink — ends the read and is what every later call throws.
 */
export class TarReader {
  private readonly ex: Extract;
  private error: Error | null = null;
  /** The entry whose body is being consumed: the read is over when it is. */
  private current: Promise<void> = Promise.resolve();
  /** The last write was not taken in whole yet: the writer waits for tar-stream's 'drain'. */
  private busy = false;
  private waiters: Array<{ resolve(): void; reject(e: Error): void }> = [];

  constructor(onEntry: (h: TarHeader) => TarBody | null) {
    // V7 headers (no ustar magic) are read as Go reads them.
    this.ex = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
    this.ex.on('entry', (h, source, next) => {
      const stream = source as unknown as Body;
      // A tar that ends inside this entry destroys its stream with tar-stream's error: without a listener Node would
      // throw it as uncaught (the process dies printing the bundle's line). The read fails with it instead.
      stream.on('error', (e) => this.fail(e));
      let sink: TarBody | null;
      try {
        sink = onEntry(headerOf(h));
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      if (!sink) {
        // Drained: tar-stream moves on when the body's stream ends.
        stream.on('end', () => next());
        stream.resume();
        return;
      }
      this.current = this.pump(stream, sink).then(
        () => next(),
        (e: unknown) => this.fail(e as Error),
      );
    });
    this.ex.on('error', (e: Error) => this.fail(e));
    this.ex.on('drain', () => {
      this.busy = false;
      for (const w of this.waiters.splice(0)) w.resolve();
    });
  }

  private async pump(stream: Body, sink: TarBody): Promise<void> {
    for await (const chunk of stream) {
      const r = sink.data(chunk);
      if (r) await r;
    }
    await sink.end();
  }

  private fail(e: Error): void {
    if (this.error) return;
    this.error = tarError(e);
    this.ex.destroy();
    for (const w of this.waiters.splice(0)) w.reject(this.error);
  }

  /** The input's next bytes; false when the reader is busy: wait for `drained()` before the next. */
  push(chunk: Buffer): boolean {
    if (this.error) throw this.error;
    if (this.ex.write(chunk)) return true;
    this.busy = true;
    return false;
  }

  /** `push`, and a promise to wait on when the reader is busy. */
  write(chunk: Buffer): void | Promise<void> {
    if (!this.push(chunk)) return this.drained();
  }

  /** Resolves when what was pushed so far has been taken in (rejects with the read's failure). */
  drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.error) reject(this.error);
      else if (!this.busy) resolve();
      else this.waiters.push({ resolve, reject });
    });
  }

  async end(): Promise<void> {
    if (this.error) throw this.error;
    await new Promise<void>((resolve, reject) => {
      this.ex.once('finish', resolve);
      this.ex.once('close', () => (this.error ? reject(this.error) : resolve()));
      this.ex.end(null);
    });
    await this.current;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition, @typescript-eslint/only-throw-error -- set by the stream's handlers meanwhile
    if (this.error) throw this.error;
  }
}
