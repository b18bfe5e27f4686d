// apt-update-alone: `apt-get update` in a RUN that installs nothing. Its package lists become a layer of their own
// that no later RUN can remove, and the build cache keeps reusing that layer when the install below changes, so
// the install runs against stale lists. The fix moves the update into the next RUN that installs.
//
// Measured saving: what the move itself removes — the bytes of this layer that the target RUN deletes or overwrites
// (the lists it removes, the package caches it rewrites). Lists the target leaves are apt-lists-not-removed's.
import { formatBytes } from '../format';
import { aptUsesLists, isAptUpdate } from './commands';
import {
  addedUnder,
  bytesNote,
  enabled,
  finding,
  linesOf,
  measuredLayers,
  severityOf,
  type ShellRun,
  shellRun,
  shellRuns,
  wasteBetween,
} from './context';
import { deleteInstruction, insert } from './edit';
import { topLevel } from './shell';
import { fileOffset, indentOf, LineIndex, startsLine } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'apt-update-alone';

/** The next RUN of the stage that reads the lists, if nothing between them uses apt either. */
function nextInstall(ctx: RuleContext, run: ShellRun): ShellRun | null {
  const stage = ctx.model.stages[run.inst.stage]!;
  for (const inst of stage.instructions) {
    if (inst.index <= run.inst.index || inst.keyword !== 'RUN') continue;
    const next = shellRun(ctx, inst);
    if (next?.script.commands.some(aptUsesLists)) return next;
    if (/\bapt/.test(inst.args)) return null; // an apt command we cannot read: leave the order alone
  }
  return null;
}

/** A RUN this rule reports: an update that installs nothing and leaves its lists. */
function reported(run: ShellRun): boolean {
  if (!topLevel(run.script).some(isAptUpdate) || run.script.commands.some(aptUsesLists)) return false;
  // Lists removed in the same RUN (an update to check something, then cleaned) cost nothing.
  return !run.inst.args.includes('/var/lib/apt/lists') && !/\bdist-clean\b/.test(run.inst.args);
}

export interface UpdateMove {
  readonly target: ShellRun;
  readonly fix: Fix;
}

/**
 * The move this rule's fix makes of a reported update into the next RUN that installs, or null (not reported, no safe
 * move, or the rule is switched off). Fix-all applies it first: the two layers become one.
 */
export function updateMove(ctx: RuleContext, run: ShellRun): UpdateMove | null {
  const key = `update-move:${run.inst.index}`;
  if (ctx.memo?.has(key)) return ctx.memo.get(key) as UpdateMove | null;
  const move = enabled(ctx, CODE) && reported(run) ? moveFix(ctx, linesOf(ctx), run) : null;
  ctx.memo?.set(key, move);
  return move;
}

function moveFix(ctx: RuleContext, lines: LineIndex, run: ShellRun): UpdateMove | null {
  const items = run.script.items;
  // Only a RUN that is nothing but the update can go away whole.
  if (items.length !== 1 || !items[0]!.command || !isAptUpdate(items[0]!.command)) return null;
  const target = nextInstall(ctx, run);
  if (!target) return null;
  const first = target.script.commands.find(aptUsesLists)!;
  const updateText = run.src.text.slice(items[0]!.start, items[0]!.end);
  const edits = [deleteInstruction(lines, run.inst)];
  const at = fileOffset(target.src, first.start);
  if (
    !target.script.commands.some((c) => isAptUpdate(c) && c.start < first.start) &&
    target.src.heredoc &&
    first.depth === 0 &&
    startsLine(lines, at)
  ) {
    // Into a heredoc body as a line of its own, before the first apt command's line, indented like it.
    edits.push(insert(lines, at, `${updateText}${lines.eol}${indentOf(lines.lineText(lines.positionAt(at).line))}`));
  } else if (!target.script.commands.some((c) => isAptUpdate(c) && c.start < first.start)) {
    // Inserted right before the first apt command, joined the way that command is joined to what precedes it.
    if (first.depth !== 0 || (first.before !== null && first.before !== '&&' && first.before !== ';')) return null;
    const sep = first.before === ';' && target.script.errexit ? ';' : ' &&';
    edits.push(insert(lines, at, `${updateText}${sep} `));
  }
  return {
    target,
    fix: {
      title: `Move ${updateText} into the RUN on line ${target.inst.range.start.line + 1}`,
      edits,
      preferred: true,
    },
  };
}

export const aptUpdateAlone: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      if (!reported(run)) continue;
      const lists = addedUnder(ctx, run.inst, '/var/lib/apt/lists');
      const move = updateMove(ctx, run);
      const from = move && measuredLayers(ctx, [run.inst]);
      const to = move && measuredLayers(ctx, [move.target.inst]);
      const saving = from && to ? wasteBetween(ctx, from, to) : null;
      const target = move ? move.target.inst.range.start.line + 1 : 0;
      const note = saving
        ? ` Moving it removes the ${formatBytes(saving)} of this layer that line ${target} deletes or overwrites.`
        : '';
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { measured: lists }),
          'apt-get update in a RUN that installs nothing: its lists stay in a layer of their own, and the build cache ' +
            'reuses them when the install changes. Run it in the same RUN as the install.' +
            bytesNote('/var/lib/apt/lists', lists) +
            note,
          saving,
          move ? [move.fix] : [],
        ),
      );
    }
    return out;
  },
};
