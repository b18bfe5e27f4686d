// The OCI and Docker media types an image is made of, in one place for the archive reader (engine/archiveIndex.ts)
// and the registry side (registry/image.ts, the shared cache's artifacts in registry/sharedIndex.ts). Pure data.
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI 1.1's empty descriptor type: an artifact's config that is the two bytes `{}`. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

/** An image index: OCI's, or Docker's manifest list. */
export const INDEX_TYPES: readonly string[] = [OCI_INDEX, 'application/vnd.docker.distribution.manifest.list.v2+json'];
/** One platform's image manifest: OCI's, or Docker's schema 2. */
export const MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json'];
/** A container image's config (anything else behind a manifest is some other artifact). */
export const CONFIG_TYPES: readonly string[] = [
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
];
/** A layer tar, plain or compressed, OCI's or Docker's, distributable or not. */
export const LAYER_TYPE =
  /^application\/vnd\.(?:oci\.image\.layer(?:\.nondistributable)?\.v1\.tar|docker\.image\.rootfs\.(?:foreign\.)?diff\.tar)(?:\.gzip|\+gzip|\+zstd|\.zstd)?$/;
/** A layer a registry does not serve (Windows base layers and the like) and an archive may leave out. */
export const FOREIGN_LAYER = /nondistributable|foreign/;
