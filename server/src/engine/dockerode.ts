// ImageSource over the Docker Engine API (dockerode), for Docker and for Podman's compatible service.
// Every call has a deadline; failures become EngineErrors that say what to do.
import Docker from 'dockerode';
import modemHttp from 'docker-modem/lib/http';
import { Transform } from 'node:stream';
import type { HistoryRow, SizeMeasure } from '../core/history';
import { buildImage, type BuildHandlers, type BuildRequest, type BuildResult } from './build';
import { decodeEvents, MAKING_ACTIONS, type EventHistory, type EventSource, type ImageEvent } from './events';
import {
  ApiShapeError,
  detailsFromApi,
  historyFromApi,
  printable,
  sizeMeasureFromInfo,
  summariesFromApi,
} from './apiJson';
import type { Endpoint } from './endpoint';
import {
  EngineError,
  referenceProblem,
  type EngineVersion,
  type ImageDetails,
  type ImageSource,
  type ImageSummary,
} from './source';

// docker-modem follows an HTTP redirect to wherever its Location points (another port, another host), and errors on
// that second request have no listener. An engine never redirects: with no redirect allowed, a 3xx answer comes back
// as the HTTP error it is and becomes an EngineError (translate). The setting is docker-modem's own, read per request.
modemHttp.maxRedirects = 0;

export function dockerodeFor(endpoint: Endpoint): Docker {
  switch (endpoint.kind) {
    case 'socket':
      return new Docker({ socketPath: endpoint.socketPath });
    case 'tcp':
      return new Docker({
        host: endpoint.host,
        port: endpoint.port,
        protocol: endpoint.tls ? 'https' : 'http',
        ...(endpoint.tls ?? {}),
      });
    case 'ssh':
      // docker-modem runs `docker system dial-stdio` on the remote host, authenticating with the ssh agent.
      return new Docker({
        protocol: 'ssh',
        host: endpoint.host,
        port: endpoint.port,
        ...(endpoint.username ? { username: endpoint.username } : {}),
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      });
  }
}

/** dockerd 20.10 writes a whole image out before it starts answering an export: minutes for a big one. */
export const EXPORT_START_TIMEOUT_MS = 10 * 60 * 1000;

export class DockerodeSource implements ImageSource, EventSource, EventHistory {
  /** The engine's image store does not change while it runs: asked once, on the first inspect. */
  private measure: Promise<SizeMeasure> | null = null;

  constructor(
    private readonly docker: Docker,
    readonly endpoint: string,
    private readonly timeoutMs: number,
    private readonly exportTimeoutMs = Math.max(timeoutMs, EXPORT_START_TIMEOUT_MS),
  ) {}

  static connect(endpoint: Endpoint, timeoutMs: number, exportTimeoutMs?: number): DockerodeSource {
    return new DockerodeSource(dockerodeFor(endpoint), endpoint.url, timeoutMs, exportTimeoutMs);
  }

  async version(): Promise<EngineVersion> {
    return this.call('/version', 'engine version', (raw) => {
      const v = raw as { Version?: unknown; ApiVersion?: unknown; Components?: unknown };
      const text = (x: unknown) => (typeof x === 'string' ? printable(x) : '?');
      const podman =
        Array.isArray(v.Components) &&
        v.Components.some((c: { Name?: unknown } | null) => typeof c?.Name === 'string' && /podman/i.test(c.Name));
      return {
        product: podman ? 'podman' : typeof v.Version === 'string' ? 'docker' : 'unknown',
        version: text(v.Version),
        apiVersion: text(v.ApiVersion),
      };
    });
  }

  async list(): Promise<ImageSummary[]> {
    return this.call('/images/json', 'image list', summariesFromApi);
  }

  async inspect(ref: string): Promise<ImageDetails> {
    const path = `/images/${this.checked(ref)}/json`; // the reference is checked before anything is asked
    const measure = await this.sizeMeasure();
    return this.call(path, `image ${ref}`, (raw) => detailsFromApi(raw, measure));
  }

  /** What the engine's history sizes count (`GET /info`: the containerd store names its snapshotter). */
  sizeMeasure(): Promise<SizeMeasure> {
    this.measure ??= this.call('/info', 'engine info', sizeMeasureFromInfo);
    // A failed ask is asked again next time, not remembered (the caller gets the failure itself).
    this.measure.catch(() => {
      this.measure = null;
    });
    return this.measure;
  }

  async history(ref: string): Promise<HistoryRow[]> {
    return this.call(`/images/${this.checked(ref)}/history`, `history of ${ref}`, historyFromApi);
  }

  async export(ref: string): Promise<NodeJS.ReadableStream> {
    // Its own deadline (EXPORT_START_TIMEOUT_MS) for the answer's start: dockerd may take minutes to begin. Once it
    // streams, the same deadline bounds every silence: an export that stops sending fails instead of waiting forever.
    const what = `export of ${ref}`;
    const res = await this.openStream(`/images/${this.checked(ref)}/get`, what, this.exportTimeoutMs);
    return idleDeadline(
      res,
      this.exportTimeoutMs,
      () =>
        new EngineError(
          'timeout',
          `${what}: the engine at ${this.endpoint} sent nothing for ${this.exportTimeoutMs} ms (is it overloaded? raise DFSIZE_EXPORT_TIMEOUT_MS)`,
        ),
    );
  }

  async imageEvents(signal: AbortSignal): Promise<AsyncIterable<ImageEvent>> {
    // docker-modem appends `options` as the query to a path ending in '?' (objects as JSON); the caller's signal ends
    // the stream whenever it wants.
    const stream = await this.openStream('/events?', 'event stream', this.timeoutMs, signal, {
      filters: { type: ['image'] },
    });
    return decodeEvents(stream as AsyncIterable<Buffer>);
  }

  async pastImageEvents(since: number): Promise<ImageEvent[]> {
    // With `until`, the engine sends the events it still holds and ends the answer; the deadline covers all of it.
    const what = 'recent image events';
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const query = {
      since: String(since),
      until: String(Math.floor(Date.now() / 1000)),
      filters: { type: ['image'], event: MAKING_ACTIONS },
    };
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
    const problem = referenceProblem(ref);
    if (problem) throw new EngineError('bad-reference', problem);
    return ref;
  }

  /** A JSON answer, converted (and its shape checked) by `convert`: a body that is not JSON or of the wrong shape is an EngineError. */
  private async call<T>(path: string, what: string, convert: (raw: unknown) => T): Promise<T> {
    const raw = await this.dial<unknown>({ path, method: 'GET' }, what, this.timeoutMs);
    // docker-modem hands over the body's bytes when they do not parse as JSON.
    if (Buffer.isBuffer(raw) || typeof raw !== 'object' || raw === null) {
      throw new EngineError(
        'unreachable',
        `${this.endpoint} answers, but not as a Docker or Podman engine (the ${what} is not JSON: ${JSON.stringify(printable(String(raw)).slice(0, 60))}): point DOCKER_HOST / dockerfileSize.engine.host at the engine's socket or port`,
      );
    }
    try {
      return convert(raw);
    } catch (e) {
      if (!(e instanceof ApiShapeError)) throw e;
      throw new EngineError(
        'failed',
        `${what}: the engine at ${this.endpoint} answered with JSON of the wrong shape (${e.message}): is it a Docker or Podman engine?`,
      );
    }
  }

  /** A streamed answer: the deadline covers its start only. */
  private openStream(
    path: string,
    what: string,
    deadlineMs: number,
    signal?: AbortSignal,
    options?: Record<string, unknown>,
  ): Promise<NodeJS.ReadableStream> {
    return this.dial<NodeJS.ReadableStream>({ path, method: 'GET', isStream: true, options }, what, deadlineMs, signal);
  }

  /**
   * One request, failed after `deadlineMs` by a timer of its own: AbortSignal.timeout's timer does not keep the process
   * alive, and an answer cut after its head leaves docker-modem waiting for an end that never comes — the CLI then
   * exited 0 with nothing printed.
   */
  private dial<T>(
    opts: { path: string; method: string; isStream?: boolean; options?: Record<string, unknown> },
    what: string,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    const deadline = new AbortController();
    const abortSignal = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    let timer: NodeJS.Timeout | undefined;
    return new Promise<T>((resolve, reject) => {
      // Rejected here too: docker-modem never calls back for an answer whose connection closed after its head.
      timer = setTimeout(() => {
        deadline.abort();
        reject(new EngineError('timeout', this.timeoutText(what, deadlineMs)));
      }, deadlineMs);
      this.docker.modem.dial(
        {
          ...opts,
          abortSignal,
          options: opts.options ?? {},
          statusCodes: { 200: true, 404: 'not found', 500: 'server error' },
        },
        (err: unknown, data: unknown) => (err ? reject(this.translate(err, what, deadlineMs)) : resolve(data as T)),
      );
    }).finally(() => clearTimeout(timer));
  }

  private timeoutText(what: string, deadlineMs: number): string {
    return `${what}: the engine at ${this.endpoint} did not answer within ${deadlineMs} ms (is it overloaded? raise the deadline: dockerfileSize.engine.timeoutMs in the editor, DFSIZE_ENGINE_TIMEOUT_MS for dfsize)`;
  }

  private translate(err: unknown, what: string, deadlineMs: number): EngineError {
    const e = err as {
      statusCode?: number;
      code?: string;
      name?: string;
      message?: string;
      json?: { message?: string };
    };
    const at = this.endpoint;
    // docker-modem reports a redirect it may not follow (maxRedirects, above) in these words.
    if (
      (e.statusCode !== undefined && e.statusCode >= 300 && e.statusCode < 400) ||
      /^Max redirects exceeded/.test(e.message ?? '')
    ) {
      return new EngineError(
        'unreachable',
        `${at} answers ${what} with a redirect${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}, which an engine never does: point DOCKER_HOST / dockerfileSize.engine.host at the engine itself`,
      );
    }
    if (e.statusCode === 404) {
      // An engine says which image it lacks; anything else answering 404 (a web server on that port) is not an engine.
      if (!/no such|not found|unknown|does not exist/i.test(e.json?.message ?? '')) {
        return new EngineError(
          'unreachable',
          `${at} answers, but not as a Docker or Podman engine (HTTP 404 for ${what}): point DOCKER_HOST / dockerfileSize.engine.host at the engine's socket or port`,
        );
      }
      return new EngineError('not-found', `${what}: no such image on ${at} (docker image ls lists what is there)`);
    }
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR') {
      return new EngineError('timeout', this.timeoutText(what, deadlineMs));
    }
    // Any system-level failure with no HTTP answer (refused, reset, timed out, no route, ssh handshake…) means the engine
    // cannot be reached; an HTTP status means it answered.
    if (
      e.statusCode === undefined &&
      (e.code !== undefined ||
        (err as { syscall?: string }).syscall !== undefined ||
        /ssh|handshake|socket hang up/i.test(e.message ?? ''))
    ) {
      const hint =
        e.code === 'EACCES' || e.code === 'EPERM'
          ? 'no permission to use the socket (add yourself to the docker group)'
          : 'start Docker, or point DOCKER_HOST / dockerfileSize.engine.host at a running engine';
      return new EngineError('unreachable', `no engine answers at ${at} (${e.code ?? e.message}): ${hint}`);
    }
    const detail = typeof e.json?.message === 'string' ? e.json.message : (e.message ?? String(err));
    return new EngineError(
      'failed',
      `${what}: the engine at ${at} answered with an error: ${printable(detail).trim()}`,
    );
  }
}

/**
 * The stream's bytes, failed with `error()` when `ms` pass without any while the reader waits for them (a reader that
 * holds back, with the buffer full, is not a silence). Destroying the result destroys the source.
 */
function idleDeadline(source: NodeJS.ReadableStream, ms: number, error: () => Error): NodeJS.ReadableStream {
  let timer: NodeJS.Timeout | undefined;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      arm();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
    destroy(err, done) {
      clearTimeout(timer);
      (source as unknown as { destroy(): void }).destroy();
      done(err);
    },
  });
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => (out.readableLength >= out.readableHighWaterMark ? arm() : out.destroy(error())), ms);
  };
  source.on('error', (e: Error) => out.destroy(e));
  source.pipe(out);
  arm();
  return out;
}
