// `dfsize report` as a user runs it (the bundled CLI, a real process): the JSON contract on an archive, and every
// kind of bad input ending in the right exit code and one line that says what to do — never a stack trace.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { dfsize, dfsizeAsync, DIVE, needDive, NO_ENGINE } from '../support/cli';


function assertOneLineError(stderr: string, re: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.match(lines[0]!, /^dfsize: /);
  assert.match(stderr, re);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

describe('cli: dfsize report', function () {
  before(function () { needDive(this); });
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-cli-'));
  /** The analyses the reports make by themselves go to a cache of this suite's own. */
  const cache = { DFSIZE_CACHE_DIR: join(dir, 'cache') };
  const write = (name: string, body: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };

  it('--archive --json follows the contract: dive\'s kaniko image against its Dockerfile', () => {
    const r = dfsize(['report', join(DIVE, 'Dockerfile.test-image'), '--archive', join(DIVE, 'test-kaniko-image.tar'), '--json', '--no-analyze'], cache);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['dockerfile', 'image', 'base', 'instructions', 'analysis', 'findings']);
    assert.deepEqual(Object.keys(report.image), ['ref', 'id', 'sizeBytes', 'builder', 'source']);
    assert.equal(report.image.builder, 'kaniko');
    assert.equal(report.image.source, 'archive');
    assert.equal(report.image.ref, 'dive-test:kaniko-latest');
    assert.deepEqual(report.base, { line: 1, layers: 1, sizeBytes: 1231733 });
    const add = report.instructions[1];
    assert.deepEqual(add, { line: 2, endLine: 2, keyword: 'ADD', stage: 0, stageName: null, layerBytes: 9249, status: 'matched', rebuilds: false });
    assert.ok(report.instructions.slice(1).every((i: { status: string }) => i.status === 'matched'));
    // dive's test file chains single-command RUNs: consecutive-run on each second one, static (--no-analyze).
    assert.deepEqual(report.findings.map((f: { code: string; line: number }) => `${f.code}@${f.line}`), [4, 5, 6, 7, 8, 9, 10, 13, 14].map((l) => `consecutive-run@${l}`));
    assert.deepEqual(Object.keys(report.findings[0]), ['code', 'line', 'endLine', 'severity', 'message', 'savingsBytes', 'fixable']);
    assert.deepEqual(report.findings[0], { code: 'consecutive-run', line: 4, endLine: 4, severity: 'info',
      message: 'This RUN follows the RUN on line 3: one RUN makes one layer instead of two.', savingsBytes: null, fixable: true });
  });

  it('--archive measures the image by itself: the figures of `dfsize analyze`, and measured bytes on the findings', () => {
    const args = ['report', join(DIVE, 'Dockerfile.test-image'), '--archive', join(DIVE, 'test-kaniko-image.tar'), '--json'];
    const r = dfsize(args, { DFSIZE_CACHE_DIR: join(dir, 'cache-measured') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout);
    const analysed = JSON.parse(dfsize(['analyze', '--archive', join(DIVE, 'test-kaniko-image.tar'), '--json'], { DFSIZE_CACHE_DIR: join(dir, 'cache-analyze') }).stdout);
    assert.deepEqual(report.analysis, { efficiencyScore: analysed.dive.efficiencyScore, inefficientBytes: analysed.dive.inefficientBytes,
      userWastedPercent: analysed.dive.userWastedPercent, removableBytes: analysed.removableBytes });
    // Measured, every finding knows its bytes (0 where a join saves nothing); without the analysis none does.
    assert.ok(report.findings.length > 0 && report.findings.every((f: { savingsBytes: unknown }) => typeof f.savingsBytes === 'number'));
    assert.ok(report.findings.some((f: { savingsBytes: number }) => f.savingsBytes > 0));
  });

  it('human output puts each size at the end of its line', () => {
    const r = dfsize(['report', join(DIVE, 'Dockerfile.test-image'), '--archive', join(DIVE, 'test-docker-image.tar')], cache);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ 1 │ FROM busybox:latest +base 1\.15 MB · 1 layer$/m);
    assert.match(r.stdout, /^ 2 │ ADD README\.md \/somefile\.txt +6\.41 kB$/m);
    assert.match(r.stdout, /^ 4 │ RUN cp \/somefile\.txt \/root\/example\/somefile1\.txt +6\.41 kB$/m);
  });

  it('a half-typed Dockerfile still reports', () => {
    const r = dfsize(['report', write('half.Dockerfile', 'FROM busybox:latest\nADD README.md /somefile.txt\nRU'), '--archive', join(DIVE, 'test-docker-image.tar'), '--json'], cache);
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
    ['binary garbage', () => ['report', write('garbage.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0xff]))], {}, 2, /binary file/],
    ['a file that is not a Dockerfile', () => ['report', write('package.json', '{ "name": "x" }\n')], {}, 2, /no FROM instruction/],
    ['an empty file', () => ['report', write('empty', '')], {}, 2, /does not look like a Dockerfile/],
    ['--image and --archive together', () => ['report', join(DIVE, 'Dockerfile.test-image'), '--image', 'a', '--archive', 'b'], {}, 2, /give one/],
    ['a missing archive', () => ['report', join(DIVE, 'Dockerfile.test-image'), '--archive', join(dir, 'none.tar')], {}, 2, /none\.tar: no such file/],
    ['a corrupt archive', () => ['report', join(DIVE, 'Dockerfile.test-image'), '--archive', write('bad.tar', 'x'.repeat(2000))], {}, 2, /bad\.tar: not a tar archive/],
    ['--image with no engine', () => ['report', join(DIVE, 'Dockerfile.test-image'), '--image', 'dive-test:latest'], NO_ENGINE, 3, /no engine answers at unix:\/\/\/nonexistent\/docker\.sock .*start Docker/],
    ['an unsupported DOCKER_HOST', () => ['report', join(DIVE, 'Dockerfile.test-image'), '--image', 'x'], { DOCKER_HOST: 'carrier-pigeon://x' }, 2, /not supported/],
    ['a malformed image reference', () => ['report', join(DIVE, 'Dockerfile.test-image'), '--image', 'Not An Image?'], NO_ENGINE, 2, /not an image reference/],
  ];
  for (const [what, args, env, code, re] of bad) {
    it(`${what}: exit ${code} and one line`, () => {
      const r = dfsize(args(), env);
      assert.equal(r.code, code, `stderr: ${r.stderr}`);
      assertOneLineError(r.stderr, re);
    });
  }

  it('an address where something else answers (a web server, not an engine): exit 3, saying so', async () => {
    const server = createServer((_, res) => { res.writeHead(404, { 'content-type': 'text/html' }); res.end('<h1>Not Found</h1>'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await dfsizeAsync(['report', join(DIVE, 'Dockerfile.test-image'), '--image', 'dive-test:latest'], { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
      assert.equal(r.code, 3, r.stderr);
      assertOneLineError(r.stderr, /answers, but not as a Docker or Podman engine/);
    } finally {
      server.close();
    }
  });

  it('no engine and no --image: the report without sizes, exit 0, and why on stderr', () => {
    const r = dfsize(['report', join(DIVE, 'Dockerfile.test-image'), '--json'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.image, null);
    assert.equal(report.base, null);
    assert.ok(report.instructions.every((i: { layerBytes: unknown; status: string }) => i.layerBytes === null && i.status === 'not-built'));
    assert.match(r.stderr, /^dfsize: no image: no engine answers/);
  });
});
