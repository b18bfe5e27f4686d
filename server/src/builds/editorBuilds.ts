// Builds started from the editor: refused in an untrusted workspace (a build runs the Dockerfile's commands) and for
// a file not on disk, one at a time per file, cancellable by id; the image labelled for its file (discovery then finds
// it first), the previous build's sizes recorded first (the hints show what changed), and with `allStages` every
// named stage the image does not hold built as its own image. Transport-free: the handler routes and notifies.
import type { DockerfileModel } from '../core/dockerfile';
import type { BuildHandlers, BuildResult } from '../engine/build';
import { LABEL_DOCKERFILE, LABEL_ROLE, LABEL_STAGE } from '../images/resolve';
import { BuildErrorCode, type BuildOptions } from '../protocol';
import type { EngineConnection } from '../state/engines';
import {
  buildTarget,
  chooseBuilder,
  stagesOutside,
  stageTag,
  targetLabel,
  type BuildTarget,
  type TimedBuild,
} from './buildTarget';

const UNTRUSTED_BUILD =
  "Building runs this Dockerfile's commands, so it is off in Restricted Mode: trust this folder first (Workspaces: Manage Workspace Trust). Sizes of images already built still show.";

type BuildErrorCodeValue = (typeof BuildErrorCode)[keyof typeof BuildErrorCode];

/** Why a build was refused or failed, with the code the client acts on. */
export class BuildRefusal extends Error {
  override name = 'BuildRefusal';
  constructor(
    readonly code: BuildErrorCodeValue,
    message: string,
  ) {
    super(message);
  }
}

export interface EditorBuildsDeps {
  readonly trusted: boolean;
  /** The file path of a document, null when it has none on disk. */
  readonly fileOf: (uri: string) => string | null;
  readonly connectionFor: (uri: string) => Promise<EngineConnection>;
  /** The document's current model, when it is open. */
  readonly modelOf: (uri: string) => DockerfileModel | null;
  /** Before a build: what the current image measured, for the change after it. */
  readonly recordPrevious: (uri: string) => Promise<void>;
  /** After a build: how long each line of the image it made took. */
  readonly recordTiming: (imageId: string, timing: TimedBuild['timing']) => Promise<void>;
  /** After a build: the document's image is read again. */
  readonly refresh: (uri: string, conn: EngineConnection) => Promise<void>;
  readonly warn: (message: string) => void;
}

export class EditorBuilds {
  private readonly running = new Map<string, { buildId: string; abort: AbortController }>();

  constructor(private readonly deps: EditorBuildsDeps) {}

  cancel(buildId: string): void {
    for (const b of this.running.values()) if (b.buildId === buildId) b.abort.abort();
  }

  /** Cancels every running build (the session ends). */
  dispose(): void {
    for (const b of this.running.values()) b.abort.abort();
  }

  async build(uri: string, buildId: string, options: BuildOptions, listen: BuildHandlers): Promise<BuildResult> {
    if (!this.deps.trusted) throw new BuildRefusal(BuildErrorCode.untrusted, UNTRUSTED_BUILD);
    const file = this.deps.fileOf(uri);
    if (!file)
      throw new BuildRefusal(BuildErrorCode.unsaved, 'Save the Dockerfile first: builds use the file on disk.');
    if (this.running.has(file))
      throw new BuildRefusal(
        BuildErrorCode.alreadyRunning,
        `A build of ${file} is already running: wait for it, or cancel it.`,
      );
    const abort = new AbortController();
    this.running.set(file, { buildId, abort });
    try {
      return await this.run(uri, file, options, listen, abort.signal);
    } catch (e) {
      if (e instanceof BuildRefusal) throw e;
      throw new BuildRefusal(BuildErrorCode.failed, (e as Error).message);
    } finally {
      this.running.delete(file);
    }
  }

  private async run(
    uri: string,
    file: string,
    options: BuildOptions,
    listen: BuildHandlers,
    signal: AbortSignal,
  ): Promise<BuildResult> {
    const conn = await this.deps.connectionFor(uri);
    const builder = chooseBuilder(options.builder, await conn.engine.version());
    await this.deps.recordPrevious(uri).catch((e: unknown) => {
      this.deps.warn(`previous build not recorded: ${(e as Error).message}`);
    });
    const model = this.deps.modelOf(uri);
    const target: BuildTarget = {
      contextDir: options.contextDir,
      dockerfile: file,
      tag: options.tag,
      buildArgs: options.buildArgs,
      labels: { [LABEL_DOCKERFILE]: file, [LABEL_STAGE]: targetLabel(model, options.target) },
      target: options.target,
      platform: options.platform,
      builder,
    };
    listen.onLog(
      `building ${file} in ${options.contextDir} as ${options.tag} with ${builder === 'buildkit' ? 'BuildKit' : 'the legacy builder'} on ${conn.status.url}`,
    );
    const result = await buildTarget(conn.engine, target, listen, signal);
    listen.onLog(`built ${result.imageId} as ${result.tag}`);
    await this.recordTiming(result);
    if (options.allStages && model)
      await this.buildStages(conn, target, stagesOutside(model, options.target), listen, signal);
    // The engine's events will say so too; asking now makes the new numbers appear without waiting for them.
    await this.deps.refresh(uri, conn);
    return result;
  }

  /** Every named stage the image does not hold, as its own target: their lines get sizes too. */
  private async buildStages(
    conn: EngineConnection,
    main: BuildTarget,
    stages: readonly { name: string | null }[],
    listen: BuildHandlers,
    signal: AbortSignal,
  ): Promise<void> {
    for (const { name } of stages) {
      if (name === null || signal.aborted) continue;
      const tag = stageTag(main.tag, name);
      listen.onLog(`building stage ${name} as ${tag}`);
      const labels = { [LABEL_DOCKERFILE]: main.dockerfile, [LABEL_STAGE]: name, [LABEL_ROLE]: 'stage' };
      const built = await buildTarget(
        conn.engine,
        { ...main, tag, target: name, labels },
        {
          ...listen,
          onProgress: (p) => {
            listen.onProgress({ ...p, stage: p.stage ?? name });
          },
        },
        signal,
      );
      await this.recordTiming(built);
    }
  }

  private async recordTiming(built: TimedBuild): Promise<void> {
    try {
      await this.deps.recordTiming(built.imageId, built.timing);
    } catch (e) {
      // The build itself succeeded: its sizes show; only its durations will be missing.
      this.deps.warn(`build timings of ${built.imageId} not recorded: ${(e as Error).message}`);
    }
  }
}
