// Records what real engines say about images built from test/fixtures/builds, for the unit tests to replay.
//   npm run record-history [-- --builders legacy,buildkit,podman] [--cases forms,...] [--loaded]
// Needs dockerd on /var/run/docker.sock (scripts/parts/engine.sh, base-images.sh) and, for podman, the Podman
// service (scripts/parts/podman.sh serve; `podman pull docker-daemon:local/busybox:latest`). --loaded records dive's
// test images after `docker load`, from the folder DFSIZE_DIVE_FIXTURES names (see README).
// Writes test/fixtures/history/<builder>/<case>.json: the Dockerfile text, build args, `GET /images/{id}/json`,
// `GET /images/{id}/history`, the image config from the export (it alone says which rows are empty layers), and the
// base image's history length and layer count. Recordings are data: re-record when an engine's format is in doubt.
import type Docker from 'dockerode';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extract } from 'tar-stream';
import { build, BUILDS_DIR, dockerFor, type Builder } from '../test/support/builds';

export const HISTORY_DIR = join(__dirname, '..', 'test', 'fixtures', 'history');

interface Case { name: string; builders: Builder[]; buildargs?: (b: Builder) => Record<string, string>; base: string }
const ALL: Builder[] = ['legacy', 'buildkit', 'podman'];
const CASES: Case[] = [
  { name: 'forms', builders: ALL, base: 'local/busybox:latest' },
  { name: 'multistage-chain', builders: ALL, base: 'local/busybox:latest' },
  { name: 'multistage-copy', builders: ALL, base: 'local/busybox:latest' },
  { name: 'buildkit-flags', builders: ['buildkit', 'podman'], base: 'local/busybox:latest' },
  { name: 'onbuild-parent', builders: ALL, base: 'local/busybox:latest' },
  { name: 'onbuild-child', builders: ALL, buildargs: (b) => ({ PARENT: `dfsize-rec/onbuild-parent:${b}` }), base: 'dfsize-rec/onbuild-parent:BUILDER' },
];

/** The image config from `GET /images/{id}/get` (manifest.json names it). Small test images only: it buffers JSON. */
async function exportedConfig(docker: Docker, id: string): Promise<unknown> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => { if (header.name.endsWith('.json') || header.name.startsWith('blobs/')) chunks.push(c as Buffer); });
    stream.on('end', () => { if (chunks.length) files.set(header.name, Buffer.concat(chunks)); next(); });
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); });
  (await docker.getImage(id).get()).pipe(ex);
  await done;
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Config: string }[];
  return JSON.parse(files.get(manifest[0]!.Config)!.toString());
}

async function record(builder: Builder, c: Case): Promise<void> {
  const docker = dockerFor(builder);
  const tag = `dfsize-rec/${c.name}:${builder}`;
  const buildargs = c.buildargs?.(builder);
  const dockerfile = readFileSync(join(BUILDS_DIR, c.name, 'Dockerfile'), 'utf8');
  const { id } = await build(builder, join(BUILDS_DIR, c.name), tag, buildargs ? { buildargs } : {});
  const image = docker.getImage(id);
  const baseRef = c.base.replace('BUILDER', builder);
  const base = docker.getImage(baseRef);
  const [inspect, history, config, baseInspect, baseHistory, version] = await Promise.all([
    image.inspect(), image.history(), exportedConfig(docker, id), base.inspect(), base.history(), docker.version(),
  ]);
  const out = {
    recordedWith: 'scripts/record-history.ts',
    engine: { product: builder === 'podman' ? 'podman' : 'docker', version: version.Version, apiVersion: version.ApiVersion },
    builder, case: c.name, tag, buildargs: buildargs ?? {}, dockerfile,
    inspect, history, config,
    base: { ref: baseRef, id: baseInspect.Id, layers: baseInspect.RootFS.Layers?.length ?? 0, historyRows: baseHistory.length, sizeBytes: baseInspect.Size },
  };
  const dir = join(HISTORY_DIR, builder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${c.name}.json`), JSON.stringify(out, null, 1) + '\n');
  console.log(`${builder.padEnd(8)} ${c.name.padEnd(18)} ${id.slice(7, 19)} ${history.length} rows`);
}

/** dive's test images as dockerd reports them after `docker load` of their archives. */
const LOADED = [
  { name: 'dive-test-latest', ref: 'dive-test:latest', archive: 'test-docker-image.tar' },
  { name: 'dive-test-kaniko', ref: 'dive-test:kaniko-latest', archive: 'test-kaniko-image.tar' },
];

async function recordLoaded(name: string, ref: string, archive: string): Promise<void> {
  const docker = dockerFor('legacy');
  const image = docker.getImage(ref);
  const loaded = await image.inspect().then(() => true, () => false);
  if (!loaded) {
    const dir = process.env.DFSIZE_DIVE_FIXTURES;
    if (!dir) throw new Error(`${ref} is not on the engine: set DFSIZE_DIVE_FIXTURES to a folder with dive's test images to load it`);
    const stream = await docker.loadImage(createReadStream(join(dir, archive)) as never);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  }
  const [inspect, history] = await Promise.all([image.inspect(), image.history()]);
  const dir = join(HISTORY_DIR, 'loaded');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ recordedWith: 'scripts/record-history.ts', ref, inspect, history }, null, 1) + '\n');
  console.log(`loaded   ${name.padEnd(18)} ${history.length} rows`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { builders: { type: 'string' }, cases: { type: 'string' }, loaded: { type: 'boolean' } } });
  const builders = values.builders ? (values.builders.split(',') as Builder[]) : ALL;
  const cases = values.cases ? CASES.filter((c) => values.cases!.split(',').includes(c.name)) : CASES;
  for (const c of cases) for (const b of builders) if (c.builders.includes(b)) await record(b, c);
  if (values.loaded || !values.cases) for (const l of LOADED) await recordLoaded(l.name, l.ref, l.archive);
}

main().catch((e: unknown) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
