// Our own reading of the layers (not dive's): the layers are applied bottom first, the way the engine unpacks them
// (whiteouts and opaque directories remove what the layers below hold, an entry replaces what was at its path), and
// every copy that stops being visible is counted once, against the layer that shipped it and the layer that hid it.
// That is removableBytes: what the image ships and nobody can see, i.e. what a better Dockerfile would not ship — the
// copy that stays is never counted (dive's wasted bytes count it too, dive#684). Hard links share their bytes: the
// bytes are removable only once every link to them is hidden.
import type { WasteItem } from '../core/analysis';
import { stackReach, type LaterPaths } from './laterPaths';
import {
  hasEntriesUnder,
  isRemoval,
  K_DIR,
  K_HARDLINK,
  K_OPAQUE,
  K_WHITEOUT,
  lowerBound,
  type LayerList,
} from './entries';

/** Per entry, what it did relative to the layers below. */
export const S_ADDED = 1;
export const S_MODIFIED = 2;
/** A whiteout or opaque marker that removed something. */
export const S_REMOVED = 3;
/** A directory that was already there (metadata only), or a whiteout of nothing. */
export const S_UNCHANGED = 4;

export interface LayerChanges {
  /** Paths new in this layer (files, links and new directories). */
  readonly added: number;
  /** Paths that replaced something (directories that were there already are not counted). */
  readonly modified: number;
  /** Paths removed: whiteout targets, what an opaque directory hid, with everything below them. */
  readonly removed: number;
  /** Bytes of this layer that later layers hid. */
  readonly removableBytes: number;
  /** S_* per entry of the layer's list. */
  readonly status: Uint8Array;
  /** For whiteouts and opaque markers: the bytes they hid. */
  readonly removedBytes: ReadonlyMap<number, number>;
}

export interface StackResult {
  readonly layers: readonly LayerChanges[];
  /** Biggest first. */
  readonly waste: readonly WasteItem[];
}

class VNode {
  children: Map<string, VNode> | null = null;
  /** Where this path's visible copy came from; index -1 for a parent directory no entry named. */
  constructor(
    public layer: number,
    public index: number,
    public kind: number,
  ) {}
}

const SLOT = 2 ** 23; // entries per layer are capped far below this (ScanLimits.maxEntries)

interface Mutable {
  added: number;
  modified: number;
  removed: number;
  removableBytes: number;
  status: Uint8Array;
  removedBytes: Map<number, number>;
}

class Stacker {
  private readonly root = new VNode(-1, -1, K_DIR);
  private readonly out: Mutable[];
  private readonly waste = new Map<string, WasteItem & { bytes: number }>();
  /** Content shared by hard links: key (layer, file index) → links still visible. */
  private readonly refs = new Map<number, number>();
  /** Hard link entry key → the key of the file whose bytes it shares. */
  private readonly linkOf = new Map<number, number>();
  /** Null: every path is stored (the tests' oracle). */
  private readonly later: LaterPaths | null;

  constructor(
    private readonly lists: readonly LayerList[],
    sparse: boolean,
  ) {
    this.later = sparse ? stackReach(lists) : null;
    this.out = lists.map((l) => ({
      added: 0,
      modified: 0,
      removed: 0,
      removableBytes: 0,
      status: new Uint8Array(l.count),
      removedBytes: new Map(),
    }));
  }

  private key(layer: number, index: number): number {
    return layer * SLOT + index;
  }

  private linkTargets(layer: number): void {
    const l = this.lists[layer]!;
    for (const [i, target] of l.links) {
      if (l.kinds[i] !== K_HARDLINK) continue;
      const t = lowerBound(l.paths, target);
      if (l.paths[t] !== target || isRemoval(l.kinds[t]!) || l.kinds[t] === K_HARDLINK) continue; // a link to a lower layer's file: Docker copies those
      const fileKey = this.key(layer, t);
      this.linkOf.set(this.key(layer, i), fileKey);
      this.refs.set(fileKey, (this.refs.get(fileKey) ?? 1) + 1);
    }
  }

  /** Bytes that become unreachable when this copy stops being visible. */
  private bytesFreed(n: VNode): number {
    if (n.index < 0 || n.kind === K_DIR) return 0;
    const own = this.key(n.layer, n.index);
    const content = this.linkOf.get(own) ?? own;
    const left = this.refs.get(content);
    const size = this.lists[Math.floor(content / SLOT)]!.sizes[content % SLOT]!;
    if (left === undefined) return size;
    this.refs.set(content, left - 1);
    return left - 1 === 0 ? size : 0;
  }

  /** Hides what is below `n` (and `n` itself when `self`) at layer `by`: how many paths went away, how many bytes. */
  private hide(
    n: VNode,
    self: boolean,
    at: string,
    kind: WasteItem['kind'],
    by: number,
  ): { count: number; bytes: number } {
    let count = 0;
    let freed = 0;
    const visit = (v: VNode, counted: boolean) => {
      if (counted) {
        count++;
        const bytes = this.bytesFreed(v);
        freed += bytes;
        if (bytes > 0) {
          this.out[v.layer]!.removableBytes += bytes;
          const k = `${v.layer}\0${by}\0${kind}\0${at}`;
          const item = this.waste.get(k);
          if (item) item.bytes += bytes;
          else this.waste.set(k, { path: at, bytes, kind, addedLayer: v.layer, removedLayer: by });
        }
      }
      if (v.children) for (const c of v.children.values()) visit(c, true);
    };
    visit(n, self);
    return { count, bytes: freed };
  }

  private find(path: string): { parent: VNode; name: string; node: VNode | undefined } | null {
    const comps = path.split('/');
    let node = this.root;
    for (let k = 1; k < comps.length - 1; k++) {
      const next = node.children?.get(comps[k]!);
      if (!next) return null;
      node = next;
    }
    const name = comps[comps.length - 1]!;
    return { parent: node, name, node: node.children?.get(name) };
  }

  private removals(layer: number): void {
    const l = this.lists[layer]!;
    const o = this.out[layer]!;
    for (let i = 0; i < l.count; i++) {
      const kind = l.kinds[i]!;
      if (!isRemoval(kind)) continue;
      let gone = { count: 0, bytes: 0 };
      if (kind === K_WHITEOUT) {
        const f = this.find(l.paths[i]!);
        if (f?.node) {
          gone = this.hide(f.node, true, l.paths[i]!, 'deleted', layer);
          f.parent.children!.delete(f.name);
        }
      } else if (kind === K_OPAQUE) {
        const dir = l.paths[i] === '/' ? this.root : this.find(l.paths[i]!)?.node;
        if (dir?.children?.size) {
          gone = this.hide(dir, false, l.paths[i]!, 'deleted', layer);
          dir.children = null;
        }
      }
      o.removed += gone.count;
      o.status[i] = gone.count ? S_REMOVED : S_UNCHANGED;
      if (gone.bytes > 0) o.removedBytes.set(i, gone.bytes);
    }
  }

  /**
   * The directory `dirPath` of `layer`, made where missing (`store`), or null where it is missing: a file (or link)
   * where the layer has a directory was replaced by unpacking.
   */
  private directory(dirPath: string, layer: number, store: true): VNode;
  private directory(dirPath: string, layer: number, store: boolean): VNode | null;
  private directory(dirPath: string, layer: number, store: boolean): VNode | null {
    let node = this.root;
    for (let at = 1; at < dirPath.length;) {
      let next = dirPath.indexOf('/', at);
      if (next < 0) next = dirPath.length;
      const name = dirPath.slice(at, next);
      let child = node.children?.get(name);
      if (child && child.kind !== K_DIR) {
        this.hide(child, true, dirPath.slice(0, next), 'overwritten', layer);
        // The path is a directory now, stored as the file was (a later layer can reach it).
        child = new VNode(layer, -1, K_DIR);
        node.children?.set(name, child);
      }
      if (!child) {
        // A directory a later layer names is made even for a path not stored below it: that layer finds it there.
        if (!store && !this.later?.named(dirPath.slice(0, next), layer)) return null;
        (node.children ??= new Map()).set(name, (child = new VNode(layer, -1, K_DIR)));
      }
      node = child;
      at = next + 1;
    }
    return node;
  }

  /**
   * Whether entry `i` of `layer` is stored: a later layer may reach its path, or it is a file with entries under it in
   * its own layer (the tar holds `x` and `x/y`: unpacking `x/y` replaces it, and its bytes count as replaced).
   */
  private keeps(l: LayerList, i: number, layer: number): boolean {
    if (!this.later || this.later.reached(l.paths[i] ?? '', layer)) return true;
    return l.kinds[i] !== K_DIR && hasEntriesUnder(l, i);
  }

  /**
   * The layer's entries that are not removals: added, or replacing what was at their path. A path no layer above can
   * look up or hide (LaterPaths) is counted and not stored: on a 400,000-file layer, ~40 MB.
   */
  private additions(layer: number): void {
    const l = this.lists[layer]!;
    const o = this.out[layer]!;
    // Sorted paths mostly share the previous one's parent: it is remembered (a directory replaced by this layer
    // would be an entry at the directory's own path, which sorts before anything under it).
    let lastDir: string | null = null;
    let lastNode: VNode | null = null;
    for (let i = 0; i < l.count; i++) {
      const kind = l.kinds[i]!;
      if (isRemoval(kind)) continue;
      const path = l.paths[i]!;
      const slash = path.lastIndexOf('/');
      const dirPath = path.slice(0, slash);
      if (dirPath !== lastDir) {
        lastNode = this.directory(dirPath, layer, false);
        lastDir = dirPath;
      }
      const node: VNode | null = lastNode;
      const name = path.slice(slash + 1);
      const existing = node?.children?.get(name);
      if (!existing) {
        if (this.keeps(l, i, layer)) {
          const dir: VNode = node ?? this.directory(dirPath, layer, true);
          lastNode = dir;
          (dir.children ??= new Map()).set(name, new VNode(layer, i, kind));
        }
        o.status[i] = S_ADDED;
        o.added++;
      } else if (existing.kind === K_DIR && kind === K_DIR) {
        o.status[i] = S_UNCHANGED; // the directory stays, with its contents
      } else {
        // Replaced: the old copy (a directory: everything below it) is no longer visible.
        const gone = this.hide(existing, existing.kind !== K_DIR, path, 'overwritten', layer);
        if (existing.kind === K_DIR) o.removed += gone.count;
        if (this.keeps(l, i, layer)) node?.children?.set(name, new VNode(layer, i, kind));
        else node?.children?.delete(name);
        o.status[i] = S_MODIFIED;
        o.modified++;
      }
    }
  }

  run(): StackResult {
    for (let layer = 0; layer < this.lists.length; layer++) {
      this.linkTargets(layer);
      this.removals(layer);
      this.additions(layer);
    }
    const waste = [...this.waste.values()].sort(
      (a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.addedLayer - b.addedLayer,
    );
    return { layers: this.out, waste };
  }
}

/**
 * Applies the layers (bottom first) and says what each changed and which bytes nobody sees. `sparse` false stores
 * every path: the tests' oracle for the paths left out.
 */
export function stackLayers(lists: readonly LayerList[], sparse = true): StackResult {
  return new Stacker(lists, sparse).run();
}
