// What a container started from the image sees, in bytes per directory: the layers applied the way the engine unpacks
// them (a whiteout hides the path and everything under it, an opaque marker the old contents of its directory, a file
// or link hides an older copy at its path and anything under it), then each visible byte counted in every directory
// above it down to DIR_DEPTH. Two images' maps are what `dfsize compare` sets side by side.
import { isRemoval, K_DIR, type LayerList } from './entries';

/** Directories deeper than this are counted in their ancestor at this depth (`/usr/lib/x86_64-linux-gnu`). */
const DIR_DEPTH = 3;

/** Whether `path` or a directory above it is in `cleared`. */
function hiddenBy(cleared: ReadonlySet<string>, path: string): boolean {
  if (cleared.has(path)) return true;
  for (let at = path.lastIndexOf('/'); at > 0; at = path.lastIndexOf('/', at - 1))
    if (cleared.has(path.slice(0, at))) return true;
  return false;
}

/** Adds `bytes` to `path` cut to DIR_DEPTH and to each directory above it ('/' is the total). */
function addUp(out: Map<string, number>, path: string, bytes: number): void {
  out.set('/', (out.get('/') ?? 0) + bytes);
  const parts = path.split('/').filter(Boolean).slice(0, DIR_DEPTH);
  let prefix = '';
  for (const part of parts) {
    prefix += `/${part}`;
    out.set(prefix, (out.get(prefix) ?? 0) + bytes);
  }
}

/**
 * Visible bytes by path: every directory down to DIR_DEPTH and every file at that depth or above, with '/' the whole
 * file system. Layers bottom first. Read top down: an entry counts unless a layer above it hid its path.
 */
export function visibleBytes(lists: readonly LayerList[]): Map<string, number> {
  const out = new Map<string, number>();
  const cleared = new Set<string>();
  for (let layer = lists.length - 1; layer >= 0; layer--) {
    const list = lists[layer];
    if (!list) continue;
    // Entries of one layer never hide each other (its list holds one entry per path): what this layer hides applies
    // to the layers below it only.
    const hides: string[] = [];
    for (let i = 0; i < list.count; i++) {
      const path = list.paths[i] ?? '';
      const kind = list.kinds[i] ?? K_DIR;
      if (isRemoval(kind)) {
        hides.push(path);
        continue;
      }
      if (kind !== K_DIR) hides.push(path);
      const bytes = list.sizes[i] ?? 0;
      if (bytes > 0 && !hiddenBy(cleared, path)) addUp(out, path, bytes);
    }
    for (const p of hides) cleared.add(p);
  }
  return out;
}
