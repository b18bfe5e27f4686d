// recursive-chown-after-copy: `RUN chown -R` (or chmod -R) over files a COPY added in an earlier layer. Changing
// a file's owner or mode in a new layer stores the whole file again: the copied tree ships twice. COPY --chown does
// it while copying (both builders); COPY --chmod only where the builder supports it (BuildKit, buildah).
//
// The fix is safe when every file under the paths came from these COPYs: statically, when no RUN ran since the
// paths were made; with the image analysed, also when the layers of the RUNs between added nothing under them.
// The measured saving is what the fix removes: the copies this RUN re-stored of the files those COPYs added.
import { stageChain, type Instruction, type Stage } from '../dockerfile';
import { resolveWorkdir } from '../instructionText';
import {
  addedUnder,
  finding,
  layerBytes,
  linesOf,
  measuredLayer,
  severityOf,
  type ShellRun,
  shellRuns,
  supportsChmod,
} from './context';
import { copyInfo, type CopyInfo } from './copies';
import { insert, replace } from './edit';
import { formatBytes } from '../format';
import { topLevel, type Command } from './shell';
import { fileEnd, fileOffset, LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';
import type { TextEdit } from 'vscode-languageserver-types';

export const CODE = 'recursive-chown-after-copy';

interface Recursive {
  readonly cmd: Command;
  readonly tool: 'chown' | 'chmod';
  readonly spec: string;
  readonly paths: string[];
}

function recursive(c: Command, workdir: string): Recursive | null {
  if (c.name !== 'chown' && c.name !== 'chmod') return null;
  const opts = c.args.filter((a) => a.value !== null && a.value.startsWith('-') && !/^-[0-7]+$/.test(a.value));
  if (!opts.some((o) => o.value === '--recursive' || /^-[a-zA-Z]*R/.test(o.value!))) return null;
  const rest = c.args.filter((a) => !opts.includes(a));
  // The owner may be a variable (the smell is the same); the paths must be known.
  if (rest.length < 2 || rest.slice(1).some((a) => a.value === null)) return null;
  const paths = rest.slice(1).map((a) => resolveWorkdir(workdir, a.value!.replace(/\/\*?$/, '') || '/'));
  return { cmd: c, tool: c.name, spec: rest[0]!.value ?? '$', paths };
}

const under = (path: string, dir: string) => dir === '/' || path === dir || path.startsWith(`${dir}/`);

function copiesUnder(ctx: RuleContext, run: ShellRun, paths: string[]): CopyInfo[] {
  const chain = new Set(stageChain(ctx.model, run.inst.stage));
  return ctx.model.instructions
    .filter((i) => i.index < run.inst.index && chain.has(i.stage))
    .map((i) => copyInfo(ctx.model, i))
    .filter((c): c is CopyInfo => c !== null && c.destAbs !== null && paths.some((p) => under(c.destAbs!, p)));
}

/** Measured: the RUN's layer added no file under the paths (or its build changed no file at all). */
function addsNothingUnder(ctx: RuleContext, inst: Instruction, paths: readonly string[]): boolean {
  if (layerBytes(ctx, inst) === 0) return true;
  return paths.every((p) => addedUnder(ctx, inst, p) === 0);
}

/** Measured: the bytes of the COPYs' files this RUN stored again (what COPY --chown saves); null without an analysis. */
function restored(ctx: RuleContext, run: ShellRun, copies: readonly CopyInfo[]): number | null {
  const layer = measuredLayer(ctx, run.inst);
  const from = copies.map((c) => measuredLayer(ctx, c.inst));
  if (!ctx.analysis || layer === null || from.some((l) => l === null)) return null;
  const sources = new Set(from);
  return ctx.analysis.attribution
    .filter((w) => w.removedLayer === layer && sources.has(w.addedLayer))
    .reduce((s, w) => s + w.bytes, 0);
}

/** The flag edits and the reduced command, when every file under the paths provably came from these COPYs. */
function flagFix(
  ctx: RuleContext,
  lines: LineIndex,
  stage: Stage,
  run: ShellRun,
  rec: Recursive,
  copies: CopyInfo[],
): Fix | null {
  const first = run.script.items[0];
  if (first?.command !== rec.cmd || rec.spec.includes('$')) return null;
  if (rec.tool === 'chmod' && (!/^[0-7]{3,4}$/.test(rec.spec) || !supportsChmod(ctx))) return null;
  if (copies.some((c) => c.inst.stage !== stage.index || c.inst.json !== null)) return null;
  // Each path must be made by this stage (a WORKDIR or a COPY's destination): then only these COPYs put files there,
  // provided no RUN ran between the first of them and this one.
  const made = (p: string, i: Instruction) =>
    (i.keyword === 'WORKDIR' && resolveWorkdir(i.workdir, i.args) === p) || copyInfo(ctx.model, i)?.destAbs === p;
  const origins = rec.paths.map((p) => stage.instructions.find((i) => i.index < run.inst.index && made(p, i)));
  if (origins.some((o) => !o)) return null;
  const start = Math.min(...origins.map((o) => o!.index), ...copies.map((c) => c.inst.index));
  const between = stage.instructions.filter((i) => i.index > start && i.index < run.inst.index && i.keyword === 'RUN');
  if (between.some((i) => !addsNothingUnder(ctx, i, rec.paths))) return null;
  const flag = rec.tool === 'chown' ? 'chown' : 'chmod';
  const edits: TextEdit[] = [];
  for (const c of copies) {
    const have = rec.tool === 'chown' ? c.chown : c.chmod;
    if (have !== null && have !== rec.spec) return null;
    if (have !== null) continue;
    const lastFlag = c.inst.flags.at(-1);
    const at = lastFlag ? lines.offsetAt(lastFlag.range.end) : lines.offsetAt(c.inst.keywordRange.end);
    edits.push(insert(lines, at, ` --${flag}=${rec.spec}`));
  }
  // The directories themselves were not copied: they keep their non-recursive change, which costs a few bytes.
  const recursiveOpt = rec.cmd.args.find((a) => a.value === '--recursive' || /^-[a-zA-Z]*R/.test(a.value ?? ''))!;
  const optText =
    recursiveOpt.value === '--recursive' || recursiveOpt.value === '-R' ? '' : recursiveOpt.value!.replace('R', '');
  const startOff = fileOffset(run.src, recursiveOpt.start);
  const endOff = fileOffset(run.src, run.src.text.slice(recursiveOpt.end).search(/\S/) + recursiveOpt.end);
  edits.push(replace(lines, startOff, optText ? fileEnd(run.src, recursiveOpt.end) : endOff, optText));
  return { title: `Use COPY --${flag}=${rec.spec} (and ${rec.tool} the directories only)`, edits, preferred: true };
}

export const recursiveChownAfterCopy: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      for (const c of topLevel(run.script)) {
        const rec = recursive(c, run.inst.workdir);
        if (!rec) continue;
        const copies = copiesUnder(ctx, run, rec.paths);
        if (!copies.length) continue;
        const fix = flagFix(ctx, lines, ctx.model.stages[run.inst.stage]!, run, rec, copies);
        const only = run.script.items.length === 1;
        // The re-stored copies when the analysis pairs them; else the whole layer of a RUN that does only this.
        const copied = restored(ctx, run, copies);
        const bytes = copied ?? (only ? layerBytes(ctx, run.inst) : null);
        const lines1 = copies.map((k) => k.inst.range.start.line + 1).join(', ');
        out.push(
          finding(
            CODE,
            lines,
            run.inst,
            severityOf(ctx, run.inst, 'warning', { measured: bytes, bound: layerBytes(ctx, run.inst) }),
            `${rec.tool} -R over files the COPY on line${copies.length > 1 ? 's' : ''} ${lines1} added stores them all again in this layer` +
              `${bytes !== null ? ` (${formatBytes(bytes)})` : ''}: use COPY --${rec.tool}.` +
              (rec.tool === 'chmod' && !supportsChmod(ctx)
                ? ' COPY --chmod needs BuildKit; the legacy builder rejects it.'
                : ''),
            bytes,
            fix ? [fix] : [],
          ),
        );
        break;
      }
    }
    return out;
  },
};
