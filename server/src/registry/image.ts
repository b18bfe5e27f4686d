// An image in a registry, resolved the way `docker pull` does it — the reference's manifest, or from an index the
// platform asked for — and then handed to the archive reader in the one form every source takes (engine/archive.ts):
// an OCI layout tar, streamed as its blobs arrive, each blob checked against its digest on the way.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { FOREIGN_LAYER, INDEX_TYPES, MANIFEST_TYPES, OCI_INDEX } from '../core/mediaTypes';
import { hostPlatform, platformMatches, platformOf } from '../engine/platform';
import { RegistryClient, RegistryError } from './client';

const ACCEPT = [...MANIFEST_TYPES, ...INDEX_TYPES].join(', ');

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

export interface Document {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Buffer;
  readonly json: { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[]; mediaType?: string };
}

/** The image manifest a reference resolves to on `platform`, with its config and layers. */
export interface RegistryImage {
  readonly repo: string;
  readonly manifest: Document;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly platform: string | null;
}

/** Layers a registry does not serve (Windows base layers and the like): their URLs point elsewhere, if anywhere. */
export function isForeignLayer(d: Descriptor): boolean {
  return FOREIGN_LAYER.test(d.mediaType);
}

/** The image's config blob, whole and checked against its digest (it is small: the diffIDs and the history). */
export async function fetchConfig(client: RegistryClient, image: RegistryImage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of client.blob(image.repo, image.config.digest, image.config.size)) chunks.push(c);
  return Buffer.concat(chunks);
}

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** GET a manifest or index; by digest it must match, by tag its digest is what the bytes hash to. */
export async function fetchDocument(client: RegistryClient, repo: string, ref: string): Promise<Document> {
  const { res, bytes } = await client.document(repo, `manifests/${ref}`, ACCEPT);
  const digest = sha256(bytes);
  if (ref.includes(':') && ref !== digest)
    throw new RegistryError('protocol', client.host, `manifest ${ref} does not match its digest (got ${digest})`);
  let json: Document['json'];
  try {
    json = JSON.parse(bytes.toString('utf8')) as Document['json'];
  } catch {
    throw new RegistryError('protocol', client.host, `manifest ${ref} of ${repo} is not JSON`);
  }
  const mediaType = (res.headers.get('content-type') ?? json.mediaType ?? '').split(';')[0]?.trim() ?? '';
  return { mediaType, digest, bytes, json };
}

/** The manifest of `repo:ref` for `platform` (default this machine's), following one index if there is one. */
export async function resolveRegistryImage(
  client: RegistryClient,
  repo: string,
  ref: string,
  platform: string = hostPlatform(),
): Promise<RegistryImage> {
  let doc = await fetchDocument(client, repo, ref);
  let chosen: string | null = null;
  if (INDEX_TYPES.includes(doc.mediaType) || doc.json.manifests) {
    const all = (doc.json.manifests ?? []).filter(
      (m) => (platformOf(m.platform) ?? 'unknown/unknown') !== 'unknown/unknown',
    );
    const pick = all.find((m) => platformMatches(platformOf(m.platform), platform));
    if (!pick) {
      const have = all.map((m) => platformOf(m.platform)).join(', ') || 'none';
      throw new RegistryError(
        'not-found',
        client.host,
        `${repo}:${ref} has no ${platform} image (it has ${have}): pass --platform`,
      );
    }
    chosen = platformOf(pick.platform);
    doc = await fetchDocument(client, repo, pick.digest);
  }
  const { config, layers } = doc.json;
  if (!config || !Array.isArray(layers))
    throw new RegistryError(
      'protocol',
      client.host,
      `manifest ${doc.digest} of ${repo} is not an image manifest (${doc.mediaType})`,
    );
  return { repo, manifest: doc, config, layers, platform: chosen };
}

/**
 * The image as an OCI layout tar: index.json naming the manifest, then manifest, the config (already fetched) and
 * the layer blobs in `fetch` — the others are left out, for the reader to take as known. A fetch that fails tears the
 * tar down; `onFailure` hears why first (the reader would only see a torn archive).
 */
export function registryArchive(
  client: RegistryClient,
  image: RegistryImage,
  config: Buffer,
  fetch: readonly Descriptor[],
  onFailure: (e: unknown) => void,
): AsyncIterable<Buffer> {
  const tar = pack();
  const entry = (name: string, size: number, body: AsyncIterable<Buffer>) =>
    new Promise<void>((resolve, reject) => {
      const sink = tar.entry({ name, size }, (e) => {
        if (e) reject(e);
        else resolve();
      });
      // pipeline: an error on either side (a blob that fails its digest, the pack torn down) rejects, never throws.
      pipeline(Readable.from(body), sink).catch(reject);
    });
  const blob = (d: Descriptor) => `blobs/sha256/${d.digest.slice('sha256:'.length)}`;
  const once = (b: Buffer) => Readable.from([b]);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.bytes.length },
      ],
    }),
  );
  const write = async () => {
    await entry('oci-layout', 30, once(Buffer.from('{"imageLayoutVersion":"1.0.0"}')));
    await entry('index.json', index.length, once(index));
    await entry(
      `blobs/sha256/${image.manifest.digest.slice(7)}`,
      image.manifest.bytes.length,
      once(image.manifest.bytes),
    );
    await entry(blob(image.config), config.length, once(config));
    const seen = new Set<string>();
    for (const l of fetch) {
      if (seen.has(l.digest)) continue;
      seen.add(l.digest);
      const res = await client.openBlob(image.repo, l.digest);
      inEntry = true;
      await entry(blob(l), l.size, client.blobBody(res, l.digest, l.size));
      inEntry = false;
    }
    tar.finalize();
  };
  // Between two blobs (the next one refused before its first byte) the tar ends cleanly: the reader finishes, and
  // caches, every blob before it, then finds the layout short. Inside a blob it can only be torn down.
  let inEntry = false;
  write().catch((e: unknown) => {
    onFailure(e);
    if (inEntry) tar.destroy(e instanceof Error ? e : new Error(String(e)));
    else tar.finalize();
  });
  return tar as unknown as AsyncIterable<Buffer>;
}
