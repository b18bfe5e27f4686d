// The analysis figures of DESIGN's bench, on a generated image of ≥ 1 GB and ≥ 50,000 files (built once with BuildKit
// and kept as dfsize-bench/analysis-1g:v1; a second layer deletes and overwrites some of it, as real images do):
//   analysis_ratio_vs_drain  uncached `dfsize analyze --image ID` wall / wall of draining GET /images/ID/get to
//                            /dev/null (curl), alternating, median of 3 each
//   archive_ratio_vs_read    uncached `dfsize analyze --archive FILE` (a docker save of the same image) / reading and
//                            decompressing the same file with the same Node, reads, tar reader and bundling
//                            (readBaseline.ts)
//   analysis_peak_rss_mb     peak RSS of the uncached `dfsize analyze --image` run
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as esbuild from 'esbuild';
import { ensureBusybox } from '../../test/support/baseImage';
import { build, dockerFor } from '../../test/support/builds';
import { CLI } from '../../test/support/cli';
import { loadNote, must, timed, type Rounds } from './processes';
import { median, type Figure } from './types';

export const BENCH_TAG = 'dfsize-bench/analysis-1g:v1';
export const RUNS = 3;

// 100 folders × 512 files × 20 KiB of random bytes (1.05 GB, 51,200 files; the suites' busybox has no `split`, so one
// `head` per file: about a minute, once); then a layer that removes two folders and overwrites a third.
const DOCKERFILE = `FROM local/busybox:latest
RUN for d in $(seq 0 99); do mkdir -p /data/d$d; for f in $(seq 0 511); do head -c 20480 /dev/urandom > /data/d$d/f$f; done; done
RUN rm -rf /data/d0 /data/d1 && for f in /data/d2/f*; do echo x > $f; done
`;

export async function benchImage(): Promise<string> {
  const docker = dockerFor('legacy');
  const have = await docker
    .getImage(BENCH_TAG)
    .inspect()
    .catch(() => null);
  if (have) return have.Id;
  await ensureBusybox();
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-bench-img-'));
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
  process.stdout.write('(building the 1 GB bench image once) ');
  const { id } = await build('buildkit', dir, BENCH_TAG);
  rmSync(dir, { recursive: true, force: true });
  return id;
}

/** A preload that reports the process' peak RSS on exit (KiB, Linux). */
function rssProbe(dir: string): string {
  const p = join(dir, 'rss.js');
  writeFileSync(
    p,
    "process.on('exit', () => { require('fs').writeSync(2, '\\nDFSIZE_MAXRSS_KB ' + process.resourceUsage().maxRSS + '\\n'); });\n",
  );
  return p;
}

async function analyzeRun(target: string[], dir: string, probe: string): Promise<{ ms: number; rssKb: number }> {
  const cache = mkdtempSync(join(dir, 'cache-'));
  const r = must(
    await timed(process.execPath, ['--require', probe, CLI, 'analyze', ...target, '--json'], {
      DFSIZE_CACHE_DIR: cache,
    }),
    `dfsize analyze ${target.join(' ')}`,
  );
  rmSync(cache, { recursive: true, force: true });
  const kb = Number(/DFSIZE_MAXRSS_KB (\d+)/.exec(r.stderr)?.[1]);
  const j = JSON.parse(r.stdout.length >= 1 << 16 ? '{}' : r.stdout) as { layers?: unknown[] };
  if (j.layers && j.layers.length < 2) throw new Error('the bench image should have layers');
  return { ms: r.ms, rssKb: kb };
}

export interface Shared {
  id: string;
  dir: string;
  probe: string;
  engineRuns?: Array<{ ms: number; rssKb: number }>;
  /** dive's rounds on the image, shared by dive_ratio_engine and dive_rss_ratio. */
  diveEngineRounds?: Promise<Rounds>;
}
let shared: Promise<Shared> | null = null;

export function setup(): Promise<Shared> {
  // One image and one scratch folder for the three figures of one bench run.
  shared ??= (async () => {
    const id = await benchImage();
    const dir = mkdtempSync(join(tmpdir(), 'dfsize-bench-'));
    return { id, dir, probe: rssProbe(dir) };
  })();
  return shared;
}

export async function analysisRatioVsDrain(): Promise<Figure> {
  const s = await setup();
  const drain: number[] = [];
  const runs: Array<{ ms: number; rssKb: number }> = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    drain.push(
      must(
        await timed('curl', [
          '-sS',
          '--unix-socket',
          '/var/run/docker.sock',
          '-o',
          '/dev/null',
          `http://localhost/images/${s.id}/get`,
        ]),
        'curl',
      ).ms,
    );
    runs.push(await analyzeRun(['--image', s.id], s.dir, s.probe));
    loads.push(loadavg()[0]!);
  }
  s.engineRuns = runs;
  const ms = runs.map((r) => r.ms);
  return {
    value: Number((median(ms) / median(drain)).toFixed(3)),
    unit: 'ratio',
    target: 1.15,
    raw: ms,
    baseline: { what: 'curl GET /images/ID/get > /dev/null (ms)', raw: drain },
    note: `image ${BENCH_TAG} (${s.id.slice(7, 19)}), uncached (a fresh DFSIZE_CACHE_DIR each run); ${loadNote(loads)}`,
  };
}

export async function analysisPeakRssMb(): Promise<Figure> {
  const s = await setup();
  const runs =
    s.engineRuns ??
    (await (async () => {
      const out: Array<{ ms: number; rssKb: number }> = [];
      for (let i = 0; i < RUNS; i++) out.push(await analyzeRun(['--image', s.id], s.dir, s.probe));
      return out;
    })());
  const mb = runs.map((r) => r.rssKb / 1024);
  return {
    value: Number(Math.max(...mb).toFixed(1)),
    unit: 'MB',
    target: 150,
    raw: mb,
    note: 'max over the runs of uncached dfsize analyze --image (process.resourceUsage().maxRSS)',
  };
}

/** The bench image as `docker save` writes it, saved once per bench run into its scratch folder. */
export async function savedArchive(s: Shared): Promise<string> {
  const file = join(s.dir, 'save.tar');
  if (!existsSync(file)) await pipeline(await dockerFor('legacy').getImage(s.id).get(), createWriteStream(file));
  return file;
}

export async function archiveRatioVsRead(): Promise<Figure> {
  const s = await setup();
  const file = await savedArchive(s);
  const baseline = join(s.dir, 'readBaseline.js');
  await esbuild.build({
    entryPoints: [join(__dirname, 'readBaseline.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    outfile: baseline,
    logLevel: 'warning',
  });
  const read: number[] = [];
  const ours: number[] = [];
  const cat: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    read.push(must(await timed(process.execPath, [baseline, file]), 'read baseline').ms);
    ours.push((await analyzeRun(['--archive', file], s.dir, s.probe)).ms);
    cat.push(must(await timed('sh', ['-c', 'cat "$0" > /dev/null', file]), 'cat').ms);
    loads.push(loadavg()[0]!);
  }
  return {
    value: Number((median(ours) / median(read)).toFixed(3)),
    unit: 'ratio',
    target: 1.3,
    raw: { analysis: ours, cat },
    baseline: { what: 'node readBaseline.js FILE: read + walk + decompress blobs (ms)', raw: read },
    note: `docker save of ${BENCH_TAG}: ${(statSync(file).size / 1e9).toFixed(2)} GB, layers uncompressed (as docker save writes them); ${loadNote(loads)}`,
  };
}
