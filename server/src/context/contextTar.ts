// The build context as the tar stream the Engine API's /build wants: what the .dockerignore lets through, streamed
// file by file from disk (never all in memory), and the Dockerfile under the name the build is told — even when it
// lies outside the context or the .dockerignore excludes it, as the docker CLI does.
import { createReadStream } from 'node:fs';
import { lstat, readlink, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Pack } from 'tar-stream';
import { readDockerignore, walkContext } from './walk';

export interface ContextTar {
  /** Destroy it when the build ends early: that also ends the walk of the context. */
  readonly stream: Readable;
  /** The Dockerfile's name inside the tar (what /build's `dockerfile` parameter says). */
  readonly dockerfile: string;
  /** Resolves when every file was added (rejects when one could not be read). */
  readonly done: Promise<{ files: number; bytes: number }>;
}

function addFile(p: Pack, name: string, path: string, size: number, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = p.entry({ name, size, mode, mtime: new Date(0), uid: 0, gid: 0 }, (err) =>
      err ? reject(err) : resolve(),
    );
    const src = createReadStream(path);
    src.on('error', reject);
    src.pipe(entry);
  });
}

export async function contextTar(contextDir: string, dockerfilePath: string): Promise<ContextTar> {
  const ig = await readDockerignore(contextDir);
  if (!ig) throw new Error(`${join(contextDir, '.dockerignore')} cannot be read`);
  const rel = relative(contextDir, dockerfilePath);
  const inside = !rel.startsWith('..') && !rel.startsWith(sep) && rel !== '';
  const dockerfile = inside ? rel.split(sep).join('/') : '.dfsize-dockerfile';
  const p = pack();
  const done = (async () => {
    let files = 0;
    let bytes = 0;
    let sentDockerfile = false;
    await walkContext(contextDir, ig, async ({ path, dirent }, ignored) => {
      // Docker always sends the Dockerfile and .dockerignore, whatever the .dockerignore says.
      const always = path === dockerfile || path === '.dockerignore';
      if (ignored && !always) return true;
      const abs = join(contextDir, path);
      const st = await lstat(abs);
      if (dirent.isDirectory()) p.entry({ name: path, type: 'directory', mode: st.mode & 0o7777, mtime: new Date(0) });
      else if (dirent.isSymbolicLink())
        p.entry({ name: path, type: 'symlink', linkname: await readlink(abs), mtime: new Date(0) });
      else if (dirent.isFile()) {
        await addFile(p, path, abs, st.size, st.mode & 0o7777);
        files++;
        bytes += st.size;
        if (path === dockerfile) sentDockerfile = true;
      }
      return true;
    });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set inside the walk's callback
    if (!sentDockerfile) p.entry({ name: dockerfile, mode: 0o644, mtime: new Date(0) }, await readFile(dockerfilePath));
    p.finalize();
    return { files, bytes };
  })();
  done.catch((e: unknown) => p.destroy(e as Error));
  // tar-stream's pack is a streamx stream; Node's own Readable over it is what the HTTP request and callers expect.
  const stream = Readable.from(p, { objectMode: false });
  stream.once('close', () => {
    p.destroy();
  });
  return { stream, dockerfile, done };
}
