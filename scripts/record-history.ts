// Records what real engines say about images built from test/fixtures/builds, for the unit tests to replay.
//   npm run record-history [-- --builders legacy,buildkit,podman|modern] [--cases forms,...] [--loaded]
// Needs dockerd on /var/run/docker.sock (scripts/parts/engine.sh, base-images.sh), for podman the Podman service
// ($DFSIZE_PODMAN_SOCKET; scripts/parts/podman.sh serve), and for `modern` (modern-buildkit: its Engine API's
// BuildKit, modern-buildx: `docker buildx build --load`) Docker 28 with the containerd store at
// $DFSIZE_MODERN_DOCKER_HOST, buildx in $DFSIZE_MODERN_DOCKER_CONFIG (scripts/parts/modern-engine.sh). --loaded records
// dive's test images after `docker load`, from the folder DFSIZE_DIVE_FIXTURES names (see README).
// Writes test/fixtures/history/<builder>/<case>.json (modern: history/modern/<buildkit|buildx>/<case>.json): the
// Dockerfile text, build args, `GET /images/{id}/json`, `GET /images/{id}/history`, the image config from the export
// (it alone says which rows are empty layers), the store fields of `GET /info` (what the sizes count), the base
// image's history length and layer count, and for a multi-platform image the platforms its export holds. Recordings
// are data: re-record when a format is in doubt.
import type Docker from 'dockerode';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extract } from 'tar-stream';
import { ensureBusyboxFor } from '../test/support/baseImage';
import { build, BUILDS_DIR, dockerFor, engineOf, MODERN_BUILDERS, type Builder } from '../test/support/builds';
import { recordingDir } from '../test/support/recorded';

interface Case {
  name: string;
  builders: readonly Builder[];
  buildargs?: (b: Builder) => Record<string, string>;
  base: string;
  /** Serves the case's payload.txt over HTTP while it builds (ADD <url>). */
  serves?: boolean;
  platforms?: readonly string[];
}
const ALL: Builder[] = ['legacy', 'buildkit', 'podman'];
const EVERY: Builder[] = [...ALL, ...MODERN_BUILDERS];
const BUILDKITS: Builder[] = ['buildkit', 'podman', ...MODERN_BUILDERS];
/** The address the fixtures' Dockerfiles name for the payload server; replaced by the real one in what is built. */
const PLACEHOLDER_URL = 'http://127.0.0.1:8000';
const CASES: Case[] = [
  { name: 'forms', builders: EVERY, base: 'local/busybox:latest' },
  { name: 'multistage-chain', builders: EVERY, base: 'local/busybox:latest' },
  { name: 'multistage-copy', builders: EVERY, base: 'local/busybox:latest' },
  { name: 'buildkit-flags', builders: BUILDKITS, base: 'local/busybox:latest' },
  { name: 'onbuild-parent', builders: EVERY, base: 'local/busybox:latest' },
  {
    name: 'onbuild-child',
    builders: EVERY,
    buildargs: (b) => ({ PARENT: `dfsize-rec/onbuild-parent:${b}` }),
    base: 'dfsize-rec/onbuild-parent:BUILDER',
  },
  { name: 'modern-forms', builders: MODERN_BUILDERS, base: 'local/busybox:latest' },
  // two versions of one app (a line changed, one added, one removed), for the comparison of builds
  { name: 'compare-old', builders: ['legacy', 'buildkit'], base: 'local/busybox:latest' },
  { name: 'compare-new', builders: ['legacy', 'buildkit'], base: 'local/busybox:latest' },
  { name: 'add-checksum', builders: MODERN_BUILDERS, base: 'local/busybox:latest', serves: true },
  {
    name: 'multi-platform',
    builders: ['modern-buildx'],
    base: 'local/busybox:latest',
    platforms: ['linux/amd64', 'linux/arm64'],
  },
];

/**
 * Serves `file` on an address the builder's engine reaches: 127.0.0.1 for engines on this host's network; the
 * current engine runs in a container of the 20.10 engine, where 127.0.0.1 is its own (a download from it is refused),
 * so this host's address on the 20.10 engine's default bridge.
 */
async function servePayload(builder: Builder, file: string): Promise<{ url: string; server: Server }> {
  let host = '127.0.0.1';
  if (engineOf(builder) === 'modern') {
    const bridge = (await dockerFor('legacy').getNetwork('bridge').inspect()) as { Options?: Record<string, string> };
    const name = bridge.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
    const address = networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
    if (!address)
      throw new Error(
        `no IPv4 address on ${name}, the 20.10 engine's bridge: the current engine cannot reach a server here`,
      );
    host = address;
  }
  const body = readFileSync(file);
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, server };
}

interface Exported {
  config: unknown;
  platforms: string[];
}

/**
 * The image config from `GET /images/{id}/get` (manifest.json names it; of a multi-platform image, the one of the
 * platform the engine inspects) and the platforms the export holds. Small test images only: it buffers JSON.
 */
async function exportedConfig(docker: Docker, id: string, architecture: string): Promise<Exported> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      if (header.name.endsWith('.json') || header.name.startsWith('blobs/')) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (chunks.length) files.set(header.name, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  (await docker.getImage(id).get()).pipe(ex);
  await done;
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Config: string }[];
  const configs = manifest.map(
    (m) => JSON.parse(files.get(m.Config)!.toString()) as { os?: string; architecture?: string },
  );
  const listed = indexPlatforms(files);
  return {
    config: configs.find((c) => c.architecture === architecture) ?? configs[0],
    platforms: listed.length ? listed : configs.map((c) => `${c.os}/${c.architecture}`).sort(),
  };
}

/** The platforms an OCI layout's index.json lists, through nested indexes (buildx's attestations, unknown/unknown, left out). */
function indexPlatforms(files: ReadonlyMap<string, Buffer>): string[] {
  const out = new Set<string>();
  const walk = (name: string, depth: number): void => {
    const doc = files.get(name);
    if (!doc || depth > 8) return;
    const index = JSON.parse(doc.toString()) as {
      manifests?: Array<{ digest: string; platform?: { os: string; architecture: string } }>;
    };
    for (const m of index.manifests ?? []) {
      if (m.platform && m.platform.os !== 'unknown') out.add(`${m.platform.os}/${m.platform.architecture}`);
      walk(`blobs/${m.digest.replace(':', '/')}`, depth + 1);
    }
  };
  walk('index.json', 0);
  return [...out].sort();
}

/** Builds the case (serving its payload when it needs one) and returns the image id and the Dockerfile text built. */
async function buildCase(
  builder: Builder,
  c: Case,
  tag: string,
): Promise<{ id: string; dockerfile: string; buildargs: Record<string, string> }> {
  const dir = join(BUILDS_DIR, c.name);
  const buildargs = c.buildargs?.(builder) ?? {};
  const served = c.serves ? await servePayload(builder, join(dir, 'payload.txt')) : null;
  try {
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8').replaceAll(
      PLACEHOLDER_URL,
      served?.url ?? PLACEHOLDER_URL,
    );
    const { id } = await build(builder, dir, tag, {
      dockerfileText: dockerfile,
      ...(c.buildargs ? { buildargs } : {}),
      ...(c.platforms ? { platforms: c.platforms } : {}),
      // a download is cached by its checksum: without this, a build would not show that the server was reached
      ...(c.serves ? { noCache: true } : {}),
    });
    return { id, dockerfile, buildargs };
  } finally {
    served?.server.close();
  }
}

async function record(builder: Builder, c: Case): Promise<void> {
  const docker = dockerFor(builder);
  const tag = `dfsize-rec/${c.name}:${builder}`;
  const { id, dockerfile, buildargs } = await buildCase(builder, c, tag);
  const image = docker.getImage(id);
  const baseRef = c.base.replace('BUILDER', builder);
  const base = docker.getImage(baseRef);
  const [inspect, history, baseInspect, baseHistory, version, info] = await Promise.all([
    image.inspect(),
    image.history(),
    base.inspect(),
    base.history(),
    docker.version(),
    docker.info() as Promise<{ Driver?: string; DriverStatus?: unknown }>,
  ]);
  const { config, platforms } = await exportedConfig(docker, id, inspect.Architecture);
  const out = {
    recordedWith: 'scripts/record-history.ts',
    engine: {
      product: builder === 'podman' ? 'podman' : 'docker',
      version: version.Version,
      apiVersion: version.ApiVersion,
    },
    engineInfo: { Driver: info.Driver, DriverStatus: info.DriverStatus },
    builder,
    case: c.name,
    tag,
    buildargs,
    dockerfile,
    inspect,
    history,
    config,
    ...(c.platforms ? { platforms } : {}),
    base: {
      ref: baseRef,
      id: baseInspect.Id,
      layers: baseInspect.RootFS.Layers?.length ?? 0,
      historyRows: baseHistory.length,
      sizeBytes: baseInspect.Size,
    },
  };
  const dir = recordingDir(builder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${c.name}.json`), JSON.stringify(out, null, 1) + '\n');
  console.log(
    `${builder.padEnd(16)} ${c.name.padEnd(18)} ${id.slice(7, 19)} ${history.length} rows${c.platforms ? ` · ${platforms.join(', ')}` : ''}`,
  );
}

/** dive's test images as dockerd reports them after `docker load` of their archives. */
const LOADED = [
  { name: 'dive-test-latest', ref: 'dive-test:latest', archive: 'test-docker-image.tar' },
  { name: 'dive-test-kaniko', ref: 'dive-test:kaniko-latest', archive: 'test-kaniko-image.tar' },
];

async function recordLoaded(name: string, ref: string, archive: string): Promise<void> {
  const docker = dockerFor('legacy');
  const image = docker.getImage(ref);
  const loaded = await image.inspect().then(
    () => true,
    () => false,
  );
  if (!loaded) {
    const dir = process.env.DFSIZE_DIVE_FIXTURES;
    if (!dir)
      throw new Error(
        `${ref} is not on the engine: set DFSIZE_DIVE_FIXTURES to a folder with dive's test images to load it`,
      );
    const stream = await docker.loadImage(createReadStream(join(dir, archive)));
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  const [inspect, history] = await Promise.all([image.inspect(), image.history()]);
  const dir = recordingDir('loaded');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    JSON.stringify({ recordedWith: 'scripts/record-history.ts', ref, inspect, history }, null, 1) + '\n',
  );
  console.log(`loaded   ${name.padEnd(18)} ${history.length} rows`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { builders: { type: 'string' }, cases: { type: 'string' }, loaded: { type: 'boolean' } },
  });
  // `modern` names both ways of building on the current engine
  const builders = values.builders
    ? values.builders.split(',').flatMap((b) => (b === 'modern' ? MODERN_BUILDERS : [b as Builder]))
    : ALL;
  const cases = values.cases ? CASES.filter((c) => values.cases!.split(',').includes(c.name)) : CASES;
  for (const b of builders) if (engineOf(b) !== 'docker') await ensureBusyboxFor(b);
  for (const c of cases) for (const b of builders) if (c.builders.includes(b)) await record(b, c);
  if (values.loaded || (!values.cases && !values.builders))
    for (const l of LOADED) await recordLoaded(l.name, l.ref, l.archive);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
