// dive's figures, computed the way dive computes them (wagoodman/dive: dive/filetree/efficiency.go, file_tree.go,
// dive/image/analysis.go, cmd/.../export.go), quirks included, because users compare our numbers with dive's:
//  - each layer is a tree built from its tar entries; names are cleaned paths; the parents of an entry that has no
//    entry of its own become nodes with an empty payload (not a directory, size 0); `.wh..wh.*` names are dropped
//    (so opaque directories remove nothing); a whiteout `.wh.x` is a leaf whose path is `x`;
//  - every leaf of every layer is visited (children in byte order, depth first, children before parents), sizes are
//    the tar header's size field; a whiteout counts the size of what it deletes if that was a directory in the
//    layers below (stacked as dive stacks them: a node's payload is that of the last layer that had the node, even as
//    an empty parent), 0 if it was a file;
//  - a whiteout of a path that is not below ends the visit of that layer's tree (dive's visitor returns an error),
//    leaving behind the path's record with a minimum of -1, which dive then adds to its sum of minima;
//  - per path: cumulative size, minimum size, visit count; efficiency = Σ minima / Σ cumulative (1 if that is 0);
//    wasted = Σ cumulative over paths visited twice or more; user size = all layers but the first; the inefficient
//    paths are sorted by Go's unstable sort.Sort on cumulative size and listed in reverse.
import type { DiveFigures } from '../core/analysis';
import { hasEntriesUnder, K_DIR, K_OPAQUE, K_WHITEOUT, type LayerList } from './entries';
import { goSort } from './goSort';
import { whiteoutReach, type LaterPaths } from './laterPaths';
import { hashPath, tableSize } from './pathHash';

class DNode {
  children: Map<string, DNode> | null = null;
  isDir = false;
  size = 0;
  /** The children's names in Go's order, once asked for (only of layer trees, which do not change once built). */
  sorted: string[] | null = null;
  /** A whiteout is somewhere below (set on layer trees only). */
  whiteoutBelow = false;
  /** No other entry of the image has this node's path (see PathCounts); false when not known. */
  unique = false;
  /** An entry with entries under it whose nodes were left out (see leftOut): never a leaf, however few children. */
  inner = false;
  child(name: string): DNode | undefined {
    return this.children?.get(name);
  }
  add(name: string): DNode {
    const n = new DNode();
    (this.children ??= new Map()).set(name, n);
    return n;
  }
}

/** A layer's tree, and whether one of its directories holds both `x` and `.wh.x` (see diveFigures). */
interface LayerTree {
  readonly root: DNode;
  readonly selfWhiteout: boolean;
  /** Σ sizes of the unique leaves a sparse tree left out. */
  readonly unique: number;
}

/**
 * dive's per-path record, kept in a tree of every path visited rather than in a map keyed by path strings: the
 * visit walks this tree beside the layer's, so no path string is built except for the inefficient paths reported.
 */
class PathData {
  children: Map<string, PathData> | null = null;
  cumulative = 0;
  min = -1;
  count = 0;
  /** Whether dive made a record for this path (it does so on visiting a leaf, not for directories passed through). */
  seen = false;
  constructor(
    readonly parent: PathData | null,
    readonly name: string,
  ) {}
  sub(name: string): PathData {
    let c = this.children?.get(name);
    if (!c) (this.children ??= new Map()).set(name, (c = new PathData(this, name)));
    return c;
  }
  get path(): string {
    const names: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walks up the parent chain from this node
    let n: PathData = this;
    for (; n.parent; n = n.parent) names.push(n.name);
    return `/${names.reverse().join('/')}`;
  }
}

/** Go's byte-wise string order (UTF-8), from JavaScript's UTF-16 code units. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (code points ≥ U+10000) sort after U+E000–U+FFFF in UTF-8, before them in UTF-16.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const NO_NAMES: readonly string[] = [];

/**
 * Which paths occur once in the whole image (one entry of one layer). Such a path's leaf is dive's only visit of it:
 * its record would hold cumulative = minimum = its size and a count of 1, so its size goes to the sums and no record
 * is kept (on a 400,000-file layer the records were ~45 MB). Counted by a hash of the path in a table of at least 8
 * slots per entry: a path sharing its slot with another one counts as repeated, which only means it gets a record.
 */
class PathCounts {
  private readonly slots: Uint8Array;
  private readonly mask: number;
  constructor(layers: readonly LayerList[]) {
    const size = tableSize(
      layers.reduce((sum, l) => sum + l.count, 0),
      8,
    );
    this.slots = new Uint8Array(size);
    this.mask = size - 1;
    for (const l of layers)
      for (const p of l.paths) {
        const at = hashPath(p) & this.mask;
        if ((this.slots[at] ?? 0) < 2) this.slots[at] = (this.slots[at] ?? 0) + 1;
      }
  }
  once(path: string): boolean {
    return this.slots[hashPath(path) & this.mask] === 1;
  }
}

function sortedNames(n: DNode): readonly string[] {
  if (!n.children) return NO_NAMES;
  return (n.sorted ??= [...n.children.keys()].sort(compareUtf8));
}

/**
 * How much of a layer's tree is built, where not all of it: the leaves dive's visit records, and the paths a later
 * layer's whiteouts look up (`reach`, null when nothing is stacked on this tree).
 */
interface Pruning {
  readonly reach: LaterPaths | null;
  readonly layer: number;
}

/** leftOut's answer for an entry kept as a node whose entries below were left out. */
const INNER = -1;
/** leftOut's answer for a leaf kept because another entry of the image has its path (so it is not unique). */
const REPEATED = -2;

/**
 * Whether a pruned tree keeps entry `i`. A leaf seen nowhere else in the image just adds its size to both sums, and an
 * entry that is no leaf matters only to stacking: neither is kept unless a later whiteout reaches its path. Null keeps
 * it (INNER: as a node that is no leaf; REPEATED: as a leaf seen elsewhere too); otherwise what leaving it out adds
 * to the sums.
 */
function leftOut(list: LayerList, i: number, counts: PathCounts, p: Pruning): number | null {
  const path = list.paths[i] ?? '';
  // An entry at '/' is a node named '' under the root (what is under '/' hangs from the root): always a leaf.
  const leaf = path === '/' || !hasEntriesUnder(list, i);
  // An opaque marker only makes its directory exist, a leaf when nothing is under it.
  if (list.kinds[i] === K_OPAQUE) return leaf ? null : 0;
  if (p.reach?.reached(path, p.layer)) return leaf ? null : INNER;
  if (!leaf) return 0;
  return counts.once(path) ? (list.tarSizes[i] ?? 0) : REPEATED;
}

/**
 * One layer's tree, as dive builds it from the entries (AddPath: missing parents get an empty payload); a pruned one
 * (see leftOut) leaves out what nothing will look at, and the sizes of the unique leaves left out are `unique`.
 */
function layerTree(list: LayerList, counts: PathCounts, pruning: Pruning | null): LayerTree {
  const root = new DNode();
  let unique = 0;
  let selfWhiteout = false;
  /** Directories with a whiteout among their children: only those can hold both `x` and `.wh.x`. */
  const withWhiteouts = new Set<DNode>();
  const make = (parent: DNode, name: string): DNode => {
    if (name.startsWith('.wh.')) {
      withWhiteouts.add(parent);
      if (parent.child(name.slice(4))) selfWhiteout = true;
    } else if (withWhiteouts.has(parent) && parent.child(`.wh.${name}`)) {
      selfWhiteout = true;
    }
    return parent.add(name);
  };
  // Sorted paths mostly share their parent with the previous one: remember it instead of walking from the root.
  let lastDir = '';
  let lastNode = root;
  for (let i = 0; i < list.count; i++) {
    const kind = list.kinds[i]!;
    const path = list.paths[i]!;
    const out = pruning ? leftOut(list, i, counts, pruning) : null;
    if (out !== null && out !== INNER && out !== REPEATED) {
      unique += out;
      continue;
    }
    const dirPath = kind === K_OPAQUE ? path : path.slice(0, path.lastIndexOf('/'));
    let parent: DNode;
    if (dirPath === lastDir) parent = lastNode;
    else {
      parent = root;
      for (let at = 1; at < dirPath.length;) {
        let next = dirPath.indexOf('/', at);
        if (next < 0) next = dirPath.length;
        const name = dirPath.slice(at, next);
        parent = parent.child(name) ?? make(parent, name);
        at = next + 1;
      }
      lastDir = dirPath;
      lastNode = parent;
    }
    // An opaque marker only makes its directory exist (dive drops `.wh..wh.` names).
    if (kind === K_OPAQUE) continue;
    const base = path.slice(path.lastIndexOf('/') + 1);
    const name = kind === K_WHITEOUT ? `.wh.${base}` : base;
    const node = parent.child(name) ?? make(parent, name);
    node.isDir = kind === K_DIR;
    node.size = list.tarSizes[i]!;
    node.unique = out !== REPEATED && kind !== K_WHITEOUT && counts.once(path);
    node.inner = out === INNER;
  }
  if (withWhiteouts.size) markWhiteouts(root);
  return { root, selfWhiteout, unique };
}

function markWhiteouts(n: DNode): boolean {
  let below = false;
  for (const [name, c] of n.children ?? []) {
    if (name.startsWith('.wh.')) below = true;
    if (c.children && markWhiteouts(c)) below = true;
  }
  n.whiteoutBelow = below;
  return below;
}

function clone(n: DNode): DNode {
  const c = new DNode();
  c.isDir = n.isDir;
  c.size = n.size;
  if (n.children) for (const [k, v] of n.children) (c.children ??= new Map()).set(k, clone(v));
  return c;
}

function subtreeSize(n: DNode): number {
  let s = n.size;
  if (n.children) for (const c of n.children.values()) s += subtreeSize(c);
  return s;
}

const strip = (name: string) => (name.startsWith('.wh.') ? name.slice(4) : name);

/**
 * FileTree.Stack: every node of `upper`, children first in name order: whiteouts remove, the rest are added with
 * their payload (parents made on the way get an empty one). `lower` is walked beside `upper`, which is what dive's
 * lookups from the root amount to; a directory of `lower` is only made when something is added below it.
 */
function stack(lower: DNode, upper: DNode): void {
  const visit = (up: DNode, low: DNode | null, makeLow: () => DNode): void => {
    let here = low;
    const ensure = () => (here ??= makeLow());
    for (const name of sortedNames(up)) {
      const child = up.child(name)!;
      const wh = name.startsWith('.wh.');
      if (!wh && !child.whiteoutBelow && !here?.child(name)) {
        // Nothing below to merge with and nothing to remove: the upper tree's node (which is not used again once
        // stacked) is taken as it is, which is what adding it node by node would build.
        const p = ensure();
        (p.children ??= new Map()).set(name, child);
        continue;
      }
      if (child.children?.size) {
        visit(child, here?.child(name) ?? null, () => {
          const p = ensure();
          return p.child(name) ?? p.add(name);
        });
      }
      if (wh) {
        here?.children?.delete(strip(name));
      } else {
        const p = ensure();
        const node = p.child(name) ?? p.add(name);
        node.isDir = child.isDir;
        node.size = child.size;
      }
    }
  };
  visit(upper, lower, () => lower);
}

/** dive's per-path records and sums, as the layers' leaves are visited. */
class Visits {
  readonly records = new PathData(null, '');
  private readonly all: PathData[] = [];
  private readonly inefficient: PathData[] = [];
  /** Σ minima and Σ cumulative sizes of the paths visited once, which keep no record. */
  private minimum = 0;
  private discovered = 0;

  /** Leaves visited once in the whole image, by size. */
  once(size: number): void {
    this.minimum += size;
    this.discovered += size;
  }

  /**
   * A layer's leaves in dive's order; `rec` is the directory's record, `low` the same directory in the tree below (for
   * whiteouts), or null. False when dive's visit of the layer stops here.
   */
  visit(node: DNode, rec: PathData, low: DNode | null): boolean {
    for (const name of sortedNames(node)) {
      const child = node.child(name)!;
      if (child.children?.size) {
        if (!this.visit(child, rec.sub(name), low?.child(name) ?? null)) return false;
        continue;
      }
      if (child.inner) continue;
      if (child.unique) {
        this.once(child.size);
        continue;
      }
      const d = rec.sub(strip(name));
      if (!d.seen) {
        d.seen = true;
        this.all.push(d);
      }
      let size = child.size;
      if (name.startsWith('.wh.')) {
        const prev = low?.child(strip(name));
        if (!prev) return false; // dive's visitor errors out: the rest of this layer is not visited
        size = prev.isDir ? subtreeSize(prev) : 0;
      }
      d.cumulative += size;
      if (d.min < 0 || size < d.min) d.min = size;
      if (++d.count === 2) this.inefficient.push(d);
    }
    return true;
  }

  figures(layers: readonly LayerList[]): DiveFigures {
    let { minimum, discovered } = this;
    for (const d of this.all) {
      minimum += d.min;
      discovered += d.cumulative;
    }
    const inefficient = this.inefficient;
    goSort(inefficient, (a, b) => a.cumulative < b.cumulative);
    const inefficientBytes = inefficient.reduce((s, d) => s + d.cumulative, 0);
    const sizes = layers.map((l) => l.stats.diveBytes);
    const sizeBytes = sizes.reduce((s, x) => s + x, 0);
    const userSizeBytes = sizeBytes - (sizes[0] ?? 0);
    return {
      efficiencyScore: discovered === 0 ? 1 : minimum / discovered,
      inefficientBytes,
      sizeBytes,
      userSizeBytes,
      // Go divides floats: 0/0 is NaN and x/0 is +Inf, as dive reports them.
      userWastedPercent: inefficientBytes / userSizeBytes,
      fileReference: inefficient
        .slice()
        .reverse()
        .map((d) => ({ file: d.path, count: d.count, sizeBytes: d.cumulative })),
    };
  }
}

const hasWhiteout = (l: LayerList) => l.kinds.includes(K_WHITEOUT);

/**
 * dive's numbers for an image whose layers (bottom first) are `layers`. `sparse` false builds every tree whole, as
 * dive does: the tests' oracle for the trees left sparse.
 */
export function diveFigures(layers: readonly LayerList[], sparse = true): DiveFigures {
  const counts = new PathCounts(layers);
  const visits = new Visits();
  // The stack below a layer is only looked into by its whiteouts: from the last layer with one up, nothing is
  // stacked, and the trees keep only what their visit needs; below it, a layer without whiteouts keeps that and what
  // the whiteouts above it reach (see leftOut). A layer with whiteouts is built whole: its visit may stop at one.
  const whiteouts = layers.map(hasWhiteout);
  const lastWhiteout = sparse ? whiteouts.lastIndexOf(true) : layers.length;
  const reach = lastWhiteout > 0 && lastWhiteout < layers.length ? whiteoutReach(layers) : null;
  let stacked: DNode | null = null;
  layers.forEach((list, i) => {
    const pruning = !sparse || whiteouts[i] ? null : { reach: i < lastWhiteout ? reach : null, layer: i };
    const { root: tree, selfWhiteout, unique } = layerTree(list, counts, pruning);
    visits.once(unique);
    // StackTreeRange(trees, 0, idx-1) starts from a copy of the first tree: for the first layer, that tree itself.
    visits.visit(tree, visits.records, stacked ?? tree);
    if (i >= lastWhiteout) return;
    if (stacked) stack(stacked, tree);
    else if (selfWhiteout) {
      stacked = clone(tree);
      stack(stacked, tree);
    } else {
      // Stacking the first tree on a copy of itself changes nothing unless a directory holds both `x` and `.wh.x`:
      // the tree itself becomes the stack (it is not visited again), which saves a copy of the biggest layer.
      stacked = tree;
    }
  });
  return visits.figures(layers);
}
