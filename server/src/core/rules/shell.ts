// Just enough of the POSIX shell grammar for size rules: the simple commands of a RUN with their words, the
// separators between them, and whether they run at the top level or inside a compound command (if/for/while/case,
// braces, subshells, function bodies). Anything it does not model — heredocs inside the text, here-strings, process
// substitution, unbalanced quotes — makes the script "not understood", and rules then say nothing rather than guess.
// A Dockerfile heredoc is read by the caller: the body the shell runs is parsed as a script of its own.
import { lex, type Token } from './shellLex';

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

const OPENERS: Record<string, string> = {
  if: 'fi',
  while: 'done',
  until: 'done',
  for: 'done',
  select: 'done',
  '{': '}',
};
const CLOSERS = new Set(['fi', 'done', '}']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

/** `opts.heredocs`: the text is a heredoc RUN's command line, its bodies elsewhere (see lex). */
export function parseShell(text: string, opts: { heredocs?: boolean } = {}): Script {
  const { tokens, ok, commentStart } = lex(text, opts.heredocs ?? false);
  let understood = ok;
  const commands: Command[] = [];
  const items: Item[] = [];
  const stack: string[] = []; // the closer each open compound waits for
  let words: Word[] = [];
  let cmdStart = -1;
  let cmdEnd = -1;
  let before: Separator | null = null;
  let negated = false;
  let compoundStart = -1; // start of the top-level compound being read
  let compoundBefore: Separator | null = null;
  let lastCompound: { start: number; end: number; before: Separator | null } | null = null;

  const flush = (after: Separator | null) => {
    if (words.length || cmdStart >= 0) {
      const assignments: Word[] = [];
      let k = 0;
      while (k < words.length && ASSIGNMENT.test(words[k]!.raw)) assignments.push(words[k++]!);
      const nameWord = words[k] ?? null;
      const name = nameWord?.value ? nameWord.value.slice(nameWord.value.lastIndexOf('/') + 1) || null : null;
      const cmd: Command = {
        assignments,
        name,
        nameWord,
        args: words.slice(k + 1),
        start: cmdStart,
        end: cmdEnd,
        depth: stack.length,
        before,
        after,
        negated,
      };
      commands.push(cmd);
      if (stack.length === 0 && compoundStart < 0)
        items.push({ kind: 'command', start: cmdStart, end: cmdEnd, before, after, command: cmd });
    } else if (lastCompound) {
      items.push({ kind: 'compound', ...lastCompound, after, command: null });
    }
    lastCompound = null;
    words = [];
    cmdStart = -1;
    negated = false;
    before = after;
  };
  const open = (closer: string, start: number) => {
    if (stack.length === 0) {
      compoundStart = start;
      compoundBefore = before;
    }
    stack.push(closer);
    before = null;
  };
  const close = (closer: string, end: number) => {
    if (stack.pop() !== closer) understood = false;
    before = null;
    if (stack.length === 0 && compoundStart >= 0) {
      lastCompound = { start: compoundStart, end, before: compoundBefore };
      compoundStart = -1;
    }
  };

  for (let k = 0; k < tokens.length && understood; k++) {
    const tok = tokens[k]!;
    if (tok.t === 'redir') {
      const target = tokens[k + 1];
      if (target?.t !== 'word') {
        understood = false;
        break;
      }
      if (cmdStart < 0 && !lastCompound) cmdStart = tok.start;
      if (cmdStart >= 0) cmdEnd = target.word.end;
      k++;
      continue;
    }
    if (tok.t === 'op') {
      const op = tok.op;
      if (op === '(') {
        if (words.length === 1 && tokens[k + 1]?.t === 'op' && (tokens[k + 1] as { op: string }).op === ')') {
          // `name() { …; }`: a function definition; its body is the compound that follows.
          if (stack.length === 0) {
            compoundStart = words[0]!.start;
            compoundBefore = before;
          }
          words = [];
          cmdStart = -1;
          k++;
          continue;
        }
        if (words.length || cmdStart >= 0) {
          understood = false;
          break;
        }
        open(')', tok.start);
      } else if (op === ')') {
        if (stack.at(-1) !== ')') {
          understood = false;
          break;
        }
        flushIfAny();
        close(')', tok.end);
      } else if (op === ';;') {
        understood = false;
      } else {
        flush(op as Separator);
      }
      continue;
    }
    const w = tok.word;
    const atStart = words.length === 0 && cmdStart < 0;
    if (atStart && w.value !== null && !lastCompound) {
      const v = w.value;
      if (v === '!') {
        negated = true;
        continue;
      }
      if (v in OPENERS && w.raw === v) {
        open(OPENERS[v]!, w.start);
        if (v === 'for' || v === 'select') k = skipForHeader(tokens, k);
        continue;
      }
      if (CLOSERS.has(v) && w.raw === v) {
        close(v, w.end);
        continue;
      }
      if ((v === 'then' || v === 'do' || v === 'else' || v === 'elif') && w.raw === v) {
        if (!stack.length) {
          understood = false;
          break;
        }
        before = null;
        continue;
      }
      if (v === 'case' && w.raw === v) {
        const end = skipCase(tokens, k);
        if (end < 0) {
          understood = false;
          break;
        }
        const closeTok = tokens[end] as { word: Word };
        if (stack.length === 0) lastCompound = { start: w.start, end: closeTok.word.end, before };
        k = end;
        continue;
      }
      if (v === 'function' && w.raw === v) {
        understood = false;
        break;
      }
    }
    if (lastCompound) {
      understood = false;
      break;
    } // words right after `fi`/`done`/`}`
    if (cmdStart < 0) cmdStart = w.start;
    cmdEnd = w.end;
    words.push(w);
  }
  if (understood) flush(null);
  if (stack.length) understood = false;

  function flushIfAny(): void {
    if (words.length || cmdStart >= 0) flush(null);
  }

  const lastTok = tokens.at(-1);
  const trailing = lastTok?.t === 'op' && lastTok.op !== ')' ? (lastTok.op as Separator) : null;
  // `a &&` at the end is a syntax error: nothing can be appended to it safely.
  if (trailing === '&&' || trailing === '||' || trailing === '|') understood = false;
  const contentEnd = lastTok ? (lastTok.t === 'word' ? lastTok.word.end : lastTok.end) : 0;
  return { text, commands, items, understood, errexit: errexitAtEnd(commands), contentEnd, trailing, commentStart };
}

/** Index of the `do` that ends a `for NAME in …;` header (the loop's body follows it). */
function skipForHeader(tokens: Token[], k: number): number {
  for (let j = k + 1; j < tokens.length; j++) {
    const t = tokens[j]!;
    const prev = tokens[j - 1]!;
    if (t.t === 'word' && t.word.raw === 'do' && (prev.t === 'op' || j === k + 2)) return j;
  }
  return tokens.length;
}

/** Index of the `esac` closing the `case` at k (nested ones counted); -1 if there is none. */
function skipCase(tokens: Token[], k: number): number {
  let depth = 0;
  for (let j = k; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.t !== 'word') continue;
    if (t.word.raw === 'case') depth++;
    else if (t.word.raw === 'esac' && --depth === 0) return j;
  }
  return -1;
}

function errexitAtEnd(commands: readonly Command[]): boolean {
  let on = false;
  for (const c of commands) {
    if (c.depth !== 0 || c.name !== 'set') continue;
    for (let i = 0; i < c.args.length; i++) {
      const a = c.args[i]!.value ?? '';
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
