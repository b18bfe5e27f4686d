// Records what the engine's /build stream says while it builds test/fixtures/builds/timed, for the unit tests of the
// build timings to replay: every message as it arrived (ms since the build started), for BuildKit and the legacy
// builder, a fresh build (NONCE new: every step after it runs) and a rebuild (every step from the cache).
//   npx tsx scripts/record-build-streams.ts
// Needs dockerd on /var/run/docker.sock with local/busybox:latest (scripts/parts/engine.sh, base-images.sh).
// Writes test/fixtures/build-streams/<builder>.json and prints each step's duration as the product read it beside
// the builder's own: BuildKit's vertex timestamps (what `docker build` prints as `DONE 2.3s`), and for the legacy
// builder the image history's `Created` times (each step's commit).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTarget } from '../server/src/builds/buildTarget';
import { parseDockerfile } from '../server/src/core/dockerfile';
import { stepInstructions, type StepTiming } from '../server/src/core/buildTiming';
import { DockerodeSource } from '../server/src/engine/dockerode';
import { resolveEndpoint } from '../server/src/engine/endpoint';
import { ensureBusybox } from '../test/support/baseImage';
import { BUILDS_DIR, dockerFor } from '../test/support/builds';

export const STREAMS_DIR = join(__dirname, '..', 'test', 'fixtures', 'build-streams');
const CASE = join(BUILDS_DIR, 'timed');
const TIMEOUT_MS = 60_000;

interface RecordedBuild {
  readonly messages: Array<{ at: number; message: unknown }>;
  readonly ended: number;
}

async function record(
  engine: DockerodeSource,
  builder: 'buildkit' | 'legacy',
  nonce: string,
): Promise<RecordedBuild & { steps: readonly StepTiming[] }> {
  const messages: Array<{ at: number; message: unknown }> = [];
  const start = Date.now();
  const result = await buildTarget(
    engine,
    {
      contextDir: CASE,
      dockerfile: join(CASE, 'Dockerfile'),
      tag: `dfsize-rec/timed:${builder}`,
      buildArgs: { NONCE: nonce },
      labels: {},
      target: null,
      platform: null,
      builder,
    },
    {
      onLog: () => undefined,
      onProgress: () => undefined,
      onMessage: (message, at) => messages.push({ at: at - start, message }),
    },
    AbortSignal.timeout(TIMEOUT_MS * 4),
  );
  return { messages, ended: Date.now() - start, steps: result.steps };
}

/**
 * The legacy builder's own clock (whole seconds): each history row's Created minus the row's before it, for the last
 * `count` rows (the final stage's steps after its FROM, one row each), oldest first; null for the first (its row
 * before is the base's, made long ago).
 */
async function historyGaps(tag: string, count: number): Promise<Array<number | null>> {
  const rows = (await dockerFor('legacy').getImage(tag).history()) as Array<{ Created: number }>;
  const oldestFirst = [...rows].reverse().slice(-count - 1);
  return oldestFirst.slice(1).map((r, k) => (k === 0 ? null : (r.Created - (oldestFirst[k]?.Created ?? 0)) * 1000));
}

async function main(): Promise<void> {
  await ensureBusybox();
  const engine = DockerodeSource.connect(resolveEndpoint({ env: process.env }), TIMEOUT_MS);
  const model = parseDockerfile(readFileSync(join(CASE, 'Dockerfile'), 'utf8'));
  mkdirSync(STREAMS_DIR, { recursive: true });
  for (const builder of ['buildkit', 'legacy'] as const) {
    const nonce = String(Date.now());
    const { steps: freshSteps, ...fresh } = await record(engine, builder, nonce);
    const last = model.stages.at(-1);
    const ownSteps = last?.instructions ?? [];
    const gaps = builder === 'legacy' ? await historyGaps(`dfsize-rec/timed:${builder}`, ownSteps.length) : null;
    const { steps: rebuildSteps, ...rebuild } = await record(engine, builder, nonce);
    writeFileSync(join(STREAMS_DIR, `${builder}.json`), JSON.stringify({ builder, fresh, rebuild }, null, 1) + '\n');
    console.log(`${builder}: line  read-by-dfsize  builder's-own  (rebuild: cached?)`);
    const cached = new Map(stepInstructions(model, rebuildSteps, builder).map(([s, i]) => [i.index, s.cached]));
    for (const [s, inst] of stepInstructions(model, freshSteps, builder)) {
      // BuildKit's own figure is its vertex's completed - started: the same numbers `docker build` prints as DONE.
      const own = gaps ? gaps[ownSteps.indexOf(inst)] : s.ms;
      console.log(
        `  ${String(inst.range.start.line + 1).padStart(3)} ${inst.keyword.padEnd(7)} ${String(s.ms).padStart(6)} ms  ${String(own ?? '-').padStart(6)} ms  ${cached.get(inst.index) ? 'cached' : 'built'}`,
      );
    }
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
