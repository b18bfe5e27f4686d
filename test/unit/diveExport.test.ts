// dive's export as Go writes it: the pieces that are Go's and not ours (its JSON escapes, os.FileMode, path.Clean),
// beside the conformance suite that compares whole exports with real dive's (test/conformance/dive-real.test.ts).
import { strict as assert } from 'node:assert';
import { goCleanPath, goFileMode, goJson } from '../../server/src/analysis/diveExport';
import { goFloat } from '../../server/src/analysis/diveCi';

describe("dive's export, written as Go writes it", () => {
  it('JSON: <, >, & and U+2028/2029 as \\u escapes, \\b and \\f as \\u0008 and \\u000c, an escaped backslash kept', () => {
    const command = 'apt-get update && echo "<x>" \u2028\b\f \\b';
    const text = goJson({ command });
    assert.equal(
      text,
      '{\n  "command": "apt-get update \\u0026\\u0026 echo \\"\\u003cx\\u003e\\" \\u2028\\u0008\\u000c \\\\b"\n}',
    );
    assert.deepEqual(JSON.parse(text), { command });
  });

  it("os.FileMode from a tar header: the permission bits, Go's own type and special bits", () => {
    const DIR = 2 ** 31;
    assert.equal(goFileMode(0o755, '5'.charCodeAt(0)), DIR + 0o755);
    // A directory whose mode field carries the Unix type bits too: one ModeDir, not two.
    assert.equal(goFileMode(0o40755, '5'.charCodeAt(0)), DIR + 0o755);
    assert.equal(goFileMode(0o1777, '5'.charCodeAt(0)), DIR + 2 ** 20 + 0o777);
    assert.equal(goFileMode(0o4755, '0'.charCodeAt(0)), 2 ** 23 + 0o755);
    assert.equal(goFileMode(0o777, '2'.charCodeAt(0)), 2 ** 27 + 0o777);
    assert.equal(goFileMode(0o644, '0'.charCodeAt(0)), 0o644);
  });

  it("path.Clean: Go's answers", () => {
    const cases: Array<[string, string]> = [
      ['', '.'],
      ['./', '.'],
      ['bin/', 'bin'],
      ['./usr//bin/./env', 'usr/bin/env'],
      ['/etc/../etc/passwd', '/etc/passwd'],
      ['a/../../b', '../b'],
      ['/../x', '/x'],
    ];
    for (const [p, want] of cases) assert.equal(goCleanPath(p), want, p);
  });

  it("%v of a float64: Go's shortest form, exponents below 1e-4", () => {
    assert.equal(goFloat(0.9844212134184309), '0.9844212134184309');
    assert.equal(goFloat(0.1), '0.1');
    assert.equal(goFloat(1), '1');
    assert.equal(goFloat(0.00005), '5e-05');
    assert.equal(goFloat(NaN), 'NaN');
    assert.equal(goFloat(Infinity), '+Inf');
  });
});
