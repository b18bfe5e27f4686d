// Sizes of the image's base and of its smaller variants, for large-base-image: from the engine when it has both
// images (uncompressed, as `docker images` shows), else from a registry's manifests (compressed layer bytes), else
// nothing (the rule then uses its documented table). One comparison never mixes the two sources.
import type { DockerfileModel } from '../core/dockerfile';
import { baseImageCandidates } from '../core/rules/index';
import { parseImageRef } from '../core/rules/baseImages';
import type { ImageSource } from '../engine/source';

export interface BaseSizes {
  readonly sizes: Map<string, number>;
  readonly from: 'engine' | 'registry' | null;
}

export interface SizeSources {
  /** An engine that answered (sizes of local images); null to skip. */
  readonly source: ImageSource | null;
  /**
   * Where Docker Hub references are looked up: `127.0.0.1:5000` (a mirror holding `library/node:20` and the like),
   * optionally with a path prefix (`127.0.0.1:5000/mirror` → `mirror/library/node:20`), optionally with its scheme.
   * Null: no registry is asked (Docker Hub itself needs a token dance this tool does not do).
   */
  readonly mirror: string | null;
  readonly timeoutMs?: number;
}

const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

interface Manifest {
  readonly layers?: ReadonlyArray<{ readonly size?: number }>;
  readonly config?: { readonly size?: number };
  readonly manifests?: ReadonlyArray<{
    readonly digest: string;
    readonly platform?: { readonly os?: string; readonly architecture?: string };
  }>;
}

async function getManifest(base: string, repo: string, ref: string, timeoutMs: number): Promise<Manifest | null> {
  try {
    const res = await fetch(`${base}/v2/${repo}/manifests/${ref}`, {
      headers: { Accept: ACCEPT },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok ? ((await res.json()) as Manifest) : null;
  } catch {
    // A registry that does not answer (offline, timeout) or answers no JSON: no size from it; the table is used.
    return null;
  }
}

/** Compressed bytes of an image in a registry (linux/amd64 of a multi-platform index), or null. */
export async function registrySize(mirror: string, imageRef: string, timeoutMs = 3000): Promise<number | null> {
  const r = parseImageRef(imageRef);
  if (!r || r.registry !== null) return null;
  const [host, ...prefix] = mirror
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .split('/');
  // A registry on this machine speaks plain HTTP (Docker treats 127.0.0.0/8 as insecure by default); others TLS.
  const scheme = /^https?:\/\//.test(mirror)
    ? mirror.slice(0, mirror.indexOf(':'))
    : /^(localhost|127\.)/.test(host!)
      ? 'http'
      : 'https';
  const base = `${scheme}://${host}`;
  const repo = [...prefix, r.repo.includes('/') ? r.repo : `library/${r.repo}`].join('/');
  let m = await getManifest(base, repo, r.digest ?? r.tag ?? 'latest', timeoutMs);
  if (m?.manifests) {
    const pick =
      m.manifests.find((x) => x.platform?.os === 'linux' && x.platform.architecture === 'amd64') ?? m.manifests[0];
    m = pick ? await getManifest(base, repo, pick.digest, timeoutMs) : null;
  }
  if (!m?.layers) return null;
  return m.layers.reduce((s, l) => s + (l.size ?? 0), 0) + (m.config?.size ?? 0);
}

async function engineSize(source: ImageSource, ref: string): Promise<number | null> {
  try {
    return (await source.inspect(ref)).sizeBytes;
  } catch {
    // An image the engine does not have (or an engine gone meanwhile): the registry or the table answers instead.
    return null;
  }
}

/** Sizes for every base/variant pair the Dockerfile's image has; both sides from the same place or neither. */
export async function baseImageSizes(model: DockerfileModel, src: SizeSources): Promise<BaseSizes> {
  const sizes = new Map<string, number>();
  let from: BaseSizes['from'] = null;
  for (const c of baseImageCandidates(model)) {
    const refs = [c.from, ...c.variants];
    if (src.source) {
      const got = await Promise.all(refs.map((r) => engineSize(src.source!, r)));
      if (got[0] !== null && got.slice(1).some((g) => g !== null)) {
        refs.forEach((r, k) => got[k] !== null && sizes.set(r, got[k]!));
        from = 'engine';
        continue;
      }
    }
    if (src.mirror) {
      const got = await Promise.all(refs.map((r) => registrySize(src.mirror!, r, src.timeoutMs)));
      if (got[0] !== null && got.slice(1).some((g) => g !== null)) {
        refs.forEach((r, k) => got[k] !== null && sizes.set(r, got[k]!));
        from = 'registry';
      }
    }
  }
  return { sizes, from };
}
