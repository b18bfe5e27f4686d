// The formats of `dfsize ci`: SARIF 2.1.0 valid against the official OASIS schema (test/fixtures/schemas), GitHub
// workflow commands escaped by GitHub's rules and a markdown job summary, GitLab Code Quality issues with the fields
// GitLab reads, the human text. Every failed or warned gate and every finding lands on its Dockerfile line.
import { strict as assert } from 'node:assert';
import { evaluateGates, overallStatus, type GateInput } from '../../server/src/analysis/gates';
import { renderGithub, renderGithubSummary, renderGitlab, renderSarif } from '../../server/src/cli/ciFormats';
import { renderCiHuman, type CiOutcome } from '../../server/src/cli/ciOutput';
import { plain } from '../../server/src/cli/human';
import type { ReportFinding } from '../../server/src/core/report';
import { sarifSchema, sarifValidator } from '../support/sarif';

const MB = 1_000_000;
const FINDINGS: ReportFinding[] = [
  {
    code: 'apt-lists-not-removed',
    line: 5,
    endLine: 6,
    severity: 'warning',
    message: 'apt lists stay: 50% of the layer,\nsee the docs: here',
    savingsBytes: 18 * MB,
    fixable: true,
  },
  {
    code: 'npm-cache',
    line: 8,
    endLine: 8,
    severity: 'info',
    message: 'npm | cache',
    savingsBytes: null,
    fixable: false,
  },
];
const INPUT: GateInput = {
  imageBytes: 512 * MB,
  imageLine: 3,
  layerCount: 6,
  layers: [{ bytes: 200 * MB, line: 5 }],
  removableBytes: 40 * MB,
  dive: null,
  findings: FINDINGS,
  instructionBytes: () => 200 * MB,
  budgets: [{ line: 5, commentLine: 4, instruction: 2, limits: { warn: 150 * MB, fail: 300 * MB } }],
};

function outcome(dockerfile: string, imageBytes = INPUT.imageBytes): CiOutcome {
  const gates = evaluateGates(
    { limits: { maxImageBytes: { fail: 500 * MB }, maxLayers: { fail: 10 } }, maxFindings: { error: { fail: 0 } } },
    { ...INPUT, imageBytes },
  );
  return {
    version: 1,
    dockerfile,
    config: '.dfsize.json',
    image: { ref: 'app:ci', id: 'sha256:0123', sizeBytes: imageBytes },
    status: overallStatus(gates),
    gates,
    findings: FINDINGS,
  };
}

/** The lines a user sees marked: failed and warned gates, then the findings. */
const EXPECTED_LINES = (o: CiOutcome) =>
  [...o.gates.filter((g) => g.status !== 'pass').map((g) => g.line), ...o.findings.map((f) => f.line)].sort(
    (a, b) => a - b,
  );

describe('ci formats: SARIF 2.1.0', () => {
  // Why Ajv's draft-07 validates this draft-04 schema as it stands: test/support/sarif.ts; checked here.
  const schema = sarifSchema();
  const validate = sarifValidator();
  const o = outcome('docker files/Dockerfile');
  const log = JSON.parse(renderSarif(o, '1.2.3')) as {
    runs: Array<{
      tool: { driver: { name: string; version: string; rules: Array<{ id: string }> } };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        locations: Array<{
          physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number } };
        }>;
      }>;
    }>;
  };

  it('uses no keyword whose meaning changed after draft-04', () => {
    const used = new Set<string>();
    const walk = (v: unknown, names: boolean): void => {
      if (Array.isArray(v)) {
        for (const x of v) walk(x, false);
      } else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (!names) used.add(k);
          walk(x, !names && (k === 'properties' || k === 'definitions'));
        }
    };
    walk(schema, false);
    for (const k of ['exclusiveMinimum', 'exclusiveMaximum', 'dependencies', '$id']) assert.ok(!used.has(k), k);
    assert.equal(schema.$schema, 'http://json-schema.org/draft-04/schema#');
  });

  it('validates against the official schema', () => {
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  });

  it('the schema check is real: a wrong level or a missing message is refused', () => {
    const broken = structuredClone(log) as unknown as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    const [first, second] = broken.runs[0]?.results ?? [];
    assert.ok(first && second);
    first.level = 'fatal';
    delete second.message;
    assert.equal(validate(broken), false);
    assert.deepEqual(validate.errors?.map((e) => e.instancePath).sort(), [
      '/runs/0/results/0/level',
      '/runs/0/results/1',
    ]);
  });

  it('each failed or warned gate and each finding is a result on its line, the path relative to %SRCROOT%', () => {
    const [run] = log.runs;
    assert.equal(run?.tool.driver.name, 'dfsize');
    assert.equal(run.tool.driver.version, '1.2.3');
    assert.deepEqual(
      run.results.map((r) => r.locations[0]?.physicalLocation.region.startLine),
      EXPECTED_LINES(o),
    );
    for (const r of run.results) {
      assert.deepEqual(r.locations[0]?.physicalLocation.artifactLocation, {
        uri: 'docker%20files/Dockerfile',
        uriBaseId: '%SRCROOT%',
      });
      assert.equal(run.tool.driver.rules[r.ruleIndex]?.id, r.ruleId);
    }
    const gate = run.results.find((r) => r.ruleId === 'gate/maxImageBytes');
    assert.equal(gate?.level, 'error');
    assert.equal(run.results.find((r) => r.ruleId === 'npm-cache')?.level, 'note');
  });
});

describe('ci formats: GitHub workflow commands and job summary', () => {
  const o = outcome('app/Dockerfile:v2,x');
  const lines = renderGithub(o).trimEnd().split('\n');

  it('one command per gate that did not pass and per finding, then the verdict as plain text', () => {
    const commands = lines.filter((l) => l.startsWith('::'));
    assert.equal(commands.length, EXPECTED_LINES(o).length);
    assert.deepEqual(
      commands.map((l) => Number(/,line=(\d+),/.exec(l)?.[1])),
      EXPECTED_LINES(o),
    );
    assert.match(lines.at(-1) ?? '', /^dfsize ci: FAIL \(1 gate failed, 1 warned, 2 passed\) · app:ci 512 MB$/);
  });

  it('escapes as GitHub reads: %, CR and LF in the message; also : and , in the properties', () => {
    const apt = lines.find((l) => l.includes('apt-lists-not-removed'));
    assert.equal(
      apt,
      '::warning file=app/Dockerfile%3Av2%2Cx,line=5,endLine=6,title=dfsize apt-lists-not-removed::' +
        'apt lists stay: 50%25 of the layer,%0Asee the docs: here (saves 18 MB)',
    );
    assert.ok(
      lines.some((l) =>
        l.startsWith('::error file=app/Dockerfile%3Av2%2Cx,line=3,endLine=3,title=dfsize gate maxImageBytes failed::'),
      ),
    );
    assert.ok(lines.some((l) => l.startsWith('::notice ') && l.includes('npm | cache')));
  });

  it('a saving measured at 0 B is not claimed', () => {
    const zero: ReportFinding = {
      code: 'pip-cache',
      line: 8,
      endLine: 8,
      severity: 'info',
      message: 'pip keeps its cache',
      savingsBytes: 0,
      fixable: true,
    };
    const pip = renderGithub({ ...o, findings: [zero] })
      .split('\n')
      .find((l) => l.includes('pip-cache'));
    assert.match(pip ?? '', /::pip keeps its cache$/);
  });

  it('the summary has the verdict, a row per gate and per finding, pipes escaped', () => {
    const md = renderGithubSummary(o).split('\n');
    assert.match(md[0] ?? '', /^### ❌ dfsize ci: FAIL /);
    const rows = md.filter((l) => /^\| (❌|⚠️|✅) \|/.test(l));
    assert.equal(rows.length, o.gates.length);
    assert.ok(md.includes('| 8 | info | npm-cache | npm \\| cache |'), md.join('\n'));
  });
});

describe('ci formats: GitLab Code Quality', () => {
  type Issue = {
    description: string;
    check_name: string;
    fingerprint: string;
    severity: string;
    location: { path: string; lines: { begin: number } };
  };
  const o = outcome('app/Dockerfile');
  const issues = JSON.parse(renderGitlab(o)) as Issue[];

  it('an issue per gate that did not pass and per finding, with the fields GitLab reads', () => {
    assert.deepEqual(
      issues.map((i) => i.location.lines.begin),
      EXPECTED_LINES(o),
    );
    for (const i of issues) {
      assert.equal(i.location.path, 'app/Dockerfile');
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(i.severity), i.severity);
      assert.match(i.fingerprint, /^[0-9a-f]{64}$/);
      assert.ok(i.description.length > 0 && i.check_name.length > 0);
    }
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length);
    assert.equal(issues.find((i) => i.check_name === 'gate/maxImageBytes')?.severity, 'critical');
  });

  it('a fingerprint stays when only the measured bytes change', () => {
    const later = JSON.parse(renderGitlab(outcome('app/Dockerfile', 530 * MB))) as Issue[];
    const gate = (list: Issue[]) => list.find((i) => i.check_name === 'gate/maxImageBytes');
    assert.notEqual(gate(later)?.description, gate(issues)?.description);
    assert.equal(gate(later)?.fingerprint, gate(issues)?.fingerprint);
  });
});

describe('ci formats: human', () => {
  it('each gate with its status and line, the findings, the verdict last', () => {
    const o = outcome('Dockerfile');
    const text = renderCiHuman(o, plain).trimEnd().split('\n');
    assert.ok(
      text.includes('  FAIL  Dockerfile:3  maxImageBytes: the image is 512 MB, over the 500 MB limit'),
      text.join('\n'),
    );
    assert.ok(text.includes('  PASS  Dockerfile:3  maxLayers: the layer count is 6 (limit 10)'));
    assert.ok(text.some((l) => l.startsWith('  WARN  Dockerfile:5  budget: ')));
    assert.equal(text.at(-1), 'dfsize ci: FAIL (1 gate failed, 1 warned, 2 passed) · app:ci 512 MB');
  });
});
