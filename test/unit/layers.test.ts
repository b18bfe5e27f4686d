// Rows ↔ layers without the config: the builders' habits must give what the exported config's empty_layer says.
import { strict as assert } from 'node:assert';
import { detectBuilder } from '../../server/src/core/history';
import { layersOfRows } from '../../server/src/core/layers';
import { allRecordings, loadLoaded } from '../support/recorded';

function truth(rows: ReadonlyArray<{ emptyLayer: boolean | null }>): Array<number | null> {
  let next = 0;
  return rows.map((r) => (r.emptyLayer ? null : next++));
}

describe('layers: which row made which layer', () => {
  for (const rec of allRecordings()) {
    it(`${rec.builder} / ${rec.case}: from the history alone, as the config says`, () => {
      const rows = rec.info.history;
      const got = layersOfRows(rows, rec.info.layers.length, detectBuilder(rows));
      assert.equal(got.exact, true);
      assert.deepEqual(got.layerOf, truth(rec.infoWithConfig.history));
    });
  }

  it('with empty_layer known (an archive), it is simply the config', () => {
    const rec = allRecordings()[0]!;
    assert.deepEqual(
      layersOfRows(rec.infoWithConfig.history, rec.info.layers.length, 'unknown').layerOf,
      truth(rec.infoWithConfig.history),
    );
  });

  it("dive's kaniko image as dockerd reports it", () => {
    const { info } = loadLoaded('dive-test-kaniko');
    const got = layersOfRows(info.history, info.layers.length, detectBuilder(info.history));
    assert.equal(got.layerOf.filter((x) => x !== null).length, info.layers.length);
  });

  it('when the counts cannot be reconciled, only the certain ends are paired', () => {
    const row = (createdBy: string, sizeBytes: number) => ({
      createdBy,
      sizeBytes,
      created: null,
      comment: '',
      id: null,
      emptyLayer: null,
    });
    const rows = [
      row('/bin/sh -c #(nop) ADD file:x in / ', 100),
      row('/bin/sh -c true', 0),
      row('/bin/sh -c rm /x', 0),
      row('/bin/sh -c echo > /y', 1),
    ];
    const got = layersOfRows(rows, 3, 'legacy');
    assert.equal(got.exact, false);
    assert.deepEqual(got.layerOf, [0, null, null, 2]);
  });
});
