// Builds an image through the Engine API (no docker CLI): BuildKit through dockerode's session support, or the
// legacy builder; the log line by line, progress as step N of M (BuildKit's vertex names, the legacy "Step N/M"),
// cancellable. Building runs the Dockerfile's commands: callers check that the workspace is trusted.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
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

export interface BuildProgress {
  readonly step: number;
  readonly total: number;
  /** The step's name as the builder printed it (`RUN apt-get …`), and its stage when the builder says. */
  readonly name: string;
  readonly stage: string | null;
}

export interface BuildHandlers {
  onLog(line: string): void;
  onProgress(p: BuildProgress): void;
}

export interface BuildResult {
  readonly imageId: string;
  readonly tag: string;
  readonly builder: BuilderChoice;
}

/** `Step 3/9 : RUN make` (legacy) or `[stage-1 2/5] RUN make` (BuildKit vertex names) → progress. */
export function progressOf(line: string): BuildProgress | null {
  const legacy = /^Step (\d+)\/(\d+) : (.*)$/.exec(line.trim());
  if (legacy) return { step: Number(legacy[1]), total: Number(legacy[2]), name: legacy[3]!, stage: null };
  const bk = /\[(?:([^\]\s]+) )?(\d+)\/(\d+)\] (.*)$/.exec(line.trim());
  if (bk) return { step: Number(bk[2]), total: Number(bk[3]), name: bk[4]!, stage: bk[1] ?? null };
  return null;
}

/** dockerode's BuildKit-aware progress follower (missing from @types/dockerode 4). */
interface FollowProgress {
  followProgress(
    stream: NodeJS.ReadableStream,
    onFinished: (err: Error | null) => void,
    onProgress: (ev: StreamEvent) => void,
  ): void;
}

interface StreamEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
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
    stream = await docker.buildImage(req.context as never, options as Docker.ImageBuildOptions);
  } catch (e) {
    if (signal.aborted) throw new EngineError('failed', 'the build was cancelled');
    throw new EngineError(
      'failed',
      `the engine refused the build: ${(e as { json?: { message?: string } }).json?.message ?? (e as Error).message}`,
    );
  }
  let imageId: string | null = null;
  let error: string | null = null;
  await new Promise<void>((resolve, reject) => {
    signal.addEventListener('abort', () => (stream as unknown as { destroy?: () => void }).destroy?.(), { once: true });
    // dockerode's followProgress decodes BuildKit's protobuf trace messages into log lines like the legacy ones.
    (docker as unknown as FollowProgress).followProgress(
      stream,
      (err: Error | null) => (err && !signal.aborted ? reject(err) : resolve()),
      (ev: StreamEvent) => {
        if (ev.error) error = ev.errorDetail?.message ?? ev.error;
        if (ev.aux?.ID) imageId = ev.aux.ID;
        for (const line of (ev.stream ?? '').split('\n')) {
          if (!line.trim()) continue;
          handlers.onLog(line);
          const p = progressOf(line);
          if (p) handlers.onProgress(p);
          const built = /^(?:Successfully built |Built image: )(\S+)/.exec(line.trim());
          if (built && !imageId) imageId = built[1]!;
        }
      },
    );
  }).catch((e: Error) => {
    error ??= e.message;
  });
  if (signal.aborted) throw new EngineError('failed', 'the build was cancelled');
  if (error) throw new EngineError('failed', `the build failed: ${String(error).trim()}`);
  // The build's own answer first (another build may have taken the tag meanwhile), as a full id.
  const built = imageId as string | null;
  const id = built?.startsWith('sha256:')
    ? built
    : (
        await docker
          .getImage(built ?? req.tag)
          .inspect()
          .catch(() => null)
      )?.Id;
  if (!id) throw new EngineError('failed', 'the build ended without an image (see the log)');
  return { imageId: id, tag: req.tag, builder: req.builder };
}
