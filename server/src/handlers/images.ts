// `dfsize/listImages` (the "Select Image for Dockerfile…" quick pick: local images with their match scores) and
// `dfsize/selectImage` (the user's choice for one file; the client remembers it).
import { ListImagesRequest, SelectImageRequest, type ImageChoice } from '../protocol';
import { linkedImages, scoreImages } from '../images/resolve';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';
import { Params } from './params';

export function registerImages(session: Session): void {
  session.connection.onRequest(ListImagesRequest.type, async (raw) => {
    const uri = new Params(ListImagesRequest.method, raw).string('uri');
    const doc = session.documents.get(uri);
    if (!doc) return [];
    const settings = await session.settings.get(uri);
    const conn = session.engines.for(settings);
    const model = session.model(doc);
    const images = await conn.source.list();
    const linked = new Set(linkedImages(images, fsPathOf(uri)).map((l) => l.image.id));
    const current = session.images.current(uri)?.image?.info.id;
    // The image in use and the ones built lately come first, whatever their date (a rebuild from the cache keeps it).
    const first = [...(current ? [{ id: current, ref: null }] : []), ...conn.recent.list()];
    const scored = await scoreImages(
      conn.source,
      model,
      images,
      settings.discovery.maxImages,
      session.images.scores,
      first,
    );
    return scored
      .map(({ image, score }): ImageChoice => ({
        id: image.id,
        refs: image.refs,
        created: image.created,
        sizeBytes: image.sizeBytes,
        score,
        current: image.id === current,
        linked: linked.has(image.id),
      }))
      .sort(
        (a, b) =>
          Number(b.current) - Number(a.current) ||
          Number(b.linked) - Number(a.linked) ||
          b.score - a.score ||
          b.created - a.created,
      );
  });

  session.connection.onRequest(SelectImageRequest.type, async (raw) => {
    const p = new Params(SelectImageRequest.method, raw);
    const [uri, ref] = [p.string('uri'), p.stringOrNull('ref')];
    await session.images.select(uri, ref);
    return session.status(uri);
  });
}
