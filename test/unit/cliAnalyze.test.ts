// `dfsize analyze` as a user runs it (the bundled CLI, a real process): the JSON contract on an archive shaped like
// dive's test image (generated here), lines from --dockerfile, dive's CI rules and their exit codes, and bad input
// ending in one line. The same against dive's own images and published numbers: test/conformance/dive.test.ts.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../../server/src/core/format';
import { dockerArchive, file } from '../support/archives';
import { dfsize, NO_ENGINE } from '../support/cli';
import { diveFigures, README_BYTES, SAMPLE_DOCKERFILE, sampleImage, type Sample } from '../support/sampleImage';

describe('cli: dfsize analyze', function () {
  this.timeout(20000); // each test runs the CLI as a process
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-analyze-'));
  const env = { ...NO_ENGINE, DFSIZE_CACHE_DIR: join(dir, 'cache') };
  const write = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const TAR = join(dir, 'sample.tar');
  const R = README_BYTES;
  let s: Sample;
  let want: ReturnType<typeof diveFigures>;
  before(async () => {
    s = await sampleImage('legacy');
    want = diveFigures(s);
    writeFileSync(TAR, s.archive);
  });
  const two = (x: number) => x.toFixed(2);

  it('--archive --json follows the contract, with no engine at all', () => {
    const r = dfsize(['analyze', '--archive', TAR, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['image', 'dive', 'removableBytes', 'layers', 'attribution']);
    assert.deepEqual(j.image, { ref: s.spec.tag, id: s.id, sizeBytes: s.sizeBytes });
    assert.deepEqual(Object.keys(j.dive), [
      'efficiencyScore',
      'inefficientBytes',
      'sizeBytes',
      'userSizeBytes',
      'userWastedPercent',
      'fileReference',
    ]);
    assert.equal(j.dive.efficiencyScore, want.efficiencyScore);
    assert.equal(j.dive.inefficientBytes, want.inefficientBytes);
    assert.equal(j.dive.userWastedPercent, want.userWastedPercent);
    assert.deepEqual(j.dive.fileReference[0], want.fileReference[0]);
    assert.equal(j.removableBytes, 5 * R);
    assert.equal(j.layers.length, s.spec.layers.length);
    assert.deepEqual(Object.keys(j.layers[0]), [
      'index',
      'digest',
      'sizeBytes',
      'command',
      'line',
      'added',
      'modified',
      'removed',
      'removableBytes',
    ]);
    assert.equal(j.layers[3].command, '/bin/sh -c cp /somefile.txt /root/example/somefile1.txt');
    assert.ok(
      j.layers.every((l: { line: unknown }) => l.line === null),
      'no Dockerfile: no lines',
    );
    assert.deepEqual(Object.keys(j.attribution[0]), ['path', 'bytes', 'kind', 'addedAtLine', 'removedAtLine']);
  });

  it('TARGET is an archive when such a file exists; --dockerfile gives every layer and every waste its line', () => {
    const r = dfsize(['analyze', TAR, '--json', '--dockerfile', write('Dockerfile', SAMPLE_DOCKERFILE)], env);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      j.layers.map((l: { line: number }) => l.line),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    );
    assert.deepEqual(
      j.attribution.map((w: { path: string; addedAtLine: number; removedAtLine: number }) => [
        w.path,
        w.addedAtLine,
        w.removedAtLine,
      ]),
      [
        ['/root/example', 5, 10],
        ['/root/example', 6, 10],
        ['/root/example/somefile1.txt', 4, 5],
        ['/root/example/somefile3.txt', 7, 8],
        ['/root/saved.txt', 8, 14],
      ],
    );
  });

  it('human output: the figures, the layers and where the waste is', () => {
    const r = dfsize(['analyze', TAR], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(
      lines.includes(
        `${s.spec.tag} (${s.id.slice(7, 19)}) · ${formatBytes(s.sizeBytes)} · ${s.spec.layers.length} layers · from archive`,
      ),
      r.stdout,
    );
    const pct = (x: number) => `${two(x * 100)} %`;
    assert.ok(
      r.stdout.includes(
        `efficiency ${pct(want.efficiencyScore)} · wasted ${formatBytes(5 * R)} (dive) · user wasted ${pct(want.userWastedPercent)} · removable ${formatBytes(5 * R)}`,
      ),
      r.stdout,
    );
    assert.ok(r.stdout.includes(`${formatBytes(R)}  overwritten /root/saved.txt`), r.stdout);
  });

  // The sample wastes 5 × R = 33000 bytes (dive's count), 48 % of its user bytes, at an efficiency of 98 %.
  const W = 5 * R;
  const ci: Array<[string, string | null, number, () => string]> = [
    [
      "dive's defaults (user wasted 48% > 10%)",
      null,
      1,
      () =>
        `FAIL  highestUserWastedPercent (too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${String(want.userWastedPercent)} > threshold=0.1))`,
    ],
    [
      "a .dive-ci like dive's sample",
      'rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20Mb\n  highestUserWastedPercent: 0.5\n',
      0,
      () => 'PASS [pass:3]',
    ],
    [
      'a stricter efficiency',
      'rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\n',
      1,
      () =>
        `FAIL  lowestEfficiency (image efficiency is too low (efficiency=${String(want.efficiencyScore)} < threshold=0.99))`,
    ],
    [
      'the threshold equal to the figure passes (strictly greater fails)',
      `rules:\n  highestWastedBytes: ${String(W)}\n  highestUserWastedPercent: disabled\n`,
      0,
      () => 'PASS  highestWastedBytes',
    ],
    [
      'one byte less fails',
      `rules:\n  highestWastedBytes: ${String(W - 1)}\n  highestUserWastedPercent: disabled\n`,
      1,
      () => `FAIL  highestWastedBytes (too many bytes wasted (wasted-bytes=${W} > threshold=${W - 1}))`,
    ],
    [
      'kebab-case keys',
      'rules:\n  lowest-efficiency: 0.99\n  highest-user-wasted-percent: disabled\n',
      1,
      () => 'FAIL  lowestEfficiency',
    ],
    [
      'sizes as dive reads them (32kB = 32000 bytes)',
      'rules:\n  highestWastedBytes: 32kB\n  highestUserWastedPercent: disabled\n',
      1,
      () => `wasted-bytes=${W} > threshold=32000`,
    ],
  ];
  it('--ci: "off" is not how dive turns a rule off (dive 0.13.1: MISCONFIGURED): one line, exit 2', () => {
    const file = write('ci-off.yml', 'rules:\n  highestUserWastedPercent: off\n');
    const r = dfsize(['analyze', TAR, '--ci', '--ci-config', file], env);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(
      r.stderr.trim(),
      'dfsize: invalid highestUserWastedPercent value "off": expected a fraction between 0 and 1, or "disabled"',
    );
  });

  it('--ci-waste removable: the gate counts the hidden copy only, not the copy the image keeps (dive#684)', async () => {
    // A file written twice: dive's wasted bytes count both writes (2 × 200000); one write of it could go.
    const BYTES = 200000;
    const archive = join(dir, 'overwrite.tar');
    const spec = {
      layers: [[file('base', 1000)], [file('o', BYTES)], [file('o', BYTES)]],
      history: ['base', 'a', 'b'],
    };
    writeFileSync(archive, await dockerArchive(spec));
    const rules = write(
      'ci-waste.yml',
      `rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: ${String(BYTES)}\n  highestUserWastedPercent: 0.5\n`,
    );
    const gate = (...extra: string[]) => dfsize(['analyze', archive, '--ci', '--ci-config', rules, ...extra], env);
    const dive = gate();
    assert.equal(dive.code, 1, dive.stdout);
    assert.ok(dive.stdout.includes(`wasted-bytes=${String(2 * BYTES)} > threshold=${String(BYTES)}`), dive.stdout);
    assert.ok(dive.stdout.includes('%-user-wasted-bytes=1 > threshold=0.5'), dive.stdout);
    const removable = gate('--ci-waste', 'removable');
    assert.equal(removable.code, 0, removable.stdout);
    assert.ok(removable.stdout.includes('PASS [pass:2 skip:1]'), removable.stdout);
    const bad = gate('--ci-waste', 'half');
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      "dfsize: --ci-waste half: name one of dive, removable (dive: dive's wasted bytes, the default)",
    );
  });

  for (const [what, config, code, says] of ci) {
    it(`--ci: ${what} → exit ${code}`, () => {
      const args = [
        'analyze',
        TAR,
        '--ci',
        ...(config === null ? [] : ['--ci-config', write(`ci-${code}-${what.length}.yml`, config)]),
      ];
      const r = dfsize(args, env);
      assert.equal(r.code, code, r.stdout + r.stderr);
      assert.ok(r.stdout.includes(says()), `${says()}\nnot in:\n${r.stdout}`);
    });
  }

  it('--ci with --json: the JSON on stdout, the verdict on stderr, unknown keys warned about', () => {
    const r = dfsize(
      [
        'analyze',
        TAR,
        '--json',
        '--ci-config',
        write('warn.yml', 'rules:\n  lowestEfficiency: 0.5\n  highestUserWastedPercent: 0.9\n  frobnicate: 1\n'),
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotThrow(() => JSON.parse(r.stdout));
    assert.match(r.stderr, /warning: .*unknown rule "frobnicate"/);
    assert.match(r.stderr, /PASS \[pass:2 skip:1\]/);
  });

  const bad: Array<[string, () => string[], Record<string, string>, number, RegExp]> = [
    ['no target', () => ['analyze'], {}, 2, /name an image or an archive/],
    ['two targets', () => ['analyze', '--image', 'a', '--archive', 'b'], {}, 2, /name one image or one archive/],
    ['a missing archive', () => ['analyze', '--archive', join(dir, 'none.tar')], {}, 2, /none\.tar: no such file/],
    [
      'a TARGET that is neither a file nor a reference',
      () => ['analyze', join(dir, 'none.tar')],
      {},
      2,
      /no such file, and not an image reference/,
    ],
    [
      'a corrupt archive',
      () => ['analyze', '--archive', write('bad.tar', 'x'.repeat(2000))],
      {},
      2,
      /bad\.tar: not a tar archive/,
    ],
    [
      'a truncated archive',
      () => ['analyze', write('cut.tar', '') && cut()],
      {},
      2,
      /cut\.tar: the archive is truncated/,
    ],
    [
      '--image with no engine',
      () => ['analyze', '--image', 'sample/dive-like:legacy'],
      NO_ENGINE,
      3,
      /no engine answers at unix:\/\/\/nonexistent\/docker\.sock/,
    ],
    [
      'a missing --ci-config',
      () => ['analyze', TAR, '--ci-config', join(dir, 'nope.yml')],
      {},
      2,
      /--ci-config .*nope\.yml: no such file/,
    ],
    [
      'a bad rule value',
      () => ['analyze', TAR, '--ci-config', write('badci.yml', 'rules:\n  lowestEfficiency: 1.5\n')],
      {},
      2,
      /lowestEfficiency value 1\.5 is outside the allowed range/,
    ],
    [
      'an unreadable size',
      () => ['analyze', TAR, '--ci-config', write('badsize.yml', 'rules:\n  highestWastedBytes: lots\n')],
      {},
      2,
      /invalid highestWastedBytes value/,
    ],
    ['an unknown flag', () => ['analyze', TAR, '--bogus'], {}, 2, /Unknown option '--bogus'/],
  ];
  const cut = () => {
    const p = join(dir, 'cut.tar');
    writeFileSync(p, readFileSync(TAR).subarray(0, Math.floor(s.archive.length / 2)));
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
