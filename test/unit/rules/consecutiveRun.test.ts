// consecutive-run: joined only when the join cannot change what runs, in the file's own style.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, lint, only } from '../../support/rules';

const CODE = 'consecutive-run';

describe(`rule ${CODE}`, () => {
  it('fires on the second of two adjacent RUNs (comments between do not separate them)', () => {
    assert.deepEqual(found(df('FROM a', 'RUN a', '# then', 'RUN b', 'ENV X=1', 'RUN c'), {}, CODE), [`${CODE}@4`]);
  });

  it('stays silent across stages, with different flags, for exec form and heredocs', () => {
    assert.deepEqual(found(df('FROM a AS x', 'RUN a', 'FROM a', 'RUN b'), {}, CODE), []);
    assert.deepEqual(found(df('FROM a', 'RUN --mount=type=cache,target=/c a', 'RUN b'), {}, CODE), []);
    assert.deepEqual(found(df('FROM a', 'RUN a', 'RUN ["b"]'), {}, CODE), []);
    assert.deepEqual(found(df('FROM a', 'RUN a', 'RUN <<EOF', 'b', 'EOF'), {}, CODE), []);
  });

  it('is info when nothing was measured', () => {
    assert.equal(only(df('FROM a', 'RUN a', 'RUN b'), CODE)[0]!.severity, 'info');
  });

  it('joins one-line RUNs with && at the end of the line (the default style)', () => {
    assert.equal(fixWith(df('FROM a', 'RUN npm install', 'RUN chown -R node:node /app'), CODE),
      df('FROM a', 'RUN npm install && \\', '    chown -R node:node /app'));
  });

  it('follows a file that starts lines with &&, keeps comments between and B\'s own lines', () => {
    const t = df('FROM a', 'RUN apt-get update \\', '  && apt-get install -y x', '', '# clean up', 'RUN rm -rf /tmp/a \\', '  && rm -rf /tmp/b');
    assert.equal(fixWith(t, CODE), df('FROM a', 'RUN apt-get update \\', '  && apt-get install -y x \\', '# clean up', '  && rm -rf /tmp/a \\', '  && rm -rf /tmp/b'));
  });

  it('joins with `;` when both RUNs run under set -e', () => {
    const t = df('FROM a', 'RUN set -eux; \\', '\tmake; \\', '\tmake install', 'RUN set -eux; \\', '\trm -rf /src; \\', '\ttrue');
    assert.equal(fixWith(t, CODE), df('FROM a', 'RUN set -eux; \\', '\tmake; \\', '\tmake install; \\', '\tset -eux; \\', '\trm -rf /src; \\', '\ttrue'));
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

  it('reports the bytes the second RUN deletes of the first when the image was analysed', () => {
    const t = df('FROM a', 'RUN make', 'RUN rm -rf /src');
    const over = {
      match: { builder: 'buildkit' as const, chain: [0], base: null, score: 1, instructions: [
        { status: 'base' as const, layerBytes: 0, rebuilds: false, row: null },
        { status: 'matched' as const, layerBytes: 5e7, rebuilds: false, row: 1 }, { status: 'matched' as const, layerBytes: 0, rebuilds: false, row: 2 }] },
      layerOf: (i: number) => i,
      analysis: { version: 1, imageId: 'x', dive: { efficiencyScore: 1, inefficientBytes: 0, sizeBytes: 0, userSizeBytes: 0, userWastedPercent: 0, fileReference: [] },
        removableBytes: 4.2e7, layers: [], attribution: [{ path: '/src/big.o', bytes: 4.2e7, kind: 'deleted' as const, addedLayer: 1, removedLayer: 2 }] },
    };
    const f = lint(t, over).find((x) => x.code === CODE)!;
    assert.equal(f.savingsBytes, 4.2e7);
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /42 MB/);
  });

  it('is idempotent', () => assertIdempotent(df('FROM a', 'RUN a', 'RUN b', 'RUN c'), CODE));
});
