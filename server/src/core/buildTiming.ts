// How long each instruction took to build, and whether it came from the cache, from what the builder said as it ran:
// BuildKit times its steps itself (each vertex's started and completed, and `cached`); the legacy builder does not,
// so a step lasts from its `Step N/M` line to the next one (or the end), and ` ---> Using cache` marks it cached.
// Pure: events in, steps out, and steps against a model give timings per line.
import type { DockerfileModel, Instruction, Stage } from './dockerfile';
import { formatDuration } from './format';

/** `[stage-1 2/5] RUN make` (BuildKit) or `Step 3/9 : RUN make` (legacy), as progress. */
export interface BuildProgress {
  readonly step: number;
  readonly total: number;
  /** The step's name as the builder printed it (`RUN apt-get …`), and its stage when the builder says. */
  readonly name: string;
  readonly stage: string | null;
}

/** What the builder said while building, as the timings need it. */
export type BuildEvent =
  /** A line of the legacy builder's output, with when it arrived (epoch ms). */
  | { readonly kind: 'line'; readonly at: number; readonly text: string }
  /** A BuildKit vertex as one status message described it (a vertex is described again as it advances). */
  | {
      readonly kind: 'vertex';
      readonly digest: string;
      readonly name: string;
      readonly started: number | null;
      readonly completed: number | null;
      readonly cached: boolean;
    };

export interface StepTiming extends BuildProgress {
  /** How long the step ran; null when it did not finish. */
  readonly ms: number | null;
  readonly cached: boolean;
}

/** One instruction's build: how long it took, and whether the builder took it from its cache. */
export interface LineTiming {
  readonly ms: number;
  readonly cached: boolean;
  /** From the cache: how long it took when a build recorded here ran it, when one did. */
  readonly builtMs?: number;
}

/** A build's timings by the 1-based first line of each timed instruction. */
export type LineTimings = ReadonlyMap<number, LineTiming>;

/** What the hover says of one instruction's build: `built in 41 s`, `from cache`, or that the image has no timings. */
export function timingText(timings: LineTimings | null, line: number): string | null {
  if (timings === null) return 'no build time: this image was not built by the editor or `dfsize build`';
  const t = timings.get(line);
  if (!t) return null;
  if (!t.cached) return `built in ${formatDuration(t.ms)}`;
  return t.builtMs === undefined ? 'from cache' : `from cache (built in ${formatDuration(t.builtMs)} before)`;
}

/** A rebuild of the same image keeps, for each line it took from the cache, how long the build that ran it took. */
export function carryBuiltTimes(before: LineTimings | undefined, now: LineTimings): Map<number, LineTiming> {
  const merged = new Map<number, LineTiming>();
  for (const [line, t] of now) {
    const was = before?.get(line);
    const builtMs = was && (was.cached ? was.builtMs : was.ms);
    merged.set(line, t.cached && builtMs !== undefined ? { ...t, builtMs } : t);
  }
  return merged;
}

const LEGACY_STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const BUILDKIT_STEP = /\[(?:([^\]\s]+) )?(\d+)\/(\d+)\] (.*)$/;
const USING_CACHE = /^\s*---> Using cache\s*$/;
const LEGACY_DONE = /^Successfully built /;

export function progressOf(line: string): BuildProgress | null {
  const legacy = LEGACY_STEP.exec(line.trim());
  if (legacy) return { step: Number(legacy[1]), total: Number(legacy[2]), name: legacy[3] ?? '', stage: null };
  const bk = BUILDKIT_STEP.exec(line.trim());
  if (bk) return { step: Number(bk[2]), total: Number(bk[3]), name: bk[4] ?? '', stage: bk[1] ?? null };
  return null;
}

/** Legacy steps: each lasts until the next step's line, the `Successfully built` line, or `end`. */
function legacySteps(events: readonly BuildEvent[], end: number): StepTiming[] {
  const steps: StepTiming[] = [];
  let open: { progress: BuildProgress; at: number; cached: boolean } | null = null;
  const close = (at: number) => {
    if (open) steps.push({ ...open.progress, ms: Math.max(0, at - open.at), cached: open.cached });
    open = null;
  };
  for (const e of events) {
    if (e.kind !== 'line') continue;
    const text = e.text.trim();
    const step = LEGACY_STEP.test(text) ? progressOf(text) : null;
    if (step) {
      close(e.at);
      open = { progress: step, at: e.at, cached: false };
    } else if (open && USING_CACHE.test(e.text)) open.cached = true;
    else if (LEGACY_DONE.test(text)) close(e.at);
  }
  close(end);
  return steps;
}

/** BuildKit steps: the numbered vertexes (`[2/5] RUN …`; not `[internal] …`), as their last description says. */
function buildkitSteps(events: readonly BuildEvent[]): StepTiming[] {
  const byDigest = new Map<
    string,
    { name: string; started: number | null; completed: number | null; cached: boolean }
  >();
  for (const e of events) {
    if (e.kind !== 'vertex') continue;
    const was = byDigest.get(e.digest);
    byDigest.set(e.digest, {
      name: e.name || (was?.name ?? ''),
      started: e.started ?? was?.started ?? null,
      completed: e.completed ?? was?.completed ?? null,
      cached: e.cached || (was?.cached ?? false),
    });
  }
  const steps: StepTiming[] = [];
  for (const v of byDigest.values()) {
    const p = BUILDKIT_STEP.test(v.name) ? progressOf(v.name) : null;
    if (!p) continue;
    const ms = v.started !== null && v.completed !== null ? Math.max(0, v.completed - v.started) : null;
    steps.push({ ...p, ms, cached: v.cached });
  }
  return steps.sort((a, b) => (a.stage ?? '').localeCompare(b.stage ?? '') || a.step - b.step);
}

function keywordOf(name: string): string {
  return (name.trim().split(/\s/, 1)[0] ?? '').toUpperCase();
}

/** The stage a BuildKit step names: by its name (case-insensitive), `stage-N`, or the last stage when unnamed. */
function stageNamed(model: DockerfileModel, name: string | null): Stage | undefined {
  if (name === null) return model.stages.at(-1);
  const wanted = name.toLowerCase();
  return model.stages.find((s) => s.name?.toLowerCase() === wanted || `stage-${String(s.index)}` === wanted);
}

/** The BuildKit step's instruction: step 1 is the stage's FROM, the others its next instruction of the same keyword. */
function nextInStage(model: DockerfileModel, s: StepTiming, cursor: Map<Stage, number>): Instruction | undefined {
  const stage = stageNamed(model, s.stage);
  if (!stage) return undefined;
  if (s.step === 1) return stage.from;
  const keyword = keywordOf(s.name);
  const from = cursor.get(stage) ?? 0;
  const at = stage.instructions.findIndex((inst, k) => k >= from && inst.keyword === keyword);
  if (at < 0) return undefined;
  cursor.set(stage, at + 1);
  return stage.instructions[at];
}

/**
 * Each step's instruction. Legacy steps count every instruction of the file (global ARGs first); BuildKit's count
 * only the steps of a stage that make a vertex (FROM, RUN, COPY, ADD and, on current builders, WORKDIR), so each
 * stage is walked in order. A step whose keyword is not its instruction's is left out rather than put on a wrong line.
 */
export function stepInstructions(
  model: DockerfileModel,
  steps: readonly StepTiming[],
  builder: 'buildkit' | 'legacy',
): Array<[StepTiming, Instruction]> {
  const pairs: Array<[StepTiming, Instruction]> = [];
  const cursor = new Map<Stage, number>();
  const ordered = [...steps].sort((a, b) => a.step - b.step);
  for (const s of ordered) {
    const inst = builder === 'legacy' ? model.instructions[s.step - 1] : nextInStage(model, s, cursor);
    if (inst && keywordOf(s.name) === inst.keyword) pairs.push([s, inst]);
  }
  return pairs;
}

/** 1-based line of each timed instruction's first line → its timing (what the store keeps and the views show). */
export function timingsByLine(
  model: DockerfileModel,
  steps: readonly StepTiming[],
  builder: 'buildkit' | 'legacy',
): Map<number, LineTiming> {
  const lines = new Map<number, LineTiming>();
  for (const [s, inst] of stepInstructions(model, steps, builder))
    if (s.ms !== null) lines.set(inst.range.start.line + 1, { ms: s.ms, cached: s.cached });
  return lines;
}

/** The steps of one build, whichever builder ran it; `end` closes a legacy step still open when the stream ended. */
export function buildSteps(builder: 'buildkit' | 'legacy', events: readonly BuildEvent[], end: number): StepTiming[] {
  return builder === 'buildkit' ? buildkitSteps(events) : legacySteps(events, end);
}
