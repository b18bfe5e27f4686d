// Here-documents in RUN, COPY and ADD: where each operator, body and terminator lies, and whether the RUN's shell runs
// the body (so the rules read it as shell) or feeds it to another program. Read from dockerfile-ast's heredocs and the
// text itself; pure, like the rest of the model.
import { Copy, type Instruction as AstInstruction, Run } from 'dockerfile-ast';
import type { Range } from 'vscode-languageserver-types';

/**
 * One here-document (`<<EOF`, `<<-EOF`, `<<'EOF'`): where its operator, body and terminator are. The body's lines end
 * before the terminator line; with `<<-` the builder strips their leading tabs (and the terminator's).
 */
export interface Heredoc {
  readonly name: string;
  /** `<<-`: leading tabs are stripped from every body line. */
  readonly stripTabs: boolean;
  /** `<<'EOF'` or `<<"EOF"`: the body is taken as written, nothing in it is expanded. */
  readonly quoted: boolean;
  /** The operator with its name, on the instruction's command line. */
  readonly operator: Range;
  /** From the start of the body's first line to the end of its last; null for an empty body. */
  readonly body: Range | null;
  /** The name on the terminator line; null when the text ends before it. */
  readonly terminator: Range | null;
  /**
   * RUN only: the body is shell that the RUN's shell runs — the whole command (`RUN <<EOF`, unless a `#!` line names
   * another interpreter) or the standard input of a POSIX shell (`RUN <<EOF bash`). A body fed to any other command
   * (`RUN python3 <<EOF`, `RUN <<EOF cat > f`) is data, not shell.
   */
  readonly shell: boolean;
}

export interface Offsets {
  offsetAt(line: number, character: number): number;
}

export function lineOffsets(text: string): Offsets {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return {
    offsetAt: (line, character) => {
      const s = starts[Math.min(line, starts.length - 1)]!;
      return Math.min(s + character, text.length);
    },
  };
}

const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC = /<<-?\s*["']?[A-Za-z_][\w-]*/;

/** Whether an instruction's first line opens a here-document (only RUN, COPY and ADD read them). */
export function opensHeredoc(keyword: string, firstLine: string): boolean {
  return HEREDOC_KEYWORDS.has(keyword) && HEREDOC.test(firstLine);
}
/** A POSIX shell reading its script from standard input, with options only (`bash`, `sh -eux`; `-c` would read none). */
const SHELL_STDIN = /^(?:\S*\/)?(sh|bash|ash|dash|zsh|ksh|mksh)(\s+-[abd-zA-Z]+)*$/;
const SHEBANG = /^#!\s*(\S+)(?:\s+(\S+))?/;

/** The heredocs dockerfile-ast finds (it reads them for RUN and COPY), with what the RUN does with each body. */
export function heredocsOf(
  node: AstInstruction,
  keyword: string,
  text: string,
  offsets: Offsets,
  escape: string,
): Heredoc[] {
  const found = node instanceof Run || node instanceof Copy ? node.getHeredocs() : [];
  const at = (p: { line: number; character: number }) => offsets.offsetAt(p.line, p.character);
  const parts = found.map((h) => {
    const op = h.getStartRange();
    const opText = text.slice(at(op.start), at(op.end));
    return { h, op, opText };
  });
  // The command line: from the instruction's arguments to the end of the last operator, operators left out.
  const last = parts.at(-1);
  const lineEnd = last ? text.indexOf('\n', at(last.op.end)) : -1;
  const commandLine = last ? text.slice(at(node.getInstructionRange().end), lineEnd < 0 ? text.length : lineEnd) : '';
  const words = parts
    .reduce((s, p) => s.replace(p.opText, ' '), commandLine)
    .split(new RegExp(`\\s+|${escape === '`' ? '`' : '\\\\'}\\s*$`, 'm'));
  const rest = words.filter((w) => w && !w.startsWith('--')).join(' ');
  return parts.map(({ h, op, opText }) => {
    const body = h.getContentRange();
    const first = body ? text.slice(at(body.start), at({ line: body.start.line + 1, character: 0 })) : '';
    const bang = SHEBANG.exec(first.replace(/^\t+/, ''));
    const interpreter = bang ? (bang[1]!.endsWith('/env') ? (bang[2] ?? '') : bang[1]!) : null;
    const shell =
      keyword === 'RUN' &&
      parts.length === 1 &&
      (rest === '' ? interpreter === null || SHELL_STDIN.test(interpreter) : SHELL_STDIN.test(rest));
    return {
      name: h.getName(),
      stripTabs: opText.startsWith('<<-'),
      quoted: /["']/.test(opText),
      operator: op,
      body,
      terminator: h.getDelimiterRange(),
      shell,
    };
  });
}
