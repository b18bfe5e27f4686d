// `npm run bench` (never in CI): DESIGN's figures, written to bench/results.json with the machine they ran on.
// Each timed figure is the median of ≥ 3 runs; a ratio alternates the measured command with its baseline and keeps
// the raw timings beside it.  Usage: npm run bench [-- --only key,key]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analysisPeakRssMb, analysisRatioVsDrain, archiveRatioVsRead } from './measures/analysis';
import { bundleBytes } from './measures/bundle';
import { diveRatioArchive, diveRatioEngine, diveRssRatio, scalePeakRssMb } from './measures/dive';
import { explorerOpen } from './measures/explorer';
import { cacheFromColdMs } from './measures/sharedCache';
import { diagnosticsP95 } from './measures/diagnostics';
import { discoveryCold, discoveryWarm, hintsAfterEditP95, hintsP95 } from './measures/editor';
import { registryIncrementalBytes, registryRatioVsFetch } from './measures/registry';
import { Unavailable, type Figure, type Measure } from './measures/types';

const MEASURES: Record<string, Measure> = {
  bundle_bytes: bundleBytes,
  diagnostics_p95_ms: diagnosticsP95,
  hints_p95_ms: hintsP95,
  hints_after_edit_p95_ms: hintsAfterEditP95,
  discovery_cold_ms: discoveryCold,
  discovery_warm_ms: discoveryWarm,
  explorer_open_ms: explorerOpen,
  analysis_ratio_vs_drain: analysisRatioVsDrain,
  archive_ratio_vs_read: archiveRatioVsRead,
  analysis_peak_rss_mb: analysisPeakRssMb,
  dive_ratio_engine: diveRatioEngine,
  dive_ratio_archive: diveRatioArchive,
  dive_rss_ratio: diveRssRatio,
  scale_peak_rss_mb: scalePeakRssMb,
  cache_from_cold_ms: cacheFromColdMs,
  registry_ratio_vs_fetch: registryRatioVsFetch,
  registry_incremental_bytes: registryIncrementalBytes,
};

/** The figure, or null (said on the line) when a tool it needs is missing: the last figure recorded stays. */
async function measured(m: Measure): Promise<Figure | null> {
  try {
    return await m();
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    console.log(`not measured: ${e.message}`);
    return null;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const keys = values.only ? values.only.split(',') : Object.keys(MEASURES);
  const machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
  const figures: Record<string, Figure> = {};
  for (const key of keys) {
    const m = MEASURES[key];
    if (!m) throw new Error(`unknown bench key ${key}: ${Object.keys(MEASURES).join(', ')}`);
    process.stdout.write(`${key} … `);
    const f = await measured(m);
    if (!f) continue;
    figures[key] = f;
    console.log(`${f.value} ${f.unit}${f.target !== undefined ? ` (target ${f.target})` : ''}`);
  }
  // A partial run (--only) keeps the other figures of the last full one, each with its own date.
  const out = join(__dirname, 'results.json');
  const previous = existsSync(out)
    ? ((JSON.parse(readFileSync(out, 'utf8')) as { figures?: Record<string, Figure> }).figures ?? {})
    : {};
  const dated = Object.fromEntries(
    Object.entries(figures).map(([k, f]) => [k, { ...f, date: new Date().toISOString() }]),
  );
  writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), machine, figures: { ...previous, ...dated } }, null, 2) + '\n',
  );
  console.log(`wrote ${out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
