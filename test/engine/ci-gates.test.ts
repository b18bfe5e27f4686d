// `dfsize ci` on images built here, by dockerd 20.10's legacy builder and BuildKit (and the Docker 28 engine with the
// containerd image store when it runs): every gate set to pass, to warn and to fail, in every output format, with the
// exit code and the Dockerfile line a user sees. Then the commands of the README's GitHub Actions workflow and GitLab
// job, run as those services run them (their variables set), and the files they leave.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_GATES } from '../../server/src/analysis/gates';
import { ensureBusyboxFor, BUSYBOX } from '../support/baseImage';
import { build, dockerFor, engineOf, hostEnv, imageSize, removeImages, type Builder } from '../support/builds';
import { CLI, dfsize, ROOT } from '../support/cli';
import { needEngine } from '../support/engine';
import { sarifValidator } from '../support/sarif';
import { tempTree } from '../support/tempDirs';

/** The bytes of the one big file line 3 writes and line 4 deletes: the layer, the waste, the removable bytes. */
const BLOB = 3_000_000;
const dockerfile = (budget: string) =>
  [
    `FROM ${BUSYBOX}`,
    `# dfsize-budget ${budget}`,
    `RUN head -c ${String(BLOB)} /dev/urandom > /blob`,
    'RUN rm /blob && echo hi > /hi.txt',
    '',
  ].join('\n');
/** Where each gate is shown: the FROM line; the largest layer and the budget on line 3; the finding on line 4. */
const LINES: Record<string, number> = {
  maxLayerBytes: 3,
  budget: 3,
  'maxFindings.warning': 4,
  'maxFindings.consecutive-run': 4,
};

/** A checkout: the files in a fresh git repository (paths in every format are relative to its root). */
function checkout(files: Record<string, string>): string {
  const dir = tempTree(files);
  const git = spawnSync('git', ['init', '-q', dir], { encoding: 'utf8' });
  assert.equal(git.status, 0, git.stderr);
  return dir;
}

type Level = 'pass' | 'warn' | 'fail';
const LEVELS: readonly Level[] = ['pass', 'warn', 'fail'];

/** `.dfsize.json` and the budget putting every gate at `level`, around what the image measures. */
function gatesAt(level: Level, sizeBytes: number, layers: number) {
  const around = (below: number, above: number) =>
    level === 'pass' ? { fail: above } : level === 'warn' ? { warn: below, fail: above } : { fail: below };
  const under = (v: number) => Math.floor(v * 0.8);
  const over = (v: number) => Math.ceil(v * 1.2);
  return {
    budget:
      level === 'pass'
        ? `fail=${String(over(BLOB))}`
        : level === 'warn'
          ? `warn=${String(under(BLOB))} fail=${String(over(BLOB))}`
          : '2.4MB',
    config: {
      gates: {
        maxImageBytes: around(sizeBytes - 1, sizeBytes),
        maxLayerBytes: around(under(BLOB), over(BLOB)),
        maxLayers: around(layers - 1, layers),
        maxRemovableBytes: around(under(BLOB), over(BLOB)),
        // dive's efficiency is about 0.4 here (3 MB of 5 MB wasted): the rule fails below its threshold.
        lowestEfficiency:
          level === 'pass' ? { fail: 0.1 } : level === 'warn' ? { warn: 0.9, fail: 0.1 } : { fail: 0.9 },
        highestWastedBytes: around(under(BLOB), over(BLOB)),
        // All the user's bytes are wasted but the 3 of /hi.txt: just under 1.
        highestUserWastedPercent: around(0.5, 1),
        maxFindings: { warning: around(0, 1), 'consecutive-run': around(0, 1) },
      },
    },
  };
}

/** Every gate the configuration above sets: all the image gates, the two findings gates, the budget. */
const GATES = [...IMAGE_GATES, 'maxFindings.warning', 'maxFindings.consecutive-run', 'budget'];

type Seen = Record<string, { status: string; line: number | undefined }>;

/** What a user reads off each format: the gates shown, with their status and line (formats but json and human show only those that did not pass). */
const READ = {
  json: (out) => {
    const o = JSON.parse(out) as { gates: Array<{ gate: string; status: string; line: number }> };
    return Object.fromEntries(o.gates.map((g) => [g.gate, { status: g.status, line: g.line }]));
  },
  human: (out) =>
    Object.fromEntries(
      [...out.matchAll(/^ {2}(PASS|WARN|FAIL) {2}Dockerfile:(\d+) {2}([^:]+): /gm)].map((m) => [
        m[3] ?? '',
        { status: (m[1] ?? '').toLowerCase(), line: Number(m[2]) },
      ]),
    ),
  github: (out) =>
    Object.fromEntries(
      [
        ...out.matchAll(
          /^::(error|warning) file=Dockerfile,line=(\d+),endLine=\d+,title=dfsize gate (\S+) (?:failed|warns)::/gm,
        ),
      ].map((m) => [m[3] ?? '', { status: m[1] === 'error' ? 'fail' : 'warn', line: Number(m[2]) }]),
    ),
  sarif: (out) => {
    const log = JSON.parse(out) as {
      runs: Array<{
        results: Array<{
          ruleId: string;
          level: string;
          locations: Array<{ physicalLocation: { region: { startLine: number } } }>;
        }>;
      }>;
    };
    return Object.fromEntries(
      (log.runs[0]?.results ?? [])
        .filter((r) => r.ruleId.startsWith('gate/'))
        .map((r) => [
          r.ruleId.slice('gate/'.length),
          { status: r.level === 'error' ? 'fail' : 'warn', line: r.locations[0]?.physicalLocation.region.startLine },
        ]),
    );
  },
  gitlab: (out) => {
    const issues = JSON.parse(out) as Array<{
      check_name: string;
      severity: string;
      location: { lines: { begin: number } };
    }>;
    return Object.fromEntries(
      issues
        .filter((i) => i.check_name.startsWith('gate/'))
        .map((i) => [
          i.check_name.slice('gate/'.length),
          { status: i.severity === 'critical' ? 'fail' : 'warn', line: i.location.lines.begin },
        ]),
    );
  },
} satisfies Record<string, (out: string) => Seen>;

function expected(level: Level, format: string): Seen {
  if (level === 'pass' && format !== 'json' && format !== 'human') return {};
  return Object.fromEntries(GATES.map((g) => [g, { status: level, line: LINES[g] ?? 1 }]));
}

for (const builder of ['legacy', 'buildkit', 'modern-buildkit'] as const satisfies readonly Builder[]) {
  describe(`engine: dfsize ci gates an image built by ${builder}`, function () {
    this.timeout(600000);
    const tag = `dfsize-test/ci-gates:${builder}`;
    const cache = mkdtempSync(join(tmpdir(), 'dfsize-ci-cache-'));
    const env = () => ({ ...hostEnv(builder), DFSIZE_CACHE_DIR: cache, GITHUB_ACTIONS: '' });
    let sizeBytes = 0;
    let layers = 0;
    let built = false;

    before(async function () {
      await needEngine(this, engineOf(builder));
      await ensureBusyboxFor(builder);
      await build(builder, tempTree({ Dockerfile: dockerfile('1MB') }), tag);
      built = true;
      sizeBytes = await imageSize(tag, builder);
      layers = (await dockerFor(builder).getImage(tag).inspect()).RootFS.Layers?.length ?? 0;
    });

    after(async () => {
      if (built) await removeImages([tag], builder);
    });

    for (const level of LEVELS) {
      for (const [format, read] of Object.entries(READ)) {
        it(`every gate at ${level}, --format ${format}: exit ${level === 'fail' ? '1' : '0'}, each gate ${level === 'pass' ? 'passing' : `${level}ing on its line`}`, () => {
          const gates = gatesAt(level, sizeBytes, layers);
          const dir = checkout({
            Dockerfile: dockerfile(gates.budget),
            '.dfsize.json': JSON.stringify(gates.config),
          });
          const r = dfsize(['ci', join(dir, 'Dockerfile'), '--image', tag, '--format', format], env());
          assert.equal(r.code, level === 'fail' ? 1 : 0, r.stderr + r.stdout);
          assert.deepEqual(read(r.stdout), expected(level, format));
        });
      }
    }

    it('a flag overrides the file: --max-image-size under the image fails a passing configuration', () => {
      const gates = gatesAt('pass', sizeBytes, layers);
      const dir = checkout({ Dockerfile: dockerfile(gates.budget), '.dfsize.json': JSON.stringify(gates.config) });
      const args = ['ci', join(dir, 'Dockerfile'), '--image', tag, '--format', 'json'];
      const r = dfsize([...args, '--max-image-size', String(sizeBytes - 1)], env());
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(READ.json(r.stdout).maxImageBytes, { status: 'fail', line: 1 });
    });
  });
}

describe('engine: dfsize ci, bad input and no engine', function () {
  this.timeout(120000);
  const dir = tempTree({
    Dockerfile: dockerfile('lots'),
    '.dfsize.json': '{"gates":{"maxImageBytes":{"fail":"big"}}}',
  });

  it('a mistake in .dfsize.json: exit 2, one line with its JSON path', () => {
    const r = dfsize(['ci', join(dir, 'Dockerfile'), '--image', 'x'], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `dfsize: ${join(dir, '.dfsize.json')}: $.gates.maxImageBytes.fail: not a size: write 500MB, 1.5GiB or bytes\n`,
    );
  });

  it('a bad budget: exit 2, the line named', () => {
    const ok = tempTree({ Dockerfile: dockerfile('lots') });
    const b = dfsize(['ci', join(ok, 'Dockerfile'), '--image', 'x'], {});
    assert.equal(b.code, 2);
    assert.equal(
      b.stderr,
      `dfsize: ${join(ok, 'Dockerfile')}:2: # dfsize-budget: "lots" is not a size: write 50MB, 1.5GiB or bytes (warn=SIZE for a soft limit)\n`,
    );
  });

  it('no engine answering --image: exit 3', () => {
    const ok = tempTree({ Dockerfile: dockerfile('1MB') });
    const r = dfsize(['ci', join(ok, 'Dockerfile'), '--image', 'app:ci'], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  });
});

/** The `dfsize ci` commands of a README snippet (`<!-- ci-snippet: NAME -->`), as written. */
function snippetCommands(name: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- ci-snippet: ${name} -->`);
  assert.ok(start >= 0, `README has no ${name} snippet`);
  const block = readme.slice(start).split('```')[1] ?? '';
  return [...block.matchAll(/^\s*-\s+(?:run:\s+)?(node "\$DFSIZE" ci .*)$/gm)].flatMap((m) => (m[1] ? [m[1]] : []));
}

describe("engine: the README's CI snippets, run as the CI services run them", function () {
  this.timeout(300000);
  const tag = 'dfsize-test/ci-gates:readme';
  const cache = mkdtempSync(join(tmpdir(), 'dfsize-ci-cache-'));
  let repo = '';

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusyboxFor('legacy');
    repo = checkout({ Dockerfile: dockerfile('fail=8MB') });
    await build('legacy', repo, tag);
  });

  after(() => removeImages([tag]));

  /** A snippet's command in the checkout, by a shell as the runner has it; the image is this suite's own tag. */
  const run = (command: string, env: Record<string, string>) =>
    spawnSync('bash', ['-c', command.replaceAll('app:ci', tag)], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DFSIZE: CLI, DFSIZE_CACHE_DIR: cache, ...env },
    });

  it('GitHub Actions: annotations on the lines, the job summary appended, a SARIF file for code scanning', () => {
    const [gates, sarif, ...rest] = snippetCommands('github');
    assert.ok(gates && sarif && rest.length === 0, 'two dfsize ci steps');
    const summary = join(mkdtempSync(join(tmpdir(), 'dfsize-ci-summary-')), 'step_summary');
    writeFileSync(summary, '## an earlier step\n');
    const env = { CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: repo };
    const r = run(gates, env);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^::warning file=Dockerfile,line=4,endLine=4,title=dfsize consecutive-run::/m);
    assert.match(r.stdout, /^dfsize ci: PASS \(0 gates failed, 0 warned, 3 passed\)/m);
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('## an earlier step\n### ✅ dfsize ci: PASS'), md);
    assert.match(md, /^\| ✅ \| maxImageBytes \| 1 \| the image is .* \(limit 500 MB\) \|$/m);

    const s = run(sarif, env);
    assert.equal(s.status, 0, s.stderr);
    const log = JSON.parse(readFileSync(join(repo, 'dfsize.sarif'), 'utf8')) as {
      version: string;
      runs: Array<{
        results: Array<{
          ruleId: string;
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
        }>;
      }>;
    };
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors));
    const found = (log.runs[0]?.results ?? []).map((x) => [
      x.ruleId,
      x.locations[0]?.physicalLocation.artifactLocation.uri,
      x.locations[0]?.physicalLocation.region.startLine,
    ]);
    assert.deepEqual(found, [['consecutive-run', 'Dockerfile', 4]]);
  });

  it('GitLab CI: the Code Quality report the job declares, with the finding on its line', () => {
    const [command, ...rest] = snippetCommands('gitlab');
    assert.ok(command && rest.length === 0, 'one dfsize ci command');
    const r = run(command, { CI: 'true', GITLAB_CI: 'true', CI_PROJECT_DIR: repo });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const report = join(repo, 'gl-code-quality-report.json');
    assert.ok(existsSync(report));
    const issues = JSON.parse(readFileSync(report, 'utf8')) as Array<{
      check_name: string;
      severity: string;
      location: { path: string; lines: { begin: number } };
    }>;
    assert.deepEqual(
      issues.map((i) => [i.check_name, i.severity, i.location.path, i.location.lines.begin]),
      [['consecutive-run', 'minor', 'Dockerfile', 4]],
    );
    // The job's log tells the verdict too.
    assert.match(r.stdout, /^dfsize ci: PASS/m);
  });
});
