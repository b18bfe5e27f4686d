// apt-update-alone: `apt-get update` in a RUN that installs nothing. Its package lists become a layer of their own
// that no later RUN can remove, and the build cache keeps reusing that layer when the install below changes, so
// the install runs against stale lists. The fix moves the update into the next RUN that installs.
import { aptUsesLists, isAptUpdate } from './commands';
import { addedUnder, bytesNote, finding, linesOf, severityOf, type ShellRun, shellRun, shellRuns } from './context';
import { deleteInstruction, insert } from './edit';
import { topLevel } from './shell';
import { fileOffset, LineIndex } from './text';
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

function moveFix(ctx: RuleContext, lines: LineIndex, run: ShellRun): Fix | null {
  const items = run.script.items;
  // Only a RUN that is nothing but the update can go away whole.
  if (items.length !== 1 || !items[0]!.command || !isAptUpdate(items[0]!.command)) return null;
  const target = nextInstall(ctx, run);
  if (!target) return null;
  const first = target.script.commands.find(aptUsesLists)!;
  const updateText = run.src.text.slice(items[0]!.start, items[0]!.end);
  const edits = [deleteInstruction(lines, run.inst)];
  if (!target.script.commands.some((c) => isAptUpdate(c) && c.start < first.start)) {
    // Inserted right before the first apt command, joined the way that command is joined to what precedes it.
    if (first.depth !== 0 || (first.before !== null && first.before !== '&&' && first.before !== ';')) return null;
    const sep = first.before === ';' && target.script.errexit ? ';' : ' &&';
    edits.push(insert(lines, fileOffset(target.src, first.start), `${updateText}${sep} `));
  }
  return { title: `Move ${updateText} into the RUN on line ${target.inst.range.start.line + 1}`, edits, preferred: true };
}

export const aptUpdateAlone: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const cmds = run.script.commands;
      if (!topLevel(run.script).some(isAptUpdate) || cmds.some(aptUsesLists)) continue;
      // Lists removed in the same RUN (an update to check something, then cleaned) cost nothing.
      if (run.inst.args.includes('/var/lib/apt/lists') || /\bdist-clean\b/.test(run.inst.args)) continue;
      const lists = addedUnder(ctx, run.inst, '/var/lib/apt/lists');
      const fix = moveFix(ctx, lines, run);
      out.push(finding(CODE, lines, run.inst, severityOf(ctx, run.inst, 'warning', { measured: lists }),
        'apt-get update in a RUN that installs nothing: its lists stay in a layer of their own, and the build cache ' +
        'reuses them when the install changes. Run it in the same RUN as the install.' + bytesNote('/var/lib/apt/lists', lists),
        lists, fix ? [fix] : []));
    }
    return out;
  },
};
