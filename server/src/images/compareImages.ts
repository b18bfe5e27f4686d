// What `dfsize compare` and the editor's comparison share between finding the two images and comparing them: one
// image (resolved against NEW's Dockerfile, analysed when it could be) as core/buildCompare's input, and the previous
// build the editor recorded for a Dockerfile, or why there is none.
import type { AnalyzedImage } from '../analysis/analyze';
import { visibleBytes } from '../analysis/visible';
import type { CompareInput } from '../core/buildCompare';
import type { DockerfileModel } from '../core/dockerfile';
import { matchHistory } from '../core/match';
import type { PreviousBuild, PreviousBuilds } from '../state/previousBuilds';
import type { ResolvedImage } from './resolve';

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

/** The build the editor recorded before the last Build Image of `dockerfile` (an absolute path). */
export async function previousBuild(
  builds: PreviousBuilds,
  dockerfile: string,
): Promise<PreviousBuild | { none: string }> {
  const found = await builds.get(dockerfile);
  if (found) return found;
  return {
    none: `no previous build of ${dockerfile} is recorded: the editor records one when Build Image replaces an image of this file`,
  };
}

/** Why a recorded previous build cannot be compared: its image left the engine. */
export function previousGone(build: PreviousBuild): string {
  return `the previous build (${build.ref}, ${build.imageId.replace(/^sha256:/, '').slice(0, 12)}) is no longer on the engine (removed or pruned): compare two images or archives instead`;
}
