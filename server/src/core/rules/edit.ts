// Edits that keep the file's style: the escape character it declared, its line breaks, where it puts `&&` (end of
// line or start of the next), how far it indents continuation lines, and backslashes kept in one column when the
// file aligns them. Every builder returns null when it cannot be sure of the result; the fix is then not offered.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Instruction } from '../dockerfile';
import { linesOf, type ShellRun } from './context';
import { topLevel, type Command, type Item } from './shell';
import { fileEnd, fileOffset, indentOf, LineIndex, startsLine } from './text';
import type { RuleContext } from './types';

export interface Style {
  readonly escape: string;
  readonly eol: string;
  /** Operators start continuation lines (`    && cmd`) rather than end them (`cmd && \`). */
  readonly leading: boolean;
  /** Indentation of a new continuation line. */
  readonly indent: string;
  /** The column escapes are aligned to, or null; otherwise `gap` goes before the escape. */
  readonly column: number | null;
  readonly gap: string;
}

interface LineFacts {
  leading: number;
  trailing: number;
  gaps: Map<string, number>;
  columns: Set<number>;
  padded: boolean;
  count: number;
  indents: Map<string, number>;
}

function facts(lines: LineIndex, escape: string, from: number, to: number, into: LineFacts): void {
  const esc = escape === '`' ? '`' : '\\\\';
  const cont = new RegExp(`^(.*?)([ \\t]*)${esc}[ \\t]*$`);
  for (let l = from; l < to; l++) {
    const text = lines.lineText(l);
    if (text.trimStart().startsWith('#') || text.trim() === '') continue;
    const m = cont.exec(text);
    if (!m) continue;
    into.count++;
    const body = m[1]!;
    into.gaps.set(m[2]!, (into.gaps.get(m[2]!) ?? 0) + 1);
    into.columns.add(body.length + m[2]!.length);
    if (m[2]!.length > 1) into.padded = true;
    if (/(&&|\|\||;|\|)$/.test(body.trimEnd())) into.trailing++;
    const next = lines.lineText(l + 1);
    if (/^\s*(&&|\|\||;|\|)/.test(next)) into.leading++;
    const ind = indentOf(next);
    if (ind && !next.trimStart().startsWith('#')) into.indents.set(ind, (into.indents.get(ind) ?? 0) + 1);
  }
}

const noFacts = (): LineFacts => ({
  leading: 0,
  trailing: 0,
  gaps: new Map(),
  columns: new Set(),
  padded: false,
  count: 0,
  indents: new Map(),
});

function most<T>(m: Map<T, number>, fallback: T): T {
  let best = fallback;
  let n = 0;
  for (const [k, v] of m)
    if (v > n) {
      best = k;
      n = v;
    }
  return best;
}

/** The facts of every RUN of the file: read once per evaluation (ctx.memo), as every one-line RUN needs them. */
function fileFacts(ctx: RuleContext): LineFacts {
  const cached = ctx.memo?.get('style-facts') as LineFacts | undefined;
  if (cached) return cached;
  const file = noFacts();
  const lines = linesOf(ctx);
  for (const i of ctx.model.instructions)
    if (i.keyword === 'RUN') facts(lines, ctx.model.escape, i.range.start.line, i.range.end.line, file);
  ctx.memo?.set('style-facts', file);
  return file;
}

/** The style of one instruction, completed from the rest of the file where the instruction does not show it. */
export function styleOf(ctx: RuleContext, inst: Instruction): Style {
  const lines = linesOf(ctx);
  const own = noFacts();
  facts(lines, ctx.model.escape, inst.range.start.line, inst.range.end.line, own);
  const file = own.count === 0 || own.leading + own.trailing === 0 ? fileFacts(ctx) : noFacts();
  const f = own.count ? own : file;
  const ops = own.leading + own.trailing ? own : file;
  const indent = own.indents.size ? smallest(own.indents) : file.indents.size ? most(file.indents, '    ') : '    ';
  return {
    escape: ctx.model.escape,
    eol: lines.eol,
    leading: ops.leading > ops.trailing,
    indent,
    column: f.columns.size === 1 && f.count >= 2 && f.padded ? [...f.columns][0]! : null,
    gap: most(f.gaps, ' '),
  };
}

function smallest(m: Map<string, number>): string {
  return [...m.keys()].sort((a, b) => a.length - b.length)[0]!;
}

/** The blanks and escape that end a continued line whose content is `body`. */
export function continuation(style: Style, body: string): string {
  const pad = style.column === null ? style.gap : ' '.repeat(Math.max(1, style.column - body.length));
  return `${pad}${style.escape}`;
}

export function insert(lines: LineIndex, offset: number, text: string): TextEdit {
  return { range: lines.range(offset, offset), newText: text };
}

export function replace(lines: LineIndex, start: number, end: number, text: string): TextEdit {
  return { range: lines.range(start, end), newText: text };
}

/**
 * Appends `command` to a RUN so that it runs after everything else and the RUN still fails when it failed before:
 * joined with `&&`, or with `;` where the RUN runs under `set -e` and separates its commands with `;`.
 */
export function appendCommand(ctx: RuleContext, run: ShellRun, command: string): TextEdit | null {
  const { script, src, inst } = run;
  const lines = linesOf(ctx);
  // No fix writes a command twice: one the RUN already runs is not appended again.
  if (topLevel(script).some((c) => src.text.slice(c.start, c.end) === command)) return null;
  if (src.heredoc) return appendLine(lines, run, command);
  if (script.trailing === '&' || (script.trailing === ';' && !script.errexit) || !script.items.length) return null;
  const last = script.items.at(-1)!;
  const semi = script.trailing === ';' ? '' : script.errexit && last.before === ';' ? ';' : '&&';
  const end = fileEnd(src, script.contentEnd);
  const endLine = lines.positionAt(end).line;
  if (inst.range.start.line === inst.range.end.line) {
    return insert(lines, end, semi === '' ? ` ${command}` : semi === ';' ? `; ${command}` : ` && ${command}`);
  }
  // A comment after the last command would swallow an escape added behind it.
  if (script.commentStart >= 0) return null;
  const style = styleOf(ctx, inst);
  const body = lines.text.slice(lines.lineStart(endLine), end);
  const indent = itemIndent(lines, run, style);
  let text: string;
  if (semi === '') text = `${continuation(style, body)}${style.eol}${indent}${command}`;
  else if (style.leading) text = `${continuation(style, body)}${style.eol}${indent}${semi} ${command}`;
  else {
    const op = semi === ';' ? ';' : ' &&';
    text = `${op}${continuation(style, body + op)}${style.eol}${indent}${command}`;
  }
  return insert(lines, end, text);
}

/**
 * A heredoc body keeps its form: the command goes on a line of its own after the last one, indented like it (tabs
 * included, which `<<-` strips). Without `set -e` the body's lines run whatever failed before: a cleanup line is
 * still right there, as it removes what the lines above left.
 */
function appendLine(lines: LineIndex, run: ShellRun, command: string): TextEdit | null {
  const { script, src } = run;
  if (!script.items.length || script.trailing === '&' || !src.heredoc?.terminator) return null;
  const last = lines.positionAt(fileEnd(src, script.contentEnd)).line;
  // Indented like the line the last statement starts on (not a continuation line of it).
  const head = script.items.findLast((it) => it.before === null || it.before === '\n')!;
  const indent = indentOf(lines.lineText(lines.positionAt(fileOffset(src, head.start)).line));
  return insert(lines, lines.lineEnd(last), `${lines.eol}${indent}${command}`);
}

/** Whether the command is alone on its lines of a heredoc body (blanks around it, a comment after it at most). */
function ownLines(lines: LineIndex, run: ShellRun, it: Item): { first: number; last: number } | null {
  if (!run.src.heredoc || (it.before !== null && it.before !== '\n') || (it.after !== null && it.after !== '\n'))
    return null;
  const start = fileOffset(run.src, it.start);
  const end = fileEnd(run.src, it.end);
  const first = lines.positionAt(start).line;
  const last = lines.positionAt(end).line;
  const rest = lines.text.slice(end, lines.lineEnd(last)).trim();
  return startsLine(lines, start) && (rest === '' || rest.startsWith('#')) ? { first, last } : null;
}

/** The indentation of the lines the RUN's top-level commands start on (after the first), else the style's. */
function itemIndent(lines: LineIndex, run: ShellRun, style: Style): string {
  const first = run.inst.range.start.line;
  const found = new Map<string, number>();
  for (const it of run.script.items) {
    const off = fileOffset(run.src, it.start);
    const p = lines.positionAt(off);
    if (p.line === first) continue;
    const before = lines.text.slice(lines.lineStart(p.line), off);
    const m = /^([ \t]*)(?:&&|\|\||;|\|)?[ \t]*$/.exec(before);
    if (m) found.set(m[1]!, (found.get(m[1]!) ?? 0) + 1);
  }
  return found.size ? most(found, style.indent) : style.indent;
}

/** True when a comment line lies between two file offsets (a deletion there would take it away). */
function commentBetween(lines: LineIndex, start: number, end: number): boolean {
  const a = lines.positionAt(start).line;
  const b = lines.positionAt(end).line;
  for (let l = a + 1; l < b; l++) if (lines.lineText(l).trimStart().startsWith('#')) return true;
  return false;
}

/**
 * Removes one top-level command and the separator that joins it to its neighbour. 'instruction' when it is the
 * RUN's only command (the caller removes the RUN); null when the neighbours' separators differ (removing it would
 * change what runs when something fails) or a comment would go with it.
 */
export function removeCommand(lines: LineIndex, run: ShellRun, cmd: Command): TextEdit | 'instruction' | null {
  const items = run.script.items;
  const k = items.findIndex((it: Item) => it.command === cmd);
  if (k < 0) return null;
  if (items.length === 1) return 'instruction';
  const it = items[k]!;
  // A line of a heredoc body goes with its line break.
  const own = ownLines(lines, run, it);
  if (own) return replace(lines, lines.lineStart(own.first), lines.lineStart(own.last + 1), '');
  let start: number;
  let end: number;
  if (k < items.length - 1) {
    if ((it.after !== '&&' && it.after !== ';') || (it.before !== null && it.before !== it.after)) return null;
    start = fileOffset(run.src, it.start);
    end = fileOffset(run.src, items[k + 1]!.start);
  } else {
    if (it.before !== '&&' && it.before !== ';') return null;
    start = fileEnd(run.src, items[k - 1]!.end);
    end = fileEnd(run.src, it.end);
  }
  if (commentBetween(lines, start, end)) return null;
  return replace(lines, start, end, '');
}

/** Deletes an instruction's lines, line breaks included. */
export function deleteInstruction(lines: LineIndex, inst: Instruction): TextEdit {
  const a = inst.range.start.line;
  const b = inst.range.end.line;
  if (b + 1 < lines.lineCount) return replace(lines, lines.lineStart(a), lines.lineStart(b + 1), '');
  const start = a > 0 ? lines.lineEnd(a - 1) : 0;
  return replace(lines, start, lines.lineEnd(b), '');
}

/** The text of an instruction's lines as written (to move it), without the final line break. */
export function instructionText(lines: LineIndex, inst: Instruction): string {
  return lines.text.slice(lines.lineStart(inst.range.start.line), lines.lineEnd(inst.range.end.line));
}

/** Inserts whole lines before the line `inst` starts on. */
export function insertLinesBefore(lines: LineIndex, inst: Instruction, text: string): TextEdit {
  return insert(lines, lines.lineStart(inst.range.start.line), text + lines.eol);
}

/** Inserts whole lines after the last line of `inst`. */
export function insertLinesAfter(lines: LineIndex, inst: Instruction, text: string): TextEdit {
  return insert(lines, lines.lineEnd(inst.range.end.line), lines.eol + text);
}

/** Edits sorted by position, with edits that touch merged into one (an insertion at the end of a replacement). */
export function mergeEdits(lines: LineIndex, edits: readonly TextEdit[]): TextEdit[] {
  const sorted = edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Array<{ start: number; end: number; text: string }> = [];
  for (const e of sorted) {
    const prev = out.at(-1);
    if (prev && e.start === prev.end) {
      prev.end = e.end;
      prev.text += e.text;
    } else out.push({ ...e });
  }
  return out.map((e) => replace(lines, e.start, e.end, e.text));
}
