// tar-stream (the maintained tar library) read the way the reader in server/src/engine/tarReader.ts must read:
// the oracle of its differential tests (test/unit/tarReader.test.ts). It was the archive reader's own outer-tar reader
// until the archive's read buffers began to be reused (tar-stream's entry streams hold chunks past the write that
// gave them); the product reads every tar with tarReader.ts now.
import { extract, type Extract, type Header } from 'tar-stream';
import {
  headerOnlyCheck,
  TarError,
  type TarBody,
  type TarHeader,
  type TarType,
} from '../../server/src/engine/tarFormat';

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

function headerOf(h: Header): TarHeader {
  // tar-stream gives null for a type flag it does not know (GNU sparse, volume headers…): Go reads those as files.
  const type: TarType = TYPES[(h.type as string | null) ?? ''] ?? 'other';
  // tar-stream gives null for the numbers and names a header leaves empty, whatever its types say.

  const size = h.size ?? 0;
  headerOnlyCheck(type, size, h.name);
  return {
    name: h.name,
    type,
    size,

    mode: h.mode ?? 0,

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
export class TarStreamReader {
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
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- set by the stream's handlers meanwhile
    if (this.error) throw this.error;
  }
}
