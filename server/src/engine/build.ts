// Builds an image through the Engine API (no docker CLI): BuildKit through dockerode's session support, or the
// legacy builder; the log line by line, progress as step N of M (BuildKit's vertex names, the legacy "Step N/M"),
// cancellable. Building runs the Dockerfile's commands: callers check that the workspace is trusted.
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { buildSteps, progressOf, type BuildEvent, type BuildProgress, type StepTiming } from '../core/buildTiming';
import { statusDecoder, type StatusMessage } from './buildkitStatus';
import { EngineError } from './source';

export type BuilderChoice = 'buildkit' | 'legacy';

export interface BuildRequest {
  /** The build context as a tar stream (contextTar), with the Dockerfile at `dockerfile` inside it. */
  readonly context: Readable;
  readonly dockerfile: string;
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly target: string | null;
  readonly platform: string | null;
  readonly builder: BuilderChoice;
}

export interface BuildHandlers {
  onLog(line: string): void;
  onProgress(p: BuildProgress): void;
  /** Every message of the /build stream as it arrived (epoch ms): what scripts/record-build-streams.ts keeps. */
  onMessage?(message: unknown, at: number): void;
}

export interface BuildResult {
  readonly imageId: string;
  readonly tag: string;
  readonly builder: BuilderChoice;
  /** Each step's duration and whether it came from the cache (core/buildTiming.ts). */
  readonly steps: readonly StepTiming[];
}

/** What one message of the /build stream says: log lines, timing events, the image built, an error. */
export interface DecodedMessage {
  readonly lines: readonly string[];
  readonly events: readonly BuildEvent[];
  readonly imageId: string | null;
  readonly error: string | null;
}

interface StreamMessage {
  id?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: unknown;
}

const BUILDKIT_TRACE = 'moby.buildkit.trace';
const BUILDKIT_IMAGE_ID = 'moby.image.id';
const BUILT = /^(?:Successfully built |Built image: )(\S+)/;

/** BuildKit's status: each vertex as a timing event; a step's name when it starts, its error, its log lines. */
function traceOf(status: StatusMessage): { lines: string[]; events: BuildEvent[] } {
  const lines: string[] = [];
  const events: BuildEvent[] = [];
  for (const v of status.vertexes) {
    events.push({ kind: 'vertex', ...v });
    if (v.name && v.started !== null && v.completed === null) lines.push(v.name);
    if (v.error) lines.push(`ERROR: ${v.error}`);
    if (v.completed !== null && v.cached) lines.push(`CACHED: ${v.name}`);
  }
  for (const log of status.logs) if (log.trim()) lines.push(...log.trimEnd().split('\n'));
  return { lines, events };
}

/** Reads the messages of one build's stream (both builders) in order; `at` is when each arrived. */
export function buildMessageReader(): (message: unknown, at: number) => DecodedMessage {
  const decode = statusDecoder();
  return (message, at) => {
    const m = (typeof message === 'object' && message !== null ? message : {}) as StreamMessage;
    const error = m.error ? (m.errorDetail?.message ?? m.error) : null;
    const auxId = typeof m.aux === 'object' && m.aux !== null ? (m.aux as { ID?: unknown }).ID : undefined;
    if (m.id === BUILDKIT_TRACE && typeof m.aux === 'string')
      return { ...traceOf(decode(m.aux)), imageId: null, error };
    const lines = (m.stream ?? '').split('\n').filter((l) => l.trim() !== '');
    const built = lines.map((l) => BUILT.exec(l.trim())?.[1]).find((id) => id !== undefined);
    return {
      lines: m.id === BUILDKIT_IMAGE_ID && typeof auxId === 'string' ? [...lines, `Built image: ${auxId}`] : lines,
      events: lines.map((text) => ({ kind: 'line', at, text })),
      imageId: typeof auxId === 'string' ? auxId : (built ?? null),
      error,
    };
  };
}

export async function buildImage(
  docker: Docker,
  req: BuildRequest,
  handlers: BuildHandlers,
  signal: AbortSignal,
): Promise<BuildResult> {
  const options: Record<string, unknown> = {
    t: req.tag,
    dockerfile: req.dockerfile,
    labels: req.labels,
    rm: true,
    forcerm: true,
    version: req.builder === 'buildkit' ? '2' : '1',
    // Podman answers 400 to empty buildargs/target/platform parameters: send only what is set.
    ...(Object.keys(req.buildArgs).length ? { buildargs: req.buildArgs } : {}),
    ...(req.target ? { target: req.target } : {}),
    ...(req.platform ? { platform: req.platform } : {}),
    abortSignal: signal,
  };
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(req.context, options as Docker.ImageBuildOptions);
  } catch (e) {
    if (signal.aborted) throw new EngineError('failed', 'the build was cancelled');
    throw new EngineError(
      'failed',
      `the engine refused the build: ${(e as { json?: { message?: string } }).json?.message ?? (e as Error).message}`,
    );
  }
  const read = await readBuildStream(stream, handlers, signal);
  const { imageId } = read;
  const { error } = read;
  if (signal.aborted) throw new EngineError('failed', 'the build was cancelled');
  if (error) throw new EngineError('failed', `the build failed: ${error.trim()}`);
  // The build's own answer first (another build may have taken the tag meanwhile), as a full id.
  const id = imageId?.startsWith('sha256:') ? imageId : await fullId(docker, imageId ?? req.tag);
  if (!id) throw new EngineError('failed', 'the build ended without an image (see the log)');
  return { imageId: id, tag: req.tag, builder: req.builder, steps: buildSteps(req.builder, read.events, Date.now()) };
}

async function fullId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (e) {
    // Said as the build's failure by the caller: the build ended without an image it can name.
    if (e instanceof Error) return null;
    throw e;
  }
}

/** The whole stream, message by message: its log and progress to the handlers, its events, image id and error. */
async function readBuildStream(
  stream: NodeJS.ReadableStream,
  handlers: BuildHandlers,
  signal: AbortSignal,
): Promise<{ imageId: string | null; error: string | null; events: BuildEvent[] }> {
  const read = buildMessageReader();
  const events: BuildEvent[] = [];
  let imageId: string | null = null;
  let error: string | null = null;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  // A stream closed before its end (cancelled, the connection lost) ends the lines too: readline waits for 'end'.
  stream.once('close', () => {
    lines.close();
  });
  const destroy = () => {
    if (stream instanceof Readable) stream.destroy();
    lines.close();
  };
  signal.addEventListener('abort', destroy, { once: true });
  try {
    for await (const text of lines) {
      if (!text.trim()) continue;
      const at = Date.now();
      const message = parseMessage(text);
      handlers.onMessage?.(message, at);
      const d = read(message, at);
      events.push(...d.events);
      for (const line of d.lines) {
        handlers.onLog(line);
        const p = progressOf(line);
        if (p) handlers.onProgress(p);
      }
      // The last full id (an aux message; the legacy builder sends one per stage) over `Successfully built`'s short one.
      if (d.imageId?.startsWith('sha256:') || (d.imageId && !imageId)) imageId = d.imageId;
      error = d.error ?? error;
    }
  } catch (e) {
    if (!signal.aborted) error ??= (e as Error).message;
  } finally {
    signal.removeEventListener('abort', destroy);
  }
  return { imageId, error, events };
}

/** One line of the stream as JSON; a line that is not JSON is kept as log text. */
function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not a failure: engines and proxies write plain lines too, and the user reads them in the build log.
    return { stream: `${text}\n` };
  }
}
