// formatBytes as docker prints sizes: three significant digits, decimal units, zeros dropped only after the point.
import { strict as assert } from 'node:assert';
import { formatBytes } from '../../server/src/core/format';

describe('format: bytes', () => {
  it('keeps the zeros of whole numbers and drops those after the decimal point', () => {
    const cases: Array<[number, string]> = [
      [0, '0 B'],
      [999, '999 B'],
      [1000, '1 kB'],
      [1500, '1.5 kB'],
      [2050, '2.05 kB'],
      [100_000, '100 kB'],
      [200e6, '200 MB'],
      [230e6, '230 MB'],
      [18.4e6, '18.4 MB'],
      [1.1e9, '1.1 GB'],
      [-3000, '-3 kB'],
    ];
    for (const [b, s] of cases) assert.equal(formatBytes(b), s, String(b));
  });

  it('carries a rounding to 1000 into the next unit', () => {
    assert.equal(formatBytes(999_900), '1 MB');
    assert.equal(formatBytes(999_950), '1 MB');
    assert.equal(formatBytes(999_400), '999 kB');
  });
});
