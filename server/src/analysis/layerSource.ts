// Where layer analyses come from before an image is read: a source consulted for the diffIDs the local cache lacks
// (a team's shared cache in their registry, `--cache-from`). Whatever it answers is used as it is; the layers it does
// not know are read from the image. The local cache is asked first, always.
import type { LayerList } from './entries';

export interface LayerSource {
  /** Lists for those of `diffIds` this source has; the others are absent from the map. Throws only when cancelled. */
  lookup(diffIds: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, LayerList>>;
}
