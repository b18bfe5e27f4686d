// Layer index → Dockerfile line, asked for at the moment lines are shown (analyses and caches speak layer indexes
// only, so an edit can never make them name a wrong line). Pure: history rows are paired with layers (core/layers),
// instructions with rows (core/match); the base image's layers, and rows its ONBUILD triggers added, belong to the
// FROM line of the chain's root stage.
import type { DockerfileModel } from '../core/dockerfile';
import type { ImageInfo } from '../core/history';
import { layersForImage } from '../core/layers';
import type { MatchResult } from '../core/match';

/** For each layer of the image (bottom first): the 1-based line of the instruction that made it, or null. */
export function layerLines(model: DockerfileModel, info: ImageInfo, match: MatchResult): Array<number | null> {
  const lines: Array<number | null> = info.layers.map(() => null);
  const { layerOf } = layersForImage(info, model, match.builder);
  if (match.base) {
    const fromLine = model.instructions[match.base.instruction]!.range.start.line + 1;
    const baseRows = [...Array(match.base.rows).keys(), ...match.base.triggerRows];
    for (const r of baseRows) {
      const layer = layerOf[r];
      if (layer !== null && layer !== undefined) lines[layer] = fromLine;
    }
  }
  match.instructions.forEach((m, k) => {
    if (m.row === null) return;
    const layer = layerOf[m.row];
    if (layer !== null && layer !== undefined) lines[layer] = model.instructions[k]!.range.start.line + 1;
  });
  return lines;
}
