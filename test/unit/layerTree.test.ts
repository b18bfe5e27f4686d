// The layer explorer's pure model (client/src/layerTree/model.ts): what each node shows, paging, parents for reveal.
import { strict as assert } from 'node:assert';
import { itemOf, LayerTreeModel, shareBar } from '../../client/src/layerTree/model';
import type { LayerNode, LayersResult } from '../../server/src/protocol';

describe('layer explorer model', () => {
  it('a size bar in eighths', () => {
    assert.equal(shareBar(0), '░░░░░░░░░░');
    assert.equal(shareBar(1), '██████████');
    assert.equal(shareBar(0.45), '████▌░░░░░');
  });

  it('layers show size, share and removable bytes, with a codicon per kind and their lines to reveal', () => {
    const item = itemOf({
      id: 'layer:3',
      kind: 'layer',
      label: 'RUN apt-get install -y curl',
      sizeBytes: 45_300_000,
      share: 0.383,
      keyword: 'RUN',
      removableBytes: 18_400_000,
      range: { startLine: 4, endLine: 6 },
      hasChildren: true,
    });
    assert.equal(item.description, '45.3 MB · ███▉░░░░░░ 38% · 18.4 MB removable');
    assert.deepEqual(item.icon, { id: 'terminal', color: 'list.warningForeground' });
    assert.deepEqual(item.reveal, { startLine: 4, endLine: 6 });
    assert.equal(item.collapsible, 'collapsed');
    assert.equal(
      itemOf({
        id: 'layer:4',
        kind: 'layer',
        label: 'COPY . /app',
        keyword: 'COPY',
        status: 'stale',
        sizeBytes: 1000,
        share: 0.001,
        hasChildren: true,
      }).description,
      '1 kB · ░░░░░░░░░░ 0.1% · edited since the build',
    );
  });

  it('files: dive-style badges and colours, removable ones marked', () => {
    const f = itemOf({
      id: 'path:3:/tmp/x.bin',
      kind: 'file',
      label: 'x.bin',
      sizeBytes: 1_500_000,
      status: 'added',
      removable: true,
      removableBytes: 1_500_000,
      hasChildren: false,
    });
    assert.equal(f.description, 'A · 1.5 MB · removable');
    assert.deepEqual(f.icon, { id: 'file', color: 'list.warningForeground' });
    assert.equal(
      itemOf({ id: 'path:5:/etc', kind: 'dir', label: 'etc', sizeBytes: 0, status: 'removed', hasChildren: true }).icon
        .color,
      'gitDecoration.deletedResourceForeground',
    );
  });

  it("pages through a big directory and knows every node's parent", async () => {
    const calls: Array<[string | null, number]> = [];
    const node = (id: string, kind: LayerNode['kind'] = 'file'): LayerNode => ({
      id,
      kind,
      label: id,
      hasChildren: kind !== 'file' && kind !== 'more',
    });
    const model = new LayerTreeModel(async (parent, offset): Promise<LayersResult> => {
      calls.push([parent, offset]);
      const nodes =
        parent === null
          ? [node('image', 'image')]
          : parent === 'image'
            ? [node('layer:1', 'layer')]
            : parent === 'layer:1'
              ? [node('path:1:/a'), node('more:1:/:1', 'more')]
              : [node('path:1:/b')];
      return { state: 'ok', message: '', imageId: 'sha256:x', nodes, total: 2 };
    });
    const [image] = await model.childrenOf(null);
    const [layer] = await model.childrenOf(image!);
    const files = await model.childrenOf(layer!);
    await model.expandMore(files[1]!);
    assert.deepEqual(
      (await model.childrenOf(layer!)).map((n) => n.id),
      ['path:1:/a', 'path:1:/b'],
    );
    assert.deepEqual(calls, [
      [null, 0],
      ['image', 0],
      ['layer:1', 0],
      ['more:1:/:1', 1],
    ]);
    assert.equal(model.parentOf(model.node('path:1:/b')!)!.id, 'layer:1');
    assert.equal(model.state, 'ok');
  });
});
