// Replays what scripts/record-history.ts recorded from real engines, through the same conversions the engine adapter
// uses (engine/apiJson), so a unit test sees exactly what the product would have seen.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryRow, ImageInfo } from '../../server/src/core/history';
import { detailsFromApi, historyFromApi, sizeMeasureFromInfo, type ApiHistory, type ApiInfo, type ApiInspect } from '../../server/src/engine/apiJson';

export const HISTORY_DIR = join(__dirname, '..', 'fixtures', 'history');

export interface Recording {
  readonly builder: 'legacy' | 'buildkit' | 'podman';
  readonly case: string;
  readonly dockerfile: string;
  readonly info: ImageInfo;
  /** The same rows with empty_layer from the exported config, as an archive would give them. */
  readonly infoWithConfig: ImageInfo;
  readonly base: { ref: string; layers: number; historyRows: number; sizeBytes: number };
  readonly rawHistory: readonly ApiHistory[];
}

interface RawRecording {
  builder: Recording['builder']; case: string; dockerfile: string; inspect: ApiInspect; history: ApiHistory[];
  config: { history: Array<{ empty_layer?: boolean }> }; base: Recording['base'];
  /** `GET /info`'s store fields; recordings made before it was kept come from dockerd 20.10 and Podman (file bytes). */
  engineInfo?: ApiInfo;
}

export function loadRecording(builder: string, name: string): Recording {
  const raw = JSON.parse(readFileSync(join(HISTORY_DIR, builder, `${name}.json`), 'utf8')) as RawRecording;
  const history = historyFromApi(raw.history);
  const withEmpty: HistoryRow[] = history.map((r, i) => ({ ...r, emptyLayer: !!raw.config.history[i]?.empty_layer }));
  const info: ImageInfo = { ...detailsFromApi(raw.inspect, sizeMeasureFromInfo(raw.engineInfo ?? {})), history };
  return { builder: raw.builder, case: raw.case, dockerfile: raw.dockerfile, info, infoWithConfig: { ...info, history: withEmpty }, base: raw.base, rawHistory: raw.history };
}

export function allRecordings(): Recording[] {
  return ['legacy', 'buildkit', 'podman'].flatMap((b) =>
    readdirSync(join(HISTORY_DIR, b)).filter((f) => f.endsWith('.json')).map((f) => loadRecording(b, f.replace(/\.json$/, ''))));
}

export function loadLoaded(name: string): { info: ImageInfo; rawHistory: ApiHistory[] } {
  const raw = JSON.parse(readFileSync(join(HISTORY_DIR, 'loaded', `${name}.json`), 'utf8')) as { inspect: ApiInspect; history: ApiHistory[] };
  // recorded from dockerd 20.10 (overlay2): file bytes
  return { info: { ...detailsFromApi(raw.inspect, 'layer-tar'), history: historyFromApi(raw.history) }, rawHistory: raw.history };
}
