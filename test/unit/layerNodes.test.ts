// The layer explorer's view-model (server/src/explorer/layerNodes.ts) on the analysed image shaped like dive's test
// image (test/support/sampleImage.ts): the image's children end in "Largest files", that list is the image's files
// biggest first with the copies a later layer deletes or overwrites marked removable, each layer starts with its own
// list, and until the analysis is done every file list says why it is empty.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage, type AnalyzedImage } from '../../server/src/analysis/analyze';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { layersForImage } from '../../server/src/core/layers';
import { matchHistory } from '../../server/src/core/match';
import { LARGEST_FILES } from '../../server/src/explorer/fileNodes';
import { layerNodes, layerPath, type ExplorerInput } from '../../server/src/explorer/layerNodes';
import { layerRows } from '../../server/src/explorer/layerRows';
import { decodeNodeId, type LayerNode, type NodeId } from '../../server/src/protocol';
import { README_BYTES, SAMPLE_DOCKERFILE, sampleImage, type Sample } from '../support/sampleImage';

const PAGE = { offset: 0, limit: 200 };

function inputOf(s: Sample, r: AnalyzedImage): ExplorerInput {
  const model = parseDockerfile(SAMPLE_DOCKERFILE);
  const match = matchHistory(model, r.info);
  const layerOf = layersForImage(r.info, model).layerOf;
  const contents = r.contents;
  if (!contents) throw new Error('the analysis kept no contents');
  return {
    image: { info: r.info, ref: s.spec.tag ?? 'sample', source: 'archive', matchOptions: {}, reason: 'the test' },
    model,
    match,
    rows: layerRows({ model, match, info: r.info, layerOf }),
    analysis: r.analysis,
    files: { ready: true, contents, analysis: r.analysis },
    previous: null,
    timings: null,
    message: '',
  };
}

/** The layer the Dockerfile line starting with `prefix` made: the sample makes one layer per line, FROM's first. */
function layerOfLine(prefix: string): number {
  const lines = SAMPLE_DOCKERFILE.split('\n');
  const at = lines.findIndex((l) => l.startsWith(prefix));
  assert.ok(at > 0, prefix);
  return at;
}

describe('layer explorer view-model', () => {
  let s: Sample;
  let input: ExplorerInput;
  const children = (parent: NodeId | null) => layerNodes(input, parent, PAGE);
  const file = (nodes: readonly LayerNode[], layer: number, path: string) => {
    const n = nodes.find((x) => {
      const id = decodeNodeId(x.id);
      return id?.kind === 'largestFile' && id.layer === layer && id.path === path;
    });
    assert.ok(n, `layer ${String(layer)} ${path} is listed`);
    return n;
  };

  before(async () => {
    s = await sampleImage('legacy');
    const path = join(mkdtempSync(join(tmpdir(), 'dfsize-nodes-')), 'sample.tar');
    writeFileSync(path, s.archive);
    input = inputOf(s, await analyzeImage({ archive: path }));
  });

  it('the image holds the base, one node per line, then "Largest files"', () => {
    const nodes = children({ kind: 'image' }).nodes;
    assert.deepEqual(nodes[0]?.kind, 'base');
    assert.equal(nodes.filter((n) => n.kind === 'layer').length, s.spec.layers.length - 1);
    assert.deepEqual(
      [nodes.at(-1)?.kind, nodes.at(-1)?.label, decodeNodeId(nodes.at(-1)?.id ?? '')],
      ['largest', 'Largest files', { kind: 'largest', layer: null }],
    );
  });

  it("the image's largest files: biggest first, the base's binary on top, deleted and overwritten copies removable", () => {
    const nodes = children({ kind: 'largest', layer: null }).nodes;
    const sizes = nodes.map((n) => n.sizeBytes ?? -1);
    assert.deepEqual(
      sizes,
      [...sizes].sort((a, b) => b - a),
    );
    assert.ok(nodes.length <= LARGEST_FILES);
    const biggest = Math.max(...(s.spec.layers[0] ?? []).map((e) => e.body?.length ?? 0));
    assert.deepEqual([nodes[0]?.label, nodes[0]?.sizeBytes], ['/bin/busybox', biggest]);
    // `rm -rf /root/example/` deletes every copy made under it; `chmod` overwrites the copy `mv` made.
    for (const [line, path] of [
      ['RUN cp /somefile.txt /root/example/somefile1.txt', '/root/example/somefile1.txt'],
      ['RUN chmod 444', '/root/example/somefile1.txt'],
      ['RUN cp /somefile.txt /root/example/somefile2.txt', '/root/example/somefile2.txt'],
      ['RUN cp /somefile.txt /root/example/somefile3.txt', '/root/example/somefile3.txt'],
      ['RUN mv', '/root/saved.txt'],
    ] as const) {
      const n = file(nodes, layerOfLine(line), path);
      assert.deepEqual([n.sizeBytes, n.removable], [README_BYTES, true], `${line}: ${path}`);
    }
    for (const [line, path] of [
      ['RUN chmod +x', '/root/saved.txt'],
      ['RUN cp /root/saved.txt /tmp', '/tmp/saved.again1.txt'],
      ['ADD README.md', '/somefile.txt'],
    ] as const)
      assert.equal(file(nodes, layerOfLine(line), path).removable, undefined, `${line}: ${path}`);
    assert.equal(nodes[0]?.origin, 'layer 1 · base', "the base's files say so");
    const moved = file(nodes, layerOfLine('RUN mv'), '/root/saved.txt');
    assert.equal(moved.origin, `layer ${String(layerOfLine('RUN mv') + 1)} · RUN`);
    assert.match(moved.detail ?? '', /overwritten by layer \d+: `RUN chmod \+x \/root\/saved\.txt`/);
    assert.deepEqual(moved.range, { startLine: layerOfLine('RUN mv'), endLine: layerOfLine('RUN mv') });
  });

  it('a layer starts with its own largest files, then its directories', () => {
    const layer = layerOfLine('ADD .scripts/');
    const nodes = children({ kind: 'layer', layer }).nodes;
    assert.deepEqual(decodeNodeId(nodes[0]?.id ?? ''), { kind: 'largest', layer });
    assert.deepEqual(
      nodes.slice(1).map((n) => [n.kind, n.label]),
      [['dir', 'root']],
    );
    const own = children({ kind: 'largest', layer }).nodes;
    assert.deepEqual(
      own.map((n) => [n.label, n.sizeBytes, n.origin]),
      [
        ['/root/.data/test.sh', 1300, undefined],
        ['/root/.data/tag.sh', 900, undefined],
      ],
    );
  });

  it('until the analysis is done, every file list holds one line saying why', () => {
    const waiting: ExplorerInput = { ...input, files: { ready: false, state: 'analysing', message: 'analysing… 40%' } };
    for (const parent of [
      { kind: 'largest', layer: null },
      { kind: 'layer', layer: 3 },
      { kind: 'path', layer: 3, path: '/root' },
    ] as const) {
      const r = layerNodes(waiting, parent, PAGE);
      assert.equal(r.state, 'analysing');
      assert.deepEqual(
        r.nodes.map((n) => [n.kind, n.label, decodeNodeId(n.id)]),
        [['message', 'analysing… 40%', { kind: 'message', parent }]],
      );
    }
  });

  it('a line leads to its layer through the image', () => {
    const layer = layerOfLine('RUN mv');
    const path = layerPath(input, layer);
    assert.deepEqual(
      path.map((n) => decodeNodeId(n.id)),
      [{ kind: 'image' }, { kind: 'layer', layer }],
    );
    assert.equal(path[1]?.label, SAMPLE_DOCKERFILE.split('\n')[layer]);
  });
});
