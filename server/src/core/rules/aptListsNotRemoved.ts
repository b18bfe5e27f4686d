// apt-lists-not-removed: `apt-get install` in a RUN that leaves the package lists `apt-get update` downloaded
// (/var/lib/apt/lists, typically 15–80 MB) in the image, or — measured — leaves downloaded packages and package
// caches in /var/cache/apt (bases without Docker's docker-clean apt hook keep them). Removing either in a later RUN
// does not shrink the image: the bytes stay in the layer that wrote them.
//
// Reported on the last RUN that uses the lists of an update (removing them earlier would break the RUNs after it).
// Measured bytes are named by the layer that holds them: the lists are in the layers of the updates whose lists this
// install uses, which is not this one when the update ran in an earlier RUN. The saving claims only what appending
// the cleanup to this RUN removes, once fix-all has made one layer of what it merges into this RUN (an update moved
// here by apt-update-alone, a join consecutive-run prefers) — and not what a later layer deletes or overwrites, which
// the fix that merges or moves that deletion claims.
import { stageChain, type Instruction } from '../dockerfile';
import { aptUsesLists, isAptInstall, isAptUpdate } from './commands';
import { mergedGroup } from './consecutiveRun';
import {
  addedUnder,
  cacheMountCovers,
  finding,
  layersNote,
  linesOf,
  severityOf,
  type ShellRun,
  shellRun,
  shellRuns,
  survivingUnder,
} from './context';
import { appendCommand, deleteInstruction, removeCommand } from './edit';
import { topLevel, type Command } from './shell';
import type { TextEdit } from 'vscode-languageserver-types';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'apt-lists-not-removed';
const LISTS = '/var/lib/apt/lists';
const CACHE = '/var/cache/apt';
const UPDATE = /\bapt(?:-get)?\b[^;&|\n]*\bupdate\b/;
const CLEAN = /\bapt(?:-get)?\b[^;&|\n]*\b(?:dist-)?clean\b/;

/** The lists are handled when the RUN mentions them at all (rm, find -delete), runs dist-clean, or mounts a cache. */
function listsRemovedBy(inst: Instruction): boolean {
  return inst.args.includes(LISTS) || /\bdist-clean\b/.test(inst.args) || cacheMountCovers(inst, LISTS);
}

/** /var/cache/apt is handled by `apt-get clean` (or dist-clean), any mention of it, or a cache mount. */
function cacheHandled(inst: Instruction): boolean {
  return CLEAN.test(inst.args) || inst.args.includes(CACHE) || cacheMountCovers(inst, CACHE);
}

/**
 * The RUNs whose `apt-get update` wrote the lists `run` uses: `run` itself when it updates, and the RUNs before it in
 * its stage chain that update, back to the last one that removed the lists.
 */
function listSources(ctx: RuleContext, run: ShellRun): Instruction[] {
  const before = updatesBefore(ctx).get(run.inst.index) ?? [];
  return run.script.commands.some(isAptUpdate) ? [...before, run.inst] : [...before];
}

/**
 * For every RUN, the updating RUNs before it in its stage chain since the last removal of the lists: one pass over
 * the file per evaluation (a stage built FROM another starts from where that one ended).
 */
function updatesBefore(ctx: RuleContext): ReadonlyMap<number, readonly Instruction[]> {
  const cached = ctx.memo?.get('apt-updates-before') as Map<number, readonly Instruction[]> | undefined;
  if (cached) return cached;
  const out = new Map<number, readonly Instruction[]>();
  const atEnd: Array<readonly Instruction[]> = [];
  for (const stage of ctx.model.stages) {
    let updates: readonly Instruction[] = stage.base.kind === 'stage' ? (atEnd[stage.base.stage] ?? []) : [];
    for (const i of stage.instructions) {
      if (i.keyword !== 'RUN') continue;
      out.set(i.index, updates);
      if (listsRemovedBy(i)) updates = [];
      else if (UPDATE.test(i.args)) updates = [...updates, i];
    }
    atEnd[stage.index] = updates;
  }
  ctx.memo?.set('apt-updates-before', out);
  return out;
}

/** Whether a later RUN (of this stage, or of a stage built FROM it) still uses the lists `run` uses. */
function usedLater(ctx: RuleContext, run: ShellRun): boolean {
  const ended = new Set<number>();
  for (const i of ctx.model.instructions) {
    if (i.index <= run.inst.index || i.keyword !== 'RUN' || i.stage < 0) continue;
    const chain = stageChain(ctx.model, i.stage);
    const from = chain.indexOf(run.inst.stage);
    if (from < 0 || chain.slice(from).some((s) => ended.has(s))) continue;
    const later = shellRun(ctx, i);
    // An apt command the rules cannot read may need the lists: leave them alone.
    if (!later) {
      if (/\bapt/.test(i.args)) return true;
      continue;
    }
    const use = later.script.commands.find(aptUsesLists);
    const update = later.script.commands.find(isAptUpdate);
    if (use && !(update && update.start < use.start)) return true;
    if (update || listsRemovedBy(i)) ended.add(i.stage);
  }
  return false;
}

/** `rm` of the lists and nothing else (`rm -rf /var/lib/apt/lists/*`). */
function removesOnlyLists(c: Command): boolean {
  const paths = c.args.filter((a) => !(a.value ?? '').startsWith('-'));
  return (
    c.name === 'rm' &&
    paths.length > 0 &&
    paths.every((a) => a.value !== null && a.value.replace(/\/\*?$/, '') === LISTS)
  );
}

/**
 * The edits that drop the later removals of the lists a cleanup appended to `run` makes redundant: in the RUNs after
 * it in its stage, up to the next update (which writes new lists). A RUN that does nothing else goes whole; a removal
 * that cannot go safely (its neighbours' separators differ) stays.
 */
function laterRemovals(ctx: RuleContext, run: ShellRun): { edits: TextEdit[]; lines: number[] } {
  const lines = linesOf(ctx);
  const out = { edits: [] as TextEdit[], lines: [] as number[] };
  for (const inst of ctx.model.stages[run.inst.stage]!.instructions) {
    if (inst.index <= run.inst.index || inst.keyword !== 'RUN') continue;
    if (UPDATE.test(inst.args)) break;
    const later = shellRun(ctx, inst);
    const rm = later && topLevel(later.script).find(removesOnlyLists);
    if (!later || !rm) continue;
    const edit = removeCommand(lines, later, rm);
    if (edit === null) continue;
    out.edits.push(edit === 'instruction' ? deleteInstruction(lines, inst) : edit);
    out.lines.push(inst.range.start.line + 1);
  }
  return out;
}

/** Measured bytes under `path` per layer of `insts`, for the message (`line` null: this RUN's own layer). */
function parts(ctx: RuleContext, run: ShellRun, insts: readonly Instruction[], path: string, keepZero: boolean) {
  const out: Array<{ line: number | null; bytes: number }> = [];
  for (const i of insts) {
    const bytes = addedUnder(ctx, i, path);
    if (bytes === null || (bytes === 0 && !(keepZero && i === run.inst))) continue;
    out.push({ line: i === run.inst ? null : i.range.start.line + 1, bytes });
  }
  return out;
}

function sum(values: ReadonlyArray<number | null>): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + v!, 0);
}

export const aptListsNotRemoved: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      if (!topLevel(run.script).some(isAptInstall)) continue;
      // An install nested in an if/for would make "the end of the RUN" a guess about what ran.
      if (run.script.commands.some((c) => c.depth > 0 && aptUsesLists(c))) continue;
      const group = mergedGroup(ctx, run.inst);
      const rest = group.filter((i) => i.index >= run.inst.index);
      // Without an update the lists are the base image's (empty in official images): nothing to remove.
      const sources = listSources(ctx, run);
      const lists = sources.length > 0 && !rest.some(listsRemovedBy) && !usedLater(ctx, run);
      // What the cleanup appended here removes: what the layers merged into this one add and keep.
      const cacheLeft = survivingUnder(ctx, group, CACHE);
      const clean = cacheLeft !== null && cacheLeft > 0 && !group.some(cacheHandled);
      if (!lists && !clean) continue;

      const command = [clean ? 'apt-get clean' : '', lists ? `rm -rf ${LISTS}/*` : ''].filter(Boolean).join(' && ');
      const edit = appendCommand(ctx, run, command);
      // The lists removed here, a later RUN's removal of them is debris: the fix drops it too.
      const debris = edit && lists ? laterRemovals(ctx, run) : { edits: [], lines: [] };
      const dropped = debris.lines.length
        ? ` and drop the removal on line${debris.lines.length > 1 ? 's' : ''} ${debris.lines.join(', ')}`
        : '';
      const title = lists
        ? `Remove the package lists in the same RUN (${command})${dropped}`
        : `Clean the apt cache in the same RUN (${command})`;
      const fixes: Fix[] = edit ? [{ title, edits: [edit, ...debris.edits], preferred: true }] : [];

      const listParts = lists ? parts(ctx, run, sources, LISTS, true) : [];
      const cacheParts = clean ? parts(ctx, run, group, CACHE, false) : [];
      // Severity follows what is measured in the layers; the saving, what this fix removes.
      const shown = sum([
        lists ? sum(sources.map((i) => addedUnder(ctx, i, LISTS))) : 0,
        clean ? sum(group.map((i) => addedUnder(ctx, i, CACHE))) : 0,
      ]);
      const saving = edit ? sum([lists ? survivingUnder(ctx, group, LISTS) : 0, clean ? cacheLeft : 0]) : null;
      const elsewhere = sources.filter((i) => !group.includes(i)).map((i) => i.range.start.line + 1);
      let message: string;
      if (!lists) {
        message =
          'apt-get install leaves downloaded packages and package caches in /var/cache/apt (this base has no docker-clean ' +
          'apt hook): run apt-get clean in the same RUN.';
      } else if (sources.length === 1 && sources[0] === run.inst) {
        message = `apt-get install leaves the package lists of apt-get update in this layer: remove ${LISTS}/* in the same RUN.`;
      } else {
        const at = sources.filter((i) => i !== run.inst).map((i) => i.range.start.line + 1);
        message =
          `apt-get install uses the package lists of apt-get update on line${at.length > 1 ? 's' : ''} ${at.join(', ')}: they stay in ` +
          `the image unless the update, the install and the removal of ${LISTS}/* run in one RUN.`;
      }
      message += layersNote(LISTS, listParts) + layersNote(CACHE, cacheParts);
      if (lists && elsewhere.length && listParts.some((p) => p.line !== null)) {
        message += ` Removing them here cannot shrink the layer of line ${elsewhere.join(', ')}: move the update into this RUN.`;
      }
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { measured: shown }),
          message,
          saving,
          fixes,
        ),
      );
    }
    return out;
  },
};
