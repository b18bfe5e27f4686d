// The gates of `dfsize ci`, pure: each gate passes, warns or fails on the line a user looks at; `# dfsize-budget`
// comments are read where they sit; `.dfsize.json` mistakes come one line each with their JSON path; flags override
// the file's hard limits.
import { strict as assert } from 'node:assert';
import { evaluateGates, overallStatus, type GateConfig, type GateInput } from '../../server/src/analysis/gates';
import { lineBudgets } from '../../server/src/core/budgets';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import type { ReportFinding } from '../../server/src/core/report';
import { applyGateFlags, parseGateConfig } from '../../server/src/cli/ciConfig';
import { UsageError } from '../../server/src/cli/errors';

const MB = 1_000_000;

const finding = (code: string, line: number, severity: ReportFinding['severity']): ReportFinding => ({
  code,
  line,
  endLine: line,
  severity,
  message: `${code} here`,
  savingsBytes: null,
  fixable: false,
});

/** An image of 300 MB in four layers, the largest (120 MB) made by line 6; dive's figures as dive would give them. */
const INPUT: GateInput = {
  imageBytes: 300 * MB,
  imageLine: 4,
  layerCount: 4,
  layers: [
    { bytes: 80 * MB, line: 4 },
    { bytes: 90 * MB, line: 4 },
    { bytes: 120 * MB, line: 6 },
    { bytes: 10 * MB, line: 7 },
  ],
  removableBytes: 25 * MB,
  dive: {
    efficiencyScore: 0.92,
    inefficientBytes: 30 * MB,
    sizeBytes: 300 * MB,
    userSizeBytes: 130 * MB,
    userWastedPercent: 30 / 130,
    fileReference: [],
  },
  findings: [finding('apt-lists-not-removed', 6, 'warning'), finding('npm-cache', 7, 'info')],
  instructionBytes: (k) => (k === 2 ? 120 * MB : null),
  budgets: [],
};

const only = (limits: GateConfig['limits'], maxFindings: GateConfig['maxFindings'] = {}): GateConfig => ({
  limits,
  maxFindings,
});

describe('ci gates: each gate passes, warns and fails', () => {
  const cases: Array<[string, GateConfig, string, number]> = [
    ['maxImageBytes', only({ maxImageBytes: { warn: 200 * MB, fail: 400 * MB } }), 'warn', 4],
    ['maxImageBytes', only({ maxImageBytes: { fail: 250 * MB } }), 'fail', 4],
    ['maxImageBytes', only({ maxImageBytes: { warn: 300 * MB } }), 'pass', 4],
    ['maxLayerBytes', only({ maxLayerBytes: { fail: 100 * MB } }), 'fail', 6],
    ['maxLayerBytes', only({ maxLayerBytes: { warn: 110 * MB, fail: 150 * MB } }), 'warn', 6],
    ['maxLayers', only({ maxLayers: { warn: 3, fail: 5 } }), 'warn', 4],
    ['maxLayers', only({ maxLayers: { fail: 3 } }), 'fail', 4],
    ['maxLayers', only({ maxLayers: { fail: 4 } }), 'pass', 4],
    ['maxRemovableBytes', only({ maxRemovableBytes: { fail: 20 * MB } }), 'fail', 4],
    ['lowestEfficiency', only({ lowestEfficiency: { warn: 0.95, fail: 0.9 } }), 'warn', 4],
    ['lowestEfficiency', only({ lowestEfficiency: { fail: 0.93 } }), 'fail', 4],
    ['highestWastedBytes', only({ highestWastedBytes: { fail: 30 * MB } }), 'pass', 4],
    ['highestWastedBytes', only({ highestWastedBytes: { fail: 30 * MB - 1 } }), 'fail', 4],
    ['highestUserWastedPercent', only({ highestUserWastedPercent: { warn: 0.2, fail: 0.5 } }), 'warn', 4],
    ['maxFindings.warning', only({}, { warning: { fail: 0 } }), 'fail', 6],
    ['maxFindings.info', only({}, { info: { warn: 1, fail: 5 } }), 'warn', 6],
    ['maxFindings.error', only({}, { error: { fail: 0 } }), 'pass', 4],
    ['maxFindings.npm-cache', only({}, { 'npm-cache': { fail: 0 } }), 'fail', 7],
  ];
  for (const [gate, config, status, line] of cases) {
    it(`${gate} ${JSON.stringify(Object.values(config.limits)[0] ?? Object.values(config.maxFindings)[0])} → ${status} on line ${String(line)}`, () => {
      const [r, ...rest] = evaluateGates(config, INPUT);
      assert.equal(rest.length, 0);
      assert.equal(r?.gate, gate);
      assert.equal(r.status, status, r.message);
      assert.equal(r.line, line);
    });
  }

  it("dive's rules keep dive's messages", () => {
    const [r] = evaluateGates(only({ lowestEfficiency: { fail: 0.93 } }), INPUT);
    assert.equal(r?.message, 'image efficiency is too low (efficiency=0.92 < threshold=0.93)');
  });

  it('a size gate says the size and the limit it broke', () => {
    const [r] = evaluateGates(only({ maxImageBytes: { warn: 200 * MB, fail: 400 * MB } }), INPUT);
    assert.equal(r?.message, 'the image is 300 MB, over the warning limit of 200 MB');
  });

  it('with no analysis the gates that need it fail closed, saying so', () => {
    const [r] = evaluateGates(only({ maxRemovableBytes: { fail: 1 } }), { ...INPUT, removableBytes: null });
    assert.equal(r?.status, 'fail');
    assert.match(r.message, /not measured/);
  });

  it('the verdict: fail over warn over pass', () => {
    const results = evaluateGates(
      only({ maxImageBytes: { warn: 1 }, maxLayers: { fail: 10 } }, { warning: { fail: 0 } }),
      INPUT,
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['warn', 'pass', 'fail'],
    );
    assert.equal(overallStatus(results), 'fail');
    assert.equal(overallStatus(results.slice(0, 2)), 'warn');
    assert.equal(overallStatus([]), 'pass');
  });
});

describe('ci gates: # dfsize-budget', () => {
  const text = [
    'FROM debian:bookworm-slim',
    '# dfsize-ignore consecutive-run',
    '# dfsize-budget warn=40MB fail=50MB',
    'RUN apt-get update',
    '# dfsize-budget 1.5GiB',
    'COPY . /app',
    '',
  ].join('\n');

  it('reads each budget of the comment lines above an instruction, soft and hard', () => {
    const { budgets, mistakes } = lineBudgets(parseDockerfile(text));
    assert.deepEqual(mistakes, []);
    assert.deepEqual(
      budgets.map((b) => [b.line, b.commentLine, b.limits]),
      [
        [4, 3, { warn: 40 * MB, fail: 50 * MB }],
        [6, 5, { fail: 1.5 * 1024 ** 3 }],
      ],
    );
  });

  it('a budget over its layer fails on the instruction line; one under its soft limit passes', () => {
    const { budgets } = lineBudgets(parseDockerfile(text));
    const bytes = [0, 45 * MB, 2 * 1024 ** 3];
    const results = evaluateGates(only({}), { ...INPUT, budgets, instructionBytes: (k) => bytes[k] ?? null });
    assert.deepEqual(
      results.map((r) => [r.line, r.status]),
      [
        [4, 'warn'],
        [6, 'fail'],
      ],
    );
    assert.equal(
      results[0]?.message,
      "line 4's layer is 45 MB, over the warning budget of 40 MB (# dfsize-budget on line 3)",
    );
  });

  it('mistakes are named on their lines: no size, a bad size, no instruction below', () => {
    const bad = [
      'FROM scratch',
      '# dfsize-budget',
      'COPY a /a',
      '# dfsize-budget lots',
      'COPY b /b',
      '# dfsize-budget 1MB',
      '',
      'COPY c /c',
    ];
    const { budgets, mistakes } = lineBudgets(parseDockerfile(bad.join('\n')));
    assert.deepEqual(budgets, []);
    assert.deepEqual(
      mistakes.map((m) => m.line),
      [2, 4, 6],
    );
    assert.match(mistakes[1]?.message ?? '', /"lots" is not a size/);
    assert.match(mistakes[2]?.message ?? '', /just above an instruction/);
  });

  it('a budget-like line inside a heredoc is the script, not a budget', () => {
    const heredoc = ['FROM scratch', 'RUN <<EOF', '# dfsize-budget lots', 'EOF', ''].join('\n');
    assert.deepEqual(lineBudgets(parseDockerfile(heredoc)), { budgets: [], mistakes: [] });
  });
});

describe('ci gates: .dfsize.json and the flags', () => {
  it('reads sizes in the one grammar, counts and fractions', () => {
    const config = parseGateConfig(
      JSON.stringify({
        gates: {
          maxImageBytes: { warn: '400MB', fail: 524288000 },
          maxLayerBytes: { fail: '1.5GiB' },
          maxLayers: { warn: 20 },
          lowestEfficiency: { fail: 0.9 },
          maxFindings: { warning: { fail: 3 }, 'apt-lists-not-removed': { fail: 0 } },
        },
      }),
      '.dfsize.json',
    );
    assert.deepEqual(config.limits, {
      maxImageBytes: { warn: 400 * MB, fail: 524288000 },
      maxLayerBytes: { fail: 1.5 * 1024 ** 3 },
      maxLayers: { warn: 20 },
      lowestEfficiency: { fail: 0.9 },
    });
    assert.deepEqual(config.maxFindings, { warning: { fail: 3 }, 'apt-lists-not-removed': { fail: 0 } });
  });

  it('one line per mistake, each with its JSON path', () => {
    const text = JSON.stringify({
      gates: {
        maxImageBytes: { fail: 'lots' },
        maxLayer: { fail: 3 },
        maxLayers: {},
        lowestEfficiency: { warn: 2 },
        maxFindings: { nope: { fail: 1 } },
      },
    });
    assert.throws(
      () => parseGateConfig(text, 'ci/.dfsize.json'),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.deepEqual(e.message.split('\ndfsize: ').sort(), [
          'ci/.dfsize.json: $.gates.lowestEfficiency.warn must be <= 1',
          'ci/.dfsize.json: $.gates.maxFindings: unknown key "nope": give a severity (error, warning, info, hint) or a rule code',
          'ci/.dfsize.json: $.gates.maxImageBytes.fail: not a size: write 500MB, 1.5GiB or bytes',
          'ci/.dfsize.json: $.gates.maxLayers: give "warn", "fail" or both',
          'ci/.dfsize.json: $.gates: unknown key "maxLayer"',
        ]);
        return true;
      },
    );
  });

  it('text that is no JSON: one line', () => {
    assert.throws(() => parseGateConfig('{gates:', '.dfsize.json'), /^UsageError: \.dfsize\.json is not valid JSON/);
  });

  it("flags set the hard limits over the file's, keep its soft ones; a dive flag can disable the file's rule", () => {
    const file = parseGateConfig(
      JSON.stringify({ gates: { maxImageBytes: { warn: '400MB', fail: '1GB' }, lowestEfficiency: { fail: 0.9 } } }),
      '.dfsize.json',
    );
    const config = applyGateFlags(file, {
      'max-image-size': '500MB',
      'max-layers': '12',
      'lowest-efficiency': 'disabled',
      'highest-wasted-bytes': '20MiB',
      'fail-on': 'warning',
    });
    assert.deepEqual(config.limits, {
      maxImageBytes: { warn: 400 * MB, fail: 500 * MB },
      maxLayers: { fail: 12 },
      highestWastedBytes: { fail: 20 * 1024 ** 2 },
    });
    assert.deepEqual(config.maxFindings, { warning: { fail: 0 } });
  });

  for (const [flags, message] of [
    [{ 'max-image-size': 'big' }, '--max-image-size big: not a size: write 500MB, 1.5GiB or bytes'],
    [{ 'max-layers': '1.5' }, '--max-layers 1.5: give a whole number of layers'],
    [{ 'fail-on': 'hint' }, '--fail-on hint: give error, warning, info'],
    [{ 'lowest-efficiency': '2' }, '--lowest-efficiency: lowestEfficiency value 2 is outside the allowed range 0–1'],
  ] as const) {
    it(`${JSON.stringify(flags)}: one line naming the flag`, () => {
      assert.throws(
        () => applyGateFlags({ limits: {}, maxFindings: {} }, flags),
        (e: unknown) => e instanceof UsageError && e.message === message,
      );
    });
  }
});
