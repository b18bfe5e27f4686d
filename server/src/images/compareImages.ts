// What `dfsize compare` and the editor's comparison share between finding the two images and comparing them: one
// image (resolved against NEW's Dockerfile, analysed when it could be) as core/buildCompare's input, and the previous
// build the editor recorded for a Dockerfile as an image, or why there is none.
import type { AnalyzedImage } from '../analysis/analyze';
import { visibleBytes } from '../analysis/visible';
import type { CompareInput } from '../core/buildCompare';
import type { DockerfileModel } from '../core/dockerfile';
import { matchHistory } from '../core/match';
import { EngineError, type ImageSource } from '../engine/source';
import type { PreviousBuilds } from '../state/previousBuilds';
import { imageFromEngine, type ResolvedImage } from './resolve';

export function compareInput(
  model: DockerfileModel,
  image: ResolvedImage,
  analysed: AnalyzedImage | null,
): CompareInput {
  return {
    side: { ref: image.ref, id: image.info.id, sizeBytes: image.info.sizeBytes },
    history: image.info.history,
    match: matchHistory(model, image.info, image.matchOptions),
    paths: analysed?.contents ? visibleBytes(analysed.contents.lists) : null,
  };
}

/**
 * The build the editor recorded before the last Build Image of `dockerfile` (an absolute path), as an image on the
 * engine; or why there is none: nothing recorded, or its image left the engine.
 */
export async function previousImage(
  builds: PreviousBuilds,
  source: ImageSource,
  model: DockerfileModel,
  dockerfile: string,
): Promise<ResolvedImage | { none: string }> {
  const found = await builds.get(dockerfile);
  if (!found)
    return {
      none: `no previous build of ${dockerfile} is recorded: the editor records one when Build Image replaces an image of this file`,
    };
  try {
    const image = await imageFromEngine(source, found.imageId, model, 'previous build');
    return { ...image, ref: `previous: ${found.ref}` };
  } catch (e) {
    if (!(e instanceof EngineError && e.kind === 'not-found')) throw e;
    const id = found.imageId.replace(/^sha256:/, '').slice(0, 12);
    return {
      none: `the previous build (${found.ref}, ${id}) is no longer on the engine (removed or pruned): compare two images or archives instead`,
    };
  }
}
