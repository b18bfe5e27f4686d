// The Engine API's JSON (Docker and Podman's compatible service) → the product's types. Pure, so the unit tests
// replay recorded answers through exactly the conversion the engine adapter uses. Every answer is checked here, at
// the boundary: an answer of the wrong shape (HTML from a web server, a proxy's error page, a field of the wrong
// type, a date past the year 275760) is an ApiShapeError naming what was wrong, never a TypeError further in; and
// every string the engine sends has its control characters removed before anything can print it.
import type { HistoryRow, ImageInfo, SizeMeasure } from '../core/history';
import type { ImageDetails, ImageSummary } from './source';

export interface ApiHistory {
  Id: string;
  Created: number;
  CreatedBy: string;
  Size: number;
  Comment?: string;
}
/** An image's container config, as the Engine API's inspect (`Config`) and the image's own config (`config`) write it. */
export interface ApiContainerConfig {
  Labels?: Record<string, string> | null;
  Entrypoint?: string[] | string | null;
  Cmd?: string[] | string | null;
  ExposedPorts?: Record<string, unknown> | null;
  WorkingDir?: string;
  User?: string;
  OnBuild?: string[] | null;
}
export interface ApiInspect {
  Id: string;
  RepoTags?: string[] | null;
  Created?: string;
  Size?: number;
  Os?: string;
  Architecture?: string;
  RootFS?: { Layers?: string[] };
  Config?: ApiContainerConfig | null;
}
/** The part of `GET /info` that names the image store. */
export interface ApiInfo {
  Driver?: string;
  DriverStatus?: Array<[string, string]> | null;
}

/** An engine answer (or an image config) that is not what the API documents; the message names the field. */
export class ApiShapeError extends Error {
  override name = 'ApiShapeError';
}

// C0 and C1 controls and DEL, but tab and line feed: an ESC sequence from an engine could clear the user's screen or
// forge output.
// eslint-disable-next-line no-control-regex -- control characters are what it removes
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const BREAKS = /[\t\n]+/g;

/** Text from an engine or an archive, safe to print: control characters removed; line breaks kept when `multiline`, else spaces. */
export function printable(text: string, multiline = false): string {
  const clean = text.replace(CONTROLS, '');
  return multiline ? clean : clean.replace(BREAKS, ' ');
}

export type Json = Record<string, unknown>;

export function objectAt(v: unknown, what: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v))
    throw new ApiShapeError(`${what} is not a JSON object`);
  return v as Json;
}

export function arrayAt(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new ApiShapeError(`${what} is not a JSON array`);
  return v;
}

/** A string field (multi-line text keeps its line breaks); absent or null gives `fallback`. */
export function str(o: Json, key: string, what: string, fallback = '', multiline = false): string {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new ApiShapeError(`${what}: ${key} is a ${typeof v}, not a string`);
  return printable(v, multiline);
}

function num(o: Json, key: string, what: string): number {
  const v = o[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ApiShapeError(`${what}: ${key} is not a number`);
  return v;
}

export function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  return arrayAt(v, what).map((s, i) => {
    if (typeof s !== 'string')
      throw new ApiShapeError(`${what}[${i}] is a ${s === null ? 'null' : typeof s}, not a string`);
    return printable(s);
  });
}

/** Labels: string values only (an engine writes nothing else; anything else is refused by name). */
export function labelsOf(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = objectAt(v, what);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string')
      throw new ApiShapeError(
        `${what}: the label ${JSON.stringify(printable(k))} is a ${val === null ? 'null' : typeof val}, not a string`,
      );
    out[printable(k)] = printable(val);
  }
  return out;
}

/** Unix seconds as ISO 8601; null for 0, negatives and what no Date can hold (`1e20`). */
function isoOfSeconds(s: number): string | null {
  const d = new Date(s * 1000);
  return s > 0 && Number.isFinite(d.getTime()) ? d.toISOString() : null;
}

/** Unix seconds that a Date can hold, else 0 (unknown). */
const secondsOrZero = (s: number) => (isoOfSeconds(s) ? s : 0);

const realTags = (tags: string[]) => tags.filter((t) => t !== '<none>:<none>');

/** `GET /images/{id}/history` answers newest first; the product keeps rows oldest first, like the image config. */
export function historyFromApi(raw: unknown): HistoryRow[] {
  return arrayAt(raw, 'the history')
    .map((row, i): HistoryRow => {
      const what = `history row ${i + 1}`;
      const h = objectAt(row, what);
      const id = str(h, 'Id', what);
      return {
        createdBy: str(h, 'CreatedBy', what, '', true),
        sizeBytes: Math.max(0, num(h, 'Size', what)),
        created: isoOfSeconds(num(h, 'Created', what)),
        comment: str(h, 'Comment', what),
        id: id && id !== '<missing>' ? id : null,
        emptyLayer: null,
      };
    })
    .reverse();
}

/** The product's form of a container config (labels apart). */
export function configFromApi(raw: unknown, what = 'the container config'): ImageInfo['config'] {
  const c = raw === undefined || raw === null ? {} : objectAt(raw, what);
  const list = (key: string) =>
    c[key] == null ? null : typeof c[key] === 'string' ? [printable(c[key])] : strings(c[key], `${what}: ${key}`);
  return {
    entrypoint: list('Entrypoint'),
    cmd: list('Cmd'),
    exposedPorts: Object.keys(c.ExposedPorts == null ? {} : objectAt(c.ExposedPorts, `${what}: ExposedPorts`)).map(
      (p) => printable(p),
    ),
    workingDir: str(c, 'WorkingDir', what) || null,
    user: str(c, 'User', what) || null,
    onBuild: strings(c.OnBuild, `${what}: OnBuild`),
  };
}

/** The containerd image store names its snapshotter in DriverStatus; dockerd's graph drivers report layer bytes. */
const CONTAINERD_SNAPSHOTTER = 'io.containerd.snapshotter.v1';

/** What an engine's history sizes count, from its `GET /info` (checked like every answer). */
export function sizeMeasureFromInfo(raw: unknown): SizeMeasure {
  const info = objectAt(raw, 'the engine info');
  const status = info.DriverStatus == null ? [] : arrayAt(info.DriverStatus, 'the engine info: DriverStatus');
  const snapshotter = status.some(
    (row) => Array.isArray(row) && row[0] === 'driver-type' && row[1] === CONTAINERD_SNAPSHOTTER,
  );
  return snapshotter ? 'snapshot-disk-usage' : 'layer-tar';
}

export function detailsFromApi(raw: unknown, sizeMeasure: SizeMeasure): ImageDetails {
  const i = objectAt(raw, 'the image');
  const id = str(i, 'Id', 'the image');
  if (!id) throw new ApiShapeError('the image has no Id');
  const c = i.Config == null ? {} : objectAt(i.Config, 'the image config');
  const rootfs = i.RootFS == null ? {} : objectAt(i.RootFS, 'the image: RootFS');
  return {
    id,
    refs: realTags(strings(i.RepoTags, 'the image: RepoTags')),
    sizeBytes: Math.max(0, num(i, 'Size', 'the image')),
    created: str(i, 'Created', 'the image') || null,
    os: str(i, 'Os', 'the image') || null,
    architecture: str(i, 'Architecture', 'the image') || null,
    labels: labelsOf(c.Labels, 'the image config: Labels'),
    layers: strings(rootfs.Layers, 'the image: RootFS.Layers'),
    config: configFromApi(c, 'the image config'),
    sizeMeasure,
  };
}

export function summaryFromApi(raw: unknown, index = 0): ImageSummary {
  const what = `image ${index + 1} of the list`;
  const i = objectAt(raw, what);
  const id = str(i, 'Id', what);
  if (!id) throw new ApiShapeError(`${what} has no Id`);
  return {
    id,
    refs: realTags(strings(i.RepoTags, `${what}: RepoTags`)),
    created: secondsOrZero(num(i, 'Created', what)),
    sizeBytes: Math.max(0, num(i, 'Size', what)),
    labels: labelsOf(i.Labels, `${what}: Labels`),
  };
}

export function summariesFromApi(raw: unknown): ImageSummary[] {
  return arrayAt(raw, 'the image list').map((s, i) => summaryFromApi(s, i));
}
