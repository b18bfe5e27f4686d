// The `WWW-Authenticate` answer of a registry (RFC 7235 as the distribution spec uses it): which scheme it wants,
// and for bearer tokens where to get one (`realm`), for which `service` and `scope`. Pure.

export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly realm: string | null;
  readonly service: string | null;
  readonly scope: string | null;
}

const PARAM = /([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

/** The first challenge of the header that this client can answer; null for none (or no header). */
export function parseChallenge(header: string | null): Challenge | null {
  const m = header ? /^\s*(basic|bearer)\b(.*)$/is.exec(header) : null;
  if (!m) return null;
  const params = new Map<string, string>();
  for (const p of (m[2] ?? '').matchAll(PARAM)) {
    params.set((p[1] ?? '').toLowerCase(), (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  return {
    scheme: (m[1] ?? '').toLowerCase() === 'basic' ? 'basic' : 'bearer',
    realm: params.get('realm') ?? null,
    service: params.get('service') ?? null,
    scope: params.get('scope') ?? null,
  };
}

/** The scope a request for `repo` needs when the challenge names none (`repository:REPO:pull`). */
export function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}

/** The scope a write to `repo` needs (`repository:REPO:pull,push`): pushing a blob checks it exists first. */
export function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}
