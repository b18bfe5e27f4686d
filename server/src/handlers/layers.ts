// The layer explorer's data (`dfsize/layers`): image → stages (when several are in the image) → layers, base layers
// under their FROM → directories → files, dive-style, paged; and `dfsize/layerAtLine` for revealing a line's layer.
// The client never talks to the engine: everything comes from the session (match, row↔layer pairing, analysis).
import type { ImageAnalysis } from '../core/analysis';
import { instructionAtLine } from '../core/dockerfile';
import { formatBytes, formatDuration, plural } from '../core/format';
import { measureNote } from '../core/history';
import {
  AnalyseRequest,
  LayerAtLineRequest,
  LayersChangedNotification,
  LayersRequest,
  type LayerNode,
  type LayersResult,
} from '../protocol';
import { fsPathOf } from '../state/documentImages';
import type { DocumentView, Session } from '../state/session';
import { layerRows, type LayerRow } from './layerRows';
import { Params } from './params';

const PAGE = 200;
const MAX_PAGE = 1000;

function result(
  state: LayersResult['state'],
  message: string,
  nodes: LayerNode[] = [],
  imageId: string | null = null,
  total = nodes.length,
): LayersResult {
  return { state, message, imageId, nodes, total };
}

function layerNode(row: LayerRow, view: DocumentView, analysis: ImageAnalysis | null): LayerNode {
  const facts = analysis?.layers[row.layer];
  const image = view.state.image!.info;
  const timing = row.range ? view.timings?.get(row.range.startLine + 1) : undefined;
  return {
    id: `layer:${row.layer}`,
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
    detail: [
      `**${row.keyword}** · ${formatBytes(row.sizeBytes)} (${measureNote(image.sizeMeasure, facts?.sizeBytes ?? null)}) · layer ${row.layer + 1} of ${image.layers.length}`,
      facts
        ? `${facts.added} added · ${facts.modified} modified · ${facts.removed} removed${facts.removableBytes ? ` · ${formatBytes(facts.removableBytes)} removable later` : ''}`
        : '',
      '```text',
      row.createdBy || '(no CreatedBy)',
      '```',
    ]
      .filter(Boolean)
      .join('\n\n'),
  };
}

function topLevel(view: DocumentView, analysis: ImageAnalysis | null, status: string): LayerNode {
  const image = view.state.image!;
  const parts = [`**${image.ref}** · ${formatBytes(image.info.sizeBytes)} · ${image.reason}`];
  if (analysis)
    parts.push(
      `efficiency ${(analysis.dive.efficiencyScore * 100).toFixed(1)}% · ${formatBytes(analysis.removableBytes)} removable`,
    );
  else parts.push(status);
  return {
    id: 'image',
    kind: 'image',
    label: image.ref,
    sizeBytes: image.info.sizeBytes,
    hasChildren: true,
    detail: parts.join('\n\n'),
    ...(analysis
      ? { removableBytes: analysis.removableBytes, status: `${(analysis.dive.efficiencyScore * 100).toFixed(1)}%` }
      : {}),
  };
}

/** Why a layer's files cannot be listed yet, or null when the analysis is done. */
function analysisMessage(session: Session, imageId: string): string | null {
  const s = session.analyses.state(imageId);
  if (!s) return 'not analysed yet: run "Analyse Image Layers"';
  if (s.status === 'running') return `analysing…${s.percent !== null ? ` ${s.percent}%` : ''}`;
  if (s.status === 'failed') return `the analysis failed: ${s.message}`;
  if (s.status === 'cancelled') return 'the analysis was cancelled: run "Analyse Image Layers" again';
  return null;
}

function files(
  session: Session,
  view: DocumentView,
  layer: number,
  dir: string,
  offset: number,
  limit: number,
): LayersResult {
  const imageId = view.state.image!.info.id;
  const done = session.analyses.result(imageId);
  const why = analysisMessage(session, imageId);
  if (!done?.contents || why)
    return result(
      done ? 'ok' : session.analyses.state(imageId)?.status === 'failed' ? 'failed' : 'analysing',
      why ?? 'no contents',
      [{ id: `message:${layer}`, kind: 'message', label: why ?? 'no contents', hasChildren: false }],
      imageId,
    );
  const page = done.contents.listDir(layer, dir, { offset, limit });
  // Only the waste under this directory can touch its children.
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const waste = done.analysis.attribution.filter(
    (w) => w.addedLayer === layer && (w.path.startsWith(prefix) || prefix.startsWith(`${w.path}/`)),
  );
  const nodes: LayerNode[] = page.children.map((c) => {
    const removable = waste.filter(
      (w) => w.path === c.path || c.path.startsWith(`${w.path}/`) || w.path.startsWith(`${c.path}/`),
    );
    const removableBytes = removable.reduce((s, w) => s + w.bytes, 0);
    return {
      id: `path:${layer}:${c.path}`,
      kind: c.hasChildren ? 'dir' : 'file',
      label: c.name,
      sizeBytes: c.bytes,
      status: c.status,
      fileType: c.type,
      hasChildren: c.hasChildren,
      ...(removableBytes
        ? { removableBytes, removable: removable.some((w) => w.path === c.path || c.path.startsWith(`${w.path}/`)) }
        : {}),
      detail: `\`${c.path}\` · ${c.status} · ${formatBytes(c.bytes)}${c.removedBytes ? ` · removes ${formatBytes(c.removedBytes)}` : ''}${c.linkTarget ? ` → \`${c.linkTarget}\`` : ''}${removableBytes ? `\n\n${formatBytes(removableBytes)} of it is deleted or overwritten by a later layer` : ''}`,
    };
  });
  const next = page.offset + page.children.length;
  if (next < page.total)
    nodes.push({
      id: `more:${layer}:${dir}:${next}`,
      kind: 'more',
      label: `${page.total - next} more…`,
      hasChildren: false,
    });
  return result('ok', '', nodes, imageId, page.total);
}

async function layers(
  session: Session,
  uri: string,
  parent: string | null,
  offset: number,
  limit: number,
): Promise<LayersResult> {
  const view = await session.view(uri);
  if (!view) return result('no-document', 'open a Dockerfile to see its layers');
  const s = view.state;
  if (!s.image || !view.match || !view.rowLayers) {
    const noEngine = s.conn?.status.reachable === false || !s.conn;
    return result(noEngine ? 'no-engine' : 'no-image', s.message);
  }
  const imageId = s.image.info.id;
  const analysis = session.analyses.result(imageId)?.analysis ?? null;
  const rows = layerRows(view);
  if (parent === null)
    return result('ok', s.message, [topLevel(view, analysis, analysisMessage(session, imageId) ?? '')], imageId);
  if (parent === 'previous') return result('ok', '', await previousLines(session, view), imageId);
  if (parent === 'image' || parent.startsWith('stage:')) {
    const previous = parent === 'image' ? await previousNode(session, view) : [];
    const stages = [...new Set(rows.filter((r) => !r.base).map((r) => r.stage))];
    if (parent === 'image' && stages.length > 1) {
      const base = rows.filter((r) => r.base);
      const baseNode: LayerNode[] = base.length ? [baseGroup(view, base)] : [];
      return result(
        'ok',
        '',
        [
          ...baseNode,
          ...stages.map((st) =>
            stageNode(
              view,
              st,
              rows.filter((r) => r.stage === st && !r.base),
            ),
          ),
          ...previous,
        ],
        imageId,
      );
    }
    const mine = rows.filter((r) => !r.base && (parent === 'image' || r.stage === Number(parent.slice(6))));
    const base = parent === 'image' ? rows.filter((r) => r.base) : [];
    return result(
      'ok',
      '',
      [...(base.length ? [baseGroup(view, base)] : []), ...mine.map((r) => layerNode(r, view, analysis)), ...previous],
      imageId,
    );
  }
  if (parent === 'base')
    return result(
      'ok',
      '',
      rows.filter((r) => r.base).map((r) => layerNode(r, view, analysis)),
      imageId,
    );
  const layer = /^layer:(\d+)$/.exec(parent);
  if (layer) return files(session, view, Number(layer[1]), '/', offset, limit);
  // 'path:<layer>:<dir>' and 'more:<layer>:<dir>:<offset>' (only "more" ids carry an offset: a file may end in ':123').
  const more = /^more:(\d+):(.*):(\d+)$/.exec(parent);
  if (more) return files(session, view, Number(more[1]), more[2]!, Number(more[3]), limit);
  const path = /^path:(\d+):(.*)$/.exec(parent);
  if (path) return files(session, view, Number(path[1]), path[2]!, offset, limit);
  return result('ok', '', [], imageId);
}

/** The build before this one, from the sizes recorded when it was replaced (an image prune cannot lose them). */
async function previousNode(session: Session, view: DocumentView): Promise<LayerNode[]> {
  const file = fsPathOf(view.doc.uri);
  const prev = file ? await session.previousBuilds.get(file) : undefined;
  const now = view.state.image!.info;
  if (!prev || prev.imageId === now.id) return [];
  const delta = now.sizeBytes - prev.sizeBytes;
  return [
    {
      id: 'previous',
      kind: 'previous',
      label: `previous build: ${prev.ref}`,
      sizeBytes: prev.sizeBytes,
      hasChildren: prev.lines.size > 0,
      status: `${delta >= 0 ? '+' : ''}${formatBytes(delta)} since`,
      detail: `**previous build** \`${prev.ref}\` (${prev.imageId.replace(/^sha256:/, '').slice(0, 12)}) · ${formatBytes(prev.sizeBytes)}, recorded ${prev.recordedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}\n\nnow \`${view.state.image!.ref}\` · ${formatBytes(now.sizeBytes)}`,
    },
  ];
}

/** The previous build's size per line, beside what the line weighs now. */
async function previousLines(session: Session, view: DocumentView): Promise<LayerNode[]> {
  const file = fsPathOf(view.doc.uri);
  const prev = file ? await session.previousBuilds.get(file) : undefined;
  if (!prev) return [];
  const lines = view.model.text.split(/\r\n|\n|\r/);
  return [...prev.lines]
    .sort((a, b) => a[0] - b[0])
    .map(([line, bytes]): LayerNode => {
      const inst = instructionAtLine(view.model, line - 1);
      const now = inst ? view.match!.instructions[inst.index]!.layerBytes : null;
      const text = (lines[line - 1] ?? '').trim();
      return {
        id: `previous:${line}`,
        kind: 'layer',
        label: text.length > 100 ? `${text.slice(0, 99)}…` : text || `line ${line}`,
        sizeBytes: bytes,
        keyword: inst?.keyword ?? 'RUN',
        hasChildren: false,
        status: now === null ? 'not in this build' : now === bytes ? 'unchanged' : `now ${formatBytes(now)}`,
        ...(inst ? { range: { startLine: inst.range.start.line, endLine: inst.range.end.line } } : {}),
        detail: `line ${line} · was ${formatBytes(bytes)}${now !== null ? ` · now ${formatBytes(now)}` : ''}`,
      };
    });
}

function baseGroup(view: DocumentView, base: LayerRow[]): LayerNode {
  const bytes = base.reduce((s, r) => s + r.sizeBytes, 0);
  const from = view.match!.base ? view.model.instructions[view.match!.base.instruction] : undefined;
  return {
    id: 'base',
    kind: 'base',
    label: from ? `FROM ${from.args}` : 'base image',
    sizeBytes: bytes,
    share: view.state.image!.info.sizeBytes ? bytes / view.state.image!.info.sizeBytes : 0,
    keyword: 'FROM',
    hasChildren: true,
    status: 'base',
    ...(from ? { range: { startLine: from.range.start.line, endLine: from.range.end.line } } : {}),
    detail: `**base** · ${formatBytes(bytes)} in ${plural(base.length, 'layer')}`,
  };
}

function stageNode(view: DocumentView, stage: number, rows: LayerRow[]): LayerNode {
  const st = view.model.stages[stage]!;
  const bytes = rows.reduce((s, r) => s + r.sizeBytes, 0);
  return {
    id: `stage:${stage}`,
    kind: 'stage',
    label: `stage ${st.name ?? stage}`,
    sizeBytes: bytes,
    hasChildren: rows.length > 0,
    range: { startLine: st.from.range.start.line, endLine: st.from.range.end.line },
    detail: `**stage ${st.name ?? stage}** · ${formatBytes(bytes)} in ${rows.length} layers`,
  };
}

export function registerLayers(session: Session): void {
  session.connection.onRequest(LayersRequest.type, (raw) => {
    const p = new Params(LayersRequest.method, raw);
    return layers(
      session,
      p.string('uri'),
      p.stringOrNull('parent'),
      p.count('offset', 0, 0),
      Math.min(p.count('limit', 1, PAGE), MAX_PAGE),
    );
  });

  session.connection.onRequest(LayerAtLineRequest.type, async (raw) => {
    const p = new Params(LayerAtLineRequest.method, raw);
    const [uri, line] = [p.string('uri'), p.count('line', 0)];
    const view = await session.view(uri);
    if (!view?.match || !view.state.image) return [];
    const inst = instructionAtLine(view.model, line);
    if (!inst) return [];
    const rows = layerRows(view);
    const row =
      rows.find((r) => r.instruction === inst.index) ??
      (view.match.base?.instruction === inst.index ? rows.find((r) => r.base) : undefined);
    if (!row) return [];
    const analysis = session.analyses.result(view.state.image.info.id)?.analysis ?? null;
    const stages = new Set(rows.filter((r) => !r.base).map((r) => r.stage));
    const path: LayerNode[] = [topLevel(view, analysis, '')];
    if (row.base)
      return [
        ...path,
        baseGroup(
          view,
          rows.filter((r) => r.base),
        ),
      ];
    if (stages.size > 1)
      path.push(
        stageNode(
          view,
          row.stage,
          rows.filter((r) => r.stage === row.stage && !r.base),
        ),
      );
    return [...path, layerNode(row, view, analysis)];
  });

  session.connection.onRequest(AnalyseRequest.type, (raw) =>
    session.analyse(new Params(AnalyseRequest.method, raw).string('uri'), true),
  );

  const changed = (uri: string) => void session.connection.sendNotification(LayersChangedNotification.type, { uri });
  session.own(session.onDocumentChange(changed), session.onAnalysisChange(changed));
}
