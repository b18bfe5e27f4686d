// diagnostics_p95_ms: every size rule (computeFindings, fixes included) on the 650-line, 50-stage file from
// test/support/largeDockerfile.ts, in-process. The parse is excluded from the figure (the server parses once per
// edit and shares the model with hints and hover); the p95 with the parse included is kept beside it.
// Each of RUNS rounds times ITERATIONS evaluations; the figure is the median of the rounds' p95s.
import { performance } from 'node:perf_hooks';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { computeFindings, staticContext } from '../../server/src/core/rules/index';
import { largeDockerfile } from '../../test/support/largeDockerfile';
import { median, percentile, round, type Figure } from './types';

const ROUNDS = 3;
const ITERATIONS = 250;
const WARMUP = 30;

export async function diagnosticsP95(): Promise<Figure> {
  const text = largeDockerfile(50, 650);
  const disabled = new Set<string>();
  const model = parseDockerfile(text);
  for (let k = 0; k < WARMUP; k++) computeFindings(staticContext(parseDockerfile(text)), { disabled });
  const rulesP95: number[] = [];
  const withParseP95: number[] = [];
  let findings = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const rules: number[] = [];
    const withParse: number[] = [];
    for (let k = 0; k < ITERATIONS; k++) {
      const t0 = performance.now();
      findings = computeFindings(staticContext(model), { disabled }).findings.length;
      const t1 = performance.now();
      computeFindings(staticContext(parseDockerfile(text)), { disabled });
      const t2 = performance.now();
      rules.push(t1 - t0);
      withParse.push(t2 - t1);
    }
    rulesP95.push(percentile(rules, 95));
    withParseP95.push(percentile(withParse, 95));
  }
  return {
    value: round(median(rulesP95)),
    unit: 'ms',
    target: 20,
    raw: {
      rulesP95: rulesP95.map(round),
      withParseP95: withParseP95.map(round),
      findings,
      lines: text.split('\n').length - 1,
    },
    note: `${ROUNDS} × ${ITERATIONS} evaluations of all ${findings ? 'rules' : 'rules (no finding)'}, parse excluded; withParseP95 includes dockerfile-ast's parse`,
  };
}
