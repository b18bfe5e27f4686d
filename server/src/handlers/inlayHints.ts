// textDocument/inlayHint: the sizes at the ends of lines.
import { computeInlayHints } from '../core/hints';
import type { Session } from '../state/session';

export function registerInlayHints(session: Session): void {
  session.connection.languages.inlayHint.on(async (params) => {
    const view = await session.view(params.textDocument.uri);
    if (!view?.match) return [];
    const settings = await session.settings.get(view.doc.uri);
    const previous = await session.previous(view.doc.uri, view.state.image!.info.id);
    return computeInlayHints(view.model, view.match, { showZeroBytes: settings.hints.showZeroBytes, cached: view.state.cached, range: params.range, ...(previous ? { previous } : {}) });
  });
}
