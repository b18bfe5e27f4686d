// A layer's entries as compact columns: one sorted array of paths and typed arrays beside it, so that memory grows
// with the number of paths and nothing else (no object per entry). Built while the layer streams by, finished when it
// ends (sorted, duplicates resolved the way unpacking resolves them: the last entry for a path wins), and written to
// the disk cache as front-coded JSON.
import type { EntryType, LayerEntry, LayerStats } from '../engine/layerScan';

export const K_FILE = 0;
export const K_DIR = 1;
export const K_SYMLINK = 2;
export const K_HARDLINK = 3;
export const K_OTHER = 4;
export const K_WHITEOUT = 5;
export const K_OPAQUE = 6;

const CODE: Record<EntryType, number> = {
  file: K_FILE,
  dir: K_DIR,
  symlink: K_SYMLINK,
  hardlink: K_HARDLINK,
  other: K_OTHER,
  whiteout: K_WHITEOUT,
  opaque: K_OPAQUE,
};
export const KIND_NAMES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'other', 'whiteout', 'opaque'];

/** A whiteout or opaque marker shares its path with real entries (`/x` deleted, `/x/` recreated): a separate key. */
export function keyClass(kind: number): number {
  return kind === K_WHITEOUT ? 1 : kind === K_OPAQUE ? 2 : 0;
}

export interface LayerList {
  readonly count: number;
  /** Sorted by JavaScript string order; (path, marker class) is unique. */
  readonly paths: readonly string[];
  readonly kinds: Uint8Array;
  /** Bytes as Docker counts them (LayerEntry.size). */
  readonly sizes: Float64Array;
  /** The tar header's size field (what dive counts). */
  readonly tarSizes: Float64Array;
  readonly modes: Uint32Array;
  /** Link targets by entry index (symlinks as written, hard links as absolute paths). */
  readonly links: ReadonlyMap<number, string>;
  readonly stats: LayerStats;
}

export function isRemoval(kind: number): boolean {
  return kind === K_WHITEOUT || kind === K_OPAQUE;
}

/**
 * A list's columns as they are gathered, one entry at a time: by LayerListBuilder from a layer's tar, and by the
 * shared artifact's reader (layerArtifact.ts) from lines already in order.
 */
export class ListColumns {
  private paths: string[] = [];
  private kinds: number[] = [];
  private sizes: number[] = [];
  private tarSizes: number[] = [];
  private modes: number[] = [];
  private links = new Map<number, string>();

  get length(): number {
    return this.paths.length;
  }

  push(path: string, kind: number, size: number, tarSize: number, mode: number, link: string | null): void {
    if (link !== null) this.links.set(this.paths.length, link);
    this.paths.push(path);
    this.kinds.push(kind);
    this.sizes.push(size);
    this.tarSizes.push(tarSize);
    this.modes.push(mode);
  }

  /**
   * The entries at `keep` (indices in the order gathered; all of them when absent) as a list, which must then be
   * sorted and unique; the columns start empty again.
   */
  take(stats: LayerStats, keep?: readonly number[]): LayerList {
    const m = keep ? keep.length : this.paths.length;
    const out = {
      count: m,
      paths: new Array<string>(m),
      kinds: new Uint8Array(m),
      sizes: new Float64Array(m),
      tarSizes: new Float64Array(m),
      modes: new Uint32Array(m),
      links: new Map<number, string>(),
      stats,
    };
    for (let k = 0; k < m; k++) {
      const i = keep ? (keep[k] ?? 0) : k;
      out.paths[k] = this.paths[i] ?? '';
      out.kinds[k] = this.kinds[i] ?? 0;
      out.sizes[k] = this.sizes[i] ?? 0;
      out.tarSizes[k] = this.tarSizes[i] ?? 0;
      out.modes[k] = this.modes[i] ?? 0;
      const link = this.links.get(i);
      if (link !== undefined) out.links.set(k, link);
    }
    this.paths = [];
    this.kinds = [];
    this.sizes = [];
    this.tarSizes = [];
    this.modes = [];
    this.links = new Map();
    return out;
  }

  /** Which entries unpacking the tar in order leaves: the last of each (path, marker class), in sorted order. */
  lastOfEach(): number[] {
    const { paths, kinds } = this;
    const n = paths.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => {
      const pa = paths[a]!;
      const pb = paths[b]!;
      if (pa !== pb) return pa < pb ? -1 : 1;
      return keyClass(kinds[a]!) - keyClass(kinds[b]!) || a - b;
    });
    const keep: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const next = k + 1 < n ? order[k + 1]! : -1;
      if (next >= 0 && paths[next] === paths[i] && keyClass(kinds[next]!) === keyClass(kinds[i]!)) continue;
      keep.push(i);
    }
    return keep;
  }
}

export class LayerListBuilder {
  private readonly columns = new ListColumns();

  add(e: LayerEntry): void {
    this.columns.push(e.path, CODE[e.type], e.size, e.tarSize, e.mode >>> 0, e.linkTarget);
  }

  finish(stats: LayerStats): LayerList {
    return this.columns.take(stats, this.columns.lastOfEach());
  }
}

/** Index of the first path ≥ `key` (binary search over the sorted paths). */
export function lowerBound(paths: readonly string[], key: string, from = 0, to = paths.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (paths[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index range of entries strictly under directory `dir` ('/' for all): paths with the prefix `dir/`. */
export function rangeUnder(paths: readonly string[], dir: string): [number, number] {
  if (dir === '/') return [0, paths.length];
  // '0' is the character after '/': every path starting with `dir/` sorts in [dir/, dir0).
  return [lowerBound(paths, `${dir}/`), lowerBound(paths, `${dir}0`)];
}

/**
 * Whether some entry of the list lies under entry `i`'s path. The paths that start with `p` are contiguous in sorted
 * order; those under `p/` come after any `p` + a character below '/', which is rare: only then is it searched.
 */
export function hasEntriesUnder(list: LayerList, i: number): boolean {
  const p = list.paths[i] ?? '';
  const next = list.paths[i + 1];
  if (next === undefined || !next.startsWith(p)) return false;
  if (next.charCodeAt(p.length) === 0x2f) return true;
  const [from, to] = rangeUnder(list.paths, p);
  return from < to;
}

interface Stored {
  v: 1;
  stats: LayerStats;
  shared: number[];
  suffix: string[];
  kinds: number[];
  sizes: number[];
  /** [index, tarSize] where the header size differs from `sizes`. */
  tar: Array<[number, number]>;
  modes: number[];
  links: Array<[number, string]>;
}

/** Entries per piece of serializedList's text. */
const PIECE = 8192;

/** A number as JSON writes it (JSON has no NaN or Infinity). */
const num = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? String(n) : 'null');

/** `"key":[…]` of `count` values, made `PIECE` values at a time. */
function* jsonArray(key: string, count: number, value: (i: number) => string): Generator<string> {
  yield `,${JSON.stringify(key)}:[`;
  for (let from = 0; from < count; from += PIECE) {
    const parts: string[] = [];
    for (let i = from; i < Math.min(count, from + PIECE); i++) parts.push(value(i));
    yield `${from ? ',' : ''}${parts.join(',')}`;
  }
  yield ']';
}

/**
 * The list as JSON (the `Stored` shape: paths front-coded against the previous one, as sorted paths share long
 * prefixes), in pieces of a few thousand entries, written one after the other: on a 400,000-file layer, the whole
 * text and the arrays it was made from (about 65 MB of heap, the peak of the analysis) are never held at once.
 */
export function* serializedList(l: LayerList): Generator<string> {
  yield `{"v":1,"stats":${JSON.stringify(l.stats)}`;
  const shared = new Uint16Array(l.count);
  let prev = '';
  l.paths.forEach((p, i) => {
    let k = 0;
    const max = Math.min(prev.length, p.length, 65535);
    while (k < max && prev.charCodeAt(k) === p.charCodeAt(k)) k++;
    shared[i] = k;
    prev = p;
  });
  yield* jsonArray('shared', l.count, (i) => String(shared[i]));
  yield* jsonArray('suffix', l.count, (i) => JSON.stringify((l.paths[i] ?? '').slice(shared[i])));
  yield* jsonArray('kinds', l.count, (i) => String(l.kinds[i]));
  yield* jsonArray('sizes', l.count, (i) => num(l.sizes[i]));
  const tar: number[] = [];
  for (let i = 0; i < l.count; i++) if (l.tarSizes[i] !== l.sizes[i]) tar.push(i);
  yield* jsonArray('tar', tar.length, (k) => `[${tar[k]},${num(l.tarSizes[tar[k] ?? 0])}]`);
  yield* jsonArray('modes', l.count, (i) => String(l.modes[i]));
  yield `,"links":${JSON.stringify([...l.links])}}`;
}

export function serializeList(l: LayerList): string {
  return [...serializedList(l)].join('');
}

/** The inverse of serializeList; null when the text is not a list this version wrote. */
export function deserializeList(text: string): LayerList | null {
  let s: Stored;
  try {
    s = JSON.parse(text) as Stored;
  } catch {
    // A cache entry that is not JSON (cut short, another version): a miss, and the layer is read again.
    return null;
  }
  // A cache entry is checked, not trusted: another version or a cut-short file is a miss.
  /* eslint-disable @typescript-eslint/no-unnecessary-condition */
  if (
    s?.v !== 1 ||
    !Array.isArray(s.shared) ||
    s.shared.length !== s.suffix?.length ||
    s.kinds?.length !== s.shared.length
  )
    return null;
  /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  const n = s.shared.length;
  const paths = new Array<string>(n);
  let prev = '';
  for (let i = 0; i < n; i++) {
    prev = prev.slice(0, s.shared[i]) + s.suffix[i]!;
    paths[i] = prev;
  }
  const sizes = Float64Array.from(s.sizes);
  const tarSizes = Float64Array.from(s.sizes);
  for (const [i, v] of s.tar) tarSizes[i] = v;
  return {
    count: n,
    paths,
    kinds: Uint8Array.from(s.kinds),
    sizes,
    tarSizes,
    modes: Uint32Array.from(s.modes),
    links: new Map(s.links),
    stats: s.stats,
  };
}
