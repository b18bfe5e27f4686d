// The analysis leaves out of its trees what nothing will look at (analysis/dive.ts leftOut, analysis/laterPaths.ts):
// dive's layer trees keep only the leaves its visit records and the paths a later whiteout looks up, and our stack
// counts, without storing, a path no later layer can look up or hide. On random images of up to six layers whose
// paths collide on purpose (`a`, `a/b`, `a-b`, `a.b/c`: the names that sort around '/'), files with entries under
// them, whiteouts, opaque directories (the root's too) and hard links, the figures must be those of the whole trees
// (dive's with every tree built, ours with every path stored). A difference names its seed.
import { strict as assert } from 'node:assert';
import { diveFigures } from '../../server/src/analysis/dive';
import { K_WHITEOUT, LayerListBuilder, type LayerList } from '../../server/src/analysis/entries';
import { stackLayers } from '../../server/src/analysis/stack';
import type { EntryType, LayerEntry, LayerStats } from '../../server/src/engine/layerScan';
import { prng } from '../support/corpus';

const NAMES = ['a', 'b', 'a-b', 'a.b', 'a0', 'c'];
/** One entry in this many is the root: an opaque root hides everything below it. */
const ROOT = 40;
const KINDS: EntryType[] = ['file', 'file', 'file', 'dir', 'dir', 'symlink', 'hardlink', 'whiteout', 'opaque'];
const STATS: LayerStats = { compression: 'none', entries: 0, sizeBytes: 0, diveBytes: 0, tarBytes: 0, digest: null };

function randomPath(rnd: () => number): string {
  if (rnd() < 1 / ROOT) return '/';
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
  const count = 1 + Math.floor(rnd() * 6);
  // Whiteouts in some layers only, so that some images have layers above the last one.
  const lastWhiteout = Math.floor(rnd() * (count + 1)) - 1;
  return Array.from({ length: count }, (_, i) => layer(rnd, i <= lastWhiteout && rnd() < 0.7));
}

const changes = (r: ReturnType<typeof stackLayers>) => ({
  layers: r.layers.map((l) => ({ ...l, status: [...l.status], removedBytes: [...l.removedBytes] })),
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
    let hidden = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const layers = image(seed);
      const sparse = stackLayers(layers);
      if (sparse.waste.length > 0) hidden++;
      assert.deepEqual(changes(sparse), changes(stackLayers(layers, false)), `seed ${seed}`);
    }
    assert.ok(hidden > 100, `${hidden} images where a layer hides bytes of another`);
  });
});
