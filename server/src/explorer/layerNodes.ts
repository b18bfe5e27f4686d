// The layer explorer's view-model: from what the session knows of a document (its image, the match, the analysis, the
// previous build) to the nodes and tooltips `dfsize/layers` answers — image → stages (when several are in the image)
// → layers, base layers under their FROM → "Largest files", directories → files. Pure: it reads its input only.
import type { ImageAnalysis } from '../core/analysis';
import { instructionAtLine, type DockerfileModel } from '../core/dockerfile';
import type { LineTimings } from '../core/buildTiming';
import { formatBytes, formatDuration, plural } from '../core/format';
import type { MatchResult } from '../core/match';
import type { ResolvedImage } from '../images/resolve';
import { encodeNodeId, type LayerNode, type LayersResult, type NodeId } from '../protocol';
import type { PreviousBuild } from '../state/previousBuilds';
import { dirNodes, largestNode, largestNodes, notReady, type FilesSource, type Page } from './fileNodes';
import { layerDetail, type LayerRow } from './layerRows';

export interface ExplorerInput {
  readonly image: ResolvedImage;
  readonly model: DockerfileModel;
  readonly match: MatchResult;
  /** The image's layers as layerRows lists them. */
  readonly rows: readonly LayerRow[];
  /** The layer analysis, when it is done. */
  readonly analysis: ImageAnalysis | null;
  /** The layers' files, or why they cannot be listed yet. */
  readonly files: FilesSource;
  /** The build of this file before this image, when it was another image. */
  readonly previous: PreviousBuild | null;
  /** How long each line took in the build that made the image, when it was built here. */
  readonly timings: LineTimings | null;
  /** The document's status line (why this image). */
  readonly message: string;
}

const MAX_LINE_LABEL = 100;

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function answer(input: ExplorerInput, nodes: LayerNode[], message = ''): LayersResult {
  return { state: 'ok', message, imageId: input.image.info.id, nodes, total: nodes.length };
}

/** The children of `parent` (null: the top level), one page of them for directories. */
export function layerNodes(input: ExplorerInput, parent: NodeId | null, page: Page): LayersResult {
  if (parent === null) return answer(input, [imageNode(input)], input.message);
  const imageId = input.image.info.id;
  const { files } = input;
  switch (parent.kind) {
    case 'image':
      return answer(input, imageChildren(input));
    case 'stage':
      return answer(
        input,
        input.rows.filter((r) => !r.base && r.stage === parent.stage).map((r) => layerNode(input, r)),
      );
    case 'base':
      return answer(
        input,
        input.rows.filter((r) => r.base).map((r) => layerNode(input, r)),
      );
    case 'previous':
      return answer(input, previousLines(input));
    case 'largest':
      return files.ready ? largestNodes(files, imageId, input.rows, parent.layer) : notReady(files, parent, imageId);
    case 'layer': {
      if (!files.ready) return notReady(files, parent, imageId);
      const listing = dirNodes(files, imageId, parent.layer, '/', page);
      return page.offset > 0 ? listing : { ...listing, nodes: [largestNode(parent.layer), ...listing.nodes] };
    }
    case 'path':
    case 'more': {
      if (!files.ready) return notReady(files, parent, imageId);
      const [dir, offset] = parent.kind === 'more' ? [parent.dir, parent.offset] : [parent.path, page.offset];
      return dirNodes(files, imageId, parent.layer, dir, { offset, limit: page.limit });
    }
    default:
      return answer(input, []);
  }
}

/** The nodes from the top down to the layer `instruction` made (for revealing it); empty when it made none. */
export function layerPath(input: ExplorerInput, instruction: number): LayerNode[] {
  const { rows } = input;
  const row =
    rows.find((r) => r.instruction === instruction) ??
    (input.match.base?.instruction === instruction ? rows.find((r) => r.base) : undefined);
  if (!row) return [];
  const top = imageNode(input);
  if (row.base)
    return [
      top,
      baseGroup(
        input,
        rows.filter((r) => r.base),
      ),
    ];
  const stages = new Set(rows.filter((r) => !r.base).map((r) => r.stage));
  const stage =
    stages.size > 1
      ? [
          stageNode(
            input,
            row.stage,
            rows.filter((r) => r.stage === row.stage && !r.base),
          ),
        ]
      : [];
  return [top, ...stage, layerNode(input, row)];
}

function imageChildren(input: ExplorerInput): LayerNode[] {
  const { rows } = input;
  const base = rows.filter((r) => r.base);
  const baseNode = base.length ? [baseGroup(input, base)] : [];
  const stages = [...new Set(rows.filter((r) => !r.base).map((r) => r.stage))];
  const middle =
    stages.length > 1
      ? stages.map((st) =>
          stageNode(
            input,
            st,
            rows.filter((r) => r.stage === st && !r.base),
          ),
        )
      : rows.filter((r) => !r.base).map((r) => layerNode(input, r));
  return [...baseNode, ...middle, ...previousNode(input), largestNode(null)];
}

function imageNode(input: ExplorerInput): LayerNode {
  const { image, analysis, files } = input;
  const parts = [`**${image.ref}** · ${formatBytes(image.info.sizeBytes)} · ${image.reason}`];
  if (analysis)
    parts.push(
      `efficiency ${percent(analysis.dive.efficiencyScore)} · ${formatBytes(analysis.removableBytes)} removable`,
    );
  else if (!files.ready) parts.push(files.message);
  return {
    id: encodeNodeId({ kind: 'image' }),
    kind: 'image',
    label: image.ref,
    sizeBytes: image.info.sizeBytes,
    hasChildren: true,
    detail: parts.join('\n\n'),
    ...(analysis ? { removableBytes: analysis.removableBytes, status: percent(analysis.dive.efficiencyScore) } : {}),
  };
}

function layerNode(input: ExplorerInput, row: LayerRow): LayerNode {
  const facts = input.analysis?.layers[row.layer];
  const image = input.image.info;
  const timing = row.range ? input.timings?.get(row.range.startLine + 1) : undefined;
  return {
    id: encodeNodeId({ kind: 'layer', layer: row.layer }),
    kind: 'layer',
    label: row.label,
    sizeBytes: row.sizeBytes,
    share: image.sizeBytes ? row.sizeBytes / image.sizeBytes : 0,
    keyword: row.keyword,
    status: row.status,
    hasChildren: true,
    ...(row.range ? { range: row.range } : {}),
    ...(facts ? { removableBytes: facts.removableBytes } : {}),
    ...(timing ? { buildTime: timing.cached ? 'from cache' : formatDuration(timing.ms) } : {}),
    detail: layerDetail(row, facts, image.layers.length, image.sizeMeasure),
  };
}

function baseGroup(input: ExplorerInput, base: readonly LayerRow[]): LayerNode {
  const bytes = base.reduce((s, r) => s + r.sizeBytes, 0);
  const from = input.match.base ? input.model.instructions[input.match.base.instruction] : undefined;
  const total = input.image.info.sizeBytes;
  return {
    id: encodeNodeId({ kind: 'base' }),
    kind: 'base',
    label: from ? `FROM ${from.args}` : 'base image',
    sizeBytes: bytes,
    share: total ? bytes / total : 0,
    keyword: 'FROM',
    hasChildren: true,
    status: 'base',
    ...(from ? { range: { startLine: from.range.start.line, endLine: from.range.end.line } } : {}),
    detail: `**base** · ${formatBytes(bytes)} in ${plural(base.length, 'layer')}`,
  };
}

function stageNode(input: ExplorerInput, stage: number, rows: readonly LayerRow[]): LayerNode {
  const st = input.model.stages[stage];
  const name = `stage ${st?.name ?? String(stage)}`;
  const bytes = rows.reduce((s, r) => s + r.sizeBytes, 0);
  return {
    id: encodeNodeId({ kind: 'stage', stage }),
    kind: 'stage',
    label: name,
    sizeBytes: bytes,
    hasChildren: rows.length > 0,
    ...(st ? { range: { startLine: st.from.range.start.line, endLine: st.from.range.end.line } } : {}),
    detail: `**${name}** · ${formatBytes(bytes)} in ${plural(rows.length, 'layer')}`,
  };
}

/** The build before this one, from the sizes recorded when it was replaced (an image prune cannot lose them). */
function previousNode(input: ExplorerInput): LayerNode[] {
  const prev = input.previous;
  const now = input.image.info;
  if (!prev || prev.imageId === now.id) return [];
  const delta = now.sizeBytes - prev.sizeBytes;
  return [
    {
      id: encodeNodeId({ kind: 'previous' }),
      kind: 'previous',
      label: `previous build: ${prev.ref}`,
      sizeBytes: prev.sizeBytes,
      hasChildren: prev.lines.size > 0,
      status: `${delta >= 0 ? '+' : ''}${formatBytes(delta)} since`,
      detail: `**previous build** \`${prev.ref}\` (${prev.imageId.replace(/^sha256:/, '').slice(0, 12)}) · ${formatBytes(prev.sizeBytes)}, recorded ${prev.recordedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}\n\nnow \`${input.image.ref}\` · ${formatBytes(now.sizeBytes)}`,
    },
  ];
}

/** The previous build's size per line, beside what the line weighs now. */
function previousLines(input: ExplorerInput): LayerNode[] {
  const prev = input.previous;
  if (!prev) return [];
  const lines = input.model.text.split(/\r\n|\n|\r/);
  return [...prev.lines]
    .sort((a, b) => a[0] - b[0])
    .map(([line, bytes]): LayerNode => {
      const inst = instructionAtLine(input.model, line - 1);
      const now = inst ? (input.match.instructions[inst.index]?.layerBytes ?? null) : null;
      const text = (lines[line - 1] ?? '').trim();
      return {
        id: encodeNodeId({ kind: 'previousLine', line }),
        kind: 'layer',
        label: text.length > MAX_LINE_LABEL ? `${text.slice(0, MAX_LINE_LABEL - 1)}…` : text || `line ${String(line)}`,
        sizeBytes: bytes,
        keyword: inst?.keyword ?? 'RUN',
        hasChildren: false,
        status: now === null ? 'not in this build' : now === bytes ? 'unchanged' : `now ${formatBytes(now)}`,
        ...(inst ? { range: { startLine: inst.range.start.line, endLine: inst.range.end.line } } : {}),
        detail: `line ${String(line)} · was ${formatBytes(bytes)}${now !== null ? ` · now ${formatBytes(now)}` : ''}`,
      };
    });
}
