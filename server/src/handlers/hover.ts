// textDocument/hover: what the last build made of the instruction under the cursor.
import { HoverRequest } from 'vscode-languageserver/node';
import { computeHover } from '../core/hover';
import { layersForImage } from '../core/layers';
import type { Session } from '../state/session';
import { Params, stopIfCancelled } from './params';

export function registerHover(session: Session): void {
  // Registered by its type, not onHover: that wrapper reads the params before they are checked.
  session.connection.onRequest(HoverRequest.type, async (raw, token) => {
    const p = new Params(HoverRequest.method, raw);
    const [uri, position] = [p.documentUri(), p.position()];
    const view = await session.view(uri);
    stopIfCancelled(token, HoverRequest.method);
    if (!view?.match || !view.state.image || !view.rowLayers) return null;
    const image = view.state.image;
    const previous = await session.previous(view.doc.uri, image.info.id);
    return computeHover(
      {
        ...(previous ? { previous } : {}),
        timings: view.timings,
        model: view.model,
        match: view.match,
        image: image.info,
        ref: image.ref,
        reason: image.reason,
        rowLayers: view.rowLayers,
        cached: view.state.cached,
        analysis: session.analyses.result(image.info.id)?.analysis ?? null,
        stageImages: (view.state.stages ?? []).map((s) => ({
          ref: s.ref,
          info: s.info,
          rowLayers: layersForImage(s.info, view.model),
        })),
      },
      position,
    );
  });
}
