// The shared analysis cache as it sits in a registry (`--cache-to` / `--cache-from`, docs/registry-cache.md): one OCI
// artifact per layer analysis (an image manifest with its own artifactType, OCI 1.1's empty config and one blob in
// analysis/layerArtifact.ts's encoding), and at a tag an OCI index of them, one entry per (diffID, analyser version)
// carrying the blob's digest and size so a reader fetches that blob and nothing else. Pure: documents in, data out.
import { ANALYSER_VERSION } from '../analysis/compute';
import { OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from '../core/mediaTypes';
import { parseImageRef } from '../core/rules/baseImages';
import { apiHost } from './client';

export const ARTIFACT_TYPE = 'application/vnd.dfsize.layer-analysis.v1';
export const INDEX_ARTIFACT_TYPE = 'application/vnd.dfsize.layer-analysis.index.v1';
export const BLOB_TYPE = 'application/vnd.dfsize.layer-analysis.v1.lines+gzip';
export const DEFAULT_TAG = 'dfsize-analysis';
/** OCI 1.1's empty config for artifacts: the two bytes `{}`. */
export const EMPTY_CONFIG = {
  mediaType: OCI_EMPTY,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;
/** The newest entries an index keeps: a team's layers of the last many builds, at ~400 bytes each. */
const MAX_ENTRIES = 20_000;

const A_DIFF_ID = 'vnd.dfsize.diff-id';
export const A_VERSION = 'vnd.dfsize.analyser-version';
const A_BLOB = 'vnd.dfsize.blob-digest';
const A_SIZE = 'vnd.dfsize.blob-size';
const A_ARTIFACT = 'vnd.dfsize.artifact-digest';
const A_ARTIFACT_SIZE = 'vnd.dfsize.artifact-size';

export interface CacheRef {
  readonly host: string;
  readonly repo: string;
  readonly tag: string;
}

/** One layer's analysis in the index: its artifact manifest and the blob a reader fetches. */
export interface SharedEntry {
  readonly diffId: string;
  readonly version: number;
  readonly manifest: { readonly digest: string; readonly size: number };
  readonly blob: { readonly digest: string; readonly size: number };
}

/** `REGISTRY/REPO[:TAG]` (no digest: the cache is written at a tag); null when it names no registry and tag. */
export function parseCacheRef(text: string): CacheRef | null {
  const r = parseImageRef(text);
  // Docker Hub only when named (`docker.io/acme/cache`): a bare `acme/cache` is more likely a mistake than a choice.
  const hub = /^(index\.)?docker\.io\//.test(text);
  if (!r || r.digest || (r.registry === null && !hub) || r.repo !== r.repo.toLowerCase()) return null;
  return { host: apiHost(r.registry), repo: r.repo, tag: r.tag ?? DEFAULT_TAG };
}

export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const isDigest = (v: unknown): v is string => typeof v === 'string' && DIGEST.test(v);

/**
 * Which half of an entry its descriptor points at; its annotations name the other half. The tag's index points at
 * each artifact manifest and names its blob; an image's analysis artifact (referrers.ts) lists the blobs as its
 * layers and names each one's artifact manifest.
 */
export type EntryOn = 'manifest' | 'blob';
const OTHER_KEYS: Readonly<Record<EntryOn, readonly [string, string]>> = {
  manifest: [A_BLOB, A_SIZE],
  blob: [A_ARTIFACT, A_ARTIFACT_SIZE],
};

/** The annotations of an entry's descriptor that points at `on`. */
export function entryAnnotations(e: SharedEntry, on: EntryOn): Record<string, string> {
  const [digestKey, sizeKey] = OTHER_KEYS[on];
  const other = on === 'manifest' ? e.blob : e.manifest;
  return {
    [A_DIFF_ID]: e.diffId,
    [A_VERSION]: String(e.version),
    [digestKey]: other.digest,
    [sizeKey]: String(other.size),
  };
}

/** The entry a descriptor that points at `on` holds; null when a digest or the blob's size is not one (a miss). */
export function entryOf(d: Record<string, unknown> | null, on: EntryOn): SharedEntry | null {
  const a = (d?.annotations ?? {}) as Record<string, unknown>;
  const [digestKey, sizeKey] = OTHER_KEYS[on];
  const here = { digest: d?.digest, size: Number(d?.size) };
  const there = { digest: a[digestKey], size: Number(a[sizeKey]) };
  const [manifest, blob] = on === 'manifest' ? [here, there] : [there, here];
  const diffId = a[A_DIFF_ID];
  if (!isDigest(diffId) || !isDigest(manifest.digest) || !isDigest(blob.digest)) return null;
  if (!Number.isSafeInteger(blob.size) || blob.size <= 0) return null;
  return {
    diffId,
    version: Number(a[A_VERSION]),
    manifest: { digest: manifest.digest, size: manifest.size },
    blob: { digest: blob.digest, size: blob.size },
  };
}

/** The entries of an index document this tool wrote; entries it cannot read are left out (they are misses). */
export function entriesOf(json: unknown): SharedEntry[] {
  const doc = json as { artifactType?: unknown; manifests?: unknown } | null;
  if (doc?.artifactType !== INDEX_ARTIFACT_TYPE || !Array.isArray(doc.manifests)) return [];
  return (doc.manifests as Array<Record<string, unknown> | null>)
    .map((m) => entryOf(m, 'manifest'))
    .filter((e) => e !== null);
}

/** The entries this analyser can use, by diffID. */
export function usable(entries: readonly SharedEntry[]): Map<string, SharedEntry> {
  return new Map(entries.filter((e) => e.version === ANALYSER_VERSION).map((e) => [e.diffId, e]));
}

/** The artifact manifest of one layer's analysis. */
export function artifactManifest(diffId: string, blob: { digest: string; size: number }): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: ARTIFACT_TYPE,
      config: EMPTY_CONFIG,
      layers: [{ mediaType: BLOB_TYPE, digest: blob.digest, size: blob.size }],
      annotations: { [A_DIFF_ID]: diffId, [A_VERSION]: String(ANALYSER_VERSION) },
    }),
  );
}

/** The index: the new entries first, then the old ones they do not replace, at most MAX_ENTRIES. */
export function indexDocument(fresh: readonly SharedEntry[], old: readonly SharedEntry[]): Buffer {
  const key = (e: SharedEntry) => `${e.diffId} ${e.version}`;
  const seen = new Set(fresh.map(key));
  const all = [...fresh, ...old.filter((e) => !seen.has(key(e)))].slice(0, MAX_ENTRIES);
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      artifactType: INDEX_ARTIFACT_TYPE,
      manifests: all.map((e) => ({
        mediaType: OCI_MANIFEST,
        artifactType: ARTIFACT_TYPE,
        digest: e.manifest.digest,
        size: e.manifest.size,
        annotations: entryAnnotations(e, 'manifest'),
      })),
    }),
  );
}
