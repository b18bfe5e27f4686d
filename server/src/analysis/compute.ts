// From the layers' entry lists to the ImageAnalysis contract (core/analysis.ts): dive's figures, our removable bytes
// and their attribution by layer index, and per-layer facts. Pure: the same lists always give the same analysis.
import type { ImageAnalysis, LayerFacts } from '../core/analysis';
import { ImageContents } from './contents';
import { diveFigures } from './dive';
import type { LayerList } from './entries';
import { stackLayers } from './stack';

/** The analyser's version: part of every cache key. Raise it whenever what is computed, or how, changes (2: the largest
 * paths are regular files only). */
export const ANALYSER_VERSION = 2;

export interface ComputedLayer {
  readonly diffId: string;
  readonly list: LayerList;
}

export function computeAnalysis(
  imageId: string,
  layers: readonly ComputedLayer[],
): { analysis: ImageAnalysis; contents: ImageContents } {
  const lists = layers.map((l) => l.list);
  const dive = diveFigures(lists);
  const stacked = stackLayers(lists);
  const contents = new ImageContents(lists, stacked.layers);
  const facts: LayerFacts[] = layers.map((l, index) => {
    const c = stacked.layers[index]!;
    return {
      index,
      digest: l.diffId,
      sizeBytes: l.list.stats.sizeBytes,
      added: c.added,
      modified: c.modified,
      removed: c.removed,
      removableBytes: c.removableBytes,
      topPaths: contents.topPaths(index, 10),
    };
  });
  const analysis: ImageAnalysis = {
    version: ANALYSER_VERSION,
    imageId,
    dive,
    removableBytes: stacked.waste.reduce((s, w) => s + w.bytes, 0),
    layers: facts,
    attribution: stacked.waste,
  };
  return { analysis, contents };
}

/** The contents of an analysis whose result was cached: the same grouping, from the cached lists. */
export function contentsOf(layers: readonly ComputedLayer[]): ImageContents {
  const lists = layers.map((l) => l.list);
  return new ImageContents(lists, stackLayers(lists).layers);
}
