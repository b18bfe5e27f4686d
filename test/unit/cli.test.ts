// `dfsize report` as a user runs it (the bundled CLI, a real process): the JSON contract on an archive, and every
// kind of bad input ending in the right exit code and one line that says what to do — never a stack trace.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { formatBytes } from '../../server/src/core/format';
import { dfsize, dfsizeAsync, NO_ENGINE } from '../support/cli';
import { README_BYTES, SAMPLE_DOCKERFILE, sampleImage, type Sample } from '../support/sampleImage';

function assertOneLineError(stderr: string, re: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.match(lines[0]!, /^dfsize: /);
  assert.match(stderr, re);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

describe('cli: dfsize report', function () {
  this.timeout(20000); // each test runs the CLI as a process
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-cli-'));
  /** The analyses the reports make by themselves go to a cache of this suite's own. */
  const cache = { DFSIZE_CACHE_DIR: join(dir, 'cache') };
  const write = (name: string, body: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  // An image shaped like dive's test image, built by kaniko and by the legacy builder, and its Dockerfile.
  const DOCKERFILE = write('Dockerfile', SAMPLE_DOCKERFILE);
  const KANIKO = join(dir, 'kaniko.tar');
  const LEGACY = join(dir, 'legacy.tar');
  let kaniko: Sample;
  before(async () => {
    kaniko = await sampleImage('kaniko');
    writeFileSync(KANIKO, kaniko.archive);
    writeFileSync(LEGACY, (await sampleImage('legacy')).archive);
  });

  it('--archive --json follows the contract: the kaniko build against its Dockerfile', () => {
    const r = dfsize(['report', DOCKERFILE, '--archive', KANIKO, '--json', '--no-analyze'], cache);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['dockerfile', 'image', 'base', 'instructions', 'analysis', 'findings']);
    assert.deepEqual(Object.keys(report.image), ['ref', 'id', 'sizeBytes', 'builder', 'source', 'sizeMeasure']);
    assert.equal(report.image.builder, 'kaniko');
    assert.equal(report.image.sizeMeasure, 'layer-tar', "an archive's layer sizes are the layer tars");
    assert.equal(report.image.source, 'archive');
    assert.equal(report.image.ref, kaniko.spec.tag);
    assert.deepEqual(report.base, { line: 1, layers: 1, sizeBytes: kaniko.baseBytes });
    const add = report.instructions[1];
    assert.deepEqual(add, {
      line: 2,
      endLine: 2,
      keyword: 'ADD',
      stage: 0,
      stageName: null,
      layerBytes: README_BYTES,
      status: 'matched',
      rebuilds: false,
      // An archive was never built by `dfsize build`: no timing.
      buildMs: null,
      cached: null,
    });
    assert.ok(report.instructions.slice(1).every((i: { status: string }) => i.status === 'matched'));
    // The file chains single-command RUNs: consecutive-run on each RUN after a RUN, static (no analysis here).
    const lines = SAMPLE_DOCKERFILE.split('\n');
    const chained = lines.flatMap((l, i) =>
      i > 0 && l.startsWith('RUN') && lines[i - 1]!.startsWith('RUN') ? [i + 1] : [],
    );
    assert.deepEqual(
      report.findings.map((f: { code: string; line: number }) => `${f.code}@${f.line}`),
      chained.map((l) => `consecutive-run@${l}`),
    );
    assert.deepEqual(Object.keys(report.findings[0]), [
      'code',
      'line',
      'endLine',
      'severity',
      'message',
      'savingsBytes',
      'fixable',
    ]);
    assert.deepEqual(report.findings[0], {
      code: 'consecutive-run',
      line: 4,
      endLine: 4,
      severity: 'info',
      message: 'This RUN follows the RUN on line 3: one RUN makes one layer instead of two.',
      savingsBytes: null,
      fixable: true,
    });
  });

  it('--archive measures the image by itself: the figures of `dfsize analyze`, and measured bytes on the findings', () => {
    const args = ['report', DOCKERFILE, '--archive', KANIKO, '--json'];
    const r = dfsize(args, { DFSIZE_CACHE_DIR: join(dir, 'cache-measured') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout);
    const analysed = JSON.parse(
      dfsize(['analyze', '--archive', KANIKO, '--json'], { DFSIZE_CACHE_DIR: join(dir, 'cache-analyze') }).stdout,
    );
    assert.deepEqual(report.analysis, {
      efficiencyScore: analysed.dive.efficiencyScore,
      inefficientBytes: analysed.dive.inefficientBytes,
      userWastedPercent: analysed.dive.userWastedPercent,
      removableBytes: analysed.removableBytes,
    });
    // Measured, every finding knows its bytes (0 where a join saves nothing); without the analysis none does.
    assert.ok(
      report.findings.length > 0 &&
        report.findings.every((f: { savingsBytes: unknown }) => typeof f.savingsBytes === 'number'),
    );
    assert.ok(report.findings.some((f: { savingsBytes: number }) => f.savingsBytes > 0));
  });

  it('human output puts each size at the end of its line', () => {
    const r = dfsize(['report', DOCKERFILE, '--archive', LEGACY]);
    assert.equal(r.code, 0, r.stderr);
    const tail = (prefix: string) =>
      r.stdout
        .split('\n')
        .find((l) => l.startsWith(prefix))
        ?.slice(prefix.length)
        .trim();
    assert.equal(tail(' 1 │ FROM busybox:latest'), `base ${formatBytes(kaniko.baseBytes)} · 1 layer`);
    assert.equal(tail(' 2 │ ADD README.md /somefile.txt'), formatBytes(README_BYTES));
    assert.equal(tail(' 4 │ RUN cp /somefile.txt /root/example/somefile1.txt'), formatBytes(README_BYTES));
  });

  it('a half-typed Dockerfile still reports', () => {
    const r = dfsize([
      'report',
      write('half.Dockerfile', 'FROM busybox:latest\nADD README.md /somefile.txt\nRU'),
      '--archive',
      LEGACY,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.instructions[1].status, 'matched');
    assert.equal(report.instructions.length, 3);
  });

  const bad: Array<[string, () => string[], Record<string, string>, number, RegExp]> = [
    ['no arguments', () => [], {}, 2, /usage/],
    ['an unknown command', () => ['frobnicate'], {}, 2, /unknown command "frobnicate"/],
    ['an unknown flag', () => ['report', 'x', '--bogus'], {}, 2, /Unknown option '--bogus'/],
    ['a missing Dockerfile', () => ['report', join(dir, 'nope')], {}, 2, /no such file/],
    ['a folder', () => ['report', dir], {}, 2, /is a folder/],
    [
      'binary garbage',
      () => ['report', write('garbage.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0xff]))],
      {},
      2,
      /binary file/,
    ],
    [
      'a file that is not a Dockerfile',
      () => ['report', write('package.json', '{ "name": "x" }\n')],
      {},
      2,
      /no FROM instruction/,
    ],
    ['an empty file', () => ['report', write('empty', '')], {}, 2, /does not look like a Dockerfile/],
    [
      '--image and --archive together',
      () => ['report', DOCKERFILE, '--image', 'a', '--archive', 'b'],
      {},
      2,
      /give one/,
    ],
    [
      'a missing archive',
      () => ['report', DOCKERFILE, '--archive', join(dir, 'none.tar')],
      {},
      2,
      /none\.tar: no such file/,
    ],
    [
      'a corrupt archive',
      () => ['report', DOCKERFILE, '--archive', write('bad.tar', 'x'.repeat(2000))],
      {},
      2,
      /bad\.tar: not a tar archive/,
    ],
    [
      '--image with no engine',
      () => ['report', DOCKERFILE, '--image', 'sample/dive-like:legacy'],
      NO_ENGINE,
      3,
      /no engine answers at unix:\/\/\/nonexistent\/docker\.sock .*start Docker/,
    ],
    [
      'an unsupported DOCKER_HOST',
      () => ['report', DOCKERFILE, '--image', 'x'],
      { DOCKER_HOST: 'carrier-pigeon://x' },
      2,
      /not supported/,
    ],
    [
      'a malformed image reference',
      () => ['report', DOCKERFILE, '--image', 'Not An Image?'],
      NO_ENGINE,
      2,
      /not an image reference/,
    ],
    // Refused before any engine is asked (exit 2, not 3 with no engine), in docker's words.
    [
      'an image name in capitals',
      () => ['report', DOCKERFILE, '--image', 'sample/Dive-Like:legacy'],
      NO_ENGINE,
      2,
      /"sample\/Dive-Like:legacy": repository name must be lowercase \(sample\/dive-like:legacy\?\)/,
    ],
    [
      'a build tag in capitals',
      () => ['build', DOCKERFILE, '--tag', 'MyApp:1'],
      NO_ENGINE,
      2,
      /"MyApp:1": repository name must be lowercase \(myapp:1\?\)/,
    ],
    [
      'compare with an image in capitals',
      () => ['compare', 'BusyBox', 'busybox'],
      NO_ENGINE,
      2,
      /"BusyBox": repository name must be lowercase \(busybox\?\)/,
    ],
  ];
  for (const [what, args, env, code, re] of bad) {
    it(`${what}: exit ${code} and one line`, () => {
      const r = dfsize(args(), env);
      assert.equal(r.code, code, `stderr: ${r.stderr}`);
      assertOneLineError(r.stderr, re);
    });
  }

  it('an address where something else answers (a web server, not an engine): exit 3, saying so', async () => {
    const server = createServer((_, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await dfsizeAsync(['report', DOCKERFILE, '--image', 'sample/dive-like:legacy'], {
        DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      });
      assert.equal(r.code, 3, r.stderr);
      assertOneLineError(r.stderr, /answers, but not as a Docker or Podman engine/);
    } finally {
      server.close();
    }
  });

  it('no engine and no --image: the report without sizes, exit 0, and why on stderr', () => {
    const r = dfsize(['report', DOCKERFILE, '--json'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.image, null);
    assert.equal(report.base, null);
    assert.ok(
      report.instructions.every(
        (i: { layerBytes: unknown; status: string }) => i.layerBytes === null && i.status === 'not-built',
      ),
    );
    assert.match(r.stderr, /^dfsize: no image: no engine answers/);
  });
});
