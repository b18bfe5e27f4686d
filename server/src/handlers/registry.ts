// `dfsize/analyseRegistry` ("Analyse Registry Image…", a FROM line's "Analyse this base image") and
// `dfsize/registryLayers` (the explorer's nodes for such an image). The server fetches, the client only asks.
import {
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageserver/node';
import { defaultCacheDir } from '../analysis/cache';
import {
  AnalyseRegistryRequest,
  CheckReferenceRequest,
  decodeNodeId,
  RegistryLayersRequest,
  type LayersResult,
} from '../protocol';
import { registryNodes } from '../explorer/registryNodes';
import { referenceProblem, RegistryImages } from '../state/registryImages';
import type { Session } from '../state/session';
import { Params } from './params';

const PAGE = 200;
const MAX_PAGE = 1000;

export function registerRegistry(session: Session): void {
  const { options, connection } = session;
  const images = new RegistryImages({
    cacheDir: options.storageDir ?? defaultCacheDir(options.env),
    env: options.env,
    trusted: options.trusted,
    log: (line) => connection.console.log(line),
    error: (line) => connection.console.error(line),
  });

  connection.onRequest(CheckReferenceRequest.type, (raw) => ({
    problem: referenceProblem(new Params(CheckReferenceRequest.method, raw).string('ref')),
  }));

  connection.onRequest(AnalyseRegistryRequest.type, async (raw, token) => {
    const p = new Params(AnalyseRegistryRequest.method, raw);
    const [ref, uri, progress] = [p.string('ref'), p.stringOrNull('uri'), p.stringOrNull('workDoneToken')];
    const settings = await session.settings.get(uri ?? '');
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    const report = (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
      if (progress !== null) void connection.sendProgress(WorkDoneProgress.type, progress, value);
    };
    report({ kind: 'begin', title: `Analysing ${ref}`, cancellable: true });
    try {
      return await images.analyse(ref, settings.registry, abort.signal, (message, percentage) =>
        report({ kind: 'report', message, ...(percentage !== null ? { percentage } : {}) }),
      );
    } finally {
      report({ kind: 'end' });
      cancel.dispose();
    }
  });

  connection.onRequest(RegistryLayersRequest.type, (raw): LayersResult => {
    const p = new Params(RegistryLayersRequest.method, raw);
    const ref = p.string('ref');
    const text = p.stringOrNull('parent');
    const parent = text === null ? null : decodeNodeId(text);
    if (text !== null && !parent) throw p.invalid('parent', 'null or the id of a node the explorer listed');
    const page = { offset: p.count('offset', 0, 0), limit: Math.min(p.count('limit', 1, PAGE), MAX_PAGE) };
    const image = images.get(ref);
    if (!image?.contents)
      return {
        state: 'no-image',
        message: `${ref} is not analysed: run "Analyse Registry Image…"`,
        imageId: null,
        nodes: [],
        total: 0,
      };
    return registryNodes(ref, image, image.contents, parent, page);
  });
}
