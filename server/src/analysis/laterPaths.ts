// What the layers above a layer can reach, for the trees built from the layers to keep only the paths something will
// look up again. A later layer looks up the paths it names and the directories above them, and hides everything under
// a path where it puts an entry that hides. Which entries count is the reader's: for our stack (stack.ts) every entry
// names its path and all but directories hide; for dive's (dive.ts) only whiteouts do both. What no later layer
// reaches is counted once and never looked at again: on a 400,000-file layer under a small one, a tree of those paths
// was ~40–55 MB.
import { K_DIR, K_WHITEOUT, type LayerList } from './entries';
import { hashPath, someAncestorHash, tableSize } from './pathHash';

/** Layer numbers are kept as bytes (1 + the layer); more layers than that and every path is kept. */
const MAX_LAYERS = 254;

export class LaterPaths {
  /** Per slot: 1 + the highest layer naming the path, or a path under it. */
  private readonly namedBy: Uint8Array;
  /** Per slot: 1 + the highest layer hiding what is under the path (a removal or a non-directory there). */
  private readonly hidingBy: Uint8Array;
  private readonly mask: number;
  private readonly all: boolean;
  /** The number of layers: nothing is above the top one. */
  private readonly top: number;
  /** 1 + the highest layer with an opaque root ('/' is no path's ancestor in the hashes). */
  private rootHidden = 0;

  /** `names`: whether an entry of this kind names its path; `hides`: whether it hides what is under its path. */
  constructor(lists: readonly LayerList[], names: (kind: number) => boolean, hides: (kind: number) => boolean) {
    this.all = lists.length > MAX_LAYERS;
    this.top = lists.length;
    const size = this.all
      ? 1
      : tableSize(
          lists.reduce((sum, l) => sum + l.count, 0),
          8,
        );
    this.namedBy = new Uint8Array(size);
    this.hidingBy = new Uint8Array(size);
    this.mask = size - 1;
    if (this.all) return;
    lists.forEach((l, layer) => {
      const mark = layer + 1;
      for (let i = 0; i < l.count; i++) {
        const path = l.paths[i] ?? '';
        const kind = l.kinds[i] ?? K_DIR;
        const hiding = hides(kind);
        if (hiding && path === '/') this.rootHidden = mark;
        else if (hiding && !names(kind)) this.hidingBy[hashPath(path) & this.mask] = mark;
        if (!names(kind)) continue;
        // One pass over the path: its directories' hashes, then its own (which a hiding entry marks too).
        someAncestorHash(path, (h, self) => {
          const at = h & this.mask;
          if ((this.namedBy[at] ?? 0) < mark) this.namedBy[at] = mark;
          if (self && hiding && path !== '/') this.hidingBy[at] = mark;
          return false;
        });
      }
    });
  }

  /** Whether a layer above `layer` may name `path`, or a path under it ("maybe" reads as yes). */
  named(path: string, layer: number): boolean {
    if (layer + 1 >= this.top) return false;
    return this.all || (this.namedBy[hashPath(path) & this.mask] ?? 0) > layer + 1;
  }

  /** Whether a layer above `layer` may look up `path`, or hide it through a path above it ("maybe" reads as yes). */
  reached(path: string, layer: number): boolean {
    const above = layer + 1;
    if (above >= this.top) return false;
    if (this.all) return true;
    if (this.rootHidden > above) return true;
    return someAncestorHash(path, (h, self) =>
      self ? (this.namedBy[h & this.mask] ?? 0) > above : (this.hidingBy[h & this.mask] ?? 0) > above,
    );
  }
}

/** For our stack: every entry names its path; all but directories (whiteouts and opaque markers too) hide. */
export const stackReach = (lists: readonly LayerList[]) =>
  new LaterPaths(
    lists,
    () => true,
    (kind) => kind !== K_DIR,
  );

/** For dive's stacked trees, which only whiteouts look into: a whiteout names its target and hides what is under it. */
export const whiteoutReach = (lists: readonly LayerList[]) =>
  new LaterPaths(
    lists,
    (kind) => kind === K_WHITEOUT,
    (kind) => kind === K_WHITEOUT,
  );
