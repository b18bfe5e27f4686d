// `dfsize report` and `dfsize fix` measure by themselves, as the editor does: from a clean cache, on a freshly built
// image that keeps apt's caches (local/debian:bookworm-slim has no docker-clean hook), the report carries the measured
// apt-lists-not-removed and consecutive-run bytes with no `dfsize analyze` before it — from the engine and from a
// saved archive alike —, and fix decides with them. --no-analyze and a limit below the image leave them out (the
// limit says so on stderr). Progress shows on a terminal's stderr only.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { build, dockerFor, removeImages } from '../support/builds';
import { CLI, dfsize } from '../support/cli';
import { DEBIAN, ensureDebian } from '../support/debianBase';
import { needEngine } from '../support/engine';
import { tempTree } from '../support/tempDirs';

interface Finding {
  code: string;
  line: number;
  savingsBytes: number | null;
}
interface ReportJson {
  image: { id: string; source: string } | null;
  analysis: { removableBytes: number } | null;
  findings: Finding[];
}

const TEXT = [
  `FROM ${DEBIAN}`,
  'RUN apt-get update',
  'RUN apt-get install -y curl',
  'RUN rm -rf /var/lib/apt/lists/*',
  '',
].join('\n');
const TAG = 'dfsize-test/cli-measures:apt';
const MEASURED = ['apt-lists-not-removed', 'consecutive-run'];

describe('engine: dfsize report and fix measure the image by themselves', function () {
  this.timeout(600000);
  const dir = tempTree({ Dockerfile: TEXT });
  const file = join(dir, 'Dockerfile');
  /** A fresh, empty analysis cache for every run: nothing an earlier run measured counts. */
  const clean = (extra: Record<string, string> = {}) => ({
    DOCKER_HOST: 'unix:///var/run/docker.sock',
    DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-measure-cache-')),
    ...extra,
  });
  const savings = (r: ReportJson) =>
    Object.fromEntries(r.findings.filter((f) => MEASURED.includes(f.code)).map((f) => [f.code, f.savingsBytes]));
  let fromEngine: ReportJson;

  before(async function () {
    await needEngine(this, 'docker');
    await ensureDebian();
    await build('legacy', dir, TAG);
  });

  after(() => removeImages([TAG]));

  it('from a clean cache, report carries the measured apt-lists-not-removed and consecutive-run bytes; piped stderr shows no progress', () => {
    const r = dfsize(['report', file, '--image', TAG, '--json'], clean());
    assert.equal(r.code, 0, r.stderr);
    fromEngine = JSON.parse(r.stdout) as ReportJson;
    const got = savings(fromEngine);
    assert.deepEqual(Object.keys(got).sort(), MEASURED);
    // apt's lists and caches of bookworm with curl: tens of MB each.
    for (const code of MEASURED) assert.ok((got[code] ?? 0) > 10_000_000, `${code}: ${got[code]} B`);
    assert.ok(fromEngine.analysis && fromEngine.analysis.removableBytes > 0);
    assert.equal(r.stderr, '', 'nothing on a piped stderr');
  });

  it('--no-analyze: only the static findings, no measured bytes, no analysis', () => {
    const r = dfsize(['report', file, '--image', TAG, '--json', '--no-analyze'], clean());
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ReportJson;
    assert.equal(report.analysis, null);
    // Statically line 4 removes the lists: the caches apt leaves in /var/cache/apt are known by measuring only.
    assert.deepEqual(
      report.findings.map((f) => f.code).filter((c) => MEASURED.includes(c)),
      ['consecutive-run'],
    );
    assert.ok(
      report.findings.every((f) => f.savingsBytes === null),
      JSON.stringify(report.findings),
    );
  });

  for (const [how, args, env] of [
    ['--max-analyze-bytes 1', ['--max-analyze-bytes', '1'], {}],
    ['DFSIZE_MAX_ANALYZE_BYTES=1', [], { DFSIZE_MAX_ANALYZE_BYTES: '1' }],
  ] as const) {
    it(`${how}: no measured bytes, and one stderr line saying they were skipped and how to include them`, () => {
      const r = dfsize(['report', file, '--image', TAG, '--json', ...args], clean(env));
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as ReportJson;
      assert.equal(report.analysis, null);
      assert.ok(report.findings.every((f) => f.savingsBytes === null && f.code !== 'apt-lists-not-removed'));
      assert.match(
        r.stderr,
        /^dfsize: measured findings skipped: dfsize-test\/cli-measures:apt is \d+(\.\d+)? MB, more than the 1 B dfsize analyses by itself \(--max-analyze-bytes SIZE or DFSIZE_MAX_ANALYZE_BYTES raises that;.*\)\n$/,
      );
    });
  }

  it('--archive: the image saved to a file measures the same, with no engine', async () => {
    const tar = join(mkdtempSync(join(tmpdir(), 'dfsize-measure-save-')), 'apt.tar');
    await pipeline(await dockerFor('legacy').getImage(TAG).get(), createWriteStream(tar));
    const r = dfsize(
      ['report', file, '--archive', tar, '--json'],
      clean({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ReportJson;
    assert.equal(report.image!.source, 'archive');
    assert.deepEqual(savings(report), savings(fromEngine));
    assert.deepEqual(report.analysis, fromEngine.analysis);
  });

  it('fix decides with the measured data: apt-get clean where the caches are measured, not without them', () => {
    const measured = dfsize(['fix', file, '--image', TAG], clean());
    assert.equal(measured.code, 0, measured.stderr);
    assert.match(
      measured.stdout,
      /^\+RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean && rm -rf \/var\/lib\/apt\/lists\/\*$/m,
    );
    const blind = dfsize(['fix', file, '--image', TAG, '--no-analyze'], clean());
    assert.equal(blind.code, 0, blind.stderr);
    assert.match(blind.stdout, /^\+RUN apt-get update && apt-get install -y --no-install-recommends curl/m);
    assert.doesNotMatch(blind.stdout, /apt-get clean/);
  });

  it('on a terminal, stderr shows one progress line, rewritten in place, cut to the width, and erased at the end', () => {
    // script(1) gives the command a terminal 60 columns wide; the variables keep the paths out of the command line.
    const env = { ...process.env, ...clean(), NO_COLOR: '1', CLI, DOCKERFILE: file, IMAGE: TAG };
    const r = spawnSync(
      'script',
      ['-qec', 'stty cols 60; node "$CLI" report "$DOCKERFILE" --image "$IMAGE" >/dev/null', '/dev/null'],
      { env, encoding: 'utf8', timeout: 300000 },
    );
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /\n/, 'one line, never a new one');
    const shown = r.stdout.split('\r\x1b[K');
    assert.equal(shown[0], '', 'each state rewrites the line from its start');
    assert.equal(shown.at(-1), '', 'erased at the end');
    const prefix = 'dfsize: analysing dfsize-test/cli-measures:apt: ';
    assert.equal(shown[1], `${prefix}starting…`);
    // What does not fit in 59 columns is cut, never wrapped: the bytes read as they go, then the computing phase.
    const later = shown.slice(2, -1);
    assert.ok(later.length >= 2, shown.join(' | '));
    for (const l of later) assert.ok(l.startsWith(prefix) && l.endsWith('…') && l.length === 59, l);
    assert.ok(
      later.slice(0, -1).every((l) => /^\d/.test(l.slice(prefix.length))),
      later.join(' | '),
    );
    assert.ok(later.at(-1)!.startsWith(`${prefix}computing`));
  });
});
