// dive's own export (`dive IMAGE --json FILE`), written as dive 0.13.1 writes it (wagoodman/dive: runtime/export,
// dive/filetree/file_info.go, dive/image/docker/image_archive.go, config.go, layer.go), so that scripts written for
// dive's file read ours unchanged:
//  - `layer[]`: index; id, the first folder of the layer's path in the archive (`<id>/layer.tar` → `<id>`; Docker ≥ 25
//    and containerd saves, `blobs/sha256/<hex>`, give `blobs`, as in dive); digestId, the diffID its history row was
//    paired with; sizeBytes, Σ of the tar header sizes of every entry; command, the row's created_by without
//    `/bin/sh -c `; fileList, every node of the layer's tree, children first, in byte order of names: an entry's tar
//    header (path as Go's path.Clean gives it, Go's os.FileMode, the raw type flag and link name), or an empty record
//    for a parent the layer has no entry for; `.wh..wh.` names stop their path, as in dive's AddPath;
//  - `image{}`: sizeBytes (Σ of the layers'), inefficientBytes, efficiencyScore and fileReference from diveFigures;
//  - the text as Go's json.MarshalIndent writes it: two-space indent, `<`, `>`, `&`, U+2028, U+2029 escaped as \uXXXX,
//    \b and \f as \u0008 and \u000c, and no newline at the end.
import type { DiveFigures } from '../core/analysis';
import type { HistoryRow, ImageInfo } from '../core/history';
import type { TarHeader } from '../engine/tarFormat';
import { compareUtf8 } from './dive';

/** dive's filetree.FileInfo, in its field order. */
export interface DiveFileInfo {
  readonly path: string;
  readonly typeFlag: number;
  readonly linkName: string;
  readonly size: number;
  readonly fileMode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDir: boolean;
}

export interface DiveExportLayer {
  readonly index: number;
  readonly id: string;
  readonly digestId: string;
  readonly sizeBytes: number;
  readonly command: string;
  readonly fileList: readonly DiveFileInfo[];
}

export interface DiveExport {
  readonly layer: readonly DiveExportLayer[];
  readonly image: {
    readonly sizeBytes: number;
    readonly inefficientBytes: number;
    readonly efficiencyScore: number;
    readonly fileReference: ReadonlyArray<{
      readonly count: number;
      readonly sizeBytes: number;
      readonly file: string;
    }>;
  };
}

const EMPTY: DiveFileInfo = { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false };

// Go's os.FileMode bits (io/fs) and the Unix mode's file type bits that archive/tar reads them from.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR_DEVICE = 2 ** 21;
const MODE_STICKY = 2 ** 20;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IFMT = 0o170000;
/** The Unix file type bits and the os.FileMode bits Go gives them. */
const S_TYPE: ReadonlyMap<number, readonly number[]> = new Map([
  [0o40000, [MODE_DIR]],
  [0o10000, [MODE_NAMED_PIPE]],
  [0o120000, [MODE_SYMLINK]],
  [0o60000, [MODE_DEVICE]],
  [0o20000, [MODE_DEVICE, MODE_CHAR_DEVICE]],
  [0o140000, [MODE_SOCKET]],
]);
/** Type flags ('2', '3', '4', '5', '6') and the os.FileMode bits Go adds for them. */
const FLAG_TYPE: ReadonlyMap<number, readonly number[]> = new Map([
  [0x32, [MODE_SYMLINK]],
  [0x33, [MODE_DEVICE, MODE_CHAR_DEVICE]],
  [0x34, [MODE_DEVICE]],
  [0x35, [MODE_DIR]],
  [0x36, [MODE_NAMED_PIPE]],
]);

/** archive/tar's `Header.FileInfo().Mode()`: permissions, setuid/setgid/sticky, then the type from mode and flag. */
export function goFileMode(mode: number, typeflag: number): number {
  const bits = new Set<number>([...(S_TYPE.get(mode & S_IFMT) ?? []), ...(FLAG_TYPE.get(typeflag) ?? [])]);
  if (mode & S_ISUID) bits.add(MODE_SETUID);
  if (mode & S_ISGID) bits.add(MODE_SETGID);
  if (mode & S_ISVTX) bits.add(MODE_STICKY);
  // Distinct powers of two above 2^31 too: added as numbers (JavaScript's | works on 32-bit signed integers).
  let m = mode & 0o777;
  for (const b of bits) m += b;
  return m;
}

/** Go's path.Clean. */
export function goCleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s || '.';
}

class Node {
  children: Map<string, Node> | null = null;
  info: DiveFileInfo = EMPTY;
}

interface LayerTree {
  readonly root: Node;
  sizeBytes: number;
}

/** The layer trees dive builds from the tar headers, keyed by the blob's path in the archive (AnalyzeOptions.onHeader). */
export class DiveFileLists {
  private readonly trees = new Map<string, LayerTree>();

  add(blob: string, h: TarHeader): void {
    const path = goCleanPath(h.name);
    if (path === '.') return;
    let tree = this.trees.get(blob);
    if (!tree) this.trees.set(blob, (tree = { root: new Node(), sizeBytes: 0 }));
    tree.sizeBytes += h.size;
    const fileMode = goFileMode(h.mode, h.typeflag);
    const info: DiveFileInfo = {
      path,
      typeFlag: h.typeflag,
      linkName: h.linkname,
      size: h.size,
      fileMode,
      uid: h.uid,
      gid: h.gid,
      isDir: fileMode >= MODE_DIR,
    };
    const names = path.replace(/^\/+|\/+$/g, '').split('/');
    let node = tree.root;
    for (const [i, name] of names.entries()) {
      if (name === '') continue;
      let next = node.children?.get(name);
      if (!next) {
        // dive does not add what a `.wh..wh.` name would delete (its opaque markers and aufs bookkeeping).
        if (name.startsWith('.wh..wh.')) return;
        (node.children ??= new Map()).set(name, (next = new Node()));
      }
      node = next;
      if (i === names.length - 1) node.info = info;
    }
  }

  /** The blob's nodes in dive's order (VisitDepthChildFirst), and its size; empty for a blob with no entries. */
  layer(blob: string): { fileList: DiveFileInfo[]; sizeBytes: number } {
    const tree = this.trees.get(blob);
    const fileList: DiveFileInfo[] = [];
    const visit = (n: Node) => {
      for (const name of [...(n.children?.keys() ?? [])].sort(compareUtf8)) {
        const c = n.children?.get(name);
        if (!c) continue;
        visit(c);
        fileList.push(c.info);
      }
    };
    if (tree) visit(tree.root);
    return { fileList, sizeBytes: tree?.sizeBytes ?? 0 };
  }
}

/** dive's pairing of layers with history rows (image_archive.go ToImage, config.go newConfig). */
function pairedRows(history: readonly HistoryRow[], diffIds: readonly string[], layers: number) {
  const empty = (k: number) => history[k]?.emptyLayer === true;
  const ids: string[] = [];
  let next = 0;
  for (let k = 0; k < history.length; k++) ids.push(empty(k) ? '<missing>' : (diffIds[next++] ?? ''));
  const rows: Array<{ createdBy: string; id: string }> = [];
  let at = 0;
  for (let i = 0; i < layers; i++) {
    for (let k = at; k < history.length; k++) {
      if (!empty(k)) {
        at = k;
        break;
      }
    }
    const row = history[at];
    if (row && !empty(at)) {
      rows.push({ createdBy: row.createdBy, id: ids[at] ?? '' });
      at++;
    } else rows.push({ createdBy: '(missing)', id: '' });
  }
  return rows;
}

/** dive's export of an image whose layers sat at `layerBlobs` in its archive or export. */
export function diveExport(
  info: ImageInfo,
  layerBlobs: readonly string[],
  lists: DiveFileLists,
  figures: DiveFigures,
): DiveExport {
  const rows = pairedRows(info.history, info.layers, layerBlobs.length);
  const layer = layerBlobs.map((blob, index): DiveExportLayer => {
    const { fileList, sizeBytes } = lists.layer(blob);
    const row = rows[index] ?? { createdBy: '(missing)', id: '' };
    return {
      index,
      id: blob.split('/')[0] ?? '',
      digestId: row.id,
      sizeBytes,
      command: row.createdBy.startsWith('/bin/sh -c ') ? row.createdBy.slice('/bin/sh -c '.length) : row.createdBy,
      fileList,
    };
  });
  return {
    layer,
    image: {
      sizeBytes: layer.reduce((s, l) => s + l.sizeBytes, 0),
      inefficientBytes: figures.inefficientBytes,
      efficiencyScore: figures.efficiencyScore,
      fileReference: figures.fileReference.map((f) => ({ count: f.count, sizeBytes: f.sizeBytes, file: f.file })),
    },
  };
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
  '\\b': '\\u0008',
  '\\f': '\\u000c',
};

/** A value as Go's json.MarshalIndent(v, "", "  ") writes it (for the values an export holds: no NaN, no Infinity). */
export function goJson(value: unknown): string {
  // Outside strings JSON has none of these characters, and a backslash always starts an escape: pairs are matched
  // first, so `\\b` (an escaped backslash, then b) stays as it is.
  return JSON.stringify(value, null, 2).replace(/\\.|[<>&\u2028\u2029]/g, (m) => GO_ESCAPES[m] ?? m);
}
