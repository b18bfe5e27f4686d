// The lexer under core/rules/shell: words (quotes, escapes and expansions read the way POSIX sh reads them) and
// operators, with a word's static value when it has one. It flags what it will not read (heredocs whose body is in the
// text, here-strings, process substitution, unclosed quotes, a final lone escape) instead of guessing.
import type { Word } from './shell';

export type Token =
  | { readonly t: 'word'; readonly word: Word }
  | { readonly t: 'op'; readonly op: string; readonly start: number; readonly end: number }
  | { readonly t: 'redir'; readonly start: number; readonly end: number };

export interface Lexed {
  tokens: Token[];
  ok: boolean;
  commentStart: number;
}

const OPS = ['&&', '||', ';;', '|&', '&>>', '&>', ';', '|', '&', '(', ')', '\n'];
const REDIRS = ['<<<', '<<-', '<<', '<>', '>>', '>|', '>&', '<&', '>', '<'];

/**
 * `heredocs`: the text is a command line whose heredoc bodies lie elsewhere (a Dockerfile's heredoc RUN), so `<<NAME`
 * reads as a redirection from NAME's body; otherwise a heredoc makes the text unread, its body being inside it.
 */
export function lex(text: string, heredocs = false): Lexed {
  const tokens: Token[] = [];
  let ok = true;
  let commentStart = -1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '\n' && /\s/.test(c)) {
      i++;
      continue;
    }
    // An escaped line break is removed before anything is read (a heredoc body's `cmd \` continuation lines).
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      commentStart = i;
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      commentStart = -1;
      i = nl;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op === '&>' || op === '&>>') {
      tokens.push({ t: 'redir', start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    if (op) {
      if ((op === '(' || op === ')') && (text[i - 1] === '<' || text[i - 1] === '>')) ok = false;
      tokens.push({ t: 'op', op: op === '|&' ? '|' : op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    const redir = REDIRS.find((r) => text.startsWith(r, i));
    if (redir) {
      if (redir === '<<<' || (redir.startsWith('<<') && !heredocs) || text[i + redir.length] === '(') ok = false; // here-string, heredoc, <(…)
      tokens.push({ t: 'redir', start: i, end: i + redir.length });
      i += redir.length;
      continue;
    }
    const w = scanWord(text, i);
    // An empty word would not move on: a character the reader does not know how to read.
    if (!w || w.end === i) {
      ok = false;
      break;
    }
    // `2>file`: an fd number glued to a redirection belongs to it.
    if (/^\d+$/.test(w.raw) && (text[w.end] === '>' || text[w.end] === '<')) {
      i = w.end;
      continue;
    }
    tokens.push({ t: 'word', word: w });
    i = w.end;
  }
  return { tokens, ok, commentStart };
}

/** One word from `i`; null when a quote or expansion is not closed. */
function scanWord(text: string, start: number): Word | null {
  let i = start;
  let value = '';
  let dynamic = false;
  while (i < text.length) {
    const c = text[i]!;
    if (/[\s;&|()<>]/.test(c)) break;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return null; // an escape with nothing to escape
      value += text.charAt(i + 1);
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return null;
      value += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      const r = scanDouble(text, i + 1);
      if (!r) return null;
      value += r.value;
      dynamic ||= r.dynamic;
      i = r.end;
    } else if (c === '$' || c === '`') {
      const end = skipExpansion(text, i);
      if (end < 0) return null;
      if (end === i + 1 && c === '$')
        value += '$'; // a lone `$` is literal
      else dynamic = true;
      i = end;
    } else {
      value += c;
      i++;
    }
  }
  return { raw: text.slice(start, i), value: dynamic ? null : value, start, end: i };
}

function scanDouble(text: string, i: number): { value: string; dynamic: boolean; end: number } | null {
  let value = '';
  let dynamic = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return { value, dynamic, end: i + 1 };
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '\\' && i + 1 < text.length) {
      const n = text[i + 1]!;
      value += '"\\$`'.includes(n) ? n : `\\${n}`;
      i += 2;
    } else if (c === '$' || c === '`') {
      const end = skipExpansion(text, i);
      if (end < 0) return null;
      if (end === i + 1 && c === '$') value += '$';
      else dynamic = true;
      i = end;
    } else {
      value += c;
      i++;
    }
  }
  return null;
}

/** End of the expansion starting at `i` (`$X`, `${…}`, `$(…)`, `$((…))`, `` `…` ``); -1 when it is not closed. */
function skipExpansion(text: string, i: number): number {
  if (text[i] === '`') {
    for (let k = i + 1; k < text.length; k++) {
      if (text[k] === '\\') k++;
      else if (text[k] === '`') return k + 1;
    }
    return -1;
  }
  const n = text[i + 1];
  if (n === '(' || n === '{') return skipBalanced(text, i + 1, n, n === '(' ? ')' : '}');
  const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(text.slice(i + 1, i + 64));
  return m ? i + 1 + m[0].length : i + 1;
}

function skipBalanced(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let k = i; k < text.length; k++) {
    const c = text[k]!;
    if (c === '\\') {
      k++;
      continue;
    }
    if (c === "'" && open === '(') {
      const q = text.indexOf("'", k + 1);
      if (q < 0) return -1;
      k = q;
    } else if (c === '"') {
      const r = scanDouble(text, k + 1);
      if (!r) return -1;
      k = r.end - 1;
    } else if (c === '`' || (c === '$' && (text[k + 1] === '(' || text[k + 1] === '{') && k !== i - 1)) {
      const e = skipExpansion(text, k);
      if (e < 0) return -1;
      k = e - 1;
    } else if (c === open) depth++;
    else if (c === close && --depth === 0) return k + 1;
  }
  return -1;
}
