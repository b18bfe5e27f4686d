// Small image archives written by the tests, in the shapes engines write: docker save (manifest.json, <id>/layer.tar,
// or kaniko's <sha>.tar.gz layers) and OCI layouts (index.json, blobs/sha256, optionally a nested index), layers
// uncompressed, gzip, zstd or estargz. Each layer is a list of tar entries, so a test controls whiteouts, opaque
// directories, links and hostile names exactly.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

export type TarEntry = Partial<Header> & { name: string; body?: string | Buffer };

export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const { body, ...h } of entries) {
    const header = { mtime: new Date(0), mode: h.type === 'directory' ? 0o755 : 0o644, ...h };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      // Links and directories have no body; a file without one is empty.
      if (body === undefined && h.type && h.type !== 'file') p.entry(header, cb);
      else p.entry(header, body ?? '', cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export const file = (name: string, size: number, fill = 'x'): TarEntry => ({ name, body: Buffer.alloc(size, fill) });
export const dir = (name: string): TarEntry => ({ name, type: 'directory' });
export const whiteout = (path: string): TarEntry => {
  const slash = path.lastIndexOf('/');
  return { name: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, body: '' };
};
export const opaque = (d: string): TarEntry => ({ name: `${d}/.wh..wh..opq`, body: '' });

/** One row of the image config's history, as builders write it. */
export interface HistoryRow {
  created_by: string;
  /** A row that made no layer (ENV, CMD… on the legacy builder). */
  empty_layer?: true;
  created?: string;
  author?: string;
}

export interface ImageSpec {
  layers: ReadonlyArray<readonly TarEntry[]>;
  /** created_by of each layer's history row. */
  history?: readonly string[];
  /** The whole history instead, empty rows included: its non-empty rows pair with `layers` in order. */
  rows?: readonly HistoryRow[];
  tag?: string;
  architecture?: string;
}

export async function layerTars(spec: ImageSpec): Promise<Buffer[]> {
  return Promise.all(spec.layers.map((l) => tarOf(l)));
}

/** The image config (its sha256 is the image id). */
export function configOf(spec: ImageSpec, tars: readonly Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: spec.architecture ?? 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha256(t)}`) },
      history: spec.rows ?? tars.map((_, i) => ({ created_by: spec.history?.[i] ?? `/bin/sh -c step ${i}` })),
    }),
  );
}

/**
 * A `docker save` archive: the legacy shape (`<id>/layer.tar`), or with `gzip` the shape kaniko's tarball writes
 * (`<sha of the gzip>.tar.gz` layers, config named by its digest).
 */
export async function dockerArchive(
  spec: ImageSpec,
  extra: readonly TarEntry[] = [],
  opts: { gzip?: boolean } = {},
): Promise<Buffer> {
  const tars = await layerTars(spec);
  const config = configOf(spec, tars);
  const tag = spec.tag ?? 'test/image:latest';
  if (opts.gzip) {
    const gz = tars.map((t) => gzipSync(t));
    const cfgName = `sha256:${sha256(config)}`;
    const names = gz.map((g) => `${sha256(g)}.tar.gz`);
    return tarOf([
      { name: cfgName, body: config },
      ...gz.map((body, i) => ({ name: names[i]!, body })),
      { name: 'manifest.json', body: JSON.stringify([{ Config: cfgName, RepoTags: [tag], Layers: names }]) },
      ...extra,
    ]);
  }
  const cfgName = `${sha256(config)}.json`;
  const ids = tars.map((t) => sha256(t));
  return tarOf([
    ...tars.flatMap((t, i) => [
      dir(`${ids[i]}/`),
      { name: `${ids[i]}/VERSION`, body: '1.0' },
      { name: `${ids[i]}/layer.tar`, body: t },
    ]),
    { name: cfgName, body: config },
    {
      name: 'manifest.json',
      body: JSON.stringify([{ Config: cfgName, RepoTags: [tag], Layers: ids.map((id) => `${id}/layer.tar`) }]),
    },
    ...extra,
  ]);
}

/** A zstd frame of raw (stored) blocks: valid zstd that any decoder reads, written without a compressor. */
export function zstdStored(data: Buffer): Buffer {
  const MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  // Frame header: no content size, no checksum, no dictionary; a window of 2^(10+11) bytes.
  const HEADER = Buffer.from([0x00, 11 << 3]);
  const BLOCK = 128 * 1024;
  const RAW_BLOCK = 0;
  const parts: Buffer[] = [MAGIC, HEADER];
  for (let at = 0; at === 0 || at < data.length; at += BLOCK) {
    const piece = data.subarray(at, at + BLOCK);
    const last = at + BLOCK >= data.length ? 1 : 0;
    const word = last | (RAW_BLOCK << 1) | (piece.length << 3);
    parts.push(Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff]), piece);
  }
  return Buffer.concat(parts);
}

export type LayerCompression = 'none' | 'gzip' | 'zstd' | 'estargz';

/** A layer as stored, and the tar it decompresses to (its sha256 is the layer's diff_id). */
interface Blob {
  blob: Buffer;
  tar: Buffer;
}

/** estargz: the layer's entries plus its table of contents (`stargz.index.json`), then a footer gzip member. */
async function estargz(entries: readonly TarEntry[]): Promise<Blob> {
  const toc = {
    version: 1,
    entries: entries.map((e) => ({ name: e.name, type: e.type ?? 'reg', size: e.body?.length ?? 0 })),
  };
  const tar = await tarOf([...entries, { name: 'stargz.index.json', body: JSON.stringify(toc) }]);
  return { blob: Buffer.concat([gzipSync(tar), gzipSync(Buffer.alloc(0))]), tar };
}

async function layerBlob(how: LayerCompression, entries: readonly TarEntry[]): Promise<Blob> {
  if (how === 'estargz') return estargz(entries);
  const tar = await tarOf(entries);
  return { blob: how === 'gzip' ? gzipSync(tar) : how === 'zstd' ? zstdStored(tar) : tar, tar };
}

const MEDIA_SUFFIX: Record<LayerCompression, string> = { none: '', gzip: '+gzip', zstd: '+zstd', estargz: '+gzip' };

export interface OciOptions {
  compression?: LayerCompression;
  /** Put the image manifest behind a nested index, listed for these platforms (the same manifest each time). */
  nested?: readonly string[];
  manifestJson?: boolean;
}

/** An OCI image layout (as containerd and Docker ≥ 25 write it). */
export async function ociArchive(spec: ImageSpec, opts: OciOptions = {}): Promise<Buffer> {
  const how = opts.compression ?? 'none';
  const stored = await Promise.all(spec.layers.map((l) => layerBlob(how, l)));
  const blobs = stored.map((b) => b.blob);
  const config = configOf(
    spec,
    stored.map((b) => b.tar),
  );
  const desc = (mediaType: string, b: Buffer, extra: object = {}) => ({
    mediaType,
    digest: `sha256:${sha256(b)}`,
    size: b.length,
    ...extra,
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: desc('application/vnd.oci.image.config.v1+json', config),
      layers: blobs.map((b) => desc(`application/vnd.oci.image.layer.v1.tar${MEDIA_SUFFIX[how]}`, b)),
    }),
  );
  const platform = (p: string) => {
    const [os, architecture, variant] = p.split('/');
    return { os, architecture, ...(variant ? { variant } : {}) };
  };
  const files: Array<[string, Buffer]> = [...blobs, config, manifest].map((b) => [`blobs/sha256/${sha256(b)}`, b]);
  let top = desc('application/vnd.oci.image.manifest.v1+json', manifest, {
    platform: platform(`linux/${spec.architecture ?? 'amd64'}`),
  });
  if (opts.nested) {
    const nested = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: opts.nested.map((p) =>
          desc('application/vnd.oci.image.manifest.v1+json', manifest, { platform: platform(p) }),
        ),
      }),
    );
    files.push([`blobs/sha256/${sha256(nested)}`, nested]);
    top = desc('application/vnd.oci.image.index.v1+json', nested);
  }
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...top, annotations: { 'io.containerd.image.name': spec.tag ?? 'test/image:latest' } }],
  };
  return tarOf([
    { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
    ...files.map(([name, body]) => ({ name, body })),
    { name: 'index.json', body: JSON.stringify(index) },
    ...(opts.manifestJson
      ? [
          {
            name: 'manifest.json',
            body: JSON.stringify([
              {
                Config: `blobs/sha256/${sha256(config)}`,
                RepoTags: [spec.tag ?? 'test/image:latest'],
                Layers: blobs.map((b) => `blobs/sha256/${sha256(b)}`),
              },
            ]),
          },
        ]
      : []),
  ]);
}

/** A tar header written by hand (for what tar-stream refuses to write): base-256 size, any type flag. */
export function rawHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h[124] = 0x80;
  for (let i = 135, v = size; i > 124; i--, v = Math.floor(v / 256)) h[i] = v % 256;
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** A docker save archive around one layer blob given as bytes (any bytes: truncated, hostile, compressed or not), with `config` edits. */
export async function withLayer(
  layer: Buffer,
  config: Record<string, unknown> = {},
  manifest?: (cfg: string) => unknown,
): Promise<Buffer> {
  const body = Buffer.from(
    JSON.stringify({
      os: 'linux',
      architecture: 'amd64',
      rootfs: { diff_ids: [`sha256:${sha256(layer)}`] },
      history: [{ created_by: 'x' }],
      ...config,
    }),
  );
  const cfg = `${sha256(body)}.json`;
  const m = manifest ? manifest(cfg) : [{ Config: cfg, Layers: ['l/layer.tar'] }];
  return tarOf([
    { name: cfg, body },
    { name: 'l/layer.tar', body: layer },
    { name: 'manifest.json', body: JSON.stringify(m) },
  ]);
}

export async function* chunked(buf: Buffer, size = 65536): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
