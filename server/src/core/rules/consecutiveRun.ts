// consecutive-run: two RUNs in a row that could be one. Every RUN is a layer; what the second deletes or
// overwrites of the first stays in the first's layer. Reported on the second RUN; the fix joins them with the
// file's own operator and continuation style, keeping each command's lines.
import type { Instruction } from '../dockerfile';
import { formatBytes } from '../format';
import { finding, linesOf, severityOf, type ShellRun, shellRun } from './context';
import { continuation, replace, styleOf } from './edit';
import { topLevel, type Script } from './shell';
import { fileEnd, fileOffset, LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'consecutive-run';

/** Commands whose effect outlives them in the shell: after a join they would change how the second RUN runs. */
const STATEFUL = new Set(['cd', 'pushd', 'popd', 'export', 'unset', 'umask', 'source', '.', 'alias', 'shopt', 'trap', 'exec', 'exit', 'return', 'ulimit', 'readonly', 'declare', 'typeset', 'local']);

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
    return c.name === 'set' && c.args.some((x) => !/^[-+][ex]+$/.test(x.value ?? '') && x.value !== 'errexit' && !reset.has(x.value));
  });
}

function startsStrict(script: Script): boolean {
  const first = script.items[0]?.command;
  return !!first && first.name === 'set' && first.args.some((a) => /^-[a-zA-Z]*e/.test(a.value ?? ''));
}

/** One and-or list of `&&` and pipes only: `A && B` runs it exactly when A succeeded, and fails when it fails. */
function andList(script: Script): boolean {
  return script.trailing === null && script.items.every((it) => it.after === null || it.after === '&&' || it.after === '|');
}

function sameFlags(a: Instruction, b: Instruction): boolean {
  const key = (i: Instruction) => i.flags.map((f) => `${f.name}=${f.value ?? ''}`).join(' ');
  return key(a) === key(b);
}

function joinFix(ctx: RuleContext, lines: LineIndex, a: ShellRun, b: ShellRun): Fix | null {
  const sa = a.script;
  if (sa.commentStart >= 0 || sa.trailing === '&' || leaksState(sa, b.script)) return null;
  let sep: '&&' | ';' | '';
  if (sa.trailing === ';') {
    if (!sa.errexit || !(andList(b.script) || startsStrict(b.script))) return null;
    sep = '';
  } else if (andList(b.script)) sep = sa.errexit && sa.items.at(-1)!.before === ';' ? ';' : '&&';
  else if (sa.errexit && startsStrict(b.script)) sep = ';';
  else return null;

  const style = styleOf(ctx.model, lines, a.inst);
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

/** Bytes the second RUN deletes or overwrites of the first's layer (what joining them saves), when analysed. */
function wasteBetween(ctx: RuleContext, a: Instruction, b: Instruction): number | null {
  if (!ctx.analysis || ctx.match?.instructions[a.index]?.status !== 'matched' || ctx.match.instructions[b.index]?.status !== 'matched') return null;
  const la = ctx.layerOf(a.index);
  const lb = ctx.layerOf(b.index);
  if (la === null || lb === null) return null;
  return ctx.analysis.attribution.filter((w) => w.addedLayer === la && w.removedLayer === lb).reduce((s, w) => s + w.bytes, 0);
}

export const consecutiveRun: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const stage of ctx.model.stages) {
      const insts = stage.instructions;
      for (let k = 1; k < insts.length; k++) {
        const ai = insts[k - 1]!;
        const bi = insts[k]!;
        if (ai.keyword !== 'RUN' || bi.keyword !== 'RUN' || !sameFlags(ai, bi)) continue;
        const a = shellRun(ctx, ai);
        const b = a && shellRun(ctx, bi);
        if (!a || !b) continue;
        const waste = wasteBetween(ctx, ai, bi);
        const fix = joinFix(ctx, lines, a, b);
        const note = waste ? ` It deletes or overwrites ${formatBytes(waste)} of the RUN above, which stay in that layer.` : '';
        out.push(finding(CODE, lines, bi, severityOf(ctx, bi, 'info', { measured: waste }),
          `This RUN follows the RUN on line ${ai.range.start.line + 1}: one RUN makes one layer instead of two.` + note,
          waste, fix ? [fix] : []));
      }
    }
    return out;
  },
};
