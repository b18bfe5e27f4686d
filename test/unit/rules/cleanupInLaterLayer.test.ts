// cleanup-in-later-layer: measured deletions of an earlier layer's files, moved into the RUN that created them.
import { strict as assert } from 'node:assert';
import type { ImageAnalysis, WasteItem } from '../../../server/src/core/analysis';
import type { MatchResult } from '../../../server/src/core/match';
import { deleted, df, fixWith, found, lint, only, type Over } from '../../support/rules';

const CODE = 'cleanup-in-later-layer';

/** An analysed image whose layer k is instruction k (the base is layer 0), all matched. */
function analysed(count: number, attribution: WasteItem[]): Over {
  const match: MatchResult = {
    builder: 'buildkit',
    chain: [0],
    base: null,
    score: 1,
    instructions: Array.from({ length: count }, (_, k) => ({
      status: k === 0 ? 'base' : 'matched',
      layerBytes: 1,
      rebuilds: false,
      row: k,
    })),
  };
  const analysis: ImageAnalysis = {
    version: 1,
    imageId: 'sha256:x',
    removableBytes: 0,
    layers: [],
    attribution,
    dive: {
      efficiencyScore: 0.5,
      inefficientBytes: 0,
      sizeBytes: 0,
      userSizeBytes: 0,
      userWastedPercent: 0,
      fileReference: [],
    },
  };
  return { match, analysis, layerOf: (i: number) => i };
}

describe(`rule ${CODE}`, () => {
  const T = df(
    'FROM debian',
    'RUN apt-get update && apt-get install -y --no-install-recommends build-essential',
    'COPY app.c .',
    'RUN rm -rf /var/lib/apt/lists/* /tmp/x',
  );

  it('needs the analysis: nothing without it', () => {
    assert.deepEqual(found(T, {}, CODE), []);
  });

  it('reports the bytes on the deleting RUN, with the lines that added them and the largest paths', () => {
    const over = analysed(4, [
      deleted('/var/lib/apt/lists/a_Packages', 18_400_000, 1, 3),
      deleted('/tmp/x', 1_000, 1, 3),
      deleted('/etc/base.conf', 5, 0, 3),
    ]);
    const f = only(T, CODE, over)[0]!;
    assert.equal(f.range.start.line + 1, 4);
    assert.equal(f.savingsBytes, 18_401_000);
    assert.equal(f.severity, 'warning');
    assert.equal(
      f.message,
      'This RUN deletes 18.4 MB that line 2 added: deleted in a later layer, the bytes still ship in the earlier one (/var/lib/apt/lists/a_Packages 18.4 MB, /tmp/x 1 kB).',
    );
  });

  it('moves the deletion into the RUN that created the files', () => {
    const over = analysed(4, [deleted('/var/lib/apt/lists/a_Packages', 18_400_000, 1, 3)]);
    assert.equal(
      fixWith(T, CODE, over),
      df(
        'FROM debian',
        'RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/* /tmp/x',
        'COPY app.c .',
      ),
    );
  });

  it('is a hint below minBytes', () => {
    assert.equal(only(T, CODE, { ...analysed(4, [deleted('/tmp/x', 10, 1, 3)]), minBytes: 1000 })[0]!.severity, 'hint');
  });

  it('offers no fix when the later RUN does more than delete, or a RUN sits between', () => {
    const more = df('FROM debian', 'RUN make', 'ENV X=1', 'RUN rm -rf /build && make install');
    assert.equal(only(more, CODE, analysed(4, [deleted('/build/a.o', 5e6, 1, 3)]))[0]!.fixes.length, 0);
    const between = df('FROM debian', 'RUN make', 'RUN make test', 'RUN rm -rf /build');
    assert.equal(only(between, CODE, analysed(4, [deleted('/build/a.o', 5e6, 1, 3)]))[0]!.fixes.length, 0);
  });

  it('leaves a deletion to the join that removes it (consecutive-run): the bytes are claimed once', () => {
    const t = df('FROM debian', 'RUN make', 'RUN rm -rf /build && make install');
    const over = analysed(3, [deleted('/build/a.o', 5e6, 1, 2)]);
    assert.deepEqual(found(t, over, CODE), []);
    const claims = (text: string, o: Over) =>
      lint(text, o)
        .filter((f) => f.savingsBytes !== null)
        .map((f) => [f.code, f.savingsBytes]);
    assert.deepEqual(claims(t, over), [['consecutive-run', 5e6]]);
    // An update moved into the deleting RUN: apt-update-alone's move claims what that RUN deletes of its layer.
    const moved = df(
      'FROM debian',
      'RUN apt-get update',
      'RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    );
    const lists = analysed(3, [deleted('/var/lib/apt/lists/a_Packages', 18_400_000, 1, 2)]);
    assert.deepEqual(claims(moved, lists), [['apt-update-alone', 18_400_000]]);
  });

  it('after the fix, the same analysis no longer points at a line of the new text', () => {
    const over = analysed(4, [deleted('/var/lib/apt/lists/a', 18_400_000, 1, 3)]);
    const fixed = fixWith(T, CODE, over);
    assert.deepEqual(found(fixed, {}, CODE), []);
  });
});
