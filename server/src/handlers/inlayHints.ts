// textDocument/inlayHint: the sizes at the ends of lines.
import { InlayHintRequest } from 'vscode-languageserver/node';
import { computeInlayHints } from '../core/hints';
import type { Session } from '../state/session';
import { Params } from './params';

export function registerInlayHints(session: Session): void {
  // Registered by its type: the languages.inlayHint wrapper reads the params before they are checked.
  session.connection.onRequest(InlayHintRequest.type, async (raw) => {
    const p = new Params(InlayHintRequest.method, raw);
    const [uri, range] = [p.documentUri(), p.range()];
    const view = await session.view(uri);
    if (!view?.match) return [];
    const settings = await session.settings.get(view.doc.uri);
    const previous = await session.previous(view.doc.uri, view.state.image!.info.id);

    return computeInlayHints(view.model, view.match, {
      showZeroBytes: settings.hints.showZeroBytes,
      cached: view.state.cached,
      range,
      ...(previous ? { previous } : {}),
      ...(settings.hints.showBuildTime && view.timings ? { timings: view.timings } : {}),
    });
  });
}
