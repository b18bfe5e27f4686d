// Small image archives written by the tests, in the shapes engines write: docker save (manifest.json, <id>/layer.tar)
// and OCI layouts (index.json, blobs/sha256, optionally a nested index), layers uncompressed or gzip. Each layer is a
// list of tar entries, so a test controls whiteouts, opaque directories, links and hostile names exactly.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

export type TarEntry = Partial<Header> & { name: string; body?: string | Buffer };

export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => { for await (const c of p) chunks.push(c as Buffer); })();
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

export interface ImageSpec {
  layers: ReadonlyArray<readonly TarEntry[]>;
  /** created_by of each layer's history row. */
  history?: readonly string[];
  tag?: string;
  architecture?: string;
}

export async function layerTars(spec: ImageSpec): Promise<Buffer[]> {
  return Promise.all(spec.layers.map((l) => tarOf(l)));
}

function configOf(spec: ImageSpec, tars: readonly Buffer[]): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: spec.architecture ?? 'amd64', os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha256(t)}`) },
    history: tars.map((_, i) => ({ created_by: spec.history?.[i] ?? `/bin/sh -c step ${i}` })),
  }));
}

/** A legacy `docker save` archive. */
export async function dockerArchive(spec: ImageSpec, extra: readonly TarEntry[] = []): Promise<Buffer> {
  const tars = await layerTars(spec);
  const config = configOf(spec, tars);
  const cfgName = `${sha256(config)}.json`;
  const ids = tars.map((t) => sha256(t));
  return tarOf([
    ...tars.flatMap((t, i) => [dir(`${ids[i]}/`), { name: `${ids[i]}/VERSION`, body: '1.0' }, { name: `${ids[i]}/layer.tar`, body: t }]),
    { name: cfgName, body: config },
    { name: 'manifest.json', body: JSON.stringify([{ Config: cfgName, RepoTags: [spec.tag ?? 'test/image:latest'], Layers: ids.map((id) => `${id}/layer.tar`) }]) },
    ...extra,
  ]);
}

export interface OciOptions {
  gzip?: boolean;
  /** Put the image manifest behind a nested index, listed for these platforms (the same manifest each time). */
  nested?: readonly string[];
  manifestJson?: boolean;
}

/** An OCI image layout (as containerd and Docker ≥ 25 write it). */
export async function ociArchive(spec: ImageSpec, opts: OciOptions = {}): Promise<Buffer> {
  const tars = await layerTars(spec);
  const blobs = tars.map((t) => (opts.gzip ? gzipSync(t) : t));
  const config = configOf(spec, tars);
  const desc = (mediaType: string, b: Buffer, extra: object = {}) => ({ mediaType, digest: `sha256:${sha256(b)}`, size: b.length, ...extra });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: desc('application/vnd.oci.image.config.v1+json', config),
    layers: blobs.map((b) => desc(`application/vnd.oci.image.layer.v1.tar${opts.gzip ? '+gzip' : ''}`, b)),
  }));
  const platform = (p: string) => { const [os, architecture, variant] = p.split('/'); return { os, architecture, ...(variant ? { variant } : {}) }; };
  const files: Array<[string, Buffer]> = [...blobs, config, manifest].map((b) => [`blobs/sha256/${sha256(b)}`, b]);
  let top = desc('application/vnd.oci.image.manifest.v1+json', manifest, { platform: platform(`linux/${spec.architecture ?? 'amd64'}`) });
  if (opts.nested) {
    const nested = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: opts.nested.map((p) => desc('application/vnd.oci.image.manifest.v1+json', manifest, { platform: platform(p) })),
    }));
    files.push([`blobs/sha256/${sha256(nested)}`, nested]);
    top = desc('application/vnd.oci.image.index.v1+json', nested);
  }
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...top, annotations: { 'io.containerd.image.name': spec.tag ?? 'test/image:latest' } }] };
  return tarOf([
    { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
    ...files.map(([name, body]) => ({ name, body })),
    { name: 'index.json', body: JSON.stringify(index) },
    ...(opts.manifestJson ? [{ name: 'manifest.json', body: JSON.stringify([{ Config: `blobs/sha256/${sha256(config)}`, RepoTags: [spec.tag ?? 'test/image:latest'], Layers: blobs.map((b) => `blobs/sha256/${sha256(b)}`) }]) }] : []),
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
export async function withLayer(layer: Buffer, config: Record<string, unknown> = {}, manifest?: (cfg: string) => unknown): Promise<Buffer> {
  const body = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { diff_ids: [`sha256:${sha256(layer)}`] }, history: [{ created_by: 'x' }], ...config }));
  const cfg = `${sha256(body)}.json`;
  const m = manifest ? manifest(cfg) : [{ Config: cfg, Layers: ['l/layer.tar'] }];
  return tarOf([{ name: cfg, body }, { name: 'l/layer.tar', body: layer }, { name: 'manifest.json', body: JSON.stringify(m) }]);
}

export async function* chunked(buf: Buffer, size = 65536): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
