// The flags that bound what `dfsize report` and `dfsize fix` measure by themselves: sizes as people type them, and
// bad values ending in exit 2 and one line naming the flag or the variable (the bundled CLI, a real process).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseBytes } from '../../server/src/core/format';
import { dfsize, NO_ENGINE } from '../support/cli';
import { tempTree } from '../support/tempDirs';

describe('parseBytes', () => {
  const sizes: Array<[string, number | null]> = [
    ['1', 1],
    ['2GB', 2_000_000_000],
    ['500 mb', 500_000_000],
    ['64k', 64_000],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['3 TB', 3e12],
    ['10KiB', 10_240],
    ['0', 0],
    ['7b', 7],
    // go-humanize's units as .dive-ci files write them: the one grammar reads both callers' sizes.
    ['20Mi', 20 * 1024 ** 2],
    ['20MB', 20_000_000],
    ['.5kB', 500],
    ['2PB', 2e15],
    ['1,000', null],
    ['lots', null],
    ['', null],
    ['-1', null],
    ['1e9', null],
    ['2 GBs', null],
    ['GB', null],
    ['9'.repeat(30), null],
  ];
  for (const [text, bytes] of sizes) it(`"${text}" → ${bytes}`, () => assert.equal(parseBytes(text), bytes));
});

describe('cli: --no-analyze and --max-analyze-bytes', function () {
  this.timeout(20000);
  const dir = tempTree({ Dockerfile: 'FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y curl\n' });
  const file = join(dir, 'Dockerfile');

  // Each case once, on report or fix: both parse the flags through the one helper (cli/measure.ts).
  it('report --max-analyze-bytes lots: exit 2 and one line naming the flag', () => {
    const r = dfsize(['report', file, '--max-analyze-bytes', 'lots'], NO_ENGINE);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'dfsize: --max-analyze-bytes lots: not a size: give bytes, or a number with a unit (500MB, 2GB, 1.5GiB)\n',
    );
    assert.equal(r.stdout, '');
  });

  it('fix with DFSIZE_MAX_ANALYZE_BYTES=lots: exit 2 and one line naming the variable', () => {
    const r = dfsize(['fix', file], { ...NO_ENGINE, DFSIZE_MAX_ANALYZE_BYTES: 'lots' });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'dfsize: DFSIZE_MAX_ANALYZE_BYTES lots: not a size: give bytes, or a number with a unit (500MB, 2GB, 1.5GiB)\n',
    );
  });

  it('fix --max-analyze-bytes with no value: exit 2 and one line', () => {
    const r = dfsize(['fix', file, '--max-analyze-bytes'], NO_ENGINE);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^dfsize: Option '--max-analyze-bytes <value>' argument missing \(dfsize --help lists the options\)\n$/,
    );
  });

  it('report takes --no-analyze and a good size (the flag wins over the variable)', () => {
    const r = dfsize(['report', file, '--no-analyze', '--max-analyze-bytes', '2GB'], {
      ...NO_ENGINE,
      DFSIZE_MAX_ANALYZE_BYTES: 'lots',
    });
    assert.equal(r.code, 0, r.stderr);
  });

  it('--help lists both flags for report and fix', () => {
    const r = dfsize(['--help']);
    assert.match(r.stdout, /dfsize report <Dockerfile> .*\[--no-analyze\] \[--max-analyze-bytes SIZE\]/);
    assert.match(r.stdout, /dfsize fix <Dockerfile> .*\[--no-analyze\] \[--max-analyze-bytes SIZE\]/);
  });
});
