// The layer explorer's requests (`dfsize/layers`, `dfsize/layerAtLine`, `dfsize/analyse`): each reads its params,
// gathers what the session knows of the document and hands it to the explorer's view-model (explorer/layerNodes).
// The client never talks to the engine: everything comes from the session (match, row↔layer pairing, analysis).
import { instructionAtLine } from '../core/dockerfile';
import type { FilesSource } from '../explorer/fileNodes';
import { layerNodes, layerPath, type ExplorerInput } from '../explorer/layerNodes';
import { layerRows } from '../explorer/layerRows';
import {
  AnalyseRequest,
  decodeNodeId,
  LayerAtLineRequest,
  LayersChangedNotification,
  LayersRequest,
  type LayersResult,
  type NodeId,
} from '../protocol';
import { fsPathOf } from '../state/documentImages';
import type { DocumentView, Session } from '../state/session';
import { Params } from './params';

const PAGE = 200;
const MAX_PAGE = 1000;

/** The layers' files, or why they cannot be listed yet. */
function filesOf(session: Session, imageId: string): FilesSource {
  const s = session.analyses.state(imageId);
  if (!s) return { ready: false, state: 'analysing', message: 'not analysed yet: run "Analyse Image Layers"' };
  switch (s.status) {
    case 'running':
      return {
        ready: false,
        state: 'analysing',
        message: `analysing…${s.percent !== null ? ` ${String(s.percent)}%` : ''}`,
      };
    case 'failed':
      return { ready: false, state: 'failed', message: `the analysis failed: ${s.message}` };
    case 'cancelled':
      return {
        ready: false,
        state: 'analysing',
        message: 'the analysis was cancelled: run "Analyse Image Layers" again',
      };
    case 'done':
      return s.result.contents
        ? { ready: true, contents: s.result.contents, analysis: s.result.analysis }
        : { ready: false, state: 'ok', message: 'no contents' };
  }
}

/** What the view-model needs of a document with an image, or null when it has none (yet). */
async function explorerInput(session: Session, view: DocumentView): Promise<ExplorerInput | null> {
  const { image } = view.state;
  if (!image || !view.match || !view.rowLayers) return null;
  const file = fsPathOf(view.doc.uri);
  return {
    image,
    model: view.model,
    match: view.match,
    rows: layerRows({ model: view.model, match: view.match, info: image.info, layerOf: view.rowLayers.layerOf }),
    analysis: session.analyses.result(image.info.id)?.analysis ?? null,
    files: filesOf(session, image.info.id),
    previous: (file ? await session.previousBuilds.get(file) : undefined) ?? null,
    timings: view.timings,
    message: view.state.message,
  };
}

async function layers(
  session: Session,
  uri: string,
  parent: NodeId | null,
  page: { offset: number; limit: number },
): Promise<LayersResult> {
  const view = await session.view(uri);
  const none = (state: LayersResult['state'], message: string): LayersResult => ({
    state,
    message,
    imageId: null,
    nodes: [],
    total: 0,
  });
  if (!view) return none('no-document', 'open a Dockerfile to see its layers');
  const input = await explorerInput(session, view);
  if (!input) {
    const noEngine = view.state.conn?.status.reachable === false || !view.state.conn;
    return none(noEngine ? 'no-engine' : 'no-image', view.state.message);
  }
  return layerNodes(input, parent, page);
}

export function registerLayers(session: Session): void {
  session.connection.onRequest(LayersRequest.type, (raw) => {
    const p = new Params(LayersRequest.method, raw);
    const text = p.stringOrNull('parent');
    const parent = text === null ? null : decodeNodeId(text);
    if (text !== null && !parent) throw p.invalid('parent', 'null or the id of a node the explorer listed');
    const page = { offset: p.count('offset', 0, 0), limit: Math.min(p.count('limit', 1, PAGE), MAX_PAGE) };
    return layers(session, p.string('uri'), parent, page);
  });

  session.connection.onRequest(LayerAtLineRequest.type, async (raw) => {
    const p = new Params(LayerAtLineRequest.method, raw);
    const [uri, line] = [p.string('uri'), p.count('line', 0)];
    const view = await session.view(uri);
    const input = view && (await explorerInput(session, view));
    const inst = view && instructionAtLine(view.model, line);
    return input && inst ? layerPath(input, inst.index) : [];
  });

  session.connection.onRequest(AnalyseRequest.type, (raw) =>
    session.analyse(new Params(AnalyseRequest.method, raw).string('uri'), true),
  );

  const changed = (uri: string) => void session.connection.sendNotification(LayersChangedNotification.type, { uri });
  session.own(session.onDocumentChange(changed), session.onAnalysisChange(changed));
}
