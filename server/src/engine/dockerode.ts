// ImageSource over the Docker Engine API (dockerode), for Docker and for Podman's compatible service.
// Every call has a deadline; failures become EngineErrors that say what to do.
import Docker from 'dockerode';
import type { HistoryRow } from '../core/history';
import { detailsFromApi, historyFromApi, summaryFromApi, type ApiHistory, type ApiInspect, type ApiSummary } from './apiJson';
import type { Endpoint } from './endpoint';
import { EngineError, isImageReference, type EngineVersion, type ImageDetails, type ImageSource, type ImageSummary } from './source';

export function dockerodeFor(endpoint: Endpoint): Docker {
  if (endpoint.kind === 'socket') return new Docker({ socketPath: endpoint.socketPath });
  const tls = endpoint.tls;
  return new Docker({ host: endpoint.host, port: endpoint.port, protocol: tls ? 'https' : 'http', ...(tls ?? {}) } as Docker.DockerOptions);
}

export class DockerodeSource implements ImageSource {
  constructor(private readonly docker: Docker, readonly endpoint: string, private readonly timeoutMs: number) {}

  static connect(endpoint: Endpoint, timeoutMs: number): DockerodeSource {
    return new DockerodeSource(dockerodeFor(endpoint), endpoint.url, timeoutMs);
  }

  async version(): Promise<EngineVersion> {
    const v = await this.call<{ Version?: string; ApiVersion?: string; Components?: Array<{ Name?: string }> }>('/version', 'engine version');
    const podman = v.Components?.some((c) => /podman/i.test(c.Name ?? '')) ?? false;
    return { product: podman ? 'podman' : v.Version ? 'docker' : 'unknown', version: v.Version ?? '?', apiVersion: v.ApiVersion ?? '?' };
  }

  async list(): Promise<ImageSummary[]> {
    return (await this.call<ApiSummary[]>('/images/json', 'image list')).map(summaryFromApi);
  }

  async inspect(ref: string): Promise<ImageDetails> {
    return detailsFromApi(await this.call<ApiInspect>(`/images/${this.checked(ref)}/json`, `image ${ref}`));
  }

  async history(ref: string): Promise<HistoryRow[]> {
    return historyFromApi(await this.call<ApiHistory[]>(`/images/${this.checked(ref)}/history`, `history of ${ref}`));
  }

  async export(ref: string): Promise<NodeJS.ReadableStream> {
    // The deadline covers the answer's start only: a big image may take minutes to stream.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      return await this.dial<NodeJS.ReadableStream>({ path: `/images/${this.checked(ref)}/get`, method: 'GET', isStream: true, abortSignal: abort.signal }, `export of ${ref}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private checked(ref: string): string {
    if (!isImageReference(ref)) throw new EngineError('bad-reference', `"${ref}" is not an image reference (name[:tag], name@sha256:…, or an image id)`);
    return ref;
  }

  private call<T>(path: string, what: string): Promise<T> {
    return this.dial<T>({ path, method: 'GET', abortSignal: AbortSignal.timeout(this.timeoutMs) }, what);
  }

  private dial<T>(opts: { path: string; method: string; isStream?: boolean; abortSignal: AbortSignal }, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.docker.modem.dial({ ...opts, options: {}, statusCodes: { 200: true, 404: 'not found', 500: 'server error' } },
        (err: unknown, data: unknown) => (err ? reject(this.translate(err, what)) : resolve(data as T)));
    });
  }

  private translate(err: unknown, what: string): EngineError {
    const e = err as { statusCode?: number; code?: string; name?: string; message?: string; json?: { message?: string } };
    const at = this.endpoint;
    if (e.statusCode === 404) return new EngineError('not-found', `${what}: no such image on ${at} (docker image ls lists what is there)`);
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR') {
      return new EngineError('timeout', `${what}: the engine at ${at} did not answer within ${this.timeoutMs} ms (is it overloaded? raise dockerfileSize.engine.timeoutMs)`);
    }
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH' || e.code === 'ECONNRESET') {
      const hint = e.code === 'EACCES' || e.code === 'EPERM' ? 'no permission to use the socket (add yourself to the docker group)' : 'start Docker, or point DOCKER_HOST / dockerfileSize.engine.host at a running engine';
      return new EngineError('unreachable', `no engine answers at ${at} (${e.code}): ${hint}`);
    }
    const detail = e.json?.message ?? e.message ?? String(err);
    return new EngineError('failed', `${what}: the engine at ${at} answered with an error: ${detail.trim()}`);
  }
}
