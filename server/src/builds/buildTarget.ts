// One build of one target, as the editor and the CLI both run it: the context streamed from disk (what the
// .dockerignore lets through), the engine's build, and the context stream ended however the build ended. Also the
// choices around a build that do not need an engine: which builder, the tag of a stage's image, the stages to add.
import { readFile } from 'node:fs/promises';
import { contextTar } from '../context/contextTar';
import { timingsByLine } from '../core/buildTiming';
import { parseDockerfile, stageChain, type DockerfileModel, type Stage } from '../core/dockerfile';
import type { BuilderChoice, BuildHandlers, BuildRequest, BuildResult } from '../engine/build';
import type { EngineVersion } from '../engine/source';
import type { BuildTiming } from '../state/previousBuilds';

/** A build's result with each line's duration, on the Dockerfile as it was when the build started. */
export interface TimedBuild extends BuildResult {
  readonly timing: Omit<BuildTiming, 'recordedAt'>;
}

/** What a build needs of an engine (DockerodeSource has it). */
export interface BuildEngine {
  build(req: BuildRequest, handlers: BuildHandlers, signal: AbortSignal): Promise<BuildResult>;
}

/** A build request with a folder and a file on disk where the engine wants a tar stream and a name inside it. */
export interface BuildTarget extends Omit<BuildRequest, 'context' | 'dockerfile'> {
  readonly contextDir: string;
  /** The Dockerfile's absolute path; it may lie outside the context. */
  readonly dockerfile: string;
}

export async function buildTarget(
  engine: BuildEngine,
  t: BuildTarget,
  handlers: BuildHandlers,
  signal: AbortSignal,
): Promise<TimedBuild> {
  const { contextDir, dockerfile, ...request } = t;
  const model = parseDockerfile(await readFile(dockerfile, 'utf8'));
  const context = await contextTar(contextDir, dockerfile);
  try {
    const result = await engine.build(
      { ...request, context: context.stream, dockerfile: context.dockerfile },
      handlers,
      signal,
    );
    return {
      ...result,
      timing: { builder: result.builder, lines: timingsByLine(model, result.steps, result.builder) },
    };
  } finally {
    // A build that failed or was cancelled before reading the whole context leaves the walk waiting: end it.
    context.stream.destroy();
  }
}

/** What a user may ask for: a builder, or `auto`. */
export const BUILDER_CHOICES = ['auto', 'buildkit', 'legacy'] as const;

/** `auto` is BuildKit, but on Podman, whose service builds with Buildah behind the legacy API. */
export function chooseBuilder(choice: BuilderChoice | 'auto', engine: EngineVersion): BuilderChoice {
  if (choice !== 'auto') return choice;
  return engine.product === 'podman' ? 'legacy' : 'buildkit';
}

/** `shop-api:latest` + `builder` → `shop-api-builder:latest`. */
export function stageTag(tag: string, stage: string): string {
  const at = tag.lastIndexOf(':');
  const [repo, version] = at > tag.lastIndexOf('/') ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, 'latest'];
  return `${repo}-${stage.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:${version}`;
}

/** The stage a build of `target` (null: the last) labels its image with: its name, else its index. */
export function targetLabel(model: DockerfileModel | null, target: string | null): string {
  if (target !== null) return target;
  const last = model?.stages.at(-1);
  return last ? String(last.name ?? last.index) : '0';
}

/** The named stages an image of `target` (null: the last) does not hold: built too, their lines get sizes. */
export function stagesOutside(model: DockerfileModel, target: string | null): Stage[] {
  const wanted = target?.toLowerCase();
  const index =
    wanted === undefined ? model.stages.length - 1 : model.stages.findIndex((s) => s.name?.toLowerCase() === wanted);
  const inImage = new Set(stageChain(model, index));
  return model.stages.filter((s) => !inImage.has(s.index) && s.name !== null);
}
