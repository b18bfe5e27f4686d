// The layer explorer's pure model (client/src/layerTree/model.ts): what each node shows, paging, parents for reveal.
import { strict as assert } from 'node:assert';
import { itemOf, LayerTreeModel, shareBar } from '../../client/src/layerTree/model';
import { encodeNodeId, type LayerNode, type LayersResult, type NodeId } from '../../server/src/protocol';

describe('layer explorer model', () => {
  it('a size bar in eighths', () => {
    assert.equal(shareBar(0), '░░░░░░░░░░');
    assert.equal(shareBar(1), '██████████');
    assert.equal(shareBar(0.45), '████▌░░░░░');
  });

  it('layers lead with their size, then share and removable bytes, a codicon per kind and their lines to reveal', () => {
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
    assert.equal(item.label, '45.3 MB · RUN apt-get install -y curl');
    assert.equal(item.description, '███▉░░░░░░ 38% · 18.4 MB removable');
    assert.deepEqual(item.icon, { id: 'terminal', color: 'list.warningForeground' });
    assert.deepEqual(item.reveal, { startLine: 4, endLine: 6 });
    assert.equal(item.collapsible, 'collapsed');
    const stale = itemOf({
      id: 'layer:4',
      kind: 'layer',
      label: 'COPY . /app',
      keyword: 'COPY',
      status: 'stale',
      sizeBytes: 1000,
      share: 0.001,
      hasChildren: true,
    });
    assert.deepEqual(
      [stale.label, stale.description],
      ['1 kB · COPY . /app', '░░░░░░░░░░ 0.1% · edited since the build'],
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
    assert.deepEqual([f.label, f.description], ['1.5 MB · x.bin', 'A · removable']);
    assert.deepEqual(f.icon, { id: 'file', color: 'list.warningForeground' });
    assert.equal(
      itemOf({ id: 'path:5:/etc', kind: 'dir', label: 'etc', sizeBytes: 0, status: 'removed', hasChildren: true }).icon
        .color,
      'gitDecoration.deletedResourceForeground',
    );
  });

  it("pages through a big directory and knows every node's parent", async () => {
    const calls: Array<[string | null, number]> = [];
    const node = (id: NodeId, kind: LayerNode['kind'] = 'file'): LayerNode => ({
      id: encodeNodeId(id),
      kind,
      label: encodeNodeId(id),
      hasChildren: kind !== 'file' && kind !== 'more',
    });
    const image = node({ kind: 'image' }, 'image');
    const layer = node({ kind: 'layer', layer: 1 }, 'layer');
    const a = node({ kind: 'path', layer: 1, path: '/a' });
    const b = node({ kind: 'path', layer: 1, path: '/b' });
    const more = node({ kind: 'more', layer: 1, dir: '/', offset: 1 }, 'more');
    const children = new Map<string | null, LayerNode[]>([
      [null, [image]],
      [image.id, [layer]],
      [layer.id, [a, more]],
      [more.id, [b]],
    ]);
    const model = new LayerTreeModel((parent, offset): Promise<LayersResult> => {
      calls.push([parent, offset]);
      const nodes = children.get(parent) ?? [];
      return Promise.resolve({ state: 'ok', message: '', imageId: 'sha256:x', nodes, total: 2 });
    });
    const [top] = await model.childrenOf(null);
    const [first] = await model.childrenOf(top ?? null);
    const files = await model.childrenOf(first ?? null);
    await model.expandMore(files[1] ?? more);
    assert.deepEqual(
      (await model.childrenOf(layer)).map((n) => n.id),
      [a.id, b.id],
    );
    assert.deepEqual(calls, [
      [null, 0],
      [image.id, 0],
      [layer.id, 0],
      [more.id, 1],
    ]);
    assert.equal(model.parentOf(b)?.id, layer.id);
    assert.equal(model.state, 'ok');
  });

  it("every node with a size shows it first; an image's largest files say which layer ships them", () => {
    const kinds: Array<LayerNode['kind']> = ['image', 'stage', 'base', 'layer', 'dir', 'file', 'previous'];
    for (const kind of kinds)
      assert.equal(
        itemOf({ id: kind, kind, label: 'x', sizeBytes: 999_950, hasChildren: false }).label,
        '1 MB · x',
        kind,
      );
    const shipped = itemOf({
      id: encodeNodeId({ kind: 'largestFile', inImage: true, layer: 4, path: '/tmp/scratch.bin' }),
      kind: 'file',
      label: '/tmp/scratch.bin',
      sizeBytes: 1_500_000,
      removable: true,
      origin: 'layer 5 · RUN',
      hasChildren: false,
    });
    assert.deepEqual(
      [shipped.label, shipped.description, shipped.contextValue],
      ['1.5 MB · /tmp/scratch.bin', 'removable · layer 5 · RUN', 'file'],
    );
    const group = itemOf({ id: 'largest', kind: 'largest', label: 'Largest files', hasChildren: true });
    assert.deepEqual([group.label, group.icon.id, group.collapsible], ['Largest files', 'list-ordered', 'collapsed']);
  });
});
