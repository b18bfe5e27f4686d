// The explorer's nodes for an image read from a registry, with no Dockerfile beside it: the image (labelled by the
// reference) → its layers (each named by the history row that made it) → directories → files, and the "Largest
// files" lists — the same file nodes as a document's image. Pure: it reads its input only.
import type { AnalyzedImage } from '../analysis/analyze';
import type { ImageContents } from '../analysis/contents';
import { formatBytes } from '../core/format';
import { normaliseRow } from '../core/history';
import { layersForImage, modelShells } from '../core/layers';
import { encodeNodeId, type LayerNode, type LayersResult, type NodeId } from '../protocol';
import { dirNodes, largestNode, largestNodes, layerName, type FilesSource, type Page } from './fileNodes';
import { layerDetail, type LayerRow } from './layerRows';

const MAX_LABEL = 120;

/** One row per layer: the history row that made it (when the history says), its size as the analysis measured it. */
function registryRows(image: AnalyzedImage): LayerRow[] {
  const { info, analysis } = image;
  const rowOf = new Map<number, number>();
  layersForImage(info, null).layerOf.forEach((layer, row) => {
    if (layer !== null && !rowOf.has(layer)) rowOf.set(layer, row);
  });
  return analysis.layers.map((facts, layer): LayerRow => {
    const row = rowOf.get(layer);
    const h = row !== undefined ? info.history[row] : undefined;
    const text = (h?.createdBy ?? '').replace(/ # buildkit$/, '').trim();
    return {
      layer,
      row: row ?? -1,
      base: false,
      stage: 0,
      instruction: null,
      keyword: (h && normaliseRow(h, modelShells(null)).keyword) ?? 'RUN',
      label: text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text || layerName(layer),
      createdBy: h?.createdBy ?? '',
      sizeBytes: facts.sizeBytes,
      status: 'registry',
      range: null,
    };
  });
}

function answer(imageId: string, nodes: LayerNode[], message = ''): LayersResult {
  return { state: 'ok', message, imageId, nodes, total: nodes.length };
}

function imageNode(ref: string, image: AnalyzedImage, total: number): LayerNode {
  const { analysis } = image;
  const efficiency = `${(analysis.dive.efficiencyScore * 100).toFixed(1)}%`;
  return {
    id: encodeNodeId({ kind: 'image' }),
    kind: 'image',
    label: ref,
    sizeBytes: total,
    hasChildren: true,
    status: efficiency,
    removableBytes: analysis.removableBytes,
    detail: [
      `**${ref}** · ${formatBytes(total)} · ${image.platform ?? 'platform not recorded'} · config \`${image.info.id}\``,
      `efficiency ${efficiency} · ${formatBytes(analysis.removableBytes)} removable`,
    ].join('\n\n'),
  };
}

function layerNode(row: LayerRow, image: AnalyzedImage, total: number): LayerNode {
  const facts = image.analysis.layers[row.layer];
  return {
    id: encodeNodeId({ kind: 'layer', layer: row.layer }),
    kind: 'layer',
    label: row.label,
    sizeBytes: row.sizeBytes,
    share: total ? row.sizeBytes / total : 0,
    keyword: row.keyword,
    hasChildren: true,
    ...(facts?.removableBytes ? { removableBytes: facts.removableBytes } : {}),
    detail: layerDetail(row, facts, image.analysis.layers.length, image.info.sizeMeasure),
  };
}

/** The children of `parent` (null: the top level) for the registry image `ref`, one page of them for directories. */
export function registryNodes(
  ref: string,
  image: AnalyzedImage,
  contents: ImageContents,
  parent: NodeId | null,
  page: Page,
): LayersResult {
  const id = image.info.id;
  const rows = registryRows(image);
  const total = rows.reduce((n, r) => n + r.sizeBytes, 0);
  const files: Extract<FilesSource, { ready: true }> = { ready: true, contents, analysis: image.analysis };
  if (parent === null) return answer(id, [imageNode(ref, image, total)]);
  switch (parent.kind) {
    case 'image':
      return answer(id, [...rows.map((r) => layerNode(r, image, total)), largestNode(null)]);
    case 'largest':
      return largestNodes(files, id, rows, parent.layer);
    case 'layer': {
      const listing = dirNodes(files, id, parent.layer, '/', page);
      return page.offset > 0 ? listing : { ...listing, nodes: [largestNode(parent.layer), ...listing.nodes] };
    }
    case 'path':
    case 'more': {
      const [dir, offset] = parent.kind === 'more' ? [parent.dir, parent.offset] : [parent.path, page.offset];
      return dirNodes(files, id, parent.layer, dir, { offset, limit: page.limit });
    }
    default:
      return answer(id, []);
  }
}
