// Positions in the Dockerfile's text, and an instruction's arguments as the shell sees them with a map back to the
// file: rules read the joined text (continuations removed, the way Docker joins them) but must edit the file itself,
// so every character of the joined text remembers where it came from.
import type { Position, Range } from 'vscode-languageserver-types';
import type { DockerfileModel, Heredoc, Instruction } from '../dockerfile';

/** Offsets ↔ LSP positions for one text (lines end at \n, \r\n or \r, as dockerfile-ast counts them). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  offsetAt(p: Position): number {
    const line = Math.max(0, Math.min(p.line, this.starts.length - 1));
    return Math.min(this.starts[line]! + Math.max(0, p.character), this.lineEnd(line));
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: Math.min(o, this.lineEnd(lo)) - this.starts[lo]! };
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }

  /** Offset of the end of the line's content (before its line break). */
  lineEnd(line: number): number {
    const next = this.starts[line + 1];
    if (next === undefined) return this.text.length;
    return this.text.charCodeAt(next - 1) === 10 && this.text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** The line break of this text: the first one it uses (a file keeps its own). */
  get eol(): string {
    const m = /\r\n|\n|\r/.exec(this.text);
    return m ? m[0] : '\n';
  }
}

/** An instruction's arguments as joined text, each character mapped to its offset in the file. */
export interface Source {
  readonly inst: Instruction;
  readonly text: string;
  /** offsets[i] is the file offset of text[i]; offsets[text.length] is the offset just after the last character. */
  readonly offsets: Int32Array;
  /** The here-document whose body this text is (tabs of `<<-` left out); null for the instruction's own line(s). */
  readonly heredoc: Heredoc | null;
}

/** File offset of the character at `i` of the joined text, or just after the previous one when `i` is the end. */
export function fileOffset(src: Source, i: number): number {
  if (i >= src.text.length) return src.offsets[src.text.length]!;
  return src.offsets[Math.max(0, i)]!;
}

/** File offset just after the joined text's character at `i - 1` (the end of a token that ends at `i`). */
export function fileEnd(src: Source, i: number): number {
  return i <= 0 ? src.offsets[0]! : src.offsets[i - 1]! + 1;
}

/**
 * The text of `inst` the shell runs, with the file offset of each character: for a heredoc RUN, the body its shell
 * runs (see Heredoc.shell), else its command line with the operators kept (the bodies are not part of it); for
 * any other instruction, the arguments after its flags as the builder passes them on. Null when the joined text
 * does not come out exactly as the model's `args` (then a rule that edited it could not be sure where its edit lands).
 */
export function instructionSource(model: DockerfileModel, inst: Instruction, lines: LineIndex): Source | null {
  if (inst.heredoc) {
    const body = inst.heredocs.find((h) => h.shell);
    if (body) return body.body ? bodySource(lines, inst, body, body.body) : null;
    const ops = inst.heredocs.at(-1);
    return ops ? joinedSource(model, inst, lines, lines.lineEnd(ops.operator.end.line), null) : null;
  }
  return joinedSource(model, inst, lines, lines.offsetAt(inst.range.end), inst.args);
}

/** A heredoc body's lines, leading tabs left out for `<<-`, each line break mapped to the file's. */
function bodySource(lines: LineIndex, inst: Instruction, heredoc: Heredoc, body: Range): Source {
  const chars: string[] = [];
  const offs: number[] = [];
  for (let l = body.start.line; l <= body.end.line; l++) {
    const start = lines.lineStart(l);
    const line = lines.lineText(l);
    const skip = heredoc.stripTabs ? /^\t*/.exec(line)![0].length : 0;
    if (l > body.start.line) {
      chars.push('\n');
      offs.push(lines.lineEnd(l - 1));
    }
    for (let k = skip; k < line.length; k++) {
      chars.push(line[k]!);
      offs.push(start + k);
    }
  }
  const offsets = Int32Array.from([...offs, lines.lineEnd(body.end.line)]);
  return { inst, text: chars.join(''), offsets, heredoc };
}

/** The arguments from after the flags to `end`, continuations joined like joinContinuations; null when not `expect`. */
function joinedSource(
  model: DockerfileModel,
  inst: Instruction,
  lines: LineIndex,
  end: number,
  expect: string | null,
): Source | null {
  const text = model.text;
  let pos = lines.offsetAt(inst.keywordRange.end);
  for (const f of inst.flags) pos = Math.max(pos, lines.offsetAt(f.range.end));
  const esc = model.escape === '`' ? '`' : '\\\\';
  const cont = new RegExp(`${esc}[ \\t]*$`);
  const chars: string[] = [];
  const offs: number[] = [];
  for (let first = true; pos <= end; first = false) {
    let lineEnd = pos;
    while (lineEnd < end && text[lineEnd] !== '\n' && text[lineEnd] !== '\r') lineEnd++;
    const line = text.slice(pos, lineEnd);
    const next = text[lineEnd] === '\r' && text[lineEnd + 1] === '\n' ? lineEnd + 2 : lineEnd + 1;
    if (!first) {
      const t = line.trimStart();
      // Docker drops comment and empty lines inside a continuation.
      if (t.startsWith('#') || t === '') {
        pos = next;
        continue;
      }
    }
    const m = cont.exec(line);
    const keep = m ? m.index : line.length;
    for (let k = 0; k < keep; k++) {
      chars.push(line[k]!);
      offs.push(pos + k);
    }
    if (!m || lineEnd >= end) break;
    pos = next;
  }
  // Trim like joinContinuations does.
  let a = 0;
  let b = chars.length;
  while (a < b && /\s/.test(chars[a]!)) a++;
  while (b > a && /\s/.test(chars[b - 1]!)) b--;
  const joined = chars.slice(a, b).join('');
  if (expect !== null && joined !== expect) return null;
  const offsets = new Int32Array(joined.length + 1);
  for (let i = 0; i < joined.length; i++) offsets[i] = offs[a + i]!;
  offsets[joined.length] = joined.length ? offs[b - 1]! + 1 : pos;
  return { inst, text: joined, offsets, heredoc: null };
}

/** The leading blanks of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** True when only blanks precede `offset` on its line. */
export function startsLine(lines: LineIndex, offset: number): boolean {
  const p = lines.positionAt(offset);
  return lines.text.slice(lines.lineStart(p.line), offset).trim() === '';
}
