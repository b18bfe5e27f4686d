// The JSON documents of an image archive, checked field by field before anything reads them: the image config
// (history rows included), Docker's manifest.json, and the blob path a digest names. A shape problem is the
// archive's problem: ArchiveFormatError, in one line.
import {
  ApiShapeError,
  arrayAt,
  configFromApi,
  labelsOf,
  objectAt,
  str,
  strings,
  type ApiContainerConfig,
} from './apiJson';
import { ArchiveFormatError } from './layerScan';

export interface RawConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: ApiContainerConfig | null;
  rootfs?: { diff_ids?: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

/** What reading the archive's tar collected. */
/** A shape problem in an archive's JSON is the archive's problem: ArchiveFormatError with the same words. */
export function archiveShape<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof ApiShapeError) throw new ArchiveFormatError(`${e.message} (the archive is corrupt)`);
    throw e;
  }
}

type HistoryEntry = NonNullable<RawConfig['history']>[number];

function historyEntry(raw: unknown, what: string): HistoryEntry {
  const h = objectAt(raw, what);
  if (h.empty_layer != null && typeof h.empty_layer !== 'boolean')
    throw new ApiShapeError(`${what}: empty_layer is not true or false`);
  return {
    created: str(h, 'created', what) || undefined,
    created_by: str(h, 'created_by', what, '', true),
    comment: str(h, 'comment', what),
    empty_layer: h.empty_layer === true,
  };
}

/** An image config with every field the product reads checked for its type (and its text made printable). */
export function checkedConfig(raw: unknown, path: string): RawConfig {
  const what = `image config ${path}`;
  return archiveShape(() => {
    const o = objectAt(raw, what);
    const rootfs = o.rootfs == null ? {} : objectAt(o.rootfs, `${what}: rootfs`);
    const c = o.config == null ? null : objectAt(o.config, `${what}: config`);
    if (c) configFromApi(c, `${what}: config`);
    return {
      architecture: str(o, 'architecture', what) || undefined,
      os: str(o, 'os', what) || undefined,
      variant: str(o, 'variant', what) || undefined,
      created: str(o, 'created', what) || undefined,
      config: c && { ...(c as ApiContainerConfig), Labels: labelsOf(c.Labels, `${what}: config.Labels`) },
      rootfs: { diff_ids: strings(rootfs.diff_ids, `${what}: rootfs.diff_ids`) },
      history:
        o.history == null
          ? []
          : arrayAt(o.history, `${what}: history`).map((h, i) => historyEntry(h, `${what}: history row ${i + 1}`)),
    };
  });
}

export type DockerManifest = Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;

/** Docker's manifest.json: a list of { Config, RepoTags, Layers }, each field checked. */
export function checkedManifest(raw: unknown): DockerManifest {
  return archiveShape(() =>
    arrayAt(raw, 'manifest.json').map((e, i) => {
      const what = `manifest.json entry ${i + 1}`;
      const m = objectAt(e, what);
      const config = str(m, 'Config', what);
      if (!config || m.Layers == null) throw new ApiShapeError(`${what} has no Config or Layers`);
      return {
        Config: config,
        RepoTags: strings(m.RepoTags, `${what}: RepoTags`),
        Layers: strings(m.Layers, `${what}: Layers`),
      };
    }),
  );
}

export function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[a-f0-9]+$/.test(hex))
    throw new ArchiveFormatError(`"${digest}" is not a digest`);
  return `blobs/${alg}/${hex}`;
}
