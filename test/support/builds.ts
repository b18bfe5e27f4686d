// Builds the Dockerfiles under test/fixtures/builds on a real engine, with each builder users have, and runs, sizes
// and removes what was built. Used by the engine tests and by scripts/record-history.ts (which records the histories
// the unit tests replay). The engines: dockerd 20.10 (legacy builder, BuildKit), Podman's service, and a current
// Docker (28.x) with the containerd image store at $DFSIZE_MODERN_DOCKER_HOST, built through the Engine API's BuildKit
// ('modern-buildkit') and through `docker buildx build --load` ('modern-buildx').
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pack } from 'tar-stream';

export const BUILDS_DIR = join(__dirname, '..', 'fixtures', 'builds');
export type Builder = 'legacy' | 'buildkit' | 'podman' | 'modern-buildkit' | 'modern-buildx';
export type EngineKind = 'docker' | 'podman' | 'modern';
export const MODERN_BUILDERS: readonly Builder[] = ['modern-buildkit', 'modern-buildx'];

export const DOCKER_SOCKET = '/var/run/docker.sock';
/** The current engine with the containerd store (`unix://…`), when one is set up. */
export const MODERN_HOST = process.env.DFSIZE_MODERN_DOCKER_HOST ?? null;
/** The docker CLI configuration holding the buildx plugin (cli-plugins/docker-buildx) for the current engine. */
export const MODERN_CONFIG = process.env.DFSIZE_MODERN_DOCKER_CONFIG ?? null;
/** The docker CLI (28.x, with buildx in MODERN_CONFIG) that `modern-buildx` builds run. */
const DOCKER_CLI = process.env.DFSIZE_DOCKER_CLI ?? 'docker';

export function engineOf(builder: Builder): EngineKind {
  if (builder === 'podman') return 'podman';
  return MODERN_BUILDERS.includes(builder) ? 'modern' : 'docker';
}

/** The socket of an engine: a `unix://` DOCKER_HOST only (the suites talk to local engines). */
export function socketOf(engine: EngineKind): string {
  if (engine === 'podman') return process.env.DFSIZE_PODMAN_SOCKET ?? '/tmp/podman.sock';
  if (engine === 'docker') return DOCKER_SOCKET;
  if (!MODERN_HOST?.startsWith('unix://'))
    throw new Error(`DFSIZE_MODERN_DOCKER_HOST must be a unix:// address, not ${MODERN_HOST ?? 'unset'}`);
  return MODERN_HOST.slice('unix://'.length);
}

/** The environment that points the CLI (or docker) at the engine a builder builds on. */
export function hostEnv(builder: Builder): { DOCKER_HOST: string } {
  return { DOCKER_HOST: `unix://${socketOf(engineOf(builder))}` };
}

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

/** The files of a fixture's build context, with `dockerfileText` replacing its Dockerfile when given. */
async function contextFiles(caseDir: string, dockerfileText?: string): Promise<Array<{ name: string; body: Buffer }>> {
  const files = walk(caseDir).map((file) => {
    const name = relative(caseDir, file);
    return {
      name,
      body: name === 'Dockerfile' && dockerfileText !== undefined ? Buffer.from(dockerfileText) : readFileSync(file),
    };
  });
  return [...files, { name: 'bundle.tar', body: await bundleTar() }];
}

/** The build context of a fixture as a tar stream, with `dockerfileText` replacing its Dockerfile when given. */
export async function contextTar(caseDir: string, dockerfileText?: string): Promise<NodeJS.ReadableStream> {
  const p = pack();
  for (const { name, body } of await contextFiles(caseDir, dockerfileText))
    p.entry({ name, mode: 0o644, mtime: new Date(0) }, body);
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

export function dockerFor(builder: Builder): Docker {
  return new Docker({ socketPath: socketOf(engineOf(builder)) });
}

export interface BuildResult {
  id: string;
  log: string;
}
export interface BuildOptions {
  buildargs?: Record<string, string>;
  dockerfileText?: string;
  labels?: Record<string, string>;
  /** buildx only: `--platform` (several make a multi-platform image). */
  platforms?: readonly string[];
  /** Build every step again (BuildKit would otherwise take a checksummed download from its cache). */
  noCache?: boolean;
  /** buildx only: an `--output` instead of `--load` (`type=oci,dest=…,compression=zstd`); the id is then the log's. */
  output?: string;
}

/** Runs a command without a shell to its end; rejects with its output when it fails. */
export function runCommand(cmd: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

/** `docker buildx build --load` on the current engine, from the fixture's context written to a temporary folder. */
async function buildx(caseDir: string, tag: string, opts: BuildOptions): Promise<BuildResult> {
  if (!MODERN_CONFIG)
    throw new Error('DFSIZE_MODERN_DOCKER_CONFIG (the docker config holding cli-plugins/docker-buildx) is not set');
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-buildx-'));
  try {
    for (const { name, body } of await contextFiles(caseDir, opts.dockerfileText)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), body);
    }
    const pairs = (flag: string, kv: Record<string, string> = {}) =>
      Object.entries(kv).flatMap(([k, v]) => [flag, `${k}=${v}`]);
    const log = await runCommand(
      DOCKER_CLI,
      [
        'buildx',
        'build',
        ...(opts.output ? ['--output', opts.output] : ['--load']),
        '--progress=plain',
        '-t',
        tag,
        ...pairs('--build-arg', opts.buildargs),
        ...pairs('--label', opts.labels),
        ...(opts.platforms ? ['--platform', opts.platforms.join(',')] : []),
        ...(opts.noCache ? ['--no-cache'] : []),
        dir,
      ],
      { ...hostEnv('modern-buildx'), DOCKER_CONFIG: MODERN_CONFIG },
    );
    if (opts.output) return { id: '', log };
    const info = await dockerFor('modern-buildx').getImage(tag).inspect();
    return { id: info.Id, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds `caseDir` (or the given Dockerfile text in that context) and returns the new image's id. */
export async function build(
  builder: Builder,
  caseDir: string,
  tag: string,
  opts: BuildOptions = {},
): Promise<BuildResult> {
  if (builder === 'modern-buildx') return buildx(caseDir, tag, opts);
  const docker = dockerFor(builder);
  const stream = await docker.buildImage(await contextTar(caseDir, opts.dockerfileText), {
    t: tag,
    // podman answers 400 to an empty `buildargs=` / `labels=` parameter: send them only when set
    ...(opts.buildargs ? { buildargs: opts.buildargs } : {}),
    ...(opts.labels ? { labels: opts.labels } : {}),
    ...(opts.noCache ? { nocache: true } : {}),
    ...(builder === 'buildkit' || builder === 'modern-buildkit' ? { version: '2' } : { version: '1' }),
  } as Docker.ImageBuildOptions);
  const log: string[] = [];
  const aux: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : resolve()),
      (ev: { stream?: string; error?: string; aux?: { ID?: string } }) => {
        if (ev.stream) log.push(ev.stream);
        if (ev.aux?.ID) aux.push(ev.aux.ID);
        if (ev.error) log.push(`ERROR ${ev.error}`);
      },
    );
  });
  const text = log.join('');
  if (/^ERROR /m.test(text)) throw new Error(`${builder} build of ${caseDir} failed:\n${text}`);
  const info = await docker.getImage(tag).inspect();
  return { id: info.Id, log: text };
}

/**
 * What a container of `image` prints (stdout and stderr as one text): its own command, or `cmd` with no entrypoint;
 * on the engine `builder` builds on.
 */
export async function runImage(
  image: string,
  cmd: readonly string[] = [],
  builder: Builder = 'legacy',
): Promise<string> {
  // A TTY keeps stdout and stderr in one plain stream (no multiplexing headers).
  const c = await dockerFor(builder).createContainer({
    Image: image,
    Tty: true,
    ...(cmd.length ? { Cmd: cmd, Entrypoint: [] } : {}),
  } as never);
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

/** The size the engine `builder` builds on reports for a local image. */
export async function imageSize(ref: string, builder: Builder = 'legacy'): Promise<number> {
  return (await dockerFor(builder).getImage(ref).inspect()).Size;
}

/** Removes images a suite tagged (on the engine `builder` builds on); one already gone is no error. */
export async function removeImages(refs: Iterable<string>, builder: Builder = 'legacy'): Promise<void> {
  for (const ref of refs)
    await dockerFor(builder)
      .getImage(ref)
      .remove()
      .catch(() => undefined);
}
