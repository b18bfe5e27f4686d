// cache-in-layer: measured bytes a RUN leaves under cache and scratch folders that reach the image and that no later
// instruction names.
import { strict as assert } from 'node:assert';
import type { ImageAnalysis, LayerFacts } from '../../../server/src/core/analysis';
import { analysed, assertIdempotent, deleted, df, fixWith, found, only, type Over } from '../../support/rules';

const CODE = 'cache-in-layer';

const RUN =
  'RUN mkdir -p /root/.cache/pkg /app && wget -O /root/.cache/pkg/index.bin http://x/i && tar -C /app -xf /tmp/a.tar';
const T = df('FROM busybox', RUN, 'CMD ["/app/run"]');

/** `over`, its analysis naming `top` as the largest paths of `layer`. */
function withTop(over: Over, layer: number, top: LayerFacts['topPaths']): Over {
  const facts: LayerFacts = {
    index: layer,
    digest: 'sha256:l',
    sizeBytes: 0,
    added: top.length,
    modified: 0,
    removed: 0,
    removableBytes: 0,
    topPaths: top,
  };
  const analysis = over.analysis as ImageAnalysis;
  return { ...over, analysis: { ...analysis, layers: Array.from({ length: layer + 1 }, () => facts) } };
}

describe(`rule ${CODE}`, () => {
  it('needs the analysis: nothing without it', () => {
    assert.deepEqual(found(T, {}, CODE), []);
  });

  it('reports what the RUN leaves under ~/.cache and /tmp, with the bytes and the largest paths', () => {
    const over = withTop(
      analysed(3, { 1: { '/root/.cache/pkg/index.bin': 3_000_000, '/tmp/a.tar': 2_500, '/app/run': 800_000 } }),
      1,
      [
        { path: '/root/.cache/pkg/index.bin', bytes: 3_000_000 },
        { path: '/app/run', bytes: 800_000 },
      ],
    );
    const got = only(T, CODE, over);
    assert.deepEqual(
      got.map((f) => [f.range.start.line + 1, f.severity, f.savingsBytes, f.message]),
      [
        [
          2,
          'warning',
          3_000_000,
          'This RUN leaves 3 MB under /root/.cache in its layer (/root/.cache/pkg/index.bin 3 MB), and no later instruction names that folder: a cache the image does not need.',
        ],
        [
          2,
          'hint',
          2_500,
          'This RUN leaves 2.5 kB under /tmp in its layer, and no later instruction names that folder: scratch files the image does not need.',
        ],
      ],
    );
  });

  it('offers rm -rf for a cache and prefers it for scratch space', () => {
    const over = analysed(3, { 1: { '/root/.cache/pkg/index.bin': 3_000_000, '/tmp/a.tar': 2_500_000 } });
    const [cache, tmp] = only(T, CODE, over);
    assert.deepEqual(
      [cache, tmp].map((f) => f?.fixes.map((x) => [x.title, x.preferred])),
      [[['Append rm -rf /root/.cache to this RUN', false]], [['Append rm -rf /tmp/* to this RUN', true]]],
    );
    assert.equal(
      fixWith(T, CODE, over, 0),
      df(
        'FROM busybox',
        'RUN mkdir -p /root/.cache/pkg /app && wget -O /root/.cache/pkg/index.bin http://x/i && tar -C /app -xf /tmp/a.tar && rm -rf /root/.cache',
        'CMD ["/app/run"]',
      ),
    );
    assertIdempotent(
      df('FROM busybox', 'RUN tar -C /app -xf /tmp/a.tar'),
      CODE,
      analysed(2, { 1: { '/tmp/a.tar': 5 } }),
    );
  });

  it('counts only the bytes that reach the image, and leaves ~/.cache/pip to pip-cache', () => {
    const over = analysed(
      3,
      { 1: { '/root/.cache/pip/wheel': 9_000_000, '/root/.cache/pkg/index.bin': 3_000_000, '/tmp/a.tar': 2_000_000 } },
      [deleted('/root/.cache/pkg/index.bin', 3_000_000, 1, 2), deleted('/tmp/a.tar', 500_000, 1, 2)],
    );
    assert.deepEqual(
      only(T, CODE, over).map((f) => f.savingsBytes),
      [1_500_000],
    );
  });

  it('stays silent when a later instruction names the folder (it may read what was left there)', () => {
    const over = analysed(4, { 1: { '/root/.cache/pkg/index.bin': 3_000_000, '/tmp/a.tar': 2_000_000 } });
    for (const later of ['COPY --from=build /tmp/a.tar /srv/', 'RUN ls ~/.cache/pkg /tmp']) {
      const text = df('FROM busybox', RUN, later, 'CMD ["/app/run"]');
      assert.deepEqual(
        only(text, CODE, over).map((f) => f.message.split(' in its layer')[0]),
        later.startsWith('COPY') ? ['This RUN leaves 3 MB under /root/.cache'] : [],
      );
    }
  });
});
