// textDocument/hover: what the last build made of the instruction under the cursor; on a FROM line naming an image,
// a link that analyses that base image from its registry.
import { HoverRequest } from 'vscode-languageserver/node';
import { baseImageAction, withAction } from '../core/baseImageAction';
import { computeHover } from '../core/hover';
import { ANALYSE_REGISTRY_COMMAND } from '../protocol';
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
    const action = view && baseImageAction(view.model, position.line, uri, ANALYSE_REGISTRY_COMMAND);
    if (!view?.match || !view.state.image || !view.rowLayers) {
      const contents = withAction(null, action);
      return contents && { contents };
    }
    const image = view.state.image;
    const previous = await session.previous(view.doc.uri, image.info.id);
    const hover = computeHover(
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
    const contents = withAction(hover, action);
    return contents && { contents, ...(hover?.range ? { range: hover.range } : {}) };
  });
}
