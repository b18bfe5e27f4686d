// What each layer holds, for questions by path: "how many bytes did this layer add under /var/lib/apt" (rules,
// hovers) and "what is in this directory of this layer" (the layer explorer). Nothing is materialised up front: a
// directory's children are grouped from the layer's sorted entry list when asked, one page at a time, and the last
// few listings are kept so that paging through a big directory does not regroup it.
import type { LayerContents } from '../core/analysis';
import type { EntryType } from '../engine/layerScan';
import { isRemoval, K_FILE, K_OPAQUE, K_WHITEOUT, KIND_NAMES, rangeUnder, type LayerList } from './entries';
import { S_ADDED, S_MODIFIED, S_REMOVED, type LayerChanges } from './stack';

export type ChangeStatus = 'added' | 'modified' | 'removed' | 'unchanged';

export interface DirChild {
  readonly name: string;
  /** Absolute path of the child. */
  readonly path: string;
  /** The child's own entry type; 'dir' for a directory this layer did not name but has entries under. */
  readonly type: EntryType;
  /** Bytes this layer added or modified at or under the child. */
  readonly bytes: number;
  /** Bytes this layer's whiteouts and opaque markers removed at or under the child. */
  readonly removedBytes: number;
  /** Entries of this layer at or under the child. */
  readonly entries: number;
  readonly status: ChangeStatus;
  readonly hasChildren: boolean;
  readonly linkTarget: string | null;
}

export interface DirPage {
  readonly layer: number;
  readonly dir: string;
  /** Children in all (the page is a window on them). */
  readonly total: number;
  readonly offset: number;
  /** Biggest first (bytes added, then bytes removed), then by name. */
  readonly children: readonly DirChild[];
}

export interface ListOptions {
  readonly offset?: number;
  /** Default 200. */
  readonly limit?: number;
}

const STATUS: Record<number, ChangeStatus> = { [S_ADDED]: 'added', [S_MODIFIED]: 'modified', [S_REMOVED]: 'removed' };
const KEEP_LISTINGS = 8;

function normDir(dir: string): string {
  return `/${dir.split('/').filter(Boolean).join('/')}`;
}

export class ImageContents implements LayerContents {
  private readonly sums: Array<Float64Array | undefined> = [];
  private readonly listings = new Map<string, DirChild[]>();

  constructor(
    readonly lists: readonly LayerList[],
    readonly changes: readonly LayerChanges[],
  ) {}

  get layerCount(): number {
    return this.lists.length;
  }

  /** Prefix sums of the bytes each entry adds (removal markers add none). */
  private prefix(layer: number): Float64Array {
    let s = this.sums[layer];
    if (!s) {
      const l = this.lists[layer]!;
      s = new Float64Array(l.count + 1);
      for (let i = 0; i < l.count; i++) s[i + 1] = s[i]! + (isRemoval(l.kinds[i]!) ? 0 : l.sizes[i]!);
      this.sums[layer] = s;
    }
    return s;
  }

  addedUnder(layer: number, prefix: string): number {
    const l = this.lists[layer];
    if (!l) return 0;
    const dir = normDir(prefix);
    const sums = this.prefix(layer);
    const [from, to] = rangeUnder(l.paths, dir);
    let total = sums[to]! - sums[from]!;
    if (dir !== '/') {
      // The path itself, when it is a file rather than a directory.
      const at = from - 1;
      if (at >= 0 && l.paths[at] === dir && !isRemoval(l.kinds[at]!)) total += l.sizes[at]!;
    }
    return total;
  }

  /**
   * The largest regular files this layer added or modified, biggest first. Links are no files of their own: dive's
   * file list sizes a symlink at 0 B (its tar size), where Docker counts its target's name (busybox's applets, 7 B).
   */
  topPaths(layer: number, n = 10): Array<{ path: string; bytes: number }> {
    const l = this.lists[layer];
    if (!l) return [];
    const top: Array<{ path: string; bytes: number }> = [];
    for (let i = 0; i < l.count; i++) {
      const kind = l.kinds[i]!;
      const bytes = l.sizes[i]!;
      if (kind !== K_FILE || bytes <= 0) continue;
      if (top.length === n && bytes <= top[n - 1]!.bytes) continue;
      let k = top.length < n ? top.length : n - 1;
      while (k > 0 && top[k - 1]!.bytes < bytes) k--;
      top.splice(k, 0, { path: l.paths[i]!, bytes });
      if (top.length > n) top.pop();
    }
    return top;
  }

  /** One page of the children of `dir` in `layer`, with what the layer did to each. */
  listDir(layer: number, dir: string, opts: ListOptions = {}): DirPage {
    const d = normDir(dir);
    const key = `${layer}\0${d}`;
    let all = this.listings.get(key);
    if (!all) {
      all = this.group(layer, d);
      this.listings.set(key, all);
      if (this.listings.size > KEEP_LISTINGS) this.listings.delete(this.listings.keys().next().value!);
    }
    const offset = Math.max(0, Math.floor(opts.offset ?? 0));
    const limit = Math.max(0, Math.floor(opts.limit ?? 200));
    return { layer, dir: d, total: all.length, offset, children: all.slice(offset, offset + limit) };
  }

  private group(layer: number, dir: string): DirChild[] {
    const l = this.lists[layer];
    const ch = this.changes[layer];
    if (!l || !ch) return [];
    const [from, to] = rangeUnder(l.paths, dir);
    const base = dir === '/' ? 1 : dir.length + 1;
    interface Acc {
      name: string;
      own: number;
      removal: number;
      bytes: number;
      removed: number;
      entries: number;
      deeper: boolean;
    }
    const acc = new Map<string, Acc>();
    for (let i = from; i < to; i++) {
      const p = l.paths[i]!;
      const slash = p.indexOf('/', base);
      const name = slash < 0 ? p.slice(base) : p.slice(base, slash);
      let a = acc.get(name);
      if (!a) acc.set(name, (a = { name, own: -1, removal: -1, bytes: 0, removed: 0, entries: 0, deeper: false }));
      a.entries++;
      const kind = l.kinds[i]!;
      if (isRemoval(kind)) a.removed += ch.removedBytes.get(i) ?? 0;
      else a.bytes += l.sizes[i]!;
      if (slash >= 0) a.deeper = true;
      // An opaque marker of the child removes its old contents but keeps the child: not a removal of the child.
      else if (kind === K_OPAQUE) a.deeper = true;
      else if (kind === K_WHITEOUT) a.removal = i;
      else a.own = i;
    }
    const out: DirChild[] = [];
    for (const a of acc.values()) {
      let type: EntryType = 'dir';
      let status: ChangeStatus = 'modified';
      let link: string | null = null;
      if (a.own >= 0) {
        type = KIND_NAMES[l.kinds[a.own]!]!;
        status = STATUS[ch.status[a.own]!] ?? (a.deeper || a.removed ? 'modified' : 'unchanged');
        link = l.links.get(a.own) ?? null;
      } else if (a.removal >= 0) {
        type = 'whiteout';
        status = STATUS[ch.status[a.removal]!] === 'removed' ? 'removed' : 'unchanged';
      }
      out.push({
        name: a.name,
        path: dir === '/' ? `/${a.name}` : `${dir}/${a.name}`,
        type,
        bytes: a.bytes,
        removedBytes: a.removed,
        entries: a.entries,
        status,
        hasChildren: a.deeper,
        linkTarget: link,
      });
    }
    out.sort(
      (x, y) =>
        y.bytes - x.bytes || y.removedBytes - x.removedBytes || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0),
    );
    return out;
  }
}
