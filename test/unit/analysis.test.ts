// The layer analysis on archives generated here: dive's figures (exactly, as dive's algorithm gives them) on an image
// shaped like dive's test image, our removable bytes and their attribution, added/modified/removed against the layers
// below (whiteouts, opaque directories, overwrites, hard links), per-path contents for rules and the explorer, and the
// cache format. dive's published numbers on dive's own images: test/conformance/dive.test.ts.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage } from '../../server/src/analysis/analyze';
import { computeAnalysis } from '../../server/src/analysis/compute';
import { deserializeList, LayerListBuilder, serializeList, type LayerList } from '../../server/src/analysis/entries';
import { goSort } from '../../server/src/analysis/goSort';
import { readArchive } from '../../server/src/engine/archive';
import { dir, dockerArchive, chunked, file, ociArchive, opaque, whiteout, type ImageSpec } from '../support/archives';
import { diveFigures, ONE_FILE, README_BYTES, sampleImage } from '../support/sampleImage';

async function analyzeBuffer(buf: Buffer) {
  const builders = new Map<string, LayerListBuilder>();
  const a = await readArchive(chunked(buf), {
    onEntry: (blob, e) => {
      if (!builders.has(blob)) builders.set(blob, new LayerListBuilder());
      builders.get(blob)!.add(e);
    },
  });
  const layers = a.layers.map((l) => ({
    diffId: l.diffId!,
    list: (builders.get(l.blob) ?? new LayerListBuilder()).finish(l.stats),
  }));
  return computeAnalysis(a.configDigest, layers);
}

describe("analysis: an image shaped like dive's test image (generated here)", () => {
  const R = README_BYTES;
  const analysed = async (builder: 'legacy' | 'kaniko') => {
    const s = await sampleImage(builder);
    return { s, ...(await analyzeBuffer(s.archive)) };
  };

  it("dive's figures, exactly as dive's algorithm gives them for these steps", async () => {
    const { s, analysis } = await analysed('legacy');
    const want = diveFigures(s);
    const d = analysis.dive;
    assert.equal(d.efficiencyScore, want.efficiencyScore);
    assert.equal(d.inefficientBytes, want.inefficientBytes);
    assert.equal(d.sizeBytes, s.sizeBytes);
    assert.equal(d.userSizeBytes, s.userBytes);
    assert.equal(d.userWastedPercent, want.userWastedPercent);
    assert.deepEqual(d.fileReference, want.fileReference);
    assert.equal(analysis.layers.length, s.spec.layers.length);
  });

  it('removable bytes count the copies nobody sees, never the one that stays', async () => {
    const { s, analysis } = await analysed('legacy');
    // 5 copies of README are hidden: somefile1 (chmod, then rm -rf), its chmod copy, somefile2, somefile3 (mv), saved.txt (chmod).
    assert.equal(analysis.removableBytes, 5 * R);
    assert.deepEqual(
      analysis.attribution.map((w) => [w.path, w.bytes, w.kind, w.addedLayer, w.removedLayer]),
      [
        ['/root/example', R, 'deleted', 4, 9],
        ['/root/example', R, 'deleted', 5, 9],
        ['/root/example/somefile1.txt', R, 'overwritten', 3, 4],
        ['/root/example/somefile3.txt', R, 'deleted', 6, 7],
        ['/root/saved.txt', R, 'overwritten', 7, 13],
      ],
    );
    assert.deepEqual(
      analysis.layers.map((l) => [l.added, l.modified, l.removed]),
      [
        [s.spec.layers[0]!.length, 0, 0],
        [1, 0, 0],
        [3, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
        [1, 0, 0],
        [1, 0, 1],
        [1, 0, 0],
        [0, 0, 5],
        [3, 0, 0],
        [1, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
      ],
    );
    assert.deepEqual(analysis.layers[3]!.topPaths, [{ path: '/root/example/somefile1.txt', bytes: R }]);
    assert.equal(
      analysis.layers.reduce((n, l) => n + l.removableBytes, 0),
      analysis.removableBytes,
    );
  });

  it('the same build by kaniko (gzip layers) gives the same waste', async () => {
    const { s, analysis } = await analysed('kaniko');
    assert.equal(analysis.layers.length, s.spec.layers.length);
    assert.deepEqual(analysis.dive.fileReference, diveFigures(s).fileReference);
    assert.equal(analysis.dive.inefficientBytes, 5 * R);
    assert.equal(analysis.dive.userSizeBytes, analysis.dive.sizeBytes - s.baseBytes);
    assert.equal(analysis.removableBytes, 5 * R);
  });

  it('OCI layouts with uncompressed, gzip, zstd and estargz layers give the same one-file tree', async () => {
    const trees = await Promise.all(
      (['none', 'gzip', 'zstd', 'estargz'] as const).map(async (compression) => {
        const path = join(mkdtempSync(join(tmpdir(), 'dfsize-oci-')), `${compression}.tar`);
        writeFileSync(path, await ociArchive(ONE_FILE, { compression }));
        const r = await analyzeImage({ archive: path });
        assert.equal(r.platform, 'linux/arm64');
        return { page: r.contents!.listDir(0, '/'), dive: r.analysis.dive, size: r.analysis.layers[0]!.sizeBytes };
      }),
    );
    for (const t of trees) {
      assert.deepEqual(
        t.page.children.map((c) => [c.path, c.type, c.bytes, c.status]),
        [['/README.md', 'file', 11000, 'added']],
      );
      assert.deepEqual(t, trees[0]);
    }
    assert.equal(trees[0]!.dive.efficiencyScore, 1);
    assert.ok(Number.isNaN(trees[0]!.dive.userWastedPercent), 'dive divides 0 by 0 for a one-layer image');
  });
});

// Layer 0 holds everything; layer 1 overwrites, deletes a file and a directory, makes /o opaque and removes one
// of two hard links; layer 2 removes the other link, freeing the linked bytes at last.
const WASTE: ImageSpec = {
  layers: [
    [
      dir('a/'),
      file('a/keep', 100),
      dir('d/'),
      file('d/x', 1000),
      dir('d/sub/'),
      file('d/sub/y', 2000),
      dir('o/'),
      file('o/old', 500),
      file('over', 300),
      file('del', 400),
      file('hl', 700),
      { name: 'hl2', type: 'link', linkname: 'hl' },
      { name: 'sym', type: 'symlink', linkname: 'a/keep' },
    ],
    [
      file('over', 300, 'y'),
      whiteout('del'),
      whiteout('d'),
      dir('o/'),
      opaque('o'),
      file('o/new', 50),
      whiteout('hl'),
      whiteout('nothing-there'),
    ],
    [whiteout('hl2')],
  ],
};

describe('analysis: what each layer changed, and what a better Dockerfile would not ship', () => {
  it('whiteouts, an opaque directory, an overwrite and hard links', async () => {
    const { analysis } = await analyzeBuffer(await dockerArchive(WASTE));
    assert.deepEqual(
      analysis.layers.map((l) => [l.added, l.modified, l.removed]),
      [
        [13, 0, 0],
        [1, 1, 7],
        [0, 0, 1],
      ],
    );
    assert.deepEqual(
      analysis.attribution.map((w) => [w.path, w.bytes, w.kind, w.addedLayer, w.removedLayer]),
      [
        ['/d', 3000, 'deleted', 0, 1],
        ['/hl2', 700, 'deleted', 0, 2],
        ['/o', 500, 'deleted', 0, 1],
        ['/del', 400, 'deleted', 0, 1],
        ['/over', 300, 'overwritten', 0, 1],
      ],
    );
    assert.equal(analysis.removableBytes, 4900);
    assert.deepEqual(
      analysis.layers.map((l) => l.removableBytes),
      [4900, 0, 0],
    );
    // Docker counts a symlink as its target's length.
    assert.equal(analysis.layers[0]!.sizeBytes, 100 + 1000 + 2000 + 500 + 300 + 400 + 700 + 'a/keep'.length);
  });

  it('contents: bytes added under a path, and a directory listed page by page, biggest first', async () => {
    const { contents } = await analyzeBuffer(await dockerArchive(WASTE));
    assert.equal(contents.addedUnder(0, '/'), 5006);
    assert.equal(contents.addedUnder(0, '/d'), 3000);
    assert.equal(contents.addedUnder(0, '/d/'), 3000);
    assert.equal(contents.addedUnder(0, '/over'), 300, 'a file path counts itself');
    assert.equal(contents.addedUnder(0, '/nope'), 0);
    assert.equal(contents.addedUnder(1, '/o'), 50);
    assert.equal(contents.addedUnder(9, '/'), 0, 'no such layer');
    const root = contents.listDir(1, '/');
    assert.deepEqual(
      root.children.map((c) => [c.name, c.type, c.status, c.bytes, c.removedBytes]),
      [
        ['over', 'file', 'modified', 300, 0],
        ['o', 'dir', 'modified', 50, 500],
        ['d', 'whiteout', 'removed', 0, 3000],
        ['del', 'whiteout', 'removed', 0, 400],
        ['hl', 'whiteout', 'removed', 0, 0],
        ['nothing-there', 'whiteout', 'unchanged', 0, 0],
      ],
    );
    const page = contents.listDir(1, '/', { offset: 1, limit: 2 });
    assert.equal(page.total, 6);
    assert.deepEqual(
      page.children.map((c) => c.name),
      ['o', 'd'],
    );
    const o = contents.listDir(1, '/o');
    assert.deepEqual(
      o.children.map((c) => [c.name, c.status, c.bytes]),
      [['new', 'added', 50]],
    );
    assert.deepEqual(
      contents.listDir(0, 'd').children.map((c) => [c.path, c.bytes, c.hasChildren]),
      [
        ['/d/sub', 2000, true],
        ['/d/x', 1000, false],
      ],
    );
  });
});

describe('analysis: entry lists', () => {
  it('the last entry for a path wins, markers keep their own key, and the cache format round-trips', async () => {
    const b = new LayerListBuilder();
    const e = (
      path: string,
      type: 'file' | 'dir' | 'whiteout' | 'opaque' | 'symlink',
      size = 0,
      linkTarget: string | null = null,
    ) => ({ path, type, size, tarSize: type === 'symlink' ? 0 : size, mode: 0o644, linkTarget });
    b.add(e('/b', 'file', 5));
    b.add(e('/a', 'dir'));
    b.add(e('/a', 'opaque'));
    b.add(e('/b', 'file', 7));
    b.add(e('/a-b/c', 'symlink', 3, '../x'));
    b.add(e('/a/c', 'whiteout'));
    const list: LayerList = b.finish({
      compression: 'none',
      entries: 6,
      sizeBytes: 15,
      diveBytes: 12,
      tarBytes: 4096,
      digest: null,
    });
    assert.deepEqual(list.paths, ['/a', '/a', '/a-b/c', '/a/c', '/b']);
    assert.deepEqual([...list.sizes], [0, 0, 3, 0, 7]);
    const back = deserializeList(serializeList(list))!;
    assert.deepEqual(back.paths, list.paths);
    assert.deepEqual([...back.kinds], [...list.kinds]);
    assert.deepEqual([...back.tarSizes], [0, 0, 0, 0, 7]);
    assert.equal(back.links.get(2), '../x');
    assert.deepEqual(back.stats, list.stats);
    assert.equal(deserializeList('{"v":2}'), null);
    assert.equal(deserializeList('not json'), null);
  });
});

describe("analysis: Go's sort.Sort", () => {
  it('sorts, and keeps the input order of equals on short inputs (insertion sort, as Go does up to 12)', () => {
    const xs = [3, 1, 2, 1, 3, 0].map((v, i) => ({ v, i }));
    goSort(xs, (a, b) => a.v < b.v);
    assert.deepEqual(
      xs.map((x) => x.i),
      [5, 1, 3, 2, 0, 4],
    );
    for (let n = 0; n < 300; n += 7) {
      const ys = Array.from({ length: n }, (_, i) => (i * 7919) % 13);
      goSort(ys, (a, b) => a < b);
      assert.deepEqual(
        ys,
        [...ys].sort((a, b) => a - b),
      );
    }
  });
});
