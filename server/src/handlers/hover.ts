// textDocument/hover: what the last build made of the instruction under the cursor.
import { computeHover } from '../core/hover';
import { layersForImage } from '../core/layers';
import type { Session } from '../state/session';

export function registerHover(session: Session): void {
  session.connection.onHover(async (params) => {
    const view = await session.view(params.textDocument.uri);
    if (!view?.match || !view.state.image || !view.rowLayers) return null;
    const image = view.state.image;
    const previous = await session.previous(view.doc.uri, image.info.id);
    return computeHover({
      ...(previous ? { previous } : {}),
      model: view.model, match: view.match, image: image.info, ref: image.ref, reason: image.reason, rowLayers: view.rowLayers, cached: view.state.cached,
      analysis: session.analyses.result(image.info.id)?.analysis ?? null,
      stageImages: (view.state.stages ?? []).map((s) => ({ ref: s.ref, info: s.info, rowLayers: layersForImage(s.info, view.model) })),
    }, params.position);
  });
}
