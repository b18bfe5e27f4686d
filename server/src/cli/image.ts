// The image a command's numbers come from, as `dfsize report` picks it: --archive, --image (the engine must
// answer: exit 3 otherwise), or discovery (no image is fine: the command goes on without one, stderr says why).
import { EngineError, type ImageSource } from '../engine/source';
import type { DockerfileModel } from '../core/dockerfile';
import { discoverImage, imageFromArchive, imageFromEngine, type ResolvedImage } from '../images/resolve';
import { connectEngine } from './measure';
import type { CliIo } from './report';

export interface CliImage {
  readonly image: ResolvedImage | null;
  /** The engine, when the image came from it (it answered). */
  readonly source: ImageSource | null;
}

export async function resolveCliImage(values: { image?: string; archive?: string }, model: DockerfileModel, path: string, io: CliIo): Promise<CliImage> {
  if (values.archive !== undefined) return { image: await imageFromArchive(values.archive, model), source: null };
  const source = await connectEngine(io.env);
  if (values.image !== undefined) return { image: await imageFromEngine(source, values.image, model, '--image'), source };
  try {
    const found = await discoverImage(source, model, path, { maxImages: Number(io.env.DFSIZE_MAX_IMAGES) || 200 });
    if ('none' in found) {
      io.stderr(`dfsize: no image: ${found.none}\n`);
      return { image: null, source: null };
    }
    io.stderr(`dfsize: using ${found.ref}: ${found.reason}\n`);
    return { image: found, source };
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    io.stderr(`dfsize: no image: ${e.message}\n`);
    return { image: null, source: null };
  }
}
