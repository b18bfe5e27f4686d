// cleanup-in-later-layer (needs the image's analysis): a RUN deletes files an earlier layer of this file added.
// A layer can only add; deleting in a later one hides the files but the earlier layer still ships them. The fix
// moves the deletion into the RUN that created the files, when that is safe: same stage, no RUN in between, and
// the later RUN does nothing but delete.
//
// Deletions from a layer that fix-all merges with the deleting RUN's (an update moved into it, a join that
// consecutive-run prefers) are that fix's: they are left out here, so that no byte is claimed twice.
import { formatBytes } from '../format';
import type { WasteItem } from '../analysis';
import type { Instruction } from '../dockerfile';
import { onlyDeletes } from './commands';
import { claimedByMerge, mergedGroup } from './consecutiveRun';
import { finding, linesOf, severityOf, type ShellRun, shellRun } from './context';
import { appendCommand, deleteInstruction } from './edit';
import { LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'cleanup-in-later-layer';

function moveFix(ctx: RuleContext, lines: LineIndex, a: ShellRun, b: ShellRun): Fix | null {
  if (a.inst.stage !== b.inst.stage) return null;
  const between = ctx.model.stages[a.inst.stage]!.instructions.filter(
    (i) => i.index > a.inst.index && i.index < b.inst.index,
  );
  if (between.some((i) => i.keyword === 'RUN' || i.keyword === 'USER' || i.keyword === 'WORKDIR')) return null;
  const items = b.script.items;
  if (b.script.trailing === '&' || !items.every((it) => it.command && onlyDeletes(it.command))) return null;
  // `&&` between the moved commands: appended to a RUN that may not run `set -e`, `;` would hide a failure.
  const cmds = items
    .filter((it) => it.command!.name !== 'set' && it.command!.name !== 'true')
    .map((it) => b.src.text.slice(it.start, it.end));
  if (!cmds.length) return null;
  const append = appendCommand(ctx, a, cmds.join(' && '));
  if (!append) return null;
  return {
    title: `Delete in the RUN on line ${a.inst.range.start.line + 1}, where the files are created`,
    edits: [append, deleteInstruction(lines, b.inst)],
    preferred: true,
  };
}

export const cleanupInLaterLayer: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const analysis = ctx.analysis;
    if (!analysis || !ctx.match) return [];
    const lines = linesOf(ctx);
    const byLayer = new Map<number, Instruction>();
    for (const inst of ctx.model.instructions) {
      const layer = ctx.layerOf(inst.index);
      if (layer !== null && ctx.match.instructions[inst.index]?.status === 'matched') byLayer.set(layer, inst);
    }
    const removedIn = new Map<number, WasteItem[]>();
    for (const w of analysis.attribution) {
      if (w.kind !== 'deleted' || w.addedLayer >= w.removedLayer || !byLayer.has(w.addedLayer)) continue;
      const remover = byLayer.get(w.removedLayer);
      if (remover && claimedByMerge(ctx, byLayer.get(w.addedLayer)!, remover)) continue;
      removedIn.set(w.removedLayer, [...(removedIn.get(w.removedLayer) ?? []), w]);
    }
    const out: Finding[] = [];
    for (const [layer, items] of [...removedIn].sort((x, y) => x[0] - y[0])) {
      const bInst = byLayer.get(layer);
      if (!bInst || bInst.keyword !== 'RUN') continue;
      const bytes = items.reduce((s, w) => s + w.bytes, 0);
      const latest = Math.max(...items.map((w) => w.addedLayer));
      const aInst = byLayer.get(latest)!;
      const a = shellRun(ctx, aInst);
      const b = shellRun(ctx, bInst);
      const fix = a && b && aInst.keyword === 'RUN' ? moveFix(ctx, lines, a, b) : null;
      const sources = [...new Set(items.map((w) => byLayer.get(w.addedLayer)!.range.start.line + 1))].sort(
        (x, y) => x - y,
      );
      const top = [...items]
        .sort((x, y) => y.bytes - x.bytes)
        .slice(0, 3)
        .map((w) => `${w.path} ${formatBytes(w.bytes)}`)
        .join(', ');
      // The fix deletes in the RUN that added last: it removes what that layer (and what fix-all merges into it) holds.
      const target = fix ? mergedGroup(ctx, aInst) : null;
      const saving = target
        ? items.filter((w) => target.includes(byLayer.get(w.addedLayer)!)).reduce((s, w) => s + w.bytes, 0)
        : bytes;
      out.push(
        finding(
          CODE,
          lines,
          bInst,
          severityOf(ctx, bInst, 'warning', { measured: bytes }),
          `This RUN deletes ${formatBytes(bytes)} that line${sources.length > 1 ? 's' : ''} ${sources.join(', ')} added: deleted in a ` +
            `later layer, the bytes still ship in the earlier one (${top}).`,
          saving,
          fix ? [fix] : [],
        ),
      );
    }
    return out;
  },
};
