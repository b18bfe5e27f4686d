// `dfsize analyze` as a user runs it (the bundled CLI, a real process): DESIGN's JSON contract on dive's archives,
// lines from --dockerfile, dive's CI rules and their exit codes, and bad input ending in one line.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dfsize, DIVE, needDive, NO_ENGINE } from '../support/cli';

const TAR = join(DIVE, 'test-docker-image.tar');

describe('cli: dfsize analyze', function () {
  before(function () { needDive(this); });
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-analyze-'));
  const env = { ...NO_ENGINE, DFSIZE_CACHE_DIR: join(dir, 'cache') };
  const write = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };

  it('--archive --json follows the contract, with no engine at all', () => {
    const r = dfsize(['analyze', '--archive', TAR, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['image', 'dive', 'removableBytes', 'layers', 'attribution']);
    assert.deepEqual(j.image, { ref: 'dive-test:latest', id: 'sha256:75ae28b8ebf89b203319069ddcbecdf5c3838503bbebc0d0d85e4b8589c5de3a', sizeBytes: 1220598 });
    assert.deepEqual(Object.keys(j.dive), ['efficiencyScore', 'inefficientBytes', 'sizeBytes', 'userSizeBytes', 'userWastedPercent', 'fileReference']);
    assert.equal(j.dive.efficiencyScore, 0.9844212134184309);
    assert.equal(j.dive.inefficientBytes, 32025);
    assert.equal(j.dive.userWastedPercent, 0.4834911001404049);
    assert.deepEqual(j.dive.fileReference[0], { file: '/root/saved.txt', count: 2, sizeBytes: 12810 });
    assert.equal(j.removableBytes, 32025);
    assert.equal(j.layers.length, 14);
    assert.deepEqual(Object.keys(j.layers[0]), ['index', 'digest', 'sizeBytes', 'command', 'line', 'added', 'modified', 'removed', 'removableBytes']);
    assert.equal(j.layers[3].command, '/bin/sh -c cp /somefile.txt /root/example/somefile1.txt');
    assert.ok(j.layers.every((l: { line: unknown }) => l.line === null), 'no Dockerfile: no lines');
    assert.deepEqual(Object.keys(j.attribution[0]), ['path', 'bytes', 'kind', 'addedAtLine', 'removedAtLine']);
  });

  it('TARGET is an archive when such a file exists; --dockerfile gives every layer and every waste its line', () => {
    const r = dfsize(['analyze', TAR, '--json', '--dockerfile', join(DIVE, 'Dockerfile.test-image')], env);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.layers.map((l: { line: number }) => l.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert.deepEqual(j.attribution.map((w: { path: string; addedAtLine: number; removedAtLine: number }) => [w.path, w.addedAtLine, w.removedAtLine]), [
      ['/root/example', 5, 10], ['/root/example', 6, 10], ['/root/example/somefile1.txt', 4, 5], ['/root/example/somefile3.txt', 7, 8], ['/root/saved.txt', 8, 14],
    ]);
  });

  it('human output: the figures, the layers and where the waste is', () => {
    const r = dfsize(['analyze', TAR], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dive-test:latest \(75ae28b8ebf8\) · 1\.22 MB · 14 layers · from archive$/m);
    assert.match(r.stdout, /efficiency 98\.44 % · wasted 32 kB \(dive\) · user wasted 48\.35 % · removable 32 kB/);
    assert.match(r.stdout, /6\.41 kB {2}overwritten \/root\/saved\.txt/);
  });

  const ci: Array<[string, string | null, number, RegExp]> = [
    ["dive's defaults (user wasted 48% > 10%)", null, 1, /FAIL {2}highestUserWastedPercent .*0\.48 > threshold=0\.1/],
    ["dive's sample .dive-ci", join(DIVE, 'dive-ci'), 0, /PASS \[pass:3\]/],
    ['a stricter efficiency', 'rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\n', 1, /FAIL {2}lowestEfficiency \(image efficiency is too low \(efficiency=0\.98 < threshold=0\.99\)\)/],
    ['the threshold equal to the figure passes (strictly greater fails)', 'rules:\n  highestWastedBytes: 32025\n  highestUserWastedPercent: off\n', 0, /PASS {2}highestWastedBytes/],
    ['one byte less fails', 'rules:\n  highestWastedBytes: 32024\n  highestUserWastedPercent: off\n', 1, /FAIL {2}highestWastedBytes \(too many bytes wasted \(wasted-bytes=32025 > threshold=32024\)\)/],
    ['kebab-case keys', 'rules:\n  lowest-efficiency: 0.99\n  highest-user-wasted-percent: "false"\n', 1, /FAIL {2}lowestEfficiency/],
    ['sizes as dive reads them (32kB = 32000 bytes)', 'rules:\n  highestWastedBytes: 32kB\n  highestUserWastedPercent: disabled\n', 1, /wasted-bytes=32025 > threshold=32000/],
  ];
  for (const [what, config, code, re] of ci) {
    it(`--ci: ${what} → exit ${code}`, () => {
      const args = ['analyze', TAR, '--ci', ...(config === null ? [] : ['--ci-config', config.startsWith('/') ? config : write(`ci-${code}-${what.length}.yml`, config)])];
      const r = dfsize(args, env);
      assert.equal(r.code, code, r.stdout + r.stderr);
      assert.match(r.stdout, re);
    });
  }

  it('--ci with --json: the JSON on stdout, the verdict on stderr, unknown keys warned about', () => {
    const r = dfsize(['analyze', TAR, '--json', '--ci-config', write('warn.yml', 'rules:\n  lowestEfficiency: 0.5\n  highestUserWastedPercent: 0.9\n  frobnicate: 1\n')], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotThrow(() => JSON.parse(r.stdout));
    assert.match(r.stderr, /warning: .*unknown rule "frobnicate"/);
    assert.match(r.stderr, /PASS \[pass:2 skip:1\]/);
  });

  const bad: Array<[string, () => string[], Record<string, string>, number, RegExp]> = [
    ['no target', () => ['analyze'], {}, 2, /name an image or an archive/],
    ['two targets', () => ['analyze', '--image', 'a', '--archive', 'b'], {}, 2, /name one image or one archive/],
    ['a missing archive', () => ['analyze', '--archive', join(dir, 'none.tar')], {}, 2, /none\.tar: no such file/],
    ['a TARGET that is neither a file nor a reference', () => ['analyze', join(dir, 'none.tar')], {}, 2, /no such file, and not an image reference/],
    ['a corrupt archive', () => ['analyze', '--archive', write('bad.tar', 'x'.repeat(2000))], {}, 2, /bad\.tar: not a tar archive/],
    ['a truncated archive', () => ['analyze', write('cut.tar', '') && cut()], {}, 2, /cut\.tar: the archive is truncated/],
    ['--image with no engine', () => ['analyze', '--image', 'dive-test:latest'], NO_ENGINE, 3, /no engine answers at unix:\/\/\/nonexistent\/docker\.sock/],
    ['a missing --ci-config', () => ['analyze', TAR, '--ci-config', join(dir, 'nope.yml')], {}, 2, /--ci-config .*nope\.yml: no such file/],
    ['a bad rule value', () => ['analyze', TAR, '--ci-config', write('badci.yml', 'rules:\n  lowestEfficiency: 1.5\n')], {}, 2, /lowestEfficiency value 1\.5 is outside the allowed range/],
    ['an unreadable size', () => ['analyze', TAR, '--ci-config', write('badsize.yml', 'rules:\n  highestWastedBytes: lots\n')], {}, 2, /invalid highestWastedBytes value/],
    ['an unknown flag', () => ['analyze', TAR, '--bogus'], {}, 2, /Unknown option '--bogus'/],
  ];
  const cut = () => {
    const p = join(dir, 'cut.tar');
    writeFileSync(p, require('node:fs').readFileSync(TAR).subarray(0, 700000));
    return p;
  };
  for (const [what, args, extra, code, re] of bad) {
    it(`${what}: exit ${code} and one line`, () => {
      const r = dfsize(args(), { ...env, ...extra });
      assert.equal(r.code, code, `stderr: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0]!, /^dfsize: /);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    });
  }
});
