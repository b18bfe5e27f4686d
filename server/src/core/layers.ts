// Which history row made which layer (`RootFS.Layers`, bottom first). The image config says it (`empty_layer`), but
// the history API does not; then each builder's habits decide, checked against the layer count, and rows that stay
// ambiguous get no layer rather than a wrong one.
import type { DockerfileModel } from './dockerfile';
import {
  detectBuilder,
  normaliseRow,
  shellPrefixes,
  type BuilderKind,
  type HistoryRow,
  type ImageInfo,
} from './history';

type Guess = boolean | 'maybe';

function guess(row: HistoryRow, builder: BuilderKind, shells: readonly string[]): Guess {
  if (row.emptyLayer !== null) return !row.emptyLayer;
  const step = normaliseRow(row, shells);
  switch (step.keyword) {
    case 'COPY':
    case 'ADD':
      return true;
    case 'RUN':
      // The legacy builder keeps a RUN that changed nothing as an empty layer; one that only deleted files has 0 bytes too.
      return row.sizeBytes > 0 || step.builder !== 'legacy' ? true : 'maybe';
    case 'WORKDIR':
      if (step.builder === 'podman') return false;
      if (step.builder === 'buildkit') return step.args !== '/';
      return step.builder === 'legacy' ? true : 'maybe';
    case null:
      // Not an instruction (an imported base): bytes mean a layer, none may mean an empty one.
      return row.sizeBytes > 0 ? true : builder === 'kaniko' ? 'maybe' : row.createdBy === '' ? 'maybe' : false;
    default:
      return false;
  }
}

export interface RowLayers {
  /** Per row (oldest first): the index into the image's layers, or null (an empty row, or not known). */
  readonly layerOf: ReadonlyArray<number | null>;
  /** True when every row's answer is certain. */
  readonly exact: boolean;
}

export function layersOfRows(
  rows: readonly HistoryRow[],
  layerCount: number,
  builder: BuilderKind,
  shells: readonly string[] = shellPrefixes(),
): RowLayers {
  const guesses = rows.map((r) => guess(r, builder, shells));
  const sure = guesses.filter((g) => g === true).length;
  const maybes = guesses.filter((g) => g === 'maybe').length;
  let resolved: Guess[] | null = null;
  if (sure === layerCount) resolved = guesses.map((g) => g === true);
  else if (sure + maybes === layerCount) resolved = guesses.map((g) => g !== false);
  if (resolved) {
    let next = 0;
    return { layerOf: resolved.map((g) => (g ? next++ : null)), exact: true };
  }
  // Counts do not reconcile: pair from both ends up to the first ambiguous row; the middle stays unknown.
  const layerOf: Array<number | null> = rows.map(() => null);
  for (let i = 0, next = 0; i < rows.length && guesses[i] !== 'maybe' && next < layerCount; i++)
    if (guesses[i]) layerOf[i] = next++;
  for (let i = rows.length - 1, next = layerCount - 1; i >= 0 && guesses[i] !== 'maybe' && next >= 0; i--)
    if (guesses[i]) layerOf[i] = next--;
  return { layerOf, exact: false };
}

/** The SHELLs a Dockerfile sets, as history prefixes (a RUN after `SHELL [...]` is recorded with that shell). */
export function modelShells(model: DockerfileModel | null): string[] {
  return shellPrefixes(
    model ? model.instructions.filter((i) => i.keyword === 'SHELL' && i.json).map((i) => i.json!) : [],
  );
}

/**
 * The one way every feature pairs an image's rows with its layers: the image's history (prefer one with empty_layer,
 * from an analysis or an archive), the Dockerfile's SHELLs when there is a Dockerfile, the builder of its rows.
 */
export function layersForImage(
  info: Pick<ImageInfo, 'history' | 'layers'>,
  model: DockerfileModel | null,
  builder: BuilderKind = detectBuilder(info.history),
): RowLayers {
  return layersOfRows(info.history, info.layers.length, builder, modelShells(model));
}
