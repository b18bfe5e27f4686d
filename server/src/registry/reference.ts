// Which references name a registry, and where: docker's reading of a reference, on the shared parser.
import { parseImageRef } from '../core/rules/baseImages';
import { apiHost } from './client';

export interface RegistryRef {
  /** The API host: `registry-1.docker.io` for Docker Hub. */
  readonly host: string;
  /** The repository path on that host (`library/debian` for Hub's official images). */
  readonly repo: string;
  /** A digest when the reference has one, else the tag (`latest` when none). */
  readonly ref: string;
}

// Docker's grammar (distribution/reference): a host of dot-separated labels or an IPv6 literal, with a port; path
// components of lowercase letters and digits joined by `.`, `_`, `__` or dashes. `../../x` is a path, not a registry.
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** The reference as docker reads it, or null when docker would refuse it (a bad host, an uppercase or empty path). */
function parsed(text: string): ReturnType<typeof parseImageRef> {
  const r = parseImageRef(text);
  if (!r || (r.registry !== null && !HOST.test(r.registry))) return null;
  return r.repo.split('/').every((c) => COMPONENT.test(c)) ? r : null;
}

/** A reference whose first component names a host (a dot, a port, or `localhost`), as docker reads it. */
export function isRegistryReference(text: string): boolean {
  const r = parsed(text);
  return r !== null && r.registry !== null;
}

export function registryRef(text: string): RegistryRef | null {
  const r = parsed(text);
  if (!r) return null;
  const host = apiHost(r.registry);
  const repo = r.registry === null && !r.repo.includes('/') ? `library/${r.repo}` : r.repo;
  return { host, repo, ref: r.digest ?? r.tag ?? 'latest' };
}

/** Where a reference is fetched: Docker Hub's names from `mirror` when one is set, every other registry as named. */
export interface MirroredRef extends RegistryRef {
  /** The mirror was named with `http://`: plain HTTP to it. */
  readonly insecure: boolean;
}

/**
 * `text` located with Docker Hub's names sent to `mirror` (`[http(s)://]host[:port][/prefix]`, as the
 * `dockerfileSize.registry.mirror` setting and DFSIZE_REGISTRY_MIRROR name it; '' or `off`: Docker Hub itself).
 */
export function mirroredRef(text: string, mirror: string | null): MirroredRef | null {
  const r = registryRef(text);
  const m = mirror?.trim() ?? '';
  if (!r || !m || m === 'off' || r.host !== apiHost(null)) return r && { ...r, insecure: false };
  const [host = '', ...prefix] = m
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .split('/');
  return { host, repo: [...prefix, r.repo].join('/'), ref: r.ref, insecure: m.startsWith('http://') };
}
