// consecutive-run: joined only when the join cannot change what runs, in the file's own style.
import { strict as assert } from 'node:assert';
import {
  analysed,
  assertIdempotent,
  deleted,
  df,
  fixAllOf,
  fixWith,
  found,
  lint,
  only,
  overwritten,
} from '../../support/rules';

const CODE = 'consecutive-run';

describe(`rule ${CODE}`, () => {
  it('fires on the second of two adjacent RUNs (comments between do not separate them)', () => {
    assert.deepEqual(found(df('FROM a', 'RUN a', '# then', 'RUN b', 'ENV X=1', 'RUN c'), {}, CODE), [`${CODE}@4`]);
  });

  it('stays silent across stages, with different flags, for exec form', () => {
    assert.deepEqual(found(df('FROM a AS x', 'RUN a', 'FROM a', 'RUN b'), {}, CODE), []);
    assert.deepEqual(found(df('FROM a', 'RUN --mount=type=cache,target=/c a', 'RUN b'), {}, CODE), []);
    assert.deepEqual(found(df('FROM a', 'RUN a', 'RUN ["b"]'), {}, CODE), []);
  });

  it('reports a heredoc RUN after a RUN, but offers no join: the heredoc keeps its form', () => {
    const f = only(df('FROM a', 'RUN a', 'RUN <<EOF', 'b', 'EOF'), CODE);
    assert.deepEqual(
      f.map((x) => [x.range.start.line + 1, x.fixes.length]),
      [[3, 0]],
    );
  });

  it('severity: info when nothing was measured; measured, a warning from minBytes on and a hint below (0 B included)', () => {
    const t = df('FROM a', 'RUN make', 'RUN chown -R app /src');
    assert.equal(only(t, CODE)[0]!.severity, 'info');
    assert.equal(only(t, CODE, analysed(3, {}, [overwritten('/src/big.o', 4.2e7, 1, 2)]))[0]!.severity, 'warning');
    assert.equal(only(t, CODE, analysed(3, {}, [overwritten('/src/small.o', 4.2e3, 1, 2)]))[0]!.severity, 'hint');
    assert.equal(only(t, CODE, analysed(3))[0]!.severity, 'hint');
  });

  it('joins one-line RUNs with && at the end of the line (the default style)', () => {
    assert.equal(
      fixWith(df('FROM a', 'RUN npm install', 'RUN chown -R node:node /app'), CODE, {}, 0),
      df('FROM a', 'RUN npm install && \\', '    chown -R node:node /app'),
    );
  });

  it('prefers the join (fix-all applies it) only when it saves bytes', () => {
    const preferred = (t: string, over = {}) => only(t, CODE, over).map((f) => f.fixes[0]!.preferred);
    // Unrelated RUNs: one layer fewer, not one byte less.
    const unrelated = df(
      'FROM node:20',
      'RUN npm ci && npm cache clean --force',
      'RUN chown -R node:node /app',
      'RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*',
    );
    assert.deepEqual(preferred(unrelated), [false, false]);
    assert.equal(fixAllOf(unrelated).text, unrelated);
    // Statically: the second only deletes, or installs from the lists the first updated.
    assert.deepEqual(preferred(df('FROM a', 'RUN make', 'RUN rm -rf /src /tmp/*')), [true]);
    assert.deepEqual(
      preferred(
        df(
          'FROM a',
          'RUN apt-get update && apt-get install -y --no-install-recommends a',
          'RUN apt-get install -y --no-install-recommends b',
        ),
      ),
      [true],
    );
    assert.deepEqual(preferred(df('FROM a', 'RUN set -e', 'RUN true')), [false]);
    // Measured, the analysis decides: bytes of the first overwritten by the second, or none deleted after all.
    assert.deepEqual(
      preferred(
        df('FROM a', 'RUN npm ci', 'RUN chown -R node /app'),
        analysed(3, {}, [overwritten('/app/node_modules/x.js', 9e6, 1, 2)]),
      ),
      [true],
    );
    assert.deepEqual(preferred(df('FROM a', 'RUN make', 'RUN rm -rf /src'), analysed(3)), [false]);
  });

  it('leaves the pair an update moves into its install to apt-update-alone (the same join, reported once)', () => {
    const t = df('FROM debian', 'RUN apt-get update', 'RUN apt-get install -y --no-install-recommends curl');
    assert.deepEqual(found(t, {}, CODE), []);
    // With apt-update-alone switched off, the join is this rule's again.
    assert.deepEqual(
      lint(t, {}, new Set(['apt-update-alone']))
        .filter((f) => f.code === CODE)
        .map((f) => f.fixes[0]!.preferred),
      [true],
    );
  });

  it('counts what an update moved into the RUN above adds, when the second RUN deletes it', () => {
    const t = df(
      'FROM debian',
      'RUN apt-get update',
      'RUN apt-get install -y --no-install-recommends curl',
      'RUN rm -rf /var/lib/apt/lists/*',
    );
    const f = only(t, CODE, analysed(4, {}, [deleted('/var/lib/apt/lists/a_Packages', 18_400_000, 1, 3)]))[0]!;
    assert.equal(f.range.start.line + 1, 4);
    assert.equal(f.savingsBytes, 18_400_000);
    assert.ok(f.fixes[0]!.preferred);
    assert.match(f.message, /It deletes or overwrites 18\.4 MB of the RUNs on lines 2, 3 \(one layer once joined\)/);
  });

  it("follows a file that starts lines with &&, keeps comments between and B's own lines", () => {
    const t = df(
      'FROM a',
      'RUN apt-get update \\',
      '  && apt-get install -y x',
      '',
      '# clean up',
      'RUN rm -rf /tmp/a \\',
      '  && rm -rf /tmp/b',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM a',
        'RUN apt-get update \\',
        '  && apt-get install -y x \\',
        '# clean up',
        '  && rm -rf /tmp/a \\',
        '  && rm -rf /tmp/b',
      ),
    );
  });

  it('joins with `;` when both RUNs run under set -e', () => {
    const t = df(
      'FROM a',
      'RUN set -eux; \\',
      '\tmake; \\',
      '\tmake install',
      'RUN set -eux; \\',
      '\trm -rf /src; \\',
      '\ttrue',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM a',
        'RUN set -eux; \\',
        '\tmake; \\',
        '\tmake install; \\',
        '\tset -eux; \\',
        '\trm -rf /src; \\',
        '\ttrue',
      ),
    );
  });

  for (const [why, a, b] of [
    ['the first changes directory', 'cd /tmp && make', 'rm x'],
    ['the first exports a variable', 'export A=1', 'echo $A'],
    ['the first sets -u', 'set -eu; make', 'set -e; echo $MAYBE'],
    ['the second is not one && list and the first has no set -e', 'make', 'rm a; rm b'],
    ['the second has ||', 'make', 'test -f x || touch x'],
  ] as const) {
    it(`offers no fix when ${why}`, () => {
      assert.equal(only(df('FROM a', `RUN ${a}`, `RUN ${b}`), CODE)[0]!.fixes.length, 0);
    });
  }

  it('reports the bytes the second RUN overwrites of the first when the image was analysed', () => {
    const t = df('FROM a', 'RUN make', 'RUN chmod -R a+r /src');
    const over = analysed(3, {}, [overwritten('/src/big.o', 4.2e7, 1, 2)]);
    const f = lint(t, over).find((x) => x.code === CODE)!;
    assert.equal(f.savingsBytes, 4.2e7);
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /It deletes or overwrites 42 MB of the RUN above/);
  });

  it("measured, a second RUN that only deletes files of the first is cleanup-in-later-layer's (named, claimed once)", () => {
    const t = df('FROM a', 'RUN make', 'RUN rm -rf /src');
    const over = analysed(3, {}, [deleted('/src/big.o', 4.2e7, 1, 2)]);
    assert.deepEqual(
      lint(t, over).map((f) => [f.code, f.savingsBytes]),
      [['cleanup-in-later-layer', 4.2e7]],
    );
    assert.equal(fixWith(t, 'cleanup-in-later-layer', over), df('FROM a', 'RUN make && rm -rf /src'));
    // Without the analysis the join is the fix (fix-all applies it).
    assert.deepEqual(
      only(t, CODE).map((f) => f.fixes[0]!.preferred),
      [true],
    );
  });

  it('claims no bytes without a join to offer (cleanup-in-later-layer claims the deletion then)', () => {
    const t = df('FROM a', 'RUN cd /src && make', 'RUN rm -rf /src/build && touch /done');
    const over = analysed(3, {}, [deleted('/src/build/a.o', 5e6, 1, 2)]);
    const f = only(t, CODE, over)[0]!;
    assert.deepEqual([f.fixes.length, f.savingsBytes, f.severity], [0, null, 'warning']);
    assert.equal(only(t, 'cleanup-in-later-layer', over)[0]!.savingsBytes, 5e6);
  });

  it('is idempotent', () => assertIdempotent(df('FROM a', 'RUN make', 'RUN rm -rf /build', 'RUN rm -rf /tmp/x'), CODE));
});
