// Fuzzing the pure core: generated Dockerfiles (every instruction, nested and unbalanced variables, heredocs,
// escapes, CRLF, BOM, the Windows escape, very long lines) and mutated copies of every Dockerfile the tests have, through
// the model, the matcher, the rules, each fix and fix-all. Nothing may throw, every range lies inside its text, every
// fix applies and re-parses. Seeded: a failure names its seed and leaves its input in test-results/.
// DFSIZE_FUZZ_SEED / DFSIZE_FUZZ_COUNT replay one input (or another series). Apart from test/unit: it takes a minute.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile, type DockerfileModel } from '../../server/src/core/dockerfile';
import type { ImageInfo } from '../../server/src/core/history';
import { matchHistory } from '../../server/src/core/match';
import {
  applyEdits,
  computeFindings,
  fixAll,
  staticContext,
  type RuleContext,
} from '../../server/src/core/rules/index';
import { ROOT } from '../support/cli';
import { corpus, mutations } from '../support/corpus';
import { generatedDockerfile } from '../support/fuzzDockerfiles';
import { assertInside, assertModelRanges, lineLengths } from '../support/ranges';
import { allRecordings } from '../support/recorded';

const FIRST_SEED = Number(process.env.DFSIZE_FUZZ_SEED ?? 1);
const COUNT = Number(process.env.DFSIZE_FUZZ_COUNT ?? 10_000);
/** Fix-all runs that may follow the first before a text counts as never settling. */
const SETTLE_RUNS = 3;
/** Fix-all re-parses and re-runs every rule per fix: every input's own fixes are checked, fix-all on one in this many. */
const FIX_ALL_EVERY = 10;
/** Mutations start from the corpus files up to this size (test/unit/robustness mutates the big ones). */
const MAX_MUTATED_CHARS = 4000;

/** One seed in MUTATED_EVERY: a mutated copy of a corpus file; the others: a generated Dockerfile. */
const MUTATED_EVERY = 4;

function inputOf(seed: number, files: ReadonlyArray<{ text: string }>): string {
  if (seed % MUTATED_EVERY !== 1) return generatedDockerfile(seed);
  const variants = mutations(files[Math.floor(seed / MUTATED_EVERY) % files.length]!.text, seed, 1 + (seed % 5));
  return variants.at(-1)!;
}

/** A static context, or (every third seed) one with a real match against a recorded history, built per text. */
function contextMaker(seed: number, histories: readonly ImageInfo[]): (m: DockerfileModel) => RuleContext {
  const buildContext = {
    files: [
      { path: 'node_modules/x/index.js', bytes: 5_000_000 },
      { path: '.git/pack', bytes: 2_000_000 },
      { path: 'src/a.ts', bytes: 100 },
    ],
    dockerignore: null,
  };
  if (seed % 3 !== 0) return (m) => staticContext(m, { buildContext });
  const info = histories[seed % histories.length]!;
  return (m) => {
    const match = matchHistory(m, info);
    return staticContext(m, {
      buildContext,
      match,
      builder: match.builder,
      layerOf: (i) => match.instructions[i]?.row ?? null,
    });
  };
}

/** The checks on one text; the number of fix-all runs it took to settle (SETTLE_RUNS + 1: never; 0: not run). */
function check(text: string, make: (m: DockerfileModel) => RuleContext, withFixAll: boolean): number {
  const model = parseDockerfile(text);
  const lens = lineLengths(text);
  assertModelRanges(model, 'model', lens);
  const ctx = make(model);
  if (ctx.match) assert.equal(ctx.match.instructions.length, model.instructions.length, 'one match per instruction');
  const run = computeFindings(ctx, { disabled: new Set() });
  // A rule that throws is reported as data, not thrown: here that is a failure of the rule.
  assert.deepEqual(
    run.failures.map((x) => `${x.code}: ${String(x.error)}`),
    [],
    'no rule fails',
  );
  for (const f of run.findings) {
    assertInside(f.range, lens, `${f.code} finding`);
    for (const fix of f.fixes) {
      for (const e of fix.edits) assertInside(e.range, lens, `${f.code} fix edit`);
      const fixed = applyEdits(text, fix.edits);
      assert.ok(fixed !== null, `${f.code}: "${fix.title}" has overlapping edits`);
      assertModelRanges(parseDockerfile(fixed), `after ${f.code} "${fix.title}"`);
    }
  }
  if (!withFixAll) return 0;
  let cur = fixAll(text, make).text;
  assertModelRanges(parseDockerfile(cur), 'after fix-all');
  for (let run = 1; run <= SETTLE_RUNS; run++) {
    const next = fixAll(cur, make).text;
    if (next === cur) return run;
    cur = next;
  }
  return SETTLE_RUNS + 1;
}

function keep(seed: number, text: string): string {
  const dir = join(ROOT, 'test-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `fuzz-seed-${seed}.Dockerfile`);
  writeFileSync(file, text);
  return file;
}

describe('fuzz: generated and mutated Dockerfiles through model, matcher, rules and fixes', function () {
  this.timeout(300000);

  it(`${COUNT} inputs from seed ${FIRST_SEED}: no throw, ranges inside, fixes that apply and re-parse`, () => {
    const files = corpus().filter((f) => f.text.length <= MAX_MUTATED_CHARS);
    const histories = allRecordings().map((r) => r.info);
    const unsettled = new Map<number, number[]>();
    let lines = 0;
    let fixAlls = 0;
    const started = Date.now();
    for (let seed = FIRST_SEED; seed < FIRST_SEED + COUNT; seed++) {
      const text = inputOf(seed, files);
      lines += lineLengths(text).length;
      let runs: number;
      try {
        runs = check(text, contextMaker(seed, histories), seed % FIX_ALL_EVERY === 0);
      } catch (e) {
        const file = keep(seed, text);
        throw new Error(
          `fuzz seed ${seed} (input in ${file}; replay: DFSIZE_FUZZ_SEED=${seed} DFSIZE_FUZZ_COUNT=1): ${(e as Error).stack ?? String(e)}`,
          { cause: e },
        );
      }
      if (runs > 0) fixAlls++;
      if (runs > 1) unsettled.set(runs, [...(unsettled.get(runs) ?? []), seed]);
    }
    const after = (n: number) => [...unsettled].filter(([r]) => r > n).flatMap(([, s]) => s);
    console.log(
      `      fuzz: ${COUNT} Dockerfiles (${lines} lines) in ${((Date.now() - started) / 1000).toFixed(1)} s; fix-all on ${fixAlls} of them, not at its fixed point after 1 run: ${after(1).length}, after ${SETTLE_RUNS} runs: ${after(SETTLE_RUNS).length}${after(SETTLE_RUNS).length ? ` (seeds ${after(SETTLE_RUNS).slice(0, 10).join(', ')})` : ''}`,
    );
    assert.ok(COUNT < 10_000 || lines > COUNT, 'the inputs are not all empty');
  });
});
