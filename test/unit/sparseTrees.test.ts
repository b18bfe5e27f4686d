// The analysis leaves out of its trees what nothing will look at (analysis/dive.ts leftOut, analysis/stack.ts
// additions): a layer above the last whiteout builds only the leaves dive's visit records, and the top layer's new
// paths are counted, not stored. On random images whose paths collide on purpose (`a`, `a/b`, `a-b`, `a.b/c`: the
// names that sort around '/'), files with entries under them, whiteouts, opaque directories and hard links, the
// figures must be those of the whole trees: dive's with every tree built, ours with an empty layer stacked on top
// (so that the top layer's paths are stored). A difference names its seed.
import { strict as assert } from 'node:assert';
import { diveFigures } from '../../server/src/analysis/dive';
import { K_WHITEOUT, LayerListBuilder, type LayerList } from '../../server/src/analysis/entries';
import { stackLayers } from '../../server/src/analysis/stack';
import type { EntryType, LayerEntry, LayerStats } from '../../server/src/engine/layerScan';
import { prng } from '../support/corpus';

const NAMES = ['a', 'b', 'a-b', 'a.b', 'a0', 'c'];
const KINDS: EntryType[] = ['file', 'file', 'file', 'dir', 'dir', 'symlink', 'hardlink', 'whiteout', 'opaque'];
const STATS: LayerStats = { compression: 'none', entries: 0, sizeBytes: 0, diveBytes: 0, tarBytes: 0, digest: null };

function randomPath(rnd: () => number): string {
  const depth = 1 + Math.floor(rnd() * 3);
  return `/${Array.from({ length: depth }, () => NAMES[Math.floor(rnd() * NAMES.length)]).join('/')}`;
}

function layer(rnd: () => number, whiteouts: boolean): LayerList {
  const b = new LayerListBuilder();
  const files: string[] = [];
  let dive = 0;
  for (let n = 0, count = 1 + Math.floor(rnd() * 25); n < count; n++) {
    let type = KINDS[Math.floor(rnd() * KINDS.length)]!;
    if (!whiteouts && (type === 'whiteout' || type === 'opaque')) type = 'file';
    if (type === 'hardlink' && !files.length) type = 'file';
    const path = randomPath(rnd);
    const size = type === 'file' ? 1 + Math.floor(rnd() * 1000) : 0;
    const linkTarget = type === 'hardlink' ? files[Math.floor(rnd() * files.length)]! : type === 'symlink' ? 'x' : null;
    if (type === 'file') files.push(path);
    dive += size;
    b.add({ path, type, size, tarSize: size, mode: 0o644, linkTarget } satisfies LayerEntry);
  }
  return b.finish({ ...STATS, diveBytes: dive });
}

function image(seed: number): LayerList[] {
  const rnd = prng(seed);
  const count = 1 + Math.floor(rnd() * 4);
  // Whiteouts in some layers only, so that some images have layers above the last one.
  const lastWhiteout = Math.floor(rnd() * (count + 1)) - 1;
  return Array.from({ length: count }, (_, i) => layer(rnd, i <= lastWhiteout && rnd() < 0.7));
}

const changes = (r: ReturnType<typeof stackLayers>, n: number) => ({
  layers: r.layers.slice(0, n).map((l) => ({ ...l, status: [...l.status], removedBytes: [...l.removedBytes] })),
  waste: r.waste,
});

describe('sparse trees: the same figures as whole trees', () => {
  it("dive's figures, on 600 random images", () => {
    let sparseLayers = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const layers = image(seed);
      if (!layers.some((l) => l.kinds.includes(K_WHITEOUT))) sparseLayers++;
      assert.deepEqual(diveFigures(layers), diveFigures(layers, false), `seed ${seed}`);
    }
    assert.ok(sparseLayers > 100, `${sparseLayers} images without whiteouts`);
  });

  it('our added, modified, removed and removable bytes, on 600 random images', () => {
    const empty = new LayerListBuilder().finish(STATS);
    let replaced = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const layers = image(seed);
      const top = stackLayers(layers);
      const whole = stackLayers([...layers, empty]);
      if ((top.layers.at(-1)?.modified ?? 0) > 0) replaced++;
      assert.deepEqual(changes(top, layers.length), changes(whole, layers.length), `seed ${seed}`);
    }
    assert.ok(replaced > 100, `${replaced} images whose top layer replaces something`);
  });
});
