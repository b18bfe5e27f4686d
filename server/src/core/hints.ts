// Inlay hints: each layer-making line's size at the end of its last line, the base total on FROM, nothing on metadata
// lines; edited lines read differently. Pure: the model and the match in, hints out.
import { InlayHint, type Range } from 'vscode-languageserver-types';
import type { DockerfileModel } from './dockerfile';
import type { LineTiming, LineTimings } from './buildTiming';
import { formatBytes, formatDelta, formatDuration, plural } from './format';
import type { MatchResult } from './match';

export interface HintOptions {
  readonly showZeroBytes: boolean;
  /** The engine is unreachable: these are the last known numbers. */
  readonly cached: boolean;
  /** Only lines overlapping this range (the visible part of the editor). */
  readonly range?: Range;
  /** Sizes per line of the previous build of this file (1-based line → bytes), for `(+12.1 MB)`. */
  readonly previous?: ReadonlyMap<number, number>;
  /** How long each line took in the build that made the image (dockerfileSize.hints.showBuildTime), for `· 41 s`. */
  readonly timings?: LineTimings;
}

/** ` · 41 s` or ` · from cache` after a size, when the line was timed. */
function timeSuffix(timing: LineTiming | undefined): string {
  if (!timing) return '';
  return timing.cached ? ' · from cache' : ` · ${formatDuration(timing.ms)}`;
}

export function hintLabel(
  match: MatchResult,
  k: number,
  opts: Pick<HintOptions, 'showZeroBytes' | 'cached'>,
  previousBytes?: number,
  timing?: LineTiming,
): string | null {
  const m = match.instructions[k]!;
  const cached = opts.cached ? ' · cached' : '';
  switch (m.status) {
    case 'base': {
      const base = match.base!;
      const triggers =
        m.layerBytes !== null && m.layerBytes > base.sizeBytes
          ? ` + ONBUILD ${formatBytes(m.layerBytes - base.sizeBytes)}`
          : '';
      return `base ${formatBytes(base.sizeBytes)} · ${plural(base.layers, 'layer')}${triggers}${cached}`;
    }
    case 'stale':
      if (m.layerBytes === null) return m.row === null ? `new · not built yet${cached}` : `edited${cached}`;
      return `≈ ${formatBytes(m.layerBytes)} · edited${cached}`;
    case 'matched': {
      const changed = previousBytes !== undefined && previousBytes !== m.layerBytes;
      // An empty layer says nothing, unless it was not empty in the previous build (a cleanup that now works).
      if (m.layerBytes === null || (m.layerBytes === 0 && !opts.showZeroBytes && !changed)) return null;
      const delta = changed ? ` (${formatDelta(m.layerBytes - previousBytes)})` : '';
      return `${formatBytes(m.layerBytes)}${delta}${timeSuffix(timing)}${cached}`;
    }
    default:
      return null;
  }
}

export function computeInlayHints(model: DockerfileModel, match: MatchResult | null, opts: HintOptions): InlayHint[] {
  if (!match) return [];
  const hints: InlayHint[] = [];
  for (const inst of model.instructions) {
    const r = inst.range;
    if (opts.range && (r.end.line < opts.range.start.line || r.start.line > opts.range.end.line)) continue;
    const line = r.start.line + 1;
    const label = hintLabel(match, inst.index, opts, opts.previous?.get(line), opts.timings?.get(line));
    if (label === null) continue;
    const hint = InlayHint.create(r.end, label);
    hint.paddingLeft = true;
    hints.push(hint);
  }
  return hints;
}
