// ImageSource over the Docker Engine API (dockerode), for Docker and for Podman's compatible service.
// Every call has a deadline; failures become EngineErrors that say what to do.
import Docker from 'dockerode';
import type { HistoryRow, SizeMeasure } from '../core/history';
import { buildImage, type BuildHandlers, type BuildRequest, type BuildResult } from './build';
import { decodeEvents, MAKING_ACTIONS, type EventHistory, type EventSource, type ImageEvent } from './events';
import { detailsFromApi, historyFromApi, sizeMeasureFromInfo, summaryFromApi, type ApiHistory, type ApiInfo, type ApiInspect, type ApiSummary } from './apiJson';
import type { Endpoint } from './endpoint';
import { EngineError, isImageReference, type EngineVersion, type ImageDetails, type ImageSource, type ImageSummary } from './source';

export function dockerodeFor(endpoint: Endpoint): Docker {
  switch (endpoint.kind) {
    case 'socket':
      return new Docker({ socketPath: endpoint.socketPath });
    case 'tcp':
      return new Docker({ host: endpoint.host, port: endpoint.port, protocol: endpoint.tls ? 'https' : 'http', ...(endpoint.tls ?? {}) } as Docker.DockerOptions);
    case 'ssh':
      // docker-modem runs `docker system dial-stdio` on the remote host, authenticating with the ssh agent.
      return new Docker({
        protocol: 'ssh', host: endpoint.host, port: endpoint.port, ...(endpoint.username ? { username: endpoint.username } : {}),
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      } as Docker.DockerOptions);
  }
}

/** dockerd 20.10 writes a whole image out before it starts answering an export: minutes for a big one. */
export const EXPORT_START_TIMEOUT_MS = 10 * 60 * 1000;

export class DockerodeSource implements ImageSource, EventSource, EventHistory {
  /** The engine's image store does not change while it runs: asked once, on the first inspect. */
  private measure: Promise<SizeMeasure> | null = null;

  constructor(private readonly docker: Docker, readonly endpoint: string, private readonly timeoutMs: number,
    private readonly exportTimeoutMs = Math.max(timeoutMs, EXPORT_START_TIMEOUT_MS)) {}

  static connect(endpoint: Endpoint, timeoutMs: number, exportTimeoutMs?: number): DockerodeSource {
    return new DockerodeSource(dockerodeFor(endpoint), endpoint.url, timeoutMs, exportTimeoutMs);
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
    const raw = await this.call<ApiInspect>(`/images/${this.checked(ref)}/json`, `image ${ref}`);
    return detailsFromApi(raw, await this.sizeMeasure());
  }

  /** What the engine's history sizes count (`GET /info`: the containerd store names its snapshotter). */
  sizeMeasure(): Promise<SizeMeasure> {
    this.measure ??= this.call<ApiInfo>('/info', 'engine info').then(sizeMeasureFromInfo);
    // A failed ask is asked again next time, not remembered.
    this.measure.catch(() => { this.measure = null; });
    return this.measure;
  }

  async history(ref: string): Promise<HistoryRow[]> {
    return historyFromApi(await this.call<ApiHistory[]>(`/images/${this.checked(ref)}/history`, `history of ${ref}`));
  }

  async export(ref: string): Promise<NodeJS.ReadableStream> {
    // Its own deadline (EXPORT_START_TIMEOUT_MS), for the answer's start only: a big image may take minutes to stream.
    return this.openStream(`/images/${this.checked(ref)}/get`, `export of ${ref}`, this.exportTimeoutMs);
  }

  async imageEvents(signal: AbortSignal): Promise<AsyncIterable<ImageEvent>> {
    // docker-modem appends `options` as the query to a path ending in '?' (objects as JSON); the caller's signal ends
    // the stream whenever it wants.
    const stream = await this.openStream('/events?', 'event stream', this.timeoutMs, signal, { filters: { type: ['image'] } });
    return decodeEvents(stream as AsyncIterable<Buffer>);
  }

  async pastImageEvents(since: number): Promise<ImageEvent[]> {
    // With `until`, the engine sends the events it still holds and ends the answer; the deadline covers all of it.
    const what = 'recent image events';
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const query = { since: String(since), until: String(Math.floor(Date.now() / 1000)), filters: { type: ['image'], event: MAKING_ACTIONS } };
    const stream = await this.openStream('/events?', what, this.timeoutMs, deadline, query);
    const out: ImageEvent[] = [];
    try {
      for await (const e of decodeEvents(stream as AsyncIterable<Buffer>)) out.push(e);
    } catch (e) {
      throw this.translate(e, what, this.timeoutMs);
    }
    return out;
  }

  /** Runs a build on this engine (see engine/build.ts). */
  build(req: BuildRequest, handlers: BuildHandlers, signal: AbortSignal): Promise<BuildResult> {
    return buildImage(this.docker, req, handlers, signal);
  }

  private checked(ref: string): string {
    if (!isImageReference(ref)) throw new EngineError('bad-reference', `"${ref}" is not an image reference (name[:tag], name@sha256:…, or an image id)`);
    return ref;
  }

  private call<T>(path: string, what: string): Promise<T> {
    return this.dial<T>({ path, method: 'GET', abortSignal: AbortSignal.timeout(this.timeoutMs) }, what, this.timeoutMs);
  }

  /** A streamed answer: the deadline covers its start only. */
  private async openStream(path: string, what: string, deadlineMs: number, signal?: AbortSignal, options?: Record<string, unknown>): Promise<NodeJS.ReadableStream> {
    const start = new AbortController();
    const timer = setTimeout(() => start.abort(), deadlineMs);
    try {
      const abortSignal = signal ? AbortSignal.any([signal, start.signal]) : start.signal;
      return await this.dial<NodeJS.ReadableStream>({ path, method: 'GET', isStream: true, abortSignal, options }, what, deadlineMs);
    } finally {
      clearTimeout(timer);
    }
  }

  private dial<T>(opts: { path: string; method: string; isStream?: boolean; abortSignal: AbortSignal; options?: Record<string, unknown> }, what: string, deadlineMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.docker.modem.dial({ ...opts, options: opts.options ?? {}, statusCodes: { 200: true, 404: 'not found', 500: 'server error' } },
        (err: unknown, data: unknown) => (err ? reject(this.translate(err, what, deadlineMs)) : resolve(data as T)));
    });
  }

  private translate(err: unknown, what: string, deadlineMs: number): EngineError {
    const e = err as { statusCode?: number; code?: string; name?: string; message?: string; json?: { message?: string } };
    const at = this.endpoint;
    if (e.statusCode === 404) {
      // An engine says which image it lacks; anything else answering 404 (a web server on that port) is not an engine.
      if (!/no such|not found|unknown|does not exist/i.test(e.json?.message ?? '')) {
        return new EngineError('unreachable', `${at} answers, but not as a Docker or Podman engine (HTTP 404 for ${what}): point DOCKER_HOST / dockerfileSize.engine.host at the engine's socket or port`);
      }
      return new EngineError('not-found', `${what}: no such image on ${at} (docker image ls lists what is there)`);
    }
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR') {
      return new EngineError('timeout', `${what}: the engine at ${at} did not answer within ${deadlineMs} ms (is it overloaded? raise the deadline: dockerfileSize.engine.timeoutMs in the editor, DFSIZE_ENGINE_TIMEOUT_MS for dfsize)`);
    }
    // Any system-level failure with no HTTP answer (refused, reset, timed out, no route, ssh handshake…) means the engine
    // cannot be reached; an HTTP status means it answered.
    if (e.statusCode === undefined && (e.code !== undefined || (err as { syscall?: string }).syscall !== undefined || /ssh|handshake|socket hang up/i.test(e.message ?? ''))) {
      const hint = e.code === 'EACCES' || e.code === 'EPERM' ? 'no permission to use the socket (add yourself to the docker group)' : 'start Docker, or point DOCKER_HOST / dockerfileSize.engine.host at a running engine';
      return new EngineError('unreachable', `no engine answers at ${at} (${e.code ?? e.message}): ${hint}`);
    }
    const detail = e.json?.message ?? e.message ?? String(err);
    return new EngineError('failed', `${what}: the engine at ${at} answered with an error: ${detail.trim()}`);
  }
}
