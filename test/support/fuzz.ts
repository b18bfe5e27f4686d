// What a fuzz suite keeps of a failing case: its seed in the assertion message and its input under test-results/,
// so `seed N` can be replayed and the input read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli';

export const FUZZ_RESULTS = join(ROOT, 'test-results', 'fuzz');

/** Writes the input of a failing case and returns the line to fail with. */
export function fuzzFailure(suite: string, seed: number, input: Buffer | string, why: unknown): string {
  mkdirSync(FUZZ_RESULTS, { recursive: true });
  const file = join(FUZZ_RESULTS, `${suite}-seed-${seed}${typeof input === 'string' ? '.json' : '.tar'}`);
  writeFileSync(file, input);
  return `${suite}: seed ${seed} failed (${why instanceof Error ? why.stack : String(why)}); its input is in ${file}`;
}
