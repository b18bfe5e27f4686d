// Which blobs of an archive make the image: Docker's manifest.json when there is one (legacy saves and the
// compatibility file of Docker ≥ 25 / containerd saves), else the OCI index (index.json → nested indexes → image
// manifests). Everything read here was checked against its digest when its name carries one; sizes are checked
// against descriptors; media types that are not image parts are refused by name rather than misread.
import { CONFIG_TYPES, FOREIGN_LAYER, INDEX_TYPES, LAYER_TYPE, MANIFEST_TYPES } from '../core/mediaTypes';
import { printable } from './apiJson';
import { blobPath, checkedConfig, checkedManifest, type DockerManifest, type RawConfig } from './archiveDocs';
import { ArchiveFormatError, type LayerStats } from './layerScan';
import { hostPlatform, platformMatches, platformOf } from './platform';

export interface ArchiveLayer {
  readonly diffId: string | null;
  /** Where the blob sits in the archive: `<id>/layer.tar`, `blobs/sha256/<hex>`. */
  readonly blob: string;
  readonly stats: LayerStats;
}

export interface ArchiveImage {
  readonly format: 'docker-archive' | 'oci-layout';
  readonly refs: readonly string[];
  readonly configDigest: string;
  readonly config: RawConfig;
  readonly layers: readonly ArchiveLayer[];
  /** `os/arch[/variant]` of the chosen image, and every platform the archive offered. */
  readonly platform: string | null;
  readonly platforms: readonly string[];
  /** When the archive offered a choice (platforms, images): which one was taken and why, for the user. */
  readonly note: string | null;
}

export interface ArchiveDocs {
  readonly json: ReadonlyMap<string, unknown>;
  /** sha256 of each JSON document kept. */
  readonly digests: ReadonlyMap<string, string>;
  readonly blobs: ReadonlyMap<string, LayerStats>;
  /** Files that were there but could not be used, and why ("is not valid JSON"). */
  readonly failed: ReadonlyMap<string, string>;
  /** Links in the archive (docker save links a layer.tar it already wrote). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Byte size of every file in the archive. */
  readonly sizes: ReadonlyMap<string, number>;
}

export interface ResolveOptions {
  readonly platform?: string;
  readonly ref?: string;
  readonly verifyLayers?: boolean;
  /** Layers already analysed, by diffID: a blob the archive lacks is taken from here (ReadOptions.known). */
  readonly known?: ReadonlyMap<string, LayerStats>;
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/**
 * Indexes may nest (index → per-platform index → manifest), but a real archive lists a few dozen manifests at most.
 * Every descriptor walked counts: 8 levels of 6 entries would otherwise be 1.7 million candidates from 31 KB.
 */
const MAX_INDEX_DEPTH = 8;
const MAX_INDEX_DESCRIPTORS = 4096;

class Resolver {
  constructor(
    private readonly d: ArchiveDocs,
    private readonly opts: ResolveOptions,
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it checks next
  need<T>(path: string, what: string): T {
    if (this.d.json.has(path)) return this.d.json.get(path) as T;
    const why = this.d.failed.get(path);
    throw new ArchiveFormatError(`${what} ${path} ${why ?? 'is missing from the archive'}`);
  }

  /** Follows docker save's links to the blob they name. */
  private real(path: string): string {
    let p = path;
    for (let hops = 0; hops < 8 && this.d.aliases.has(p); hops++) p = this.d.aliases.get(p)!;
    return p;
  }

  layer(index: number, path: string, diffId: string | null, desc?: Descriptor): ArchiveLayer {
    const real = this.real(path);
    const stats = this.d.blobs.get(real);
    const what = `layer ${index + 1} (${path})`;
    if (desc?.mediaType && !LAYER_TYPE.test(desc.mediaType))
      throw new ArchiveFormatError(`${what} has media type ${desc.mediaType}, which is not an image layer`);
    const known = !stats && diffId && !this.d.failed.has(real) ? this.opts.known?.get(diffId) : undefined;
    if (known) return { diffId, blob: real, stats: known };
    if (!stats) {
      if (this.d.failed.has(real)) throw new ArchiveFormatError(`${what} ${this.d.failed.get(real)}`);
      if (desc?.mediaType && FOREIGN_LAYER.test(desc.mediaType))
        throw new ArchiveFormatError(
          `${what} is a foreign layer (${desc.mediaType}) that the archive does not include`,
        );
      throw new ArchiveFormatError(`${what} is missing from the archive`);
    }
    const size = this.d.sizes.get(real);
    if (desc?.size !== undefined && size !== undefined && desc.size !== size) {
      throw new ArchiveFormatError(
        `${what} is ${size} bytes but its manifest says ${desc.size} (the archive is corrupt)`,
      );
    }
    if (this.opts.verifyLayers && stats.digest && diffId && stats.digest !== diffId) {
      throw new ArchiveFormatError(
        `${what} does not match its diffID ${diffId} (the archive is corrupt or was altered)`,
      );
    }
    return { diffId, blob: real, stats };
  }

  config(path: string): { config: RawConfig; digest: string } {
    const raw = this.need<unknown>(path, 'image config');
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new ArchiveFormatError(`image config ${path} is not an image configuration`);
    return { config: checkedConfig(raw, path), digest: this.d.digests.get(path)! };
  }

  diffIds(config: RawConfig, count: number): string[] {
    const ids = config.rootfs?.diff_ids ?? [];
    if (ids.length !== count)
      throw new ArchiveFormatError(
        `the image lists ${count} layers but its config names ${ids.length} diffIDs (the archive is corrupt)`,
      );
    return ids;
  }
}

function fromManifestJson(
  r: Resolver,
  manifest: DockerManifest,
  opts: ResolveOptions,
  hasIndex: boolean,
): ArchiveImage {
  let note: string | null = null;
  let entry = manifest[0]!;
  if (opts.ref) {
    const hit = manifest.find((m) => m.RepoTags.includes(opts.ref!));
    if (!hit)
      throw new ArchiveFormatError(
        `no image tagged ${opts.ref} in the archive (it has ${manifest.flatMap((m) => m.RepoTags).join(', ') || 'untagged images only'})`,
      );
    entry = hit;
  } else if (manifest.length > 1) {
    note = `the archive holds ${manifest.length} images; reading the first (${entry.RepoTags[0] ?? entry.Config})`;
  }
  const { config, digest } = r.config(entry.Config);
  const diffIds = r.diffIds(config, entry.Layers.length);
  const platform = platformOf(config);
  if (opts.platform && platform && !platformMatches(platform, opts.platform)) {
    throw new ArchiveFormatError(`no image for platform ${opts.platform} in the archive (it has ${platform})`);
  }
  return {
    format: hasIndex ? 'oci-layout' : 'docker-archive',
    refs: entry.RepoTags,
    configDigest: digest,
    config,
    layers: entry.Layers.map((p, i) => r.layer(i, p, diffIds[i] ?? null)),
    platform,
    platforms: platform ? [platform] : [],
    note,
  };
}

interface Candidate {
  desc: Descriptor;
  platform: string | null;
  ref: string | null;
  present: boolean;
}

function fromIndex(
  r: Resolver,
  d: ArchiveDocs,
  index: { manifests?: Descriptor[] },
  opts: ResolveOptions,
): ArchiveImage {
  const candidates: Candidate[] = [];
  const skipped: string[] = [];
  let walked = 0;
  const walk = (descs: Descriptor[] | undefined, depth: number, ref: string | null): void => {
    if (depth > MAX_INDEX_DEPTH)
      throw new ArchiveFormatError(`index.json nests indexes more than ${MAX_INDEX_DEPTH} deep`);
    for (const desc of Array.isArray(descs) ? descs : []) {
      if (++walked > MAX_INDEX_DESCRIPTORS)
        throw new ArchiveFormatError(
          `index.json lists more than ${MAX_INDEX_DESCRIPTORS} manifests through its nested indexes: the archive is corrupt or hostile`,
        );
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- index.json's entries may be anything
      if (typeof desc?.digest !== 'string') continue;
      const named = [
        desc.annotations?.['io.containerd.image.name'],
        desc.annotations?.['org.opencontainers.image.ref.name'],
      ].find((n) => typeof n === 'string');
      const name = named === undefined ? null : printable(named);
      const r2 = ref ?? name;
      const path = blobPath(desc.digest);
      if (INDEX_TYPES.includes(desc.mediaType ?? '')) {
        // An index whose blob is not here lists images whose blobs are not here either (a one-platform export).
        if (d.json.has(path)) walk(r.need<{ manifests?: Descriptor[] }>(path, 'index').manifests, depth + 1, r2);
        else if (d.failed.has(path)) r.need(path, 'index');
        continue;
      }
      if (desc.mediaType && !MANIFEST_TYPES.includes(desc.mediaType)) {
        skipped.push(desc.mediaType);
        continue;
      }
      const platform = platformOf(desc.platform);
      // buildx attestations are manifests for platform unknown/unknown: not images.
      if (platform === 'unknown/unknown' || desc.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
        continue;
      if (d.failed.has(path)) r.need(path, 'image manifest');
      candidates.push({ desc, platform, ref: r2, present: d.json.has(path) });
    }
  };
  walk(index.manifests, 0, null);
  if (!candidates.length) {
    throw new ArchiveFormatError(
      `index.json lists no image manifest${skipped.length ? ` (only ${[...new Set(skipped)].join(', ')})` : ''}`,
    );
  }
  const present = candidates.filter((c) => c.present);
  const platforms = [...new Set(present.map((c) => c.platform).filter((p): p is string => p !== null))];
  const listed = [...new Set(candidates.map((c) => c.platform).filter((p): p is string => p !== null))];
  let chosen: Candidate | undefined;
  let note: string | null = null;
  const refMatch = (c: Candidate) =>
    !opts.ref || c.ref === opts.ref || c.ref?.endsWith(`:${opts.ref}`) || c.ref?.endsWith(`/${opts.ref}`);
  const pool = present.filter(refMatch);
  if (opts.ref && !pool.length) throw new ArchiveFormatError(`no image named ${opts.ref} in the archive`);
  if (opts.platform) {
    chosen = pool.find((c) => platformMatches(c.platform, opts.platform!));
    if (!chosen) {
      const absent = candidates.some((c) => !c.present && platformMatches(c.platform, opts.platform!));
      throw new ArchiveFormatError(
        absent
          ? `the archive lists ${opts.platform} but does not include its blobs (it has ${platforms.join(', ') || 'no complete image'})`
          : `no image for platform ${opts.platform} in the archive (it has ${listed.join(', ') || 'no platform information'})`,
      );
    }
  } else if (pool.length === 1) {
    chosen = pool[0];
  } else if (pool.length > 1) {
    const distinct = new Set(pool.map((c) => c.platform));
    if (distinct.size > 1) {
      const host = hostPlatform();
      chosen = pool.find((c) => platformMatches(c.platform, host));
      if (!chosen)
        throw new ArchiveFormatError(
          `the archive holds images for ${platforms.join(', ')} and none for this machine (${host}): choose one with --platform`,
        );
      note = `the archive holds images for ${platforms.join(', ')}; reading ${chosen.platform} (this machine's)`;
    } else {
      chosen = pool[0];
      note = `the archive holds ${pool.length} images; reading the first (${chosen!.ref ?? chosen!.desc.digest})`;
    }
  }
  if (!chosen)
    throw new ArchiveFormatError(
      `index.json lists ${listed.join(', ') || 'an image'} but the archive does not include its manifest`,
    );

  const mpath = blobPath(chosen.desc.digest!);
  const m = r.need<{ mediaType?: string; config?: Descriptor; layers?: Descriptor[] }>(mpath, 'image manifest');
  if (m.mediaType && !MANIFEST_TYPES.includes(m.mediaType))
    throw new ArchiveFormatError(
      `manifest ${chosen.desc.digest} has media type ${m.mediaType}, which is not an image manifest`,
    );
  if (typeof m.config?.digest !== 'string' || !Array.isArray(m.layers))
    throw new ArchiveFormatError(`manifest ${chosen.desc.digest} has no config or layers`);
  if (m.config.mediaType && !CONFIG_TYPES.includes(m.config.mediaType))
    throw new ArchiveFormatError(
      `manifest ${chosen.desc.digest} is not a container image (its config is ${m.config.mediaType})`,
    );
  const cpath = blobPath(m.config.digest);
  const { config, digest } = r.config(cpath);
  const diffIds = r.diffIds(config, m.layers.length);
  const platform = chosen.platform ?? platformOf(config);
  return {
    format: 'oci-layout',
    refs: chosen.ref ? [chosen.ref] : [],
    configDigest: digest,
    config,
    layers: m.layers.map((l, i) =>
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a manifest's layers may be anything
      r.layer(i, blobPath(typeof l?.digest === 'string' ? l.digest : 'sha256:0'), diffIds[i] ?? null, l),
    ),
    platform,
    platforms: platforms.length ? platforms : platform ? [platform] : [],
    note,
  };
}

/**
 * Docker 28's save of a multi-platform image lists only this machine's image in manifest.json; its index lists every
 * platform the archive holds. The same image read through the index says so (and which one it read), or null when
 * the index does not lead to that image.
 */
function withIndexPlatforms(
  r: Resolver,
  d: ArchiveDocs,
  index: { manifests?: Descriptor[] },
  fromManifest: ArchiveImage,
  opts: ResolveOptions,
): ArchiveImage | null {
  let viaIndex: ArchiveImage;
  try {
    viaIndex = fromIndex(r, d, index, opts);
  } catch (e) {
    // An index the manifest.json reading does not need (one listing blobs the save left out): manifest.json stands.
    if (e instanceof ArchiveFormatError) return null;
    throw e;
  }
  if (viaIndex.configDigest !== fromManifest.configDigest || viaIndex.platforms.length < 2) return null;
  return { ...fromManifest, platforms: viaIndex.platforms, note: viaIndex.note };
}

/** The image an archive holds, from what reading it collected. Throws ArchiveFormatError with a one-line reason. */
export function resolveImage(d: ArchiveDocs, opts: ResolveOptions): ArchiveImage {
  const r = new Resolver(d, opts);
  const raw = d.json.get('manifest.json');
  const manifest = Array.isArray(raw) && raw.length ? checkedManifest(raw) : undefined;
  const index = d.json.get('index.json') as { manifests?: Descriptor[] } | undefined;
  if (Array.isArray(manifest) && manifest.length && !opts.platform) {
    const fromManifest = fromManifestJson(r, manifest, opts, d.json.has('index.json'));
    const multi =
      index && typeof index === 'object' && !opts.ref ? withIndexPlatforms(r, d, index, fromManifest, opts) : null;
    return multi ?? fromManifest;
  }
  if (index && typeof index === 'object') return fromIndex(r, d, index, opts);
  if (manifest) return fromManifestJson(r, manifest, opts, false);
  if (d.failed.has('manifest.json')) throw new ArchiveFormatError(`manifest.json ${d.failed.get('manifest.json')}`);
  if (d.failed.has('index.json')) throw new ArchiveFormatError(`index.json ${d.failed.get('index.json')}`);
  throw new ArchiveFormatError(
    'neither manifest.json nor index.json: not a docker save archive or an OCI image layout',
  );
}
