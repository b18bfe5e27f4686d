// A file's bytes as an async stream of chunks, with the next reads already under way while a chunk is being used:
// reading then overlaps with the work on the bytes (fs.ReadStream asks for the next chunk only once the last one is
// taken, so the two alternate; on a 1 GB archive that was a third of the analysis' time). The archive analysis and
// its bench baseline both read this way.
//
// The chunks are lent: the buffers go round (the read ahead and the chunk in use, five at most), as a new 1 MiB buffer
// per read cost a quarter of a 1 GB archive's analysis (the allocation, its first touch, and the collections that
// external memory sets off) and 30 MB of RSS (measured in docs/bench-dive.md).
import { constants, read, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * Opening flags for a file the user names: O_NONBLOCK so that opening a FIFO (which waits for a writer) cannot hang;
 * it changes nothing for a regular file, the only kind read after the check below.
 */
export const OPEN_USER_FILE = constants.O_RDONLY | constants.O_NONBLOCK;

/** What a path that is not a regular file is, in a user's words ('a FIFO'), or null for a regular file. */
export function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export const CHUNK_BYTES = 1 << 20;
/** Reads in flight beside the chunk in use: 3 keep the thread pool busy while 1 MiB is worked on, for 4 MiB at most. */
const AHEAD = 3;

/**
 * `size` bytes of `fh` from the start (fewer when the file turns out shorter: the reader then sees a truncation).
 * Each chunk is lent until the next one is asked for: its buffer is then read into again, so a consumer that keeps
 * bytes longer copies them. Close `fh` only after the generator is done (read to its end, or `return()`ed).
 */
export async function* fileChunks(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  let pos = 0;
  const pending: Array<{ read: Promise<Buffer>; want: number; buf: Buffer }> = [];
  const free: Buffer[] = [];
  const issue = (): void => {
    if (pos >= size) return;
    const want = Math.min(CHUNK_BYTES, size - pos);
    const buf = free.pop() ?? Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size));
    // fs.read on the handle's descriptor: FileHandle.read's promise machinery cost a fifth more per chunk here.
    const chunk = new Promise<Buffer>((resolve, reject) => {
      read(fh.fd, buf, 0, want, pos, (e, n) => (e ? reject(e) : resolve(buf.subarray(0, n))));
    });
    // A consumer that stops early leaves reads behind: their failures (the file closed under them) concern nobody.
    chunk.catch(() => undefined);
    pending.push({ read: chunk, want, buf });
    pos += want;
  };
  try {
    for (let i = 0; i <= AHEAD; i++) issue();
    for (let next = pending.shift(); next; next = pending.shift()) {
      const chunk = await next.read;
      // A short read is the end of the file, wherever its size said the end was.
      if (chunk.length < next.want) {
        if (chunk.length) yield chunk;
        return;
      }
      issue();
      yield chunk;
      // Asked for the next: this one's buffer is free to be read into.
      free.push(next.buf);
    }
  } finally {
    // The caller closes the file once this is done: no read may still be using its descriptor then.
    await Promise.allSettled(pending.map((p) => p.read));
  }
}
