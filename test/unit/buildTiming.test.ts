// Build timings from what real builds said (recorded by scripts/record-build-streams.ts from dockerd 20.10): each
// message replayed through the engine adapter's reader, then the pure timing functions, against the fixture's model.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSteps,
  carryBuiltTimes,
  progressOf,
  timingsByLine,
  timingText,
  type BuildEvent,
  type LineTiming,
} from '../../server/src/core/buildTiming';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { formatDuration } from '../../server/src/core/format';
import { computeInlayHints } from '../../server/src/core/hints';
import { matchHistory } from '../../server/src/core/match';
import { buildMessageReader } from '../../server/src/engine/build';
import { BUILDS_DIR } from '../support/builds';
import { loadRecording } from '../support/recorded';

const STREAMS_DIR = join(__dirname, '..', 'fixtures', 'build-streams');
const TEXT = readFileSync(join(BUILDS_DIR, 'timed', 'Dockerfile'), 'utf8');
const MODEL = parseDockerfile(TEXT);
const lineOf = (needle: string) => TEXT.split('\n').findIndex((l) => l.includes(needle)) + 1;
const SLOW = lineOf('while');
const keywordAt = (line: number) => MODEL.instructions.find((i) => i.range.start.line + 1 === line)?.keyword;

interface RecordedBuild {
  messages: Array<{ at: number; message: unknown }>;
  ended: number;
}

/** A recorded build replayed: its log, the image it named, and each line's timing. */
function replay(builder: 'buildkit' | 'legacy', which: 'fresh' | 'rebuild') {
  const rec = JSON.parse(readFileSync(join(STREAMS_DIR, `${builder}.json`), 'utf8')) as Record<
    'fresh' | 'rebuild',
    RecordedBuild
  >;
  const build = rec[which];
  const read = buildMessageReader();
  const events: BuildEvent[] = [];
  const log: string[] = [];
  const ids: string[] = [];
  for (const { at, message } of build.messages) {
    const d = read(message, at);
    events.push(...d.events);
    log.push(...d.lines);
    if (d.imageId) ids.push(d.imageId);
  }
  const timings = timingsByLine(MODEL, buildSteps(builder, events, build.ended), builder);
  return { log, ids, timings };
}

const largest = (timings: Map<number, LineTiming>) => [...timings].reduce((a, b) => (b[1].ms > a[1].ms ? b : a))[0];

describe('build timings', () => {
  for (const builder of ['buildkit', 'legacy'] as const) {
    describe(builder, () => {
      it('a fresh build: the counting loop is the slowest line, and took time', () => {
        const { timings } = replay(builder, 'fresh');
        assert.equal(largest(timings), SLOW);
        assert.ok((timings.get(SLOW)?.ms ?? 0) > 0);
        assert.equal(timings.get(SLOW)?.cached, false);
        assert.equal(timings.get(lineOf('echo after'))?.cached, false, 'the lines after the new NONCE ran');
      });

      it('a rebuild: every line that made a step came from the cache', () => {
        const { timings } = replay(builder, 'rebuild');
        const ran = [...timings].filter(([, t]) => !t.cached).map(([line]) => line);
        // FROM and the ARGs before it are no cache hits for either builder (nothing to cache: they name the base).
        const inStage = (l: number) =>
          MODEL.instructions.some((i) => i.range.start.line + 1 === l && i.stage >= 0 && i.keyword !== 'FROM');
        assert.deepEqual(ran.filter(inStage), [], `lines that ran again: ${ran.join(', ')}`);
        assert.equal(timings.get(SLOW)?.cached, true);
      });

      it('each timing sits on the line of the instruction that made the step', () => {
        const { timings } = replay(builder, 'fresh');
        const steps = (k: string) => ['RUN', 'COPY', 'WORKDIR'].includes(k) || (builder === 'legacy' && k !== 'FROM');
        // Every RUN, COPY, WORKDIR (and for the legacy builder every ARG too, global ones included) is timed.
        const expected = MODEL.instructions.filter((i) => steps(i.keyword)).map((i) => i.range.start.line + 1);
        assert.deepEqual(
          [...timings.keys()].filter((l) => keywordAt(l) !== 'FROM').sort((a, b) => a - b),
          expected,
        );
      });
    });
  }

  it("the image is the build's last one named: the legacy builder names each stage's image on the way", () => {
    const { ids, log } = replay('legacy', 'fresh');
    const short = /^Successfully built (\w+)/.exec(log.find((l) => l.startsWith('Successfully built')) ?? '')?.[1];
    const full = ids.filter((id) => id.startsWith('sha256:'));
    assert.ok(full.length >= 2, 'one full id per stage');
    assert.ok(short && full.at(-1)?.startsWith(`sha256:${short}`));
  });

  it("BuildKit's log names each step as it starts, with its stage and number (the progress)", () => {
    const { log } = replay('buildkit', 'fresh');
    const progress = log.map(progressOf).filter((p) => p !== null);
    assert.ok(progress.some((p) => p.stage === 'tools' && p.step === 2 && p.name.startsWith('RUN echo tools')));
    assert.ok(log.some((l) => l.includes('RUN i=0; while')));
  });

  it('a rebuild of the same image keeps how long the cached lines took when they ran', () => {
    const before = new Map([[12, { ms: 41_000, cached: false }]]);
    const merged = carryBuiltTimes(before, new Map([[12, { ms: 3, cached: true }]]));
    assert.equal(timingText(merged, 12), 'from cache (built in 41 s before)');
    assert.equal(timingText(carryBuiltTimes(merged, merged), 12), 'from cache (built in 41 s before)');
    assert.equal(timingText(null, 12), 'no build time: this image was not built by the editor or `dfsize build`');
  });

  it('durations read as a person says them', () => {
    assert.deepEqual([0, 450, 2349, 9960, 41_400, 185_000].map(formatDuration), [
      '0.0 s',
      '0.5 s',
      '2.3 s',
      '10 s',
      '41 s',
      '3 min 5 s',
    ]);
  });

  it('a hint shows the time after the size, and `from cache` for a cached line', () => {
    const rec = loadRecording('buildkit', 'forms');
    const model = parseDockerfile(rec.dockerfile);
    const match = matchHistory(model, rec.info, { baseRows: rec.base.historyRows, baseLayers: rec.base.layers });
    const sized = model.instructions.filter(
      (i) => (match.instructions[i.index]?.layerBytes ?? 0) > 0 && i.keyword !== 'FROM',
    );
    const [a, b] = sized;
    assert.ok(a && b, 'the recording has two lines with bytes');
    const timings = new Map([
      [a.range.start.line + 1, { ms: 41_000, cached: false }],
      [b.range.start.line + 1, { ms: 5, cached: true }],
    ]);
    const hints = computeInlayHints(model, match, { showZeroBytes: false, cached: false, timings });
    // Hints are plain strings here (no label parts).
    const label = (inst: { range: { end: { line: number } } }) => {
      const l = hints.find((h) => h.position.line === inst.range.end.line)?.label;
      return typeof l === 'string' ? l : '';
    };
    assert.match(label(a), /^\d[\d.]* [kMG]?B · 41 s$/);
    assert.match(label(b), /^\d[\d.]* [kMG]?B · from cache$/);
  });
});
