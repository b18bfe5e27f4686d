// Push-style decompression of one layer blob: compressed chunks go in as they arrive from the archive, decompressed
// chunks come out to a consumer (the layer's tar reader) that may ask to wait. gzip (estargz is gzip too, in many
// members) and zstd run in zlib's thread pool, so decompression overlaps with reading. `write` resolves once zlib has
// taken the chunk in (the chunk may be lent: fileChunks reuses its buffers), which is what holds the archive reader
// back; a consumer that asks to wait pauses the zlib stream until it has drained (the layer's header reader never
// does, as it keeps nothing).
// Node ≥ 22.15 has zstd in zlib; Node 20 (the CLI's floor) does not, and fzstd, pure JS, is the fallback there.
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Where decompressed bytes go. */
export interface InflateSink {
  /** Takes the chunk; false when the sink wants no more until `drained()` resolves. May throw: the inflater fails. */
  write(chunk: Buffer): boolean;
  drained(): Promise<void>;
}

export interface Inflater {
  write(chunk: Buffer): void | Promise<void>;
  end(): Promise<void>;
}

type Native = NodeJS.ReadWriteStream & { destroy(e?: Error): void };

/** A zlib transform driven by hand; errors (its own, or the consumer's) surface on the next write or end. */
class ZlibInflater implements Inflater {
  private error: Error | null = null;
  private waiter: { resolve(): void; reject(e: Error): void } | null = null;

  constructor(
    private readonly z: Native,
    sink: InflateSink,
  ) {
    z.on('data', (d: Buffer) => {
      if (this.error) return;
      let more: boolean;
      try {
        more = sink.write(d);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      if (more) return;
      z.pause();
      sink.drained().then(
        () => {
          if (!this.error) z.resume();
        },
        (e: unknown) => this.fail(e as Error),
      );
    });
    z.on('error', (e: Error) => this.fail(e));
  }

  private fail(e: Error): void {
    if (this.error) return;
    this.error = e;
    this.z.destroy();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(e);
  }

  private ended(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.error) {
        reject(this.error);
        return;
      }
      this.waiter = { resolve, reject };
      this.z.once('end', () => {
        if (this.waiter?.resolve === resolve) this.waiter = null;
        if (this.error) reject(this.error);
        else resolve();
      });
    });
  }

  /** Resolves once zlib has taken the whole chunk in: the chunk may be lent (fileChunks), so none of it is kept. */
  write(chunk: Buffer): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.z.write(chunk, (e) => {
        if (this.waiter?.resolve === resolve) this.waiter = null;
        const failure = this.error ?? e;
        if (failure) reject(failure);
        else resolve();
      });
    });
  }

  end(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    const done = this.ended();
    this.z.end();
    return done;
  }
}

const SLICE = 256;

/**
 * fzstd is synchronous: one push hands over everything its input decodes to, and the sink cannot stop it midway. A
 * block of zstd can be 4 bytes that decode to 128 KiB (a run-length block), so the input is pushed in slices of
 * SLICE bytes: at most ~SLICE/4 × 128 KiB (8 MiB) reach the sink before it can ask to wait, where a 64 KiB slice of
 * such blocks would have handed over 2 GiB. Slices this small cost ~5 % of fzstd's own time (300 MB measured).
 */
class FzstdInflater implements Inflater {
  private readonly d: Decompress;
  private busy = false;

  constructor(private readonly sink: InflateSink) {
    this.d = new Decompress((chunk) => {
      if (!sink.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) this.busy = true;
    });
  }

  async write(lent: Buffer): Promise<void> {
    // fzstd keeps the input of a block it could not finish yet: the chunk may be lent (fileChunks), so it gets a copy.
    const chunk = Buffer.from(lent);
    for (let off = 0; off < chunk.length; off += SLICE) {
      this.d.push(chunk.subarray(off, off + SLICE));
      if (this.busy) {
        this.busy = false;
        await this.sink.drained();
      }
    }
  }

  async end(): Promise<void> {
    this.d.push(new Uint8Array(0), true);
    if (this.busy) await this.sink.drained();
  }
}

export function inflater(kind: 'gzip' | 'zstd', sink: InflateSink): Inflater {
  if (kind === 'gzip') return new ZlibInflater(zlib.createGunzip({ chunkSize: 256 * 1024 }), sink);
  const native = (zlib as unknown as { createZstdDecompress?: () => Native }).createZstdDecompress;
  return native ? new ZlibInflater(native(), sink) : new FzstdInflater(sink);
}
