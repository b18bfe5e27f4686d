// The hint each kind of line gets (pure: model + match), on recorded histories.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { computeInlayHints } from '../../server/src/core/hints';
import { matchHistory } from '../../server/src/core/match';
import { loadRecording } from '../support/recorded';

function labels(
  text: string,
  opts: { showZeroBytes?: boolean; cached?: boolean; previous?: Map<number, number> } = {},
  recording = loadRecording('buildkit', 'forms'),
) {
  const model = parseDockerfile(text);
  const match = matchHistory(model, recording.info, {
    baseRows: recording.base.historyRows,
    baseLayers: recording.base.layers,
  });
  return new Map(
    computeInlayHints(model, match, { showZeroBytes: false, cached: false, ...opts }).map((h) => [
      h.position.line + 1,
      h.label as string,
    ]),
  );
}

describe('hints', () => {
  const rec = loadRecording('buildkit', 'forms');
  const lines = rec.dockerfile.split('\n');
  const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;

  it('sizes at the end of the last line, base on FROM, nothing on metadata, no 0 B unless asked', () => {
    const h = labels(rec.dockerfile);
    assert.equal(h.get(at('/m-run-multi-2')), '9 kB', 'on the last line of a continued RUN');
    assert.equal(h.get(at('/m-run-multi-1')), undefined);
    assert.equal(h.get(at('FROM ${BASE}')), 'base 1.98 MB · 1 layer');
    assert.equal(h.get(at('ENV APP_HOME')), undefined);
    assert.equal(h.get(at('RUN true')), undefined);
    assert.equal(labels(rec.dockerfile, { showZeroBytes: true }).get(at('RUN true')), '0 B');
  });

  it('edited, new and cached lines read differently; deltas against the previous build', () => {
    const edited = [...lines];
    edited[at('/m-run-lower') - 1] = 'run head -c 3500 /dev/zero > /m-run-lower';
    edited.splice(at('/m-run-exec'), 0, 'RUN echo new > /m-new');
    const h = labels(edited.join('\n'));
    assert.equal(h.get(at('/m-run-lower')), '≈ 3 kB · edited');
    assert.equal(h.get(at('/m-run-exec') + 1), 'new · not built yet');
    assert.equal(labels(rec.dockerfile, { cached: true }).get(at('/m-run-lower')), '3 kB · cached');
    assert.equal(
      labels(rec.dockerfile, { previous: new Map([[at('/m-run-lower'), 2000]]) }).get(at('/m-run-lower')),
      '3 kB (+1 kB)',
    );
    assert.equal(
      labels(rec.dockerfile, { previous: new Map([[at('RUN true'), 1_500_000]]) }).get(at('RUN true')),
      '0 B (-1.5 MB)',
      'an empty layer shows when it was not empty before',
    );
  });

  it('ONBUILD triggers of the base show on the FROM line', () => {
    const child = loadRecording('legacy', 'onbuild-child');
    assert.equal(labels(child.dockerfile, {}, child).get(2), 'base 1.98 MB · 2 layers + ONBUILD 9 kB');
  });
});
