// cache_from_cold_ms: the 1 GB bench image (analysis.ts) pushed to the loopback registry, analysed on an empty disk
// (a fresh DFSIZE_CACHE_DIR each run) with `--cache-from` a shared cache that `--cache-to` filled once, against the
// same analysis fetching every layer blob — alternating, median of 3 each. The figure is the `--cache-from` wall time;
// the full fetch is its baseline. Bytes fetched come from one more run of each through a counting proxy (untimed).
// The same pair is timed on the engine path (`--image ID`: the export against the shared analyses) for comparison.
// raw.referrers: the same cold analysis with `--cache-from` only the image's own repository, after a `--cache-to` of
// the registry image there tied its analyses to it (registry 2.8: the referrers tag schema's fallback tag).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../test/support/builds';
import { CLI } from '../../test/support/cli';
import { FaultProxy } from '../../test/support/proxy';
import { BENCH_TAG, benchImage, RUNS } from './analysis';
import { loadNote, must, timed, type Run } from './processes';
import { median, Unavailable, type Figure } from './types';

const REGISTRY = '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/${BENCH_TAG}`;
const CACHE = `${REGISTRY}/dfsize-bench/analysis-cache:v1`;
/** The image's own repository: `--cache-to` there ties the analyses to the image as referrers. */
const IMAGE_REPO = IMAGE.slice(0, IMAGE.lastIndexOf(':'));

async function analyze(args: string[]): Promise<Run> {
  const cache = mkdtempSync(join(tmpdir(), 'dfsize-bench-share-'));
  try {
    return must(
      await timed(process.execPath, [CLI, 'analyze', ...args, '--json'], {
        DFSIZE_CACHE_DIR: cache,
        // The machine is shared and loaded: an engine that is slow to answer must not end a timed run.
        DFSIZE_ENGINE_TIMEOUT_MS: '120000',
      }),
      `dfsize analyze ${args.join(' ')}`,
    );
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** Whether the run took its layers from the shared cache (its stderr line), and how many. */
const sharedLayers = (r: Run) => Number(/^dfsize: (\d+) layer analys[ie]s from /m.exec(r.stderr)?.[1] ?? 0);

/** Bytes fetched from the registry by one untimed run, through a counting proxy. */
async function bytesFetched(target: string, args: string[]): Promise<number> {
  const proxy = await FaultProxy.startTcp(REGISTRY);
  try {
    const through = (ref: string) => ref.replace(REGISTRY, proxy.url);
    await analyze([through(target), ...args.map(through)]);
    return proxy.bytes;
  } finally {
    await proxy.close();
  }
}

async function pair(target: string[]): Promise<{ full: number[]; cold: number[]; shared: number[]; loads: number[] }> {
  const out = { full: [] as number[], cold: [] as number[], shared: [] as number[], loads: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    out.full.push((await analyze(target)).ms);
    const r = await analyze([...target, '--cache-from', CACHE]);
    out.cold.push(r.ms);
    out.shared.push(sharedLayers(r));
    out.loads.push(loadavg()[0] ?? 0);
  }
  return out;
}

/** Cold registry analyses finding their layers by the image's referrers alone (checked on their stderr line). */
async function byReferrers(): Promise<{ cold: number[]; shared: number[]; loads: number[] }> {
  must(await analyze([IMAGE, '--cache-to', IMAGE_REPO]), 'dfsize analyze --cache-to the image repository');
  const out = { cold: [] as number[], shared: [] as number[], loads: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const r = await analyze([IMAGE, '--cache-from', IMAGE_REPO]);
    if (!/ from the referrers of /.test(r.stderr)) throw new Error(`the referrers were not used: ${r.stderr}`);
    out.cold.push(r.ms);
    out.shared.push(sharedLayers(r));
    out.loads.push(loadavg()[0] ?? 0);
  }
  return out;
}

export async function cacheFromColdMs(): Promise<Figure> {
  const id = await benchImage();
  const up = await fetch(`http://${REGISTRY}/v2/`).then(
    (r) => r.ok,
    () => false,
  );
  if (!up) throw new Unavailable(`no registry at ${REGISTRY} (scripts/parts/registry.sh serve)`);
  await runCommand('docker', ['tag', BENCH_TAG, IMAGE]);
  await runCommand('docker', ['push', IMAGE]);
  must(await analyze(['--image', id, '--cache-to', CACHE]), 'dfsize analyze --cache-to');
  const registry = await pair([IMAGE]);
  const engine = await pair(['--image', id]);
  const referrers = await byReferrers();
  const bytes = {
    full: await bytesFetched(IMAGE, []),
    cold: await bytesFetched(IMAGE, ['--cache-from', CACHE]),
    referrers: await bytesFetched(IMAGE, ['--cache-from', IMAGE_REPO]),
  };
  const used = Math.min(...registry.shared) > 0;
  return {
    value: Math.round(median(registry.cold)),
    unit: 'ms',
    raw: { registry, engine, referrers, bytesFetched: bytes },
    baseline: { what: 'the same registry analysis fetching every layer blob (ms)', raw: registry.full },
    note:
      `${IMAGE} on an empty DFSIZE_CACHE_DIR each run; ` +
      (used
        ? `--cache-from supplied ${Math.min(...registry.shared)} layers on the registry path`
        : 'the registry path did not take the shared layers (it reads every blob): see raw.engine for the engine path') +
      `; registry ${loadNote(registry.loads)}; engine ${loadNote(engine.loads)}; by referrers ${loadNote(referrers.loads)}`,
  };
}
