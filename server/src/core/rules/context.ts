// What every rule needs from a RuleContext: which stages reach the image, what was measured for an instruction,
// the severity that follows from both, the RUNs it can read, and a context for when nothing was built.
import { stageChain, type DockerfileModel, type Instruction } from '../dockerfile';
import { formatBytes } from '../format';
import type { MatchResult } from '../match';
import { isPosixShell } from './commands';
import { parseShell, type Script } from './shell';
import { instructionSource, LineIndex, type Source } from './text';
import type { Finding, Fix, RuleContext, Severity } from './types';

/** Findings below this many measured bytes are hints (the default of dockerfileSize.rules.minBytes). */
export const DEFAULT_MIN_BYTES = 1_000_000;

/** The stages whose layers are in the image: the built stage's FROM chain (the last stage when nothing was built). */
export function imageStages(ctx: RuleContext): ReadonlySet<number> {
  if (ctx.match) return new Set(ctx.match.chain);
  const last = ctx.model.stages.length - 1;
  return new Set(last >= 0 ? stageChain(ctx.model, last) : []);
}

/** Whether the instruction's last build is the one measured (not edited since, not another stage). */
function measuredNow(ctx: RuleContext, inst: Instruction): boolean {
  return ctx.match?.instructions[inst.index]?.status === 'matched';
}

/** The layer of an instruction whose last build is the one measured (line unchanged since the build), or null. */
export function measuredLayer(ctx: RuleContext, inst: Instruction): number | null {
  return measuredNow(ctx, inst) ? ctx.layerOf(inst.index) : null;
}

/** Bytes the instruction's layer added under `prefix`, when the image was analysed and the line is unchanged. */
export function addedUnder(ctx: RuleContext, inst: Instruction, prefix: string): number | null {
  if (!ctx.contents) return null;
  const layer = measuredLayer(ctx, inst);
  return layer === null ? null : ctx.contents.addedUnder(layer, prefix);
}

/** The measured layers of these instructions; null when one of them was not measured. */
export function measuredLayers(ctx: RuleContext, insts: readonly Instruction[]): Set<number> | null {
  const out = new Set<number>();
  for (const i of insts) {
    const l = measuredLayer(ctx, i);
    if (l === null) return null;
    out.add(l);
  }
  return out;
}

const under = (path: string, prefix: string) => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);

/**
 * What the savings of findings may claim, so that no byte is claimed twice: bytes a later layer deletes or
 * overwrites belong to the fix that joins the two layers or moves the deletion (apt-update-alone, consecutive-run,
 * cleanup-in-later-layer); a cleanup in the RUN itself claims only the rest. This is that rest: the bytes the layers
 * of `insts` add under `prefix` that no later layer deletes or overwrites. Null when one of them was not measured.
 */
export function survivingUnder(ctx: RuleContext, insts: readonly Instruction[], prefix: string): number | null {
  const layers = ctx.contents && measuredLayers(ctx, insts);
  if (!layers) return null;
  let total = 0;
  for (const l of layers) total += ctx.contents.addedUnder(l, prefix);
  for (const w of ctx.analysis?.attribution ?? [])
    if (layers.has(w.addedLayer) && under(w.path, prefix)) total -= w.bytes;
  return Math.max(0, total);
}

/** Bytes added in one of the layers `from` that one of the layers `to` deletes or overwrites; null without an analysis. */
export function wasteBetween(ctx: RuleContext, from: ReadonlySet<number>, to: ReadonlySet<number>): number | null {
  if (!ctx.analysis) return null;
  return ctx.analysis.attribution
    .filter((w) => from.has(w.addedLayer) && to.has(w.removedLayer))
    .reduce((s, w) => s + w.bytes, 0);
}

/** Whether a rule runs in this evaluation (not switched off, not left out by fix-all's --only). */
export function enabled(ctx: RuleContext, code: string): boolean {
  return !ctx.disabled?.has(code);
}

/** The size of the instruction's layer from the history, when the line is unchanged since the build. */
export function layerBytes(ctx: RuleContext, inst: Instruction): number | null {
  return measuredNow(ctx, inst) ? ctx.match!.instructions[inst.index]!.layerBytes : null;
}

/**
 * The severity of a finding: a hint when its stage does not reach the image, or when what it costs was measured
 * below minBytes (`measured`: the bytes themselves; `bound`: an upper bound, such as the whole layer); otherwise
 * a warning when measured, and the rule's own choice when nothing was.
 */
export function severityOf(
  ctx: RuleContext,
  inst: Instruction,
  unmeasured: Severity,
  bytes: { measured?: number | null; bound?: number | null } = {},
): Severity {
  if (!imageStages(ctx).has(inst.stage)) return 'hint';
  const { measured = null, bound = null } = bytes;
  if (measured !== null) return measured >= ctx.minBytes ? 'warning' : 'hint';
  if (bound !== null && bound < ctx.minBytes) return 'hint';
  return unmeasured;
}

/** A RUN the rules can read: shell form, a POSIX shell, and a script the parser understood. */
export interface ShellRun {
  readonly inst: Instruction;
  readonly src: Source;
  readonly script: Script;
}

/**
 * The line index of the file: shared through ctx.memo within one computeFindings (every rule needs it), made
 * afresh when a rule runs on its own.
 */
export function linesOf(ctx: RuleContext): LineIndex {
  const memo = ctx.memo;
  let lines = memo?.get('lines') as LineIndex | undefined;
  if (!lines) {
    lines = new LineIndex(ctx.model.text);
    memo?.set('lines', lines);
  }
  return lines;
}

/**
 * The RUNs of the file the rules can read, in order (exec form, cmd/PowerShell and odd scripts left out). A heredoc
 * RUN is read through the body its shell runs, else through its command line (see instructionSource).
 */
export function shellRuns(ctx: RuleContext): ShellRun[] {
  const cached = ctx.memo?.get('runs') as ShellRun[] | undefined;
  if (cached) return cached;
  const out: ShellRun[] = [];
  for (const inst of ctx.model.instructions) {
    const run = shellRun(ctx, inst);
    if (run) out.push(run);
  }
  ctx.memo?.set('runs', out);
  return out;
}

/** One RUN as the rules read it, or null; parsed once per computeFindings. */
export function shellRun(ctx: RuleContext, inst: Instruction): ShellRun | null {
  if (inst.keyword !== 'RUN' || inst.stage < 0 || inst.json || !isPosixShell(inst.shell)) return null;
  const key = `run:${inst.index}`;
  if (ctx.memo?.has(key)) return ctx.memo.get(key) as ShellRun | null;
  const src = instructionSource(ctx.model, inst, linesOf(ctx));
  const script = src && parseShell(src.text, { heredocs: inst.heredoc && src.heredoc === null });
  const run = src && script?.understood ? { inst, src, script } : null;
  ctx.memo?.set(key, run);
  return run;
}

/** The `--mount=type=cache` targets of a RUN. */
export function cacheMounts(inst: Instruction): string[] {
  return inst.flags
    .filter((f) => f.name === 'mount' && f.value && /(^|,)type=cache(,|$)/.test(f.value))
    .flatMap((f) => {
      const m = /(?:^|,)(?:target|dst|destination)=([^,]+)/.exec(f.value!);
      return m ? [m[1]!.replace(/\/+$/, '')] : [];
    });
}

/** Whether a cache mount covers `path` (a mount on /var/lib/apt covers /var/lib/apt/lists). */
export function cacheMountCovers(inst: Instruction, path: string): boolean {
  return cacheMounts(inst).some((t) => path === t || path.startsWith(`${t}/`));
}

export function finding(
  code: string,
  lines: LineIndex,
  inst: Instruction,
  severity: Severity,
  message: string,
  savingsBytes: number | null,
  fixes: readonly Fix[],
): Finding {
  return {
    code,
    range: lines.range(lines.offsetAt(inst.range.start), lines.offsetAt(inst.range.end)),
    severity,
    message,
    savingsBytes,
    fixes,
  };
}

/** "/var/lib/apt/lists adds 18.4 MB to this layer" when measured, else the static text. */
export function bytesNote(path: string, bytes: number | null): string {
  return bytes === null ? '' : layersNote(path, [{ line: null, bytes }]);
}

/**
 * " /var/cache/apt adds 78.2 MB to the layer of line 2 and 45.2 MB to this layer." — measured bytes named by the
 * layer that holds them (`line` null: the finding's own layer); '' for none. Layers measured at 0 B are left out, and
 * when all are, the note says there is no measurable saving rather than claim one of 0 B.
 */
export function layersNote(
  path: string,
  measured: ReadonlyArray<{ readonly line: number | null; readonly bytes: number }>,
): string {
  if (!measured.length) return '';
  const parts = measured.filter((p) => p.bytes > 0);
  if (!parts.length) {
    const where = measured.length === 1 && measured[0]?.line === null ? 'this layer' : 'the layers measured';
    return ` ${path} holds nothing in ${where}: no measurable saving.`;
  }
  const each = parts.map(
    (p) => `${formatBytes(p.bytes)} to ${p.line === null ? 'this layer' : `the layer of line ${p.line}`}`,
  );
  const list = each.length === 1 ? each[0]! : `${each.slice(0, -1).join(', ')} and ${each.at(-1)!}`;
  return ` ${path} adds ${list}.`;
}

/** Whether the builder of the image accepts `COPY --chmod` (BuildKit and buildah do; the legacy builder does not). */
export function supportsChmod(ctx: RuleContext): boolean {
  return ctx.builder === 'buildkit' || ctx.builder === 'podman';
}

/** A context for a file with no image: static findings only, fixes both builders accept. */
export function staticContext(model: DockerfileModel, over: Partial<RuleContext> = {}): RuleContext {
  return {
    model,
    match: null,
    builder: null,
    analysis: null,
    contents: null,
    layerOf: () => null,
    buildContext: null,
    imageSizes: new Map(),
    minBytes: DEFAULT_MIN_BYTES,
    ...over,
  };
}

/** ctx.layerOf from a match and the layer of each history row (core/layers.ts `layersOfRows(...).layerOf`). */
export function layerOfFromMatch(
  match: MatchResult | null,
  rowLayers: ReadonlyArray<number | null>,
): (instruction: number) => number | null {
  return (i) => {
    const row = match?.instructions[i]?.row;
    return row === null || row === undefined ? null : (rowLayers[row] ?? null);
  };
}
