// An image's layer analyses tied to the image itself, as OCI 1.1 referrers (docs/registry-cache.md): one artifact
// manifest per image, artifactType IMAGE_ARTIFACT_TYPE, `subject` the image's manifest, one layer per layer analysis
// (the analysis blob, annotated with its diffID, analyser version and per-layer artifact manifest). A registry with
// the referrers API indexes it (its PUT answers `OCI-Subject`); for one without, the client keeps the referrers tag
// schema: an OCI index at the tag `sha256-<hex>` of the subject's digest, read, added to and written back.
import { ANALYSER_VERSION } from '../analysis/compute';
import { OCI_INDEX, OCI_MANIFEST } from '../core/mediaTypes';
import { RegistryError, type RegistryClient } from './client';
import { fetchDocument, sha256 } from './image';
import { pushManifest } from './push';
import { A_VERSION, BLOB_TYPE, DIGEST, EMPTY_CONFIG, entryAnnotations, entryOf, type SharedEntry } from './sharedIndex';

export const IMAGE_ARTIFACT_TYPE = 'application/vnd.dfsize.image-analysis.v1';
/** Referrers read per image at most: the newest first. */
const MAX_REFERRERS = 8;

/** The image manifest an analysis refers to (OCI's `subject` descriptor). */
export interface Subject {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** How the referrers were kept or found: the registry's API, or the tag schema's tag. */
export type ReferrersVia = { readonly api: true } | { readonly api: false; readonly tag: string };

/** The referrers tag schema's tag for a digest: `<alg>-<hex>`, at most 128 characters. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-').slice(0, 128);
}

/** The image's analysis artifact: one layer per layer analysis, in the image's order. */
export function imageAnalysisManifest(subject: Subject, entries: readonly SharedEntry[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: IMAGE_ARTIFACT_TYPE,
      config: EMPTY_CONFIG,
      layers: entries.map((e) => ({
        mediaType: BLOB_TYPE,
        digest: e.blob.digest,
        size: e.blob.size,
        annotations: entryAnnotations(e, 'blob'),
      })),
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { [A_VERSION]: String(ANALYSER_VERSION) },
    }),
  );
}

/** The layer analyses an image analysis artifact names; none unless its subject is `subject` (the tag is writable). */
export function entriesOfImageAnalysis(json: unknown, subject: string): SharedEntry[] {
  const doc = json as { artifactType?: unknown; subject?: { digest?: unknown }; layers?: unknown } | null;
  if (doc?.artifactType !== IMAGE_ARTIFACT_TYPE || doc.subject?.digest !== subject || !Array.isArray(doc.layers))
    return [];
  return (doc.layers as Array<Record<string, unknown> | null>).map((l) => entryOf(l, 'blob')).filter((e) => e !== null);
}

/** The fallback tag's index; [] when the tag is not there. Anything but an OCI index there is a RegistryError. */
async function tagIndex(client: RegistryClient, repo: string, tag: string): Promise<Array<Record<string, unknown>>> {
  let doc;
  try {
    doc = await fetchDocument(client, repo, tag);
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'not-found') return [];
    throw e;
  }
  if (doc.mediaType !== OCI_INDEX || !Array.isArray(doc.json.manifests))
    throw new RegistryError('protocol', client.host, `${repo}:${tag} is not a referrers index (${doc.mediaType})`);
  return doc.json.manifests as unknown as Array<Record<string, unknown>>;
}

/**
 * Pushes the image's analysis artifact, then, unless the registry said it indexed the subject (`OCI-Subject`), adds
 * it to the referrers tag schema's index (read-modify-write; nothing is written when it is listed already).
 */
export async function pushReferrer(
  client: RegistryClient,
  repo: string,
  subject: Subject,
  entries: readonly SharedEntry[],
): Promise<ReferrersVia> {
  const body = imageAnalysisManifest(subject, entries);
  const m = await pushManifest(client, repo, sha256(body), OCI_MANIFEST, body);
  if (m.subject) return { api: true };
  const tag = referrersTag(subject.digest);
  const old = await tagIndex(client, repo, tag);
  if (old.some((d) => d.digest === m.digest)) return { api: false, tag };
  const mine = {
    mediaType: OCI_MANIFEST,
    digest: m.digest,
    size: m.size,
    artifactType: IMAGE_ARTIFACT_TYPE,
    annotations: { [A_VERSION]: String(ANALYSER_VERSION) },
  };
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [mine, ...old] };
  await pushManifest(client, repo, tag, OCI_INDEX, Buffer.from(JSON.stringify(index)));
  return { api: false, tag };
}

/** A referrers answer as JSON; null when it is not JSON, which the caller refuses as a protocol error. */
function parsedIndex(bytes: Buffer): { manifests?: unknown } | null {
  try {
    return JSON.parse(bytes.toString('utf8')) as { manifests?: unknown } | null;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return null;
  }
}

/** The image's referrers of our artifactType: the referrers API, or the tag schema's index where it answers 404. */
async function referrerDigests(
  client: RegistryClient,
  repo: string,
  subject: string,
): Promise<[string[], ReferrersVia]> {
  const query = `referrers/${subject}?artifactType=${encodeURIComponent(IMAGE_ARTIFACT_TYPE)}`;
  const res = await client.request(repo, query, { headers: { Accept: OCI_INDEX }, accept: [200, 404] });
  let list: Array<Record<string, unknown>>;
  let via: ReferrersVia;
  if (res.status === 200) {
    const json = parsedIndex(await client.counted(res));
    if (!Array.isArray(json?.manifests))
      throw new RegistryError('protocol', client.host, `answered its referrers of ${subject} with no OCI index`);
    [list, via] = [json.manifests as Array<Record<string, unknown>>, { api: true }];
  } else {
    await res.body?.cancel();
    const tag = referrersTag(subject);
    [list, via] = [await tagIndex(client, repo, tag), { api: false, tag }];
  }
  const digests = list
    .filter((d) => d.artifactType === IMAGE_ARTIFACT_TYPE && typeof d.digest === 'string' && DIGEST.test(d.digest))
    .map((d) => d.digest as string);
  return [digests.slice(0, MAX_REFERRERS), via];
}

/** The layer analyses tied to the image `subject` in `repo`, newest referrer first for a diffID; and how found. */
export async function readReferrers(
  client: RegistryClient,
  repo: string,
  subject: string,
): Promise<{ entries: SharedEntry[]; via: ReferrersVia }> {
  const [digests, via] = await referrerDigests(client, repo, subject);
  const entries: SharedEntry[] = [];
  for (const d of digests)
    entries.push(...entriesOfImageAnalysis((await fetchDocument(client, repo, d)).json, subject));
  return { entries, via };
}
