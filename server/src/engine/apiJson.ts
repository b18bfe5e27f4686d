// The Engine API's JSON (Docker and Podman's compatible service) → the product's types. Pure, so the unit tests
// replay recorded answers through exactly the conversion the engine adapter uses.
import type { HistoryRow, ImageInfo, SizeMeasure } from '../core/history';
import type { ImageDetails, ImageSummary } from './source';

export interface ApiHistory { Id: string; Created: number; CreatedBy: string; Size: number; Comment?: string }
/** An image's container config, as the Engine API's inspect (`Config`) and the image's own config (`config`) write it. */
export interface ApiContainerConfig {
  Labels?: Record<string, string> | null; Entrypoint?: string[] | string | null; Cmd?: string[] | string | null;
  ExposedPorts?: Record<string, unknown> | null; WorkingDir?: string; User?: string; OnBuild?: string[] | null;
}
export interface ApiInspect {
  Id: string; RepoTags?: string[] | null; Created?: string; Size?: number; Os?: string; Architecture?: string;
  RootFS?: { Layers?: string[] };
  Config?: ApiContainerConfig | null;
}
/** The part of `GET /info` that names the image store. */
export interface ApiInfo { Driver?: string; DriverStatus?: Array<[string, string]> | null }
export interface ApiSummary { Id: string; RepoTags?: string[] | null; Created: number; Size: number; Labels?: Record<string, string> | null }

const realTags = (tags: string[] | null | undefined) => (tags ?? []).filter((t) => t !== '<none>:<none>');

/** `GET /images/{id}/history` answers newest first; the product keeps rows oldest first, like the image config. */
export function historyFromApi(raw: readonly ApiHistory[]): HistoryRow[] {
  return [...raw].reverse().map((h) => ({
    createdBy: h.CreatedBy ?? '', sizeBytes: h.Size ?? 0, created: h.Created > 0 ? new Date(h.Created * 1000).toISOString() : null,
    comment: h.Comment ?? '', id: h.Id && h.Id !== '<missing>' ? h.Id : null, emptyLayer: null,
  }));
}

/** The product's form of a container config (labels apart). */
export function configFromApi(c: ApiContainerConfig): ImageInfo['config'] {
  const list = (v: string[] | string | null | undefined) => (v == null ? null : Array.isArray(v) ? v : [v]);
  return {
    entrypoint: list(c.Entrypoint), cmd: list(c.Cmd), exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    workingDir: c.WorkingDir || null, user: c.User || null, onBuild: c.OnBuild ?? [],
  };
}

/** The containerd image store names its snapshotter in DriverStatus; dockerd's graph drivers report layer bytes. */
const CONTAINERD_SNAPSHOTTER = 'io.containerd.snapshotter.v1';

/** What an engine's history sizes count, from its `GET /info`. */
export function sizeMeasureFromInfo(info: ApiInfo): SizeMeasure {
  const snapshotter = (info.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && value === CONTAINERD_SNAPSHOTTER);
  return snapshotter ? 'snapshot-disk-usage' : 'layer-tar';
}

export function detailsFromApi(i: ApiInspect, sizeMeasure: SizeMeasure): ImageDetails {
  const c = i.Config ?? {};
  return {
    id: i.Id, refs: realTags(i.RepoTags), sizeBytes: i.Size ?? 0, created: i.Created ?? null, sizeMeasure,
    os: i.Os ?? null, architecture: i.Architecture ?? null, labels: c.Labels ?? {}, layers: i.RootFS?.Layers ?? [],
    config: configFromApi(c),
  };
}

export function summaryFromApi(i: ApiSummary): ImageSummary {
  return { id: i.Id, refs: realTags(i.RepoTags), created: i.Created, sizeBytes: i.Size, labels: i.Labels ?? {} };
}
