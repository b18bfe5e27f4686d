// The registry figures, on the 1 GB bench image (analysis.ts) pushed to the open loopback registry
// (scripts/parts/registry.sh) as dfsize-bench/registry:v1, and a v2 built on it that adds two layers:
//   registry_ratio_vs_fetch     uncached `dfsize analyze 127.0.0.1:5000/dfsize-bench/registry:v1` wall / wall of one
//                               curl fetching the same manifest, config and layer blobs to /dev/null, one after the
//                               other as the analysis does, alternating, median of 3 each
//                               (raw: also the registry read alone with and without the diffID hash — what trusting
//                               registry layers costs — and fetch + gunzip alone, the floor: registryRead.ts)
//   registry_incremental_bytes  bytes `analyze` fetched for v2 after v1 (its `fetched.bytes`: manifest and config
//                               included) / the compressed bytes of v2's two new layer blobs (its manifest's sizes)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { build, runCommand } from '../../test/support/builds';
import { CLI } from '../../test/support/cli';
import { BENCH_TAG, RUNS, setup } from './analysis';
import { loadNote, must, timed } from './processes';
import { median, Unavailable, type Figure } from './types';

const REGISTRY = '127.0.0.1:5000';
const REPO = 'dfsize-bench/registry';
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

interface Manifest {
  config: { digest: string; size: number };
  layers: Array<{ digest: string; size: number }>;
}

async function manifestOf(tag: string): Promise<Manifest | null> {
  const r = await fetch(`http://${REGISTRY}/v2/${REPO}/manifests/${tag}`, { headers: { Accept: MANIFEST_V2 } });
  return r.ok ? ((await r.json()) as Manifest) : null;
}

/** The bench image as v1, and v2 = v1 + a 20 MB layer + a small one, both in the registry (pushed once). */
async function pushed(): Promise<{ v1: Manifest; v2: Manifest }> {
  const up = await fetch(`http://${REGISTRY}/v2/`).then(
    (r) => r.ok,
    () => false,
  );
  if (!up) throw new Unavailable(`no registry at ${REGISTRY} (bash scripts/parts/registry.sh serve)`);
  await setup();
  const have = async (tag: string) => (await manifestOf(tag)) ?? null;
  if (!(await have('v1')) || !(await have('v2'))) {
    process.stdout.write('(pushing the bench image and its v2 once) ');
    const dir = mkdtempSync(join(tmpdir(), 'dfsize-bench-registry-'));
    const text = `FROM ${BENCH_TAG}\nRUN head -c 20000000 /dev/urandom > /new.bin\nRUN echo v2 > /version\n`;
    writeFileSync(join(dir, 'Dockerfile'), text);
    await build('buildkit', dir, `${REPO}:v2`);
    rmSync(dir, { recursive: true, force: true });
    await runCommand('docker', ['tag', BENCH_TAG, `${REGISTRY}/${REPO}:v1`]);
    await runCommand('docker', ['tag', `${REPO}:v2`, `${REGISTRY}/${REPO}:v2`]);
    await runCommand('docker', ['push', `${REGISTRY}/${REPO}:v1`]);
    await runCommand('docker', ['push', `${REGISTRY}/${REPO}:v2`]);
  }
  const [v1, v2] = [await manifestOf('v1'), await manifestOf('v2')];
  if (!v1 || !v2) throw new Error(`${REPO}:v1 and :v2 should be in ${REGISTRY} now`);
  return { v1, v2 };
}

/** One uncached or incremental analysis; its JSON (megabytes for this image) goes to a file, read for `fetched`. */
async function analyze(
  tag: string,
  cache: string,
): Promise<{ ms: number; fetched: { layers: number; bytes: number } }> {
  const out = join(cache, 'analysis.json');
  const r = must(
    await timed(
      'sh',
      ['-c', 'exec "$0" "$1" analyze "$2" --json > "$3"', process.execPath, CLI, `${REGISTRY}/${REPO}:${tag}`, out],
      {
        DFSIZE_CACHE_DIR: cache,
      },
    ),
    `dfsize analyze ${REGISTRY}/${REPO}:${tag}`,
  );
  const j = JSON.parse(readFileSync(out, 'utf8')) as { fetched?: { layers: number; bytes: number } };
  if (!j.fetched) throw new Error('analyze should say what it fetched');
  return { ms: r.ms, fetched: j.fetched };
}

export async function registryRatioVsFetch(): Promise<Figure> {
  const { v1 } = await pushed();
  const s = await setup();
  const urls = [
    `http://${REGISTRY}/v2/${REPO}/manifests/v1`,
    ...[v1.config, ...v1.layers].map((b) => `http://${REGISTRY}/v2/${REPO}/blobs/${b.digest}`),
  ];
  const curlArgs = ['-sS', '-H', `Accept: ${MANIFEST_V2}`, ...urls.flatMap((u) => ['-o', '/dev/null', u])];
  const script = join(s.dir, 'registryRead.js');
  await esbuild.build({
    entryPoints: [join(__dirname, 'registryRead.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    outfile: script,
    logLevel: 'warning',
  });
  const readMs = (mode: '0' | '1' | 'floor') =>
    timed(process.execPath, [script, REGISTRY, REPO, 'v1', mode]).then(
      (r) => (JSON.parse(must(r, 'registryRead').stdout) as { ms: number }).ms,
    );
  const fetchMs: number[] = [];
  const ours: number[] = [];
  const noHash: number[] = [];
  const hash: number[] = [];
  const gunzipFloor: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    fetchMs.push(must(await timed('curl', curlArgs), 'curl').ms);
    const cache = mkdtempSync(join(s.dir, 'registry-cache-'));
    ours.push((await analyze('v1', cache)).ms);
    rmSync(cache, { recursive: true, force: true });
    noHash.push(await readMs('0'));
    hash.push(await readMs('1'));
    gunzipFloor.push(await readMs('floor'));
    loads.push(loadavg()[0] ?? 0);
  }
  const gb = (v1.layers.reduce((n, l) => n + l.size, 0) / 1e9).toFixed(2);
  return {
    value: Number((median(ours) / median(fetchMs)).toFixed(3)),
    unit: 'ratio',
    target: 1.15,
    raw: { analysis: ours, readWithoutDiffIdHash: noHash, readWithDiffIdHash: hash, fetchAndGunzipOnly: gunzipFloor },
    baseline: {
      what: 'curl: manifest, config and every layer blob to /dev/null, one after the other (ms)',
      raw: fetchMs,
    },
    note: `${REPO}:v1 (${BENCH_TAG}: ${v1.layers.length} layers, ${gb} GB gzip) from ${REGISTRY}, uncached (a fresh DFSIZE_CACHE_DIR each run), every layer hashed against its diffID; ${loadNote(loads)}`,
  };
}

export async function registryIncrementalBytes(): Promise<Figure> {
  const { v1, v2 } = await pushed();
  const s = await setup();
  const fresh = v2.layers.filter((l) => !v1.layers.some((o) => o.digest === l.digest));
  const newBytes = fresh.reduce((n, l) => n + l.size, 0);
  const cache = mkdtempSync(join(s.dir, 'registry-incr-'));
  const first = await analyze('v1', cache);
  const after = await analyze('v2', cache);
  rmSync(cache, { recursive: true, force: true });
  const cold = mkdtempSync(join(s.dir, 'registry-cold-'));
  const uncached = await analyze('v2', cold);
  rmSync(cold, { recursive: true, force: true });
  return {
    value: Number((after.fetched.bytes / newBytes).toFixed(4)),
    unit: 'ratio',
    target: 1.0,
    raw: {
      v2AfterV1: { ...after.fetched, ms: after.ms },
      v2Uncached: { ...uncached.fetched, ms: uncached.ms },
      v1Uncached: { ...first.fetched, ms: first.ms },
      newLayerBlobs: fresh.length,
      newLayerBytes: newBytes,
    },
    note: `${REPO}:v2 = v1 (${BENCH_TAG}) + ${fresh.length} layers; fetched bytes count v2's manifest and config too (the rest of the ratio above 1.0); load (1 min) ${loadavg()[0]?.toFixed(2) ?? '?'}`,
  };
}
