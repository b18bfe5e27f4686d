// Every image source becomes one canonical form here: the engine's export (`GET /images/{id}/get`) and archive
// files — legacy docker-archive (manifest.json, <id>/layer.tar), Docker ≥ 25 / containerd saves (OCI layout with a
// compatibility manifest.json) and pure OCI layouts (index.json → nested index → manifest → config + layers). The
// tar is read once, in whatever order its entries come: small JSON documents are kept, layer blobs are scanned as
// they stream by (layerScan), and the manifest decides afterwards which blob is which layer.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { HistoryRow, ImageInfo } from '../core/history';
import { ArchiveFormatError, compressionOf, DEFAULT_LIMITS, decompressed, peek, scanLayer, type LayerEntry, type LayerStats, type ScanLimits } from './layerScan';

export { ArchiveFormatError };

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
}

export interface RawConfig {
  architecture?: string; os?: string; variant?: string; created?: string;
  config?: { Labels?: Record<string, string> | null; Entrypoint?: string[] | null; Cmd?: string[] | null;
    ExposedPorts?: Record<string, unknown> | null; WorkingDir?: string; User?: string; OnBuild?: string[] | null } | null;
  rootfs?: { diff_ids?: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

export interface ReadOptions {
  /** `os/arch[/variant]` to pick from a multi-platform index (default: this machine's, else the only one). */
  readonly platform?: string;
  /** Which image of a multi-image docker-archive (a RepoTag); default the first. */
  readonly ref?: string;
  /** Called for every entry of every layer blob, keyed by the blob's path in the archive. */
  readonly onEntry?: (blob: string, entry: LayerEntry) => void;
  readonly limits?: ScanLimits;
}

const MAX_JSON = 16 * 1024 * 1024;
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

interface Descriptor { mediaType?: string; digest?: string; platform?: { os?: string; architecture?: string; variant?: string } }

function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

function platformOf(p: { os?: string; architecture?: string; variant?: string } | undefined): string | null {
  return p?.os && p.architecture ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : null;
}

export function hostPlatform(): string {
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
  return `linux/${arch}`;
}

/** Reads an archive stream into its canonical form. Throws ArchiveFormatError with a one-line reason. */
export async function readArchive(input: AsyncIterable<Buffer>, opts: ReadOptions = {}): Promise<ArchiveImage> {
  const json = new Map<string, unknown>();
  const blobs = new Map<string, LayerStats>();
  const failed = new Map<string, string>();
  const { head, stream } = await peek(input, 512);
  if (head.length === 0) throw new ArchiveFormatError('the archive is empty');
  const kind = compressionOf(head);
  if (kind !== 'tar' && kind !== 'gzip' && kind !== 'zstd') throw new ArchiveFormatError('not a tar archive (docker save or an OCI image layout)');
  const outer = kind === 'tar' ? { stream } : await decompressed(stream);

  const ex = extract();
  const src = Readable.from(outer.stream);
  src.on('error', (e) => ex.destroy(e));
  src.pipe(ex);
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const name = h.name.replace(/^\.\//, '');
      if (h.type !== 'file' && h.type !== 'contiguous-file') { entry.resume(); continue; }
      const body = await peek(entry as AsyncIterable<Buffer>, 512);
      const what = compressionOf(body.head);
      if (what === 'json' && (h.size ?? 0) <= MAX_JSON) {
        const chunks: Buffer[] = [];
        for await (const c of body.stream) chunks.push(c);
        try {
          json.set(name, JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          failed.set(name, 'is not valid JSON');
        }
      } else if (what === 'gzip' || what === 'zstd' || what === 'tar' || (what === 'unknown' && body.head.length >= 512 && body.head.every((b) => b === 0))) {
        try {
          blobs.set(name, await scanLayer(body.stream, (e) => opts.onEntry?.(name, e), opts.limits ?? DEFAULT_LIMITS));
        } catch (e) {
          if (e instanceof ArchiveFormatError) throw e;
          failed.set(name, `is not a readable layer (${(e as Error).message})`);
          for await (const _ of body.stream) { /* drain what is left */ }
        }
      } else {
        for await (const _ of body.stream) { /* VERSION, oci-layout, repositories */ }
      }
    }
  } catch (e) {
    if (e instanceof ArchiveFormatError) throw e;
    throw new ArchiveFormatError(/unexpected end|premature|truncated/i.test(String((e as Error).message)) ? 'the archive is truncated' : `the archive is corrupt (${(e as Error).message})`);
  }
  return resolve(json, blobs, failed, opts);
}

function resolve(json: Map<string, unknown>, blobs: Map<string, LayerStats>, failed: Map<string, string>, opts: ReadOptions): ArchiveImage {
  const need = <T>(path: string, what: string): T => {
    if (json.has(path)) return json.get(path) as T;
    throw new ArchiveFormatError(failed.has(path) ? `${what} ${path} ${failed.get(path)}` : `${what} ${path} is missing from the archive`);
  };
  const layerAt = (path: string, diffId: string | null): ArchiveLayer => {
    const stats = blobs.get(path);
    if (!stats) throw new ArchiveFormatError(failed.has(path) ? `layer ${path} ${failed.get(path)}` : `layer ${path} is missing from the archive`);
    return { diffId, blob: path, stats };
  };

  const manifest = json.get('manifest.json') as Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }> | undefined;
  if (Array.isArray(manifest) && manifest.length) {
    const entry = (opts.ref ? manifest.find((m) => m.RepoTags?.includes(opts.ref!)) : undefined) ?? manifest[0]!;
    if (!entry.Config || !Array.isArray(entry.Layers)) throw new ArchiveFormatError('manifest.json has no Config or Layers');
    const config = need<RawConfig>(entry.Config, 'image config');
    const diffIds = config.rootfs?.diff_ids ?? [];
    const digest = entry.Config.startsWith('blobs/') ? entry.Config.split('/').slice(1).join(':') : `sha256:${entry.Config.replace(/\.json$/, '')}`;
    const platform = platformOf(config);
    return {
      format: json.has('index.json') ? 'oci-layout' : 'docker-archive', refs: entry.RepoTags ?? [], configDigest: digest, config,
      layers: entry.Layers.map((p, i) => layerAt(p, diffIds[i] ?? null)), platform, platforms: platform ? [platform] : [],
    };
  }

  const index = json.get('index.json') as { manifests?: Descriptor[] } | undefined;
  if (!index) throw new ArchiveFormatError(failed.has('manifest.json') ? `manifest.json ${failed.get('manifest.json')}` : 'neither manifest.json nor index.json: not a docker save archive or an OCI image layout');
  const candidates: Array<{ desc: Descriptor; platform: string | null; ref: string | null }> = [];
  const walk = (descs: Descriptor[] | undefined, depth: number, ref: string | null) => {
    if (depth > 8) throw new ArchiveFormatError('index.json nests indexes more than 8 deep');
    for (const d of descs ?? []) {
      if (!d.digest) continue;
      const r = ref ?? ((d as { annotations?: Record<string, string> }).annotations?.['io.containerd.image.name'] ?? (d as { annotations?: Record<string, string> }).annotations?.['org.opencontainers.image.ref.name'] ?? null);
      if (INDEX_TYPES.has(d.mediaType ?? '')) walk(need<{ manifests?: Descriptor[] }>(blobPath(d.digest), 'index').manifests, depth + 1, r);
      else candidates.push({ desc: d, platform: platformOf(d.platform), ref: r });
    }
  };
  walk(index.manifests, 0, null);
  // Attestation manifests (buildx provenance) have platform unknown/unknown: not images.
  const images = candidates.filter((c) => c.platform !== 'unknown/unknown');
  if (!images.length) throw new ArchiveFormatError('index.json lists no image manifest');
  const platforms = [...new Set(images.map((c) => c.platform).filter((p): p is string => p !== null))];
  let chosen = images[0]!;
  if (opts.platform) {
    const hit = images.find((c) => c.platform === opts.platform || c.platform?.startsWith(`${opts.platform}/`));
    if (!hit) throw new ArchiveFormatError(`no image for platform ${opts.platform} in the archive (it has ${platforms.join(', ') || 'no platform information'})`);
    chosen = hit;
  } else if (images.length > 1) {
    chosen = images.find((c) => c.platform === hostPlatform()) ?? images[0]!;
  }
  const m = need<{ config?: Descriptor; layers?: Descriptor[] }>(blobPath(chosen.desc.digest!), 'image manifest');
  if (!m.config?.digest || !Array.isArray(m.layers)) throw new ArchiveFormatError(`manifest ${chosen.desc.digest} has no config or layers`);
  const config = need<RawConfig>(blobPath(m.config.digest), 'image config');
  const diffIds = config.rootfs?.diff_ids ?? [];
  const platform = chosen.platform ?? platformOf(config);
  return {
    format: 'oci-layout', refs: chosen.ref ? [chosen.ref] : [], configDigest: m.config.digest, config,
    layers: m.layers.map((l, i) => layerAt(blobPath(l.digest ?? ''), diffIds[i] ?? null)), platform, platforms: platforms.length ? platforms : platform ? [platform] : [],
  };
}

/** The history of an archive image with each row's size (rows are paired with layers through empty_layer). */
export function imageInfoOf(a: ArchiveImage): ImageInfo {
  const c = a.config.config ?? {};
  let next = 0;
  const history: HistoryRow[] = (a.config.history ?? []).map((h) => {
    const empty = !!h.empty_layer;
    const layer = empty ? undefined : a.layers[next++];
    return {
      createdBy: h.created_by ?? '', sizeBytes: layer?.stats.sizeBytes ?? 0, created: h.created ?? null, comment: h.comment ?? '',
      id: null, emptyLayer: empty,
    };
  });
  return {
    id: a.configDigest, refs: a.refs, sizeBytes: a.layers.reduce((s, l) => s + l.stats.sizeBytes, 0), created: a.config.created ?? null,
    os: a.config.os ?? null, architecture: a.config.architecture ?? null, labels: c.Labels ?? {},
    layers: a.layers.map((l) => l.diffId ?? ''), history,
    config: {
      entrypoint: c.Entrypoint ?? null, cmd: c.Cmd ?? null, exposedPorts: Object.keys(c.ExposedPorts ?? {}),
      workingDir: c.WorkingDir || null, user: c.User || null, onBuild: c.OnBuild ?? [],
    },
  };
}

export async function readArchiveFile(path: string, opts: ReadOptions = {}): Promise<ArchiveImage> {
  return readArchive(createReadStream(path, { highWaterMark: 1 << 20 }), opts);
}
