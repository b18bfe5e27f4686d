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

export const A_DIFF_ID = 'vnd.dfsize.diff-id';
export const A_VERSION = 'vnd.dfsize.analyser-version';
const A_BLOB = 'vnd.dfsize.blob-digest';
const A_SIZE = 'vnd.dfsize.blob-size';

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

/** The entries of an index document this tool wrote; entries it cannot read are left out (they are misses). */
export function entriesOf(json: unknown): SharedEntry[] {
  const doc = json as { artifactType?: unknown; manifests?: unknown } | null;
  if (doc?.artifactType !== INDEX_ARTIFACT_TYPE || !Array.isArray(doc.manifests)) return [];
  const out: SharedEntry[] = [];
  for (const m of doc.manifests as Array<Record<string, unknown> | null>) {
    const a = (m?.annotations ?? {}) as Record<string, unknown>;
    const [diffId, digest, blob] = [a[A_DIFF_ID], m?.digest, a[A_BLOB]];
    const size = Number(a[A_SIZE]);
    const version = Number(a[A_VERSION]);
    if (typeof diffId !== 'string' || !DIGEST.test(diffId) || typeof digest !== 'string' || !DIGEST.test(digest))
      continue;
    if (typeof blob !== 'string' || !DIGEST.test(blob) || !Number.isSafeInteger(size) || size <= 0) continue;
    out.push({ diffId, version, manifest: { digest, size: Number(m?.size) }, blob: { digest: blob, size } });
  }
  return out;
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
        annotations: {
          [A_DIFF_ID]: e.diffId,
          [A_VERSION]: String(e.version),
          [A_BLOB]: e.blob.digest,
          [A_SIZE]: String(e.blob.size),
        },
      })),
    }),
  );
}
