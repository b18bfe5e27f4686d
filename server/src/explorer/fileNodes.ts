// The explorer's nodes below a layer: its files and directories, a page at a time (dive-style, biggest first), and the
// "Largest files" lists of a layer and of the whole image, each file marked when a later layer deletes or overwrites
// it (the image ships it for nothing). Pure: the contents are read through ExplorerContents, nothing else is touched.
import type { ImageAnalysis, WasteItem } from '../core/analysis';
import { formatBytes } from '../core/format';
import type { DirPage, ListOptions } from '../analysis/contents';
import { encodeNodeId, type LayerNode, type LayersResult, type NodeId } from '../protocol';
import type { LayerRow } from './layerRows';

/** How many files a "Largest files" list holds. */
export const LARGEST_FILES = 100;

/** What the explorer reads of the analysed layers (analysis/contents ImageContents). */
interface ExplorerContents {
  listDir(layer: number, dir: string, opts: ListOptions): DirPage;
  /** The largest files `layer` added or modified, biggest first. */
  topPaths(layer: number, n: number): ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
}

/** The layers' files, or why they cannot be listed (yet): the state and message the explorer answers instead. */
export type FilesSource =
  | { readonly ready: true; readonly contents: ExplorerContents; readonly analysis: ImageAnalysis }
  | { readonly ready: false; readonly state: LayersResult['state']; readonly message: string };

export interface Page {
  readonly offset: number;
  readonly limit: number;
}

/** A layer as the explorer names it to a person: 1-based. */
export function layerName(layer: number): string {
  return `layer ${String(layer + 1)}`;
}

type Ready = Extract<FilesSource, { ready: true }>;

function answer(imageId: string, nodes: LayerNode[], total = nodes.length): LayersResult {
  return { state: 'ok', message: '', imageId, nodes, total };
}

/** The one child of a node whose files cannot be listed: why. */
export function notReady(files: Extract<FilesSource, { ready: false }>, parent: NodeId, imageId: string): LayersResult {
  const node: LayerNode = {
    id: encodeNodeId({ kind: 'message', parent }),
    kind: 'message',
    label: files.message,
    hasChildren: false,
  };
  return { state: files.state, message: files.message, imageId, nodes: [node], total: 1 };
}

/** The waste items a layer's entry at `path` is part of: the entry itself, or a directory deleted around it. */
function wasteAt(analysis: ImageAnalysis, layer: number, path: string): WasteItem[] {
  return analysis.attribution.filter(
    (w) => w.addedLayer === layer && (w.path === path || path.startsWith(`${w.path}/`)),
  );
}

/** One page of the children of `dir` in `layer`. */
export function dirNodes(files: Ready, imageId: string, layer: number, dir: string, page: Page): LayersResult {
  const listing = files.contents.listDir(layer, dir, page);
  // Only the waste under this directory (or around it) can touch its children.
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const waste = files.analysis.attribution.filter(
    (w) => w.addedLayer === layer && (w.path.startsWith(prefix) || prefix.startsWith(`${w.path}/`)),
  );
  const nodes = listing.children.map((c): LayerNode => {
    const touching = waste.filter(
      (w) => w.path === c.path || c.path.startsWith(`${w.path}/`) || w.path.startsWith(`${c.path}/`),
    );
    const removableBytes = touching.reduce((s, w) => s + w.bytes, 0);
    const details = [
      `\`${c.path}\` · ${c.status} · ${formatBytes(c.bytes)}`,
      c.removedBytes ? ` · removes ${formatBytes(c.removedBytes)}` : '',
      c.linkTarget ? ` → \`${c.linkTarget}\`` : '',
      removableBytes ? `\n\n${formatBytes(removableBytes)} of it is deleted or overwritten by a later layer` : '',
    ];
    return {
      id: encodeNodeId({ kind: 'path', layer, path: c.path }),
      kind: c.hasChildren ? 'dir' : 'file',
      label: c.name,
      sizeBytes: c.bytes,
      status: c.status,
      fileType: c.type,
      hasChildren: c.hasChildren,
      ...(removableBytes
        ? { removableBytes, removable: touching.some((w) => w.path === c.path || c.path.startsWith(`${w.path}/`)) }
        : {}),
      detail: details.join(''),
    };
  });
  const next = listing.offset + listing.children.length;
  if (next < listing.total)
    nodes.push({
      id: encodeNodeId({ kind: 'more', layer, dir: listing.dir, offset: next }),
      kind: 'more',
      label: `${String(listing.total - next)} more…`,
      hasChildren: false,
    });
  return answer(imageId, nodes, listing.total);
}

/** The "Largest files" node of a layer (`layer`) or of the whole image (null). */
export function largestNode(layer: number | null): LayerNode {
  return {
    id: encodeNodeId({ kind: 'largest', layer }),
    kind: 'largest',
    label: 'Largest files',
    hasChildren: true,
    detail:
      layer === null
        ? `The ${String(LARGEST_FILES)} largest files the image's layers ship, biggest first; those a later layer deletes or overwrites are marked removable.`
        : `The ${String(LARGEST_FILES)} largest files this layer adds or changes, biggest first; those a later layer deletes or overwrites are marked removable.`,
  };
}

interface Shipped {
  readonly layer: number;
  readonly path: string;
  readonly bytes: number;
}

/** The largest files of one layer, or of every layer together (`layer` null), biggest first. */
function largestFiles(contents: ExplorerContents, layers: number, layer: number | null): Shipped[] {
  const of = (l: number) => contents.topPaths(l, LARGEST_FILES).map((p) => ({ layer: l, ...p }));
  if (layer !== null) return of(layer);
  // The image's largest are among each layer's largest.
  const all = Array.from({ length: layers }, (_, l) => of(l)).flat();
  return all
    .sort((a, b) => b.bytes - a.bytes || a.layer - b.layer || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, LARGEST_FILES);
}

/** The files of a "Largest files" list, each tied to the line that made its layer. */
export function largestNodes(
  files: Ready,
  imageId: string,
  rows: readonly LayerRow[],
  layer: number | null,
): LayersResult {
  const rowOf = new Map(rows.map((r) => [r.layer, r]));
  const shipped = largestFiles(files.contents, files.analysis.layers.length, layer);
  const nodes = shipped.map((f): LayerNode => {
    const row = rowOf.get(f.layer);
    const waste = wasteAt(files.analysis, f.layer, f.path);
    const gone = waste[0];
    const by = gone && rowOf.get(gone.removedLayer);
    return {
      id: encodeNodeId({ kind: 'largestFile', inImage: layer === null, layer: f.layer, path: f.path }),
      kind: 'file',
      label: f.path,
      sizeBytes: f.bytes,
      hasChildren: false,
      ...(gone ? { removable: true } : {}),
      ...(layer === null
        ? { origin: `${layerName(f.layer)}${row ? ` · ${row.base ? 'base' : row.keyword}` : ''}` }
        : {}),
      ...(row?.range ? { range: row.range } : {}),
      detail: [
        `\`${f.path}\` · ${formatBytes(f.bytes)} · ${layerName(f.layer)}${row ? `: \`${row.label}\`` : ''}`,
        gone
          ? `${gone.kind} by ${layerName(gone.removedLayer)}${by ? `: \`${by.label}\`` : ''}: the image ships it for nothing`
          : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    };
  });
  return answer(imageId, nodes);
}
