// Side by side with dive (v0.13.1, installed as a Go module: scripts/parts/dive.sh, or DFSIZE_DIVE=/path/to/dive), on
// the same image, the same machine and in one run, each command under GNU time for its wall time and peak RSS:
//   dive_ratio_engine   uncached `dfsize analyze --image ID` wall / `dive ID --ci --source docker` wall
//   dive_ratio_archive  uncached `dfsize analyze --archive FILE` / `dive FILE --ci --source docker-archive`
//   dive_rss_ratio      our peak RSS / dive's, over the engine runs above
//   scale_peak_rss_mb   our peak RSS on a ≥ 4 GB, ≥ 400,000-file image (built for the figure, removed after), with
//                       dive's wall time and RSS on the same image beside it (or how it failed)
// Each ratio is the median of RUNS rounds; a round runs ours and dive's one after the other, alternating which goes
// first, so that a page cache warmed by one helps the other as often.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox } from '../../test/support/baseImage';
import { build, removeImages } from '../../test/support/builds';
import { CLI } from '../../test/support/cli';
import { BENCH_TAG, RUNS, savedArchive, setup, type Shared } from './analysis';
import { loadNote, must, timedWithRss, type MeasuredRun, type Rounds } from './processes';
import { median, Unavailable, type Figure } from './types';

const DIVE_VERSION = 'v0.13.1';
const SCALE_TAG = 'dfsize-bench/scale-4g:v1';
/** dive's CI rules, all off: the runs time the analysis, not a verdict (both tools exit 0 on success). */
const DIVE_CI = [
  '--ci',
  '--lowestEfficiency=0',
  '--highestWastedBytes=disabled',
  '--highestUserWastedPercent=disabled',
];
const KIB_PER_MB = 1024;

// 200 folders × 2,048 files (409,600) of 1 to 22,000 bytes (mean 11 kB: 4.5 GB), written by one awk (busybox has no
// `split`, and a process per file would take ten minutes); each file a prefix of one repeated letter.
const SCALE_DOCKERFILE = `FROM local/busybox:latest
RUN awk 'BEGIN { s = "x"; while (length(s) < 22000) s = s s; \\
  for (d = 0; d < 200; d++) { system("mkdir -p /scale/d" d); \\
    for (f = 0; f < 2048; f++) { p = "/scale/d" d "/f" f; printf "%s", substr(s, 1, (d * 2048 + f) * 7919 % 22000 + 1) > p; close(p) } } }'
`;

/** dive's binary: DFSIZE_DIVE, else where scripts/parts/dive.sh installs it. */
function diveBinaryPath(): string {
  return process.env.DFSIZE_DIVE ?? join(homedir(), '.cache', 'dfsize', 'dive', DIVE_VERSION, 'dive');
}

function diveBinary(): string {
  const path = diveBinaryPath();
  if (!existsSync(path))
    throw new Unavailable(
      `dive is not installed at ${path} (scripts/parts/dive.sh install, or set DFSIZE_DIVE to a dive ${DIVE_VERSION})`,
    );
  return path;
}

function ours(target: string[], dir: string): Promise<MeasuredRun> {
  const cache = mkdtempSync(join(dir, 'cache-'));
  return timedWithRss(process.execPath, [CLI, 'analyze', ...target, '--json'], { DFSIZE_CACHE_DIR: cache }).then(
    (r) => {
      rmSync(cache, { recursive: true, force: true });
      return must(r, `dfsize analyze ${target.join(' ')}`);
    },
  );
}

/** dive in a folder of its own (no `.dive-ci` or `.dive.yaml` of this repository's is picked up). */
function dive(source: 'docker' | 'docker-archive', target: string, dir: string): Promise<MeasuredRun> {
  return timedWithRss(diveBinary(), [target, '--source', source, ...DIVE_CI], { CI: 'true' }, dir);
}

async function alternate(runOurs: () => Promise<MeasuredRun>, runDive: () => Promise<MeasuredRun>): Promise<Rounds> {
  const rounds: Rounds = { ours: [], dive: [], loads: [] };
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      rounds.ours.push(await runOurs());
      rounds.dive.push(must(await runDive(), 'dive'));
    } else {
      rounds.dive.push(must(await runDive(), 'dive'));
      rounds.ours.push(await runOurs());
    }
    rounds.loads.push(loadavg()[0] ?? 0);
  }
  return rounds;
}

function ratioFigure(p: Rounds, what: string, note: string): Figure {
  const ms = (rs: MeasuredRun[]): number[] => rs.map((r) => Math.round(r.ms));
  return {
    value: Number((median(ms(p.ours)) / median(ms(p.dive))).toFixed(3)),
    unit: 'ratio',
    target: 0.5,
    raw: { ours: ms(p.ours), oursRssKb: p.ours.map((r) => r.rssKb) },
    baseline: { what, raw: ms(p.dive) },
    note: `${note}; dive's peak RSS (KiB): ${p.dive.map((r) => r.rssKb).join(', ')}; ${loadNote(p.loads)}; the machine is shared, so these are upper bounds`,
  };
}

/** The engine rounds, shared by dive_ratio_engine and dive_rss_ratio within one bench run. */
function engineRounds(s: Shared): Promise<Rounds> {
  s.diveEngineRounds ??= alternate(
    () => ours(['--image', s.id], s.dir),
    () => dive('docker', s.id, s.dir),
  );
  return s.diveEngineRounds;
}

export async function diveRatioEngine(): Promise<Figure> {
  diveBinary();
  const s = await setup();
  const p = await engineRounds(s);
  return ratioFigure(p, `dive ${DIVE_VERSION} ${DIVE_CI.join(' ')} --source docker (ms)`, `image ${BENCH_TAG}`);
}

export async function diveRatioArchive(): Promise<Figure> {
  diveBinary();
  const s = await setup();
  const file = await savedArchive(s);
  const p = await alternate(
    () => ours(['--archive', file], s.dir),
    () => dive('docker-archive', file, s.dir),
  );
  return ratioFigure(p, `dive ${DIVE_VERSION} --source docker-archive (ms)`, `docker save of ${BENCH_TAG}`);
}

export async function diveRssRatio(): Promise<Figure> {
  diveBinary();
  const s = await setup();
  const p = await engineRounds(s);
  const oursKb = p.ours.map((r) => r.rssKb);
  const diveKb = p.dive.map((r) => r.rssKb);
  return {
    value: Number((median(oursKb) / median(diveKb)).toFixed(3)),
    unit: 'ratio',
    target: 0.25,
    raw: { oursKb, diveKb },
    note: `peak RSS (GNU time -v, the same for both) of the dive_ratio_engine rounds on ${BENCH_TAG}; ${loadNote(p.loads)}`,
  };
}

/** What one of dive's runs on the scale image did: its figures, or how it failed (a failure is a figure too). */
function diveOutcome(r: MeasuredRun): Record<string, unknown> {
  if (r.code === 0) return { ms: Math.round(r.ms), rssKb: r.rssKb };
  return {
    failed: `exit ${String(r.code)}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    ms: Math.round(r.ms),
    rssKb: r.rssKb,
  };
}

async function scaleImage(dir: string): Promise<string> {
  await ensureBusybox();
  writeFileSync(join(dir, 'Dockerfile'), SCALE_DOCKERFILE);
  process.stdout.write('(building the 4.5 GB scale image) ');
  // The classic builder: its layers go with the image when it is removed (BuildKit would keep 4.5 GB of cache).
  return (await build('legacy', dir, SCALE_TAG)).id;
}

export async function scalePeakRssMb(): Promise<Figure> {
  const bin = existsSync(diveBinaryPath()) ? diveBinary() : null;
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-bench-scale-'));
  try {
    const id = await scaleImage(dir);
    const oursRuns: MeasuredRun[] = [];
    const diveRuns: Array<Record<string, unknown>> = [];
    const loads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      oursRuns.push(await ours(['--image', id], dir));
      if (bin) diveRuns.push(diveOutcome(await dive('docker', id, dir)));
      loads.push(loadavg()[0] ?? 0);
    }
    const mb = oursRuns.map((r) => Number((r.rssKb / KIB_PER_MB).toFixed(1)));
    return {
      value: Math.max(...mb),
      unit: 'MB',
      target: 200,
      raw: {
        oursMb: mb,
        oursMs: oursRuns.map((r) => Math.round(r.ms)),
        dive: bin ? diveRuns : 'dive is not installed',
      },
      note: `max peak RSS (GNU time -v) of uncached dfsize analyze --image on ${SCALE_TAG} (409,600 files, 4.5 GB; removed after); ${loadNote(loads)}`,
    };
  } finally {
    await removeImages([SCALE_TAG]);
    rmSync(dir, { recursive: true, force: true });
  }
}
