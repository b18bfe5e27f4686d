// A registry image whose every layer's analysis is known already (the local cache, `--cache-from`): its config blob
// is the only thing fetched, and the image is described as the archive reader would have described it, the layers'
// figures taken from their analyses. No layer blob is fetched.
import { ArchiveFormatError, type ArchiveImage } from '../engine/archive';
import { blobPath, checkedConfig, type RawConfig } from '../engine/archiveDocs';
import { platformOf } from '../engine/platform';
import type { ComputedLayer } from '../analysis/compute';
import { RegistryError, type RegistryClient } from './client';
import type { RegistryImage } from './image';

/** An image config is a few kB; a history of hundreds of rows, some hundred kB. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** The image's config, checked against its digest as it streams and against the shape the product reads. */
export async function fetchConfig(client: RegistryClient, image: RegistryImage): Promise<RawConfig> {
  const { digest, size } = image.config;
  if (size > MAX_CONFIG_BYTES)
    throw new RegistryError('protocol', client.host, `config ${digest} is ${size} bytes: not an image config`);
  const chunks: Buffer[] = [];
  for await (const b of client.blob(image.repo, digest, size)) chunks.push(b);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ArchiveFormatError(`image config ${digest} of ${image.repo} is not JSON`);
  }
  return checkedConfig(raw, digest);
}

/** The config's diffIDs, one per layer of the manifest; an ArchiveFormatError when they disagree. */
export function diffIdsOf(image: RegistryImage, config: RawConfig): string[] {
  const ids = config.rootfs?.diff_ids ?? [];
  if (ids.length !== image.layers.length)
    throw new ArchiveFormatError(
      `${image.repo}: the manifest lists ${image.layers.length} layers but its config names ${ids.length} diffIDs`,
    );
  return ids;
}

/** The image as the archive reader describes it, each layer's figures from its analysis. */
export function knownArchive(image: RegistryImage, config: RawConfig, known: readonly ComputedLayer[]): ArchiveImage {
  const platform = image.platform ?? platformOf(config);
  return {
    format: 'oci-layout',
    refs: [],
    configDigest: image.config.digest,
    config,
    // `known` is one analysis per diffID of the config, in its order: the manifest's layers, one for one.
    layers: image.layers.flatMap((l, i) => {
      const k = known[i];
      return k ? [{ diffId: k.diffId, blob: blobPath(l.digest), stats: k.list.stats }] : [];
    }),
    platform,
    platforms: platform ? [platform] : [],
    note: null,
  };
}
