// Replays what scripts/record-history.ts recorded from real engines, through the same conversions the engine adapter
// uses (engine/apiJson), so a unit test sees exactly what the product would have seen.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuilderKind, HistoryRow, ImageInfo } from '../../server/src/core/history';
import {
  detailsFromApi,
  historyFromApi,
  sizeMeasureFromInfo,
  type ApiHistory,
  type ApiInfo,
  type ApiInspect,
} from '../../server/src/engine/apiJson';

import { engineOf, MODERN_BUILDERS, type Builder } from './builds';

export const HISTORY_DIR = join(__dirname, '..', 'fixtures', 'history');
const RECORDED: readonly Builder[] = ['legacy', 'buildkit', 'podman', ...MODERN_BUILDERS];

/** Where a builder's recordings are: history/<builder>, the current engine's under history/modern/<buildkit|buildx>. */
export function recordingDir(builder: Builder | 'loaded'): string {
  return builder !== 'loaded' && engineOf(builder) === 'modern'
    ? join(HISTORY_DIR, 'modern', builder.slice('modern-'.length))
    : join(HISTORY_DIR, builder);
}

export interface Recording {
  readonly builder: Builder;
  /** The builder the product must detect from the rows (both ways of building on Docker 28 are BuildKit). */
  readonly kind: BuilderKind;
  readonly case: string;
  readonly dockerfile: string;
  readonly info: ImageInfo;
  /** The same rows with empty_layer from the exported config, as an archive would give them. */
  readonly infoWithConfig: ImageInfo;
  readonly base: { ref: string; layers: number; historyRows: number; sizeBytes: number };
  readonly rawHistory: readonly ApiHistory[];
}

interface RawRecording {
  builder: Recording['builder'];
  case: string;
  dockerfile: string;
  inspect: ApiInspect;
  history: ApiHistory[];
  config: { history: Array<{ empty_layer?: boolean }> };
  base: Recording['base'];
  /** `GET /info`'s store fields; recordings made before it was kept come from dockerd 20.10 and Podman (file bytes). */
  engineInfo?: ApiInfo;
}

export function loadRecording(builder: Builder, name: string): Recording {
  const raw = JSON.parse(readFileSync(join(recordingDir(builder), `${name}.json`), 'utf8')) as RawRecording;
  const history = historyFromApi(raw.history);
  const withEmpty: HistoryRow[] = history.map((r, i) => ({ ...r, emptyLayer: !!raw.config.history[i]?.empty_layer }));
  const info: ImageInfo = { ...detailsFromApi(raw.inspect, sizeMeasureFromInfo(raw.engineInfo ?? {})), history };
  const kind: BuilderKind = engineOf(raw.builder) === 'modern' ? 'buildkit' : (raw.builder as BuilderKind);
  return {
    builder: raw.builder,
    kind,
    case: raw.case,
    dockerfile: raw.dockerfile,
    info,
    infoWithConfig: { ...info, history: withEmpty },
    base: raw.base,
    rawHistory: raw.history,
  };
}

export function allRecordings(): Recording[] {
  return RECORDED.flatMap((b) =>
    readdirSync(recordingDir(b))
      .filter((f) => f.endsWith('.json'))
      .map((f) => loadRecording(b, f.replace(/\.json$/, ''))),
  );
}

export function loadLoaded(name: string): { info: ImageInfo; rawHistory: ApiHistory[] } {
  const raw = JSON.parse(readFileSync(join(HISTORY_DIR, 'loaded', `${name}.json`), 'utf8')) as {
    inspect: ApiInspect;
    history: ApiHistory[];
  };
  // recorded from dockerd 20.10 (overlay2): file bytes
  return {
    info: { ...detailsFromApi(raw.inspect, 'layer-tar'), history: historyFromApi(raw.history) },
    rawHistory: raw.history,
  };
}
