// One registry, spoken to over the OCI distribution API with Node's fetch: anonymous, basic and bearer-token access
// (the `WWW-Authenticate` challenge flow, with the docker CLI's credentials), a token refreshed once when the registry
// stops taking it, `429`/`503` waited out as `Retry-After` says (within a bound), and typed errors that name the
// registry and what to do. Blobs stream through a sha256 of their bytes: a mismatch ends the stream with an error.
// TLS is verified against the default CAs and `ca` (transport.ts); plain HTTP only for loopback or `insecure`.
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseChallenge, pullScope, pushScope, type Challenge } from './challenge';
import { credentialFor, type Credential } from './credentials';
import { registryDispatcher, tlsProblem, type TlsProblem } from './transport';

export type RegistryErrorKind =
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'rate-limited'
  | 'unreachable'
  | 'protocol'
  /** TLS the client will not use as it is: an unknown CA, a plain-HTTP registry without --insecure-registry. */
  | 'tls';

export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    readonly kind: RegistryErrorKind,
    readonly registry: string,
    message: string,
    /** For `unreachable`: what the connection said (`other side closed`, `ECONNREFUSED`). */
    readonly detail = '',
  ) {
    super(`${registry}: ${message}`);
  }
}

export interface RegistryClientOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * `--insecure-registry`: HTTPS without verifying the certificate, else plain HTTP when the registry speaks no TLS
   * (as Docker does). Loopback registries are always spoken to over plain HTTP.
   */
  readonly insecure?: boolean;
  /** CA certificates (PEM texts, `--ca-cert`) trusted beside the default ones. */
  readonly ca?: readonly string[];
  readonly timeoutMs?: number;
  /** The longest `Retry-After` that is waited out; a longer one is an error at once. */
  readonly maxRetryAfterMs?: number;
  /** Where credentials come from (default: the docker CLI's config and helpers). */
  readonly credential?: (host: string) => Promise<Credential | null>;
  readonly signal?: AbortSignal;
}

/** A request beyond a GET (`push`: it writes, so it asks for the `pull,push` scope). */
export interface RegistryRequest {
  readonly method?: 'GET' | 'HEAD' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly push?: boolean;
  /** The statuses that are answers, not errors (default: any 2xx). */
  readonly accept?: readonly number[];
}

const RETRIES = 3;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** The API host of a registry name: Docker Hub's names go to registry-1.docker.io. */
export function apiHost(registry: string | null): string {
  return registry === null || registry === 'docker.io' || registry === 'index.docker.io'
    ? 'registry-1.docker.io'
    : registry;
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private credential: Promise<Credential | null> | null = null;
  private basic = false;
  private scheme: 'http' | 'https';
  private dispatcher: Promise<object | undefined> | null = null;
  private received = 0;

  constructor(
    readonly host: string,
    private readonly opts: RegistryClientOptions,
  ) {
    this.scheme = LOOPBACK.test(host) ? 'http' : 'https';
  }

  /** Bytes of manifests and blobs this client has received (what `analyze` reports as fetched). */
  get bytesReceived(): number {
    return this.received;
  }

  /** GET a whole (small) document: a manifest or an index, counted in bytesReceived. */
  async document(repo: string, path: string, accept: string): Promise<{ res: Response; bytes: Buffer }> {
    const res = await this.get(repo, path, accept);
    return { res, bytes: await this.counted(res) };
  }

  /** A (small) answer's whole body, counted in bytesReceived. */
  async counted(res: Response): Promise<Buffer> {
    const bytes = Buffer.from(await res.arrayBuffer());
    this.received += bytes.length;
    return bytes;
  }

  get base(): string {
    return `${this.scheme}://${this.host}`;
  }

  /** GET `/v2/REPO/PATH`, authenticated as the registry asks; any answer but 2xx is a RegistryError. */
  get(repo: string, path: string, accept?: string): Promise<Response> {
    return this.request(repo, path, { headers: accept ? { Accept: accept } : {} });
  }

  /**
   * Any request to `/v2/REPO/PATH` (or to an absolute URL the registry gave, an upload's Location), authenticated as
   * the registry asks for the scope (`pull`, or `pull,push` to write). Answers with a status in `accept` (default:
   * 2xx) are returned; any other is a RegistryError. A body is a Buffer, so a retry sends it again.
   */
  async request(repo: string, path: string, req: RegistryRequest = {}): Promise<Response> {
    // A function: an insecure registry found to speak plain HTTP switches the scheme on the way (fetch).
    const url = () => (/^https?:/.test(path) ? path : `${this.base}/v2/${repo}/${path}`);
    const scope = req.push ? pushScope(repo) : pullScope(repo);
    const init: RequestInit = { method: req.method ?? 'GET', ...(req.body ? { body: req.body } : {}) };
    // Two answers to 401 at most: the first gets credentials or a token; the second a fresh token, for one that
    // the registry stopped taking (it expired) — a third 401 is the credentials' fault.
    let authentications = 0;
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetch(url(), { ...this.headers(scope), ...req.headers }, init);
      if (req.accept ? req.accept.includes(res.status) : res.ok) return res;
      await res.body?.cancel();
      if (res.status === 401 && authentications < 2) {
        await this.authenticate(parseChallenge(res.headers.get('www-authenticate')), scope, req.push);
        authentications++;
        continue;
      }
      const wait = retryAfterMs(res);
      if ((res.status === 429 || res.status === 503) && wait !== null && attempt < RETRIES) {
        if (wait > (this.opts.maxRetryAfterMs ?? 60_000)) throw this.error(res, path, req.push);
        await delay(wait, undefined, { signal: this.opts.signal });
        continue;
      }
      throw this.error(res, path, req.push);
    }
  }

  private headers(scope: string): Record<string, string> {
    const h: Record<string, string> = {};
    const token = this.tokens.get(scope);
    if (token) h.Authorization = `Bearer ${token}`;
    return h;
  }

  private async fetch(url: string, headers: Record<string, string>, init: RequestInit = {}): Promise<Response> {
    const signals = [
      AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      ...(this.opts.signal ? [this.opts.signal] : []),
    ];
    this.dispatcher ??= registryDispatcher(this.opts.ca ?? [], this.opts.insecure === true, this.opts.env);
    const dispatcher = await this.dispatcher;
    try {
      return await fetch(url, {
        ...init,
        headers: { ...headers, ...(await this.basicHeader()) },
        signal: AbortSignal.any(signals),
        ...(dispatcher ? ({ dispatcher } as RequestInit) : {}),
      });
    } catch (e) {
      if (this.opts.signal?.aborted) throw e;
      const tls = tlsProblem(e);
      // An insecure registry that speaks no TLS is read over plain HTTP from then on, as Docker does.
      if (tls?.kind === 'plain-http' && this.opts.insecure && url.startsWith(`https://${this.host}/`)) {
        this.scheme = 'http';
        return this.fetch(`http://${url.slice('https://'.length)}`, headers, init);
      }
      if (tls) throw this.tlsError(tls);
      throw new RegistryError(
        'unreachable',
        this.host,
        `does not answer (${causeOf(e)}): check the name, the network and TLS`,
        causeOf(e),
      );
    }
  }

  private tlsError(p: TlsProblem): RegistryError {
    switch (p.kind) {
      case 'unknown-ca':
        return new RegistryError(
          'tls',
          this.host,
          `its TLS certificate is not signed by a CA this machine trusts (${p.code}): pass --ca-cert FILE (or add the CA to the system store)`,
        );
      case 'plain-http':
        return new RegistryError(
          'tls',
          this.host,
          'answers plain HTTP, not HTTPS: pass --insecure-registry to read it over HTTP',
        );
      case 'refused':
        return new RegistryError(
          'tls',
          this.host,
          `its TLS certificate is refused (${p.detail}): check the registry's name and certificate`,
        );
    }
  }

  private async basicHeader(): Promise<Record<string, string>> {
    if (!this.basic) return {};
    const c = await this.credentials();
    return c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.secret}`).toString('base64')}` } : {};
  }

  private credentials(): Promise<Credential | null> {
    this.credential ??= (this.opts.credential ?? ((h) => credentialFor(h, this.opts.env)))(this.host);
    return this.credential;
  }

  /** Answers a 401's challenge: basic auth from now on, or a fresh bearer token for the scope. */
  private async authenticate(ch: Challenge | null, scope: string, push = false): Promise<void> {
    const login = `log in with \`docker login ${this.host}\``;
    if (!ch)
      throw new RegistryError(
        'unauthorized',
        this.host,
        `asks for credentials in a way this client does not know: ${login}`,
      );
    const cred = await this.credentials();
    if (ch.scheme === 'basic') {
      if (!cred) throw new RegistryError('unauthorized', this.host, `needs credentials: ${login}`);
      if (this.basic)
        throw new RegistryError('unauthorized', this.host, `refused the credentials from ${cred.from}: ${login}`);
      this.basic = true;
      return;
    }
    if (!ch.realm) throw new RegistryError('protocol', this.host, 'asks for a bearer token but names no realm');
    // A write asks for pull and push at once, whatever the first challenge (a HEAD's) named: one token for the push.
    this.tokens.set(scope, await this.token(ch.realm, ch.service, push ? scope : (ch.scope ?? scope), cred));
  }

  private async token(realm: string, service: string | null, scope: string, cred: Credential | null): Promise<string> {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = cred
      ? { Authorization: `Basic ${Buffer.from(`${cred.username}:${cred.secret}`).toString('base64')}` }
      : {};
    const res = await this.fetch(url.href, headers);
    if (!res.ok) {
      await res.body?.cancel();
      const what = cred ? `refused the credentials from ${cred.from}` : 'gives no anonymous access';
      throw new RegistryError(
        'unauthorized',
        this.host,
        `its token service ${what} (HTTP ${res.status}): log in with \`docker login ${this.host}\``,
      );
    }
    const body = (await res.json().catch((e: unknown) => {
      throw new RegistryError('protocol', this.host, `its token service answered no JSON (${causeOf(e)})`);
    })) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || !token)
      throw new RegistryError('protocol', this.host, 'its token service answered no token');
    return token;
  }

  private error(res: Response, path: string, push = false): RegistryError {
    const what = /^https?:|^blobs\/uploads\//.test(path)
      ? 'a blob upload'
      : path.startsWith('blobs/')
        ? `blob ${path.slice(6)}`
        : `manifest ${path.slice(10)}`;
    switch (res.status) {
      case 401:
        return new RegistryError(
          'unauthorized',
          this.host,
          `refused access to ${what} after authenticating: check \`docker login ${this.host}\``,
        );
      case 403:
        return new RegistryError(
          'denied',
          this.host,
          `denies access to ${what}: your account cannot ${push ? 'push to' : 'pull'} it`,
        );
      case 404:
        return new RegistryError('not-found', this.host, `has no ${what}: check the repository, tag or digest`);
      case 429:
        return new RegistryError(
          'rate-limited',
          this.host,
          `is rate-limiting this client (HTTP 429): try again later or log in`,
        );
      default:
        return new RegistryError('protocol', this.host, `answered HTTP ${res.status} for ${what}`);
    }
  }

  /** A blob's bytes as they arrive, checked against `size` and `digest`: a mismatch or a cut ends it with an error. */
  async *blob(repo: string, digest: string, size: number): AsyncIterable<Buffer> {
    yield* this.blobBody(await this.openBlob(repo, digest), digest, size);
  }

  /**
   * The answer to a blob's GET, before any byte of it is read: a blob the registry does not have (or will not give)
   * fails here, so that a reader can stop between two blobs rather than inside one.
   */
  async openBlob(repo: string, digest: string): Promise<Response> {
    return this.get(repo, `blobs/${digest}`).catch((e: unknown) => {
      // A connection lost before the body started is the same cut to the user as one lost in the middle.
      if (!(e instanceof RegistryError) || e.kind !== 'unreachable') throw e;
      throw new RegistryError(
        'unreachable',
        this.host,
        `cut blob ${digest} before its first byte (${e.detail}): try again`,
      );
    });
  }

  /** The body of an opened blob (openBlob), checked against `size` and `digest` as it streams. */
  async *blobBody(res: Response, digest: string, size: number): AsyncIterable<Buffer> {
    const [algo, hex] = digest.split(':');
    if (algo !== 'sha256' || !hex)
      throw new RegistryError('protocol', this.host, `cannot check digest ${digest} (sha256 only)`);
    const hash = createHash('sha256');
    let got = 0;
    try {
      for await (const chunk of res.body ?? []) {
        // A view of fetch's chunk, not a copy (a copy of every byte was a sixth of a 1 GB read's time, most of it GC).
        const u = chunk as Uint8Array;
        const b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
        got += b.length;
        this.received += b.length;
        if (got > size)
          throw new RegistryError(
            'protocol',
            this.host,
            `blob ${digest} is longer than the ${size} bytes its manifest says`,
          );
        hash.update(b);
        yield b;
      }
    } catch (e) {
      if (e instanceof RegistryError || this.opts.signal?.aborted) throw e;
      throw new RegistryError(
        'unreachable',
        this.host,
        `cut blob ${digest} after ${got} of ${size} bytes (${causeOf(e)}): try again`,
      );
    }
    if (got !== size)
      throw new RegistryError('protocol', this.host, `blob ${digest} ended after ${got} of ${size} bytes`);
    if (hash.digest('hex') !== hex)
      throw new RegistryError(
        'protocol',
        this.host,
        `blob ${digest} does not match its digest: the registry or a proxy altered it`,
      );
  }
}

function retryAfterMs(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (v === null) return null;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function causeOf(e: unknown): string {
  const c = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  return c instanceof Error ? c.message : String(c);
}
