// Just enough of the POSIX shell grammar for size rules: the simple commands of a RUN with their words, the
// separators between them, and whether they run at the top level or inside a compound command (if/for/while/case,
// braces, subshells, function bodies). ./shellLex reads the tokens (a heredoc's body in the text is skipped as the
// command's input), ./shellParser the grammar. Anything they do not model — here-strings, process substitution,
// unbalanced quotes, `function f {` — makes the script "not understood", and rules then say nothing rather than
// guess. A Dockerfile heredoc is read by the caller: the body the shell runs is parsed as a script of its own.
import { lex } from './shellLex';
import { parseTokens } from './shellParser';

export type Separator = '&&' | '||' | ';' | '|' | '&' | '\n';

export interface Word {
  /** As written, quotes kept. */
  readonly raw: string;
  /** Quotes and escapes removed; null when the word holds an expansion ($X, $(…), `…`) the shell fills in. */
  readonly value: string | null;
  readonly start: number;
  readonly end: number;
}

export interface Command {
  /** Leading NAME=value words. */
  readonly assignments: readonly Word[];
  /** Basename of the command word when it is static (`/opt/venv/bin/pip` → `pip`); null otherwise. */
  readonly name: string | null;
  /** The command word itself, when there is one. */
  readonly nameWord: Word | null;
  /** Words after the command word (redirections and their targets left out). */
  readonly args: readonly Word[];
  readonly start: number;
  readonly end: number;
  /** 0 at the top level; more inside compound commands. */
  readonly depth: number;
  /** The separator before it; null at the start of the script or right after a reserved word (`then`, `do`, `{`). */
  readonly before: Separator | null;
  readonly after: Separator | null;
  /** Preceded by `!`. */
  readonly negated: boolean;
}

/** A top-level element of the script's list: a simple command, or a whole compound command. */
export interface Item {
  readonly kind: 'command' | 'compound';
  readonly start: number;
  readonly end: number;
  readonly before: Separator | null;
  readonly after: Separator | null;
  readonly command: Command | null;
}

export interface Script {
  readonly text: string;
  /** Every simple command, in order, nested ones included (see depth). */
  readonly commands: readonly Command[];
  readonly items: readonly Item[];
  readonly understood: boolean;
  /** `set -e` (or -o errexit) is in effect at the end of the script's top level. */
  readonly errexit: boolean;
  /** End of the last token that is not a comment: where an appended command goes. */
  readonly contentEnd: number;
  /** The script ends with a separator (`apt-get clean;`). */
  readonly trailing: Separator | null;
  /** A comment runs from here to the end (`cmd # note`), or -1. */
  readonly commentStart: number;
}

/** `opts.heredocs`: the text is a heredoc RUN's command line, its bodies elsewhere (see lex). */
export function parseShell(text: string, opts: { heredocs?: boolean } = {}): Script {
  const { tokens, ok, commentStart } = lex(text, opts.heredocs ?? false);
  const { commands, items, unread } = ok ? parseTokens(tokens) : { commands: [], items: [], unread: 'unlexed' };
  const lastTok = tokens.at(-1);
  const trailing = lastTok?.t === 'op' && lastTok.op !== ')' ? (lastTok.op as Separator) : null;
  // `a &&` at the end is a syntax error: nothing can be appended to it safely.
  const dangling = trailing === '&&' || trailing === '||' || trailing === '|';
  const understood = unread === null && !dangling;
  const contentEnd = lastTok?.end ?? 0;
  return { text, commands, items, understood, errexit: errexitAtEnd(commands), contentEnd, trailing, commentStart };
}

function errexitAtEnd(commands: readonly Command[]): boolean {
  let on = false;
  for (const c of commands) {
    if (c.depth !== 0 || c.name !== 'set') continue;
    for (const [i, arg] of c.args.entries()) {
      const a = arg.value ?? '';
      if (/^-[a-zA-Z]*e/.test(a) || (a === '-o' && c.args[i + 1]?.value === 'errexit')) on = true;
      else if (/^\+[a-zA-Z]*e/.test(a) || (a === '+o' && c.args[i + 1]?.value === 'errexit')) on = false;
    }
  }
  return on;
}

/** Top-level simple commands only: the ones whose effect rules can be sure of. */
export function topLevel(script: Script): Command[] {
  return script.commands.filter((c) => c.depth === 0);
}
