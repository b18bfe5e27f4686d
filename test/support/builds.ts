// Builds the Dockerfiles under test/fixtures/builds on a real engine, with each builder users have, and runs, sizes
// and removes what was built. Used by the engine tests and by scripts/record-history.ts (which records the histories
// the unit tests replay).
import Docker from 'dockerode';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pack } from 'tar-stream';

export const BUILDS_DIR = join(__dirname, '..', 'fixtures', 'builds');
export type Builder = 'legacy' | 'buildkit' | 'podman';

/** A small tar archive for `ADD bundle.tar` (ADD unpacks it: two files under m-add-archive/). */
export async function bundleTar(): Promise<Buffer> {
  const p = pack();
  p.entry({ name: 'inner/one.txt' }, 'x'.repeat(1200));
  p.entry({ name: 'inner/two.txt' }, 'y'.repeat(800));
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The build context of a fixture as a tar stream, with `dockerfileText` replacing its Dockerfile when given. */
export async function contextTar(caseDir: string, dockerfileText?: string): Promise<NodeJS.ReadableStream> {
  const p = pack();
  for (const file of walk(caseDir)) {
    const name = relative(caseDir, file);
    const body = name === 'Dockerfile' && dockerfileText !== undefined ? Buffer.from(dockerfileText) : readFileSync(file);
    p.entry({ name, mode: 0o644, mtime: new Date(0) }, body);
  }
  p.entry({ name: 'bundle.tar', mode: 0o644, mtime: new Date(0) }, await bundleTar());
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

export function dockerFor(builder: Builder): Docker {
  return builder === 'podman'
    ? new Docker({ socketPath: process.env.DFSIZE_PODMAN_SOCKET ?? '/tmp/podman.sock' })
    : new Docker({ socketPath: '/var/run/docker.sock' });
}

export interface BuildResult { id: string; log: string }

/** Builds `caseDir` (or the given Dockerfile text in that context) and returns the new image's id. */
export async function build(builder: Builder, caseDir: string, tag: string,
  opts: { buildargs?: Record<string, string>; dockerfileText?: string; labels?: Record<string, string> } = {}): Promise<BuildResult> {
  const docker = dockerFor(builder);
  const stream = await docker.buildImage(await contextTar(caseDir, opts.dockerfileText) as never, {
    t: tag,
    // podman answers 400 to an empty `buildargs=` / `labels=` parameter: send them only when set
    ...(opts.buildargs ? { buildargs: opts.buildargs } : {}),
    ...(opts.labels ? { labels: opts.labels } : {}),
    ...(builder === 'buildkit' ? { version: '2' } : { version: '1' }),
  } as Docker.ImageBuildOptions);
  const log: string[] = [];
  const aux: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()), (ev: { stream?: string; error?: string; aux?: { ID?: string } }) => {
      if (ev.stream) log.push(ev.stream);
      if (ev.aux?.ID) aux.push(ev.aux.ID);
      if (ev.error) log.push(`ERROR ${ev.error}`);
    });
  });
  const text = log.join('');
  if (/^ERROR /m.test(text)) throw new Error(`${builder} build of ${caseDir} failed:\n${text}`);
  const info = await docker.getImage(tag).inspect();
  return { id: info.Id, log: text };
}

/** What a container of `image` prints (stdout and stderr as one text): its own command, or `cmd` with no entrypoint. */
export async function runImage(image: string, cmd: readonly string[] = []): Promise<string> {
  // A TTY keeps stdout and stderr in one plain stream (no multiplexing headers).
  const c = await dockerFor('legacy').createContainer({ Image: image, Tty: true, ...(cmd.length ? { Cmd: cmd, Entrypoint: [] } : {}) } as never);
  try {
    const stream = (await c.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise((resolve) => stream.on('end', resolve));
    await c.start();
    await c.wait();
    await ended;
    return Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
  } finally {
    await c.remove({ force: true });
  }
}

/** The size dockerd reports for a local image. */
export async function imageSize(ref: string): Promise<number> {
  return (await dockerFor('legacy').getImage(ref).inspect()).Size;
}

/** Removes images a suite tagged; one already gone is no error. */
export async function removeImages(refs: Iterable<string>): Promise<void> {
  for (const ref of refs) await dockerFor('legacy').getImage(ref).remove().catch(() => undefined);
}
