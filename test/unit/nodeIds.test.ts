// The layer explorer's node ids (server/src/protocol.ts): what the server encodes, both sides decode to the same node,
// whatever a path holds; text no encoder made decodes to nothing (the server then answers invalid params).
import { strict as assert } from 'node:assert';
import { decodeNodeId, encodeNodeId, type NodeId } from '../../server/src/protocol';

describe('layer explorer node ids', () => {
  const odd = ['/', '/usr/lib', '/a:b/c:123', '/with space/é/日本', '/line\nbreak', '/trailing:'];
  const ids: NodeId[] = [
    { kind: 'image' },
    { kind: 'base' },
    { kind: 'previous' },
    { kind: 'stage', stage: 2 },
    { kind: 'layer', layer: 0 },
    { kind: 'layer', layer: 57 },
    { kind: 'largest', layer: null },
    { kind: 'largest', layer: 5 },
    { kind: 'previousLine', line: 12 },
    ...odd.map((path): NodeId => ({ kind: 'path', layer: 5, path })),
    ...odd.map((dir): NodeId => ({ kind: 'more', layer: 5, dir, offset: 200 })),
    ...odd.map((path): NodeId => ({ kind: 'largestFile', inImage: true, layer: 3, path })),
    { kind: 'largestFile', inImage: false, layer: 3, path: '/x' },
    { kind: 'message', parent: { kind: 'layer', layer: 4 } },
    { kind: 'message', parent: { kind: 'more', layer: 4, dir: '/a:1', offset: 9 } },
  ];

  it('every node decodes to what was encoded, paths with colons and line breaks included', () => {
    for (const id of ids) assert.deepEqual(decodeNodeId(encodeNodeId(id)), id, encodeNodeId(id));
  });

  it('no two nodes share an id (VS Code needs them unique in the tree)', () => {
    const texts = ids.map(encodeNodeId);
    assert.equal(new Set(texts).size, texts.length);
  });

  it('text that no encoder made decodes to null', () => {
    for (const text of [
      '',
      'layer',
      'layer:',
      'layer:-1',
      'layer:1.5',
      'layer:x',
      'stage:',
      'path:5',
      'path:x:/usr',
      'more:5:/usr',
      'more:5:x:/usr',
      'largest:',
      'largest-file:other:1:/x',
      'largest-file:image:1',
      'message:',
      'message:nonsense',
      'image:1',
      'nonsense',
    ])
      assert.equal(decodeNodeId(text), null, JSON.stringify(text));
  });
});
