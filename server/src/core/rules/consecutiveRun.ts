// consecutive-run: two RUNs in a row that could be one. Every RUN is a layer; what the second deletes or
// overwrites of the first stays in the first's layer. Reported on the second RUN; the fix joins them with the
// file's own operator and continuation style, keeping each command's lines.
//
// Joining saves bytes only when the second RUN deletes or overwrites what the first made, so the join is the
// preferred fix (the one fix-all applies) only then: measured, when the analysis shows such bytes; unmeasured, when
// the second RUN only deletes, or installs from the package lists an update in the first downloaded. This file also
// holds the merge plan: which RUNs' layers fix-all's structural fixes (an update moved, RUNs joined) make one, so
// that the other rules claim each measured byte once.
import type { Instruction } from '../dockerfile';
import { formatBytes } from '../format';
import { updateMove } from './aptUpdateAlone';
import { aptUsesLists, isAptUpdate, onlyDeletes } from './commands';
import {
  enabled,
  finding,
  linesOf,
  measuredLayer,
  measuredLayers,
  severityOf,
  type ShellRun,
  shellRun,
  wasteBetween,
} from './context';
import { continuation, replace, styleOf } from './edit';
import { topLevel, type Script } from './shell';
import { fileEnd, fileOffset, LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'consecutive-run';
const CLEANUP_CODE = 'cleanup-in-later-layer';

/** Commands whose effect outlives them in the shell: after a join they would change how the second RUN runs. */
const STATEFUL = new Set([
  'cd',
  'pushd',
  'popd',
  'export',
  'unset',
  'umask',
  'source',
  '.',
  'alias',
  'shopt',
  'trap',
  'exec',
  'exit',
  'return',
  'ulimit',
  'readonly',
  'declare',
  'typeset',
  'local',
]);

/** Whether running `a` first would change how `b` runs (shell state that outlives a's commands). */
function leaksState(a: Script, b: Script): boolean {
  const first = b.items[0]?.command;
  const reset = first?.name === 'set' ? new Set(first.args.map((x) => x.value)) : new Set<string | null>();
  return topLevel(a).some((c) => {
    if (!c.nameWord) return c.assignments.length > 0; // `FOO=bar` alone sets a shell variable
    if (c.name === null) return true;
    if (STATEFUL.has(c.name)) return true;
    // `set -e` and `set -x` only make the rest stricter or louder; -u, pipefail and the rest change what fails,
    // unless the second RUN sets them itself first.
    return (
      c.name === 'set' &&
      c.args.some((x) => !/^[-+][ex]+$/.test(x.value ?? '') && x.value !== 'errexit' && !reset.has(x.value))
    );
  });
}

function startsStrict(script: Script): boolean {
  const first = script.items[0]?.command;
  return !!first && first.name === 'set' && first.args.some((a) => /^-[a-zA-Z]*e/.test(a.value ?? ''));
}

/** One and-or list of `&&` and pipes only: `A && B` runs it exactly when A succeeded, and fails when it fails. */
function andList(script: Script): boolean {
  return (
    script.trailing === null && script.items.every((it) => it.after === null || it.after === '&&' || it.after === '|')
  );
}

function sameFlags(a: Instruction, b: Instruction): boolean {
  const key = (i: Instruction) => i.flags.map((f) => `${f.name}=${f.value ?? ''}`).join(' ');
  return key(a) === key(b);
}

function joinFix(ctx: RuleContext, lines: LineIndex, a: ShellRun, b: ShellRun): Fix | null {
  // A heredoc RUN keeps its form: no join is offered with one (the other RUN's commands are not rewritten as lines of
  // its body, nor is the body turned into a chain). The finding stays, and apt-update-alone still moves an update in.
  if (a.inst.heredoc || b.inst.heredoc) return null;
  const sa = a.script;
  if (sa.commentStart >= 0 || sa.trailing === '&' || leaksState(sa, b.script)) return null;
  let sep: '&&' | ';' | '';
  if (sa.trailing === ';') {
    if (!sa.errexit || !(andList(b.script) || startsStrict(b.script))) return null;
    sep = '';
  } else if (andList(b.script)) sep = sa.errexit && sa.items.at(-1)!.before === ';' ? ';' : '&&';
  else if (sa.errexit && startsStrict(b.script)) sep = ';';
  else return null;

  const style = styleOf(ctx, a.inst);
  const end = fileEnd(a.src, sa.contentEnd);
  const body = lines.text.slice(lines.lineStart(lines.positionAt(end).line), end);
  const comments: string[] = [];
  for (let l = a.inst.range.end.line + 1; l < b.inst.range.start.line; l++) {
    const t = lines.lineText(l);
    if (t.trimStart().startsWith('#')) comments.push(t);
  }
  let head: string;
  let prefix = '';
  if (sep === '') head = continuation(style, body);
  else if (style.leading) {
    head = continuation(style, body);
    prefix = `${sep} `;
  } else {
    const op = sep === ';' ? ';' : ' &&';
    head = op + continuation(style, body + op);
  }
  const text = `${head}${style.eol}${comments.map((c) => c + style.eol).join('')}${style.indent}${prefix}`;
  return {
    title: `Join with the RUN on line ${a.inst.range.start.line + 1} (one layer)`,
    edits: [replace(lines, end, fileOffset(b.src, 0), text)],
    preferred: true,
  };
}

/** The second RUN only deletes (what cleanup-in-later-layer can move into the first). */
function onlyDeleting(b: ShellRun): boolean {
  const items = b.script.items;
  return (
    b.script.trailing !== '&' &&
    items.length > 0 &&
    items.every((it) => it.command && onlyDeletes(it.command)) &&
    items.some((it) => it.command!.name !== 'set' && it.command!.name !== 'true')
  );
}

/** Without measurements: whether the second RUN visibly removes what the first made (deletes, or installs from its lists). */
function staticallyWorth(ctx: RuleContext, group: readonly Instruction[], b: ShellRun): boolean {
  if (onlyDeleting(b)) return true;
  const use = b.script.commands.find(aptUsesLists);
  if (!use || b.script.commands.some((c) => isAptUpdate(c) && c.start < use.start)) return false;
  return group.some((i) => shellRun(ctx, i)?.script.commands.some(isAptUpdate) ?? false);
}

interface Pair {
  readonly a: Instruction;
  readonly b: Instruction;
  readonly fix: Fix | null;
  /** Bytes the layers merged up to `a` add that `b`'s (with what merges into it) deletes or overwrites; null unmeasured. */
  readonly waste: number | null;
  /** The RUNs merged into `a`'s layer before this join (a included). */
  readonly group: readonly Instruction[];
  /** The join is preferred: it saves bytes. */
  readonly joins: boolean;
}

/** Waste from the layers of the `from` instructions removed in those of `to`, claimed by one structural fix. */
interface Claim {
  readonly from: ReadonlySet<number>;
  readonly to: ReadonlySet<number>;
}

interface MergePlan {
  /** Adjacent RUN pairs this rule reports, by the second RUN's index. */
  readonly pairs: ReadonlyMap<number, Pair>;
  readonly groups: ReadonlyMap<number, readonly Instruction[]>;
  /** What the update moves and the preferred joins claim (by instruction index). */
  readonly claims: readonly Claim[];
}

function plan(ctx: RuleContext): MergePlan {
  const cached = ctx.memo?.get('merge-plan') as MergePlan | undefined;
  if (cached) return cached;
  const lines = linesOf(ctx);
  const groups = new Map<number, readonly Instruction[]>();
  const groupOf = (i: Instruction) => groups.get(i.index) ?? [i];
  const merge = (x: Instruction, y: Instruction) => {
    const g = [...new Set([...groupOf(x), ...groupOf(y)])].sort((p, q) => p.index - q.index);
    for (const m of g) groups.set(m.index, g);
  };
  // Fix-all applies the update moves first, then the joins, in file order.
  const moves = new Map<number, number>();
  const claims: Claim[] = [];
  const indexes = (g: readonly Instruction[]) => new Set(g.map((i) => i.index));
  for (const inst of ctx.model.instructions) {
    const run = shellRun(ctx, inst);
    const move = run && updateMove(ctx, run);
    if (move) {
      moves.set(inst.index, move.target.inst.index);
      claims.push({ from: new Set([inst.index]), to: new Set([move.target.inst.index]) });
      merge(inst, move.target.inst);
    }
  }
  const pairs = new Map<number, Pair>();
  for (const stage of ctx.model.stages) {
    const insts = stage.instructions;
    for (let k = 1; k < insts.length; k++) {
      const ai = insts[k - 1]!;
      const bi = insts[k]!;
      if (ai.keyword !== 'RUN' || bi.keyword !== 'RUN' || !sameFlags(ai, bi)) continue;
      // apt-update-alone's move joins these two already, and reports it.
      if (moves.get(ai.index) === bi.index) continue;
      const a = shellRun(ctx, ai);
      const b = a && shellRun(ctx, bi);
      if (!a || !b) continue;
      const group = groupOf(ai);
      const from = measuredLayers(ctx, group);
      const to = measuredLayers(ctx, groupOf(bi));
      const waste = from && to ? wasteBetween(ctx, from, to) : null;
      // Measured, a second RUN that only deletes files of the first is cleanup-in-later-layer's: it names them, and its
      // fix (the deletion moved into the first RUN) makes the same one layer.
      const la = measuredLayer(ctx, ai);
      const lb = measuredLayer(ctx, bi);
      if (
        waste &&
        la !== null &&
        enabled(ctx, CLEANUP_CODE) &&
        onlyDeleting(b) &&
        ctx.analysis!.attribution.some((w) => w.kind === 'deleted' && w.addedLayer === la && w.removedLayer === lb)
      ) {
        merge(ai, bi);
        continue;
      }
      const fix = joinFix(ctx, lines, a, b);
      const joins = fix !== null && (waste !== null ? waste > 0 : staticallyWorth(ctx, group, b));
      pairs.set(bi.index, { a: ai, b: bi, fix, waste, group, joins });
      if (joins && enabled(ctx, CODE)) {
        claims.push({ from: indexes(group), to: indexes(groupOf(bi)) });
        merge(ai, bi);
      }
    }
  }
  const out = { pairs, groups, claims };
  ctx.memo?.set('merge-plan', out);
  return out;
}

/**
 * The RUNs whose layers become one with `inst`'s once fix-all has applied the structural fixes (the update moved in
 * by apt-update-alone, the joins this rule prefers), in file order; `[inst]` when none.
 */
export function mergedGroup(ctx: RuleContext, inst: Instruction): readonly Instruction[] {
  return plan(ctx).groups.get(inst.index) ?? [inst];
}

/**
 * Whether what `added`'s layer made and `removed`'s deletes or overwrites is claimed by a structural fix: the update
 * apt-update-alone moves into `removed`, or a join this rule prefers. cleanup-in-later-layer leaves those bytes out.
 */
export function claimedByMerge(ctx: RuleContext, added: Instruction, removed: Instruction): boolean {
  return plan(ctx).claims.some((c) => c.from.has(added.index) && c.to.has(removed.index));
}

export const consecutiveRun: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const p of plan(ctx).pairs.values()) {
      const above =
        p.group.length > 1
          ? `the RUNs on lines ${p.group.map((i) => i.range.start.line + 1).join(', ')} (one layer once joined)`
          : 'the RUN above';
      const note = p.waste
        ? ` It deletes or overwrites ${formatBytes(p.waste)} of ${above}, which stay in that layer.`
        : '';
      const fixes = p.fix ? [{ ...p.fix, preferred: p.joins }] : [];
      // The bytes are this join's only when it is offered; without it, cleanup-in-later-layer claims the deletions.
      out.push(
        finding(
          CODE,
          lines,
          p.b,
          severityOf(ctx, p.b, 'info', { measured: p.waste }),
          `This RUN follows the RUN on line ${p.a.range.start.line + 1}: one RUN makes one layer instead of two.` +
            note,
          p.fix ? p.waste : null,
          fixes,
        ),
      );
    }
    return out;
  },
};
