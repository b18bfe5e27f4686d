// The one way the product writes a file (`fix --write`'s Dockerfile and .dockerignore, the cache, the previous builds):
// never through a link.
// The new content goes to a fresh temporary file in the same folder (created exclusively, O_NOFOLLOW), then is
// renamed over the target, which replaces the directory entry itself: a link planted there is replaced, never
// followed. A target that already is a link, or no regular file, is refused before anything is written.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type UnsafeWriteReason = 'symlink' | 'not-a-file';

/** A write refused because of what the target is; the message says what to do. */
export class UnsafeWriteError extends Error {
  constructor(
    readonly path: string,
    readonly reason: UnsafeWriteReason,
  ) {
    super(
      reason === 'symlink'
        ? `${path} is a symbolic link: dfsize does not write through links; replace it with a plain file or apply the change by hand`
        : `${path} is not a regular file: dfsize writes only plain files; apply the change by hand`,
    );
    this.name = 'UnsafeWriteError';
  }
}

const NEW_FILE_MODE = 0o666;
const CREATE_TEMP = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** The file's permission bits, or null when it does not exist; throws UnsafeWriteError when it must not be written. */
export async function checkWritable(path: string): Promise<number | null> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (st.isSymbolicLink()) throw new UnsafeWriteError(path, 'symlink');
  if (!st.isFile()) throw new UnsafeWriteError(path, 'not-a-file');
  return st.mode & 0o7777;
}

/** Replaces (or creates) `path` with `content` (a text, or its pieces in order), keeping its permission bits; refuses links and non-files. */
export async function writeFileSafely(path: string, content: string | Iterable<string>): Promise<void> {
  const mode = await checkWritable(path);
  const tmp = join(dirname(path), `.${basename(path)}.dfsize-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, CREATE_TEMP, mode ?? NEW_FILE_MODE);
  try {
    try {
      // Pieces one after the other (writeFile on a handle writes from where the last write ended).
      for (const piece of typeof content === 'string' ? [content] : content) await fh.writeFile(piece, 'utf8');
      // open() applied the umask: an existing file keeps its bits as they were.
      if (mode !== null) await fh.chmod(mode);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // Best-effort cleanup of our own temporary file; the write's own failure is what the caller reports.
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
