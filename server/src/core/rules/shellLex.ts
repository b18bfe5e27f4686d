// The lexer under core/rules/shell: words (quotes, escapes and expansions read the way POSIX sh reads them) and
// operators, with a word's static value when it has one. A heredoc in the text has its body skipped (the lines after
// the operator's line, up to its delimiter): it is input to a command, not commands. It flags what it will not read
// (a heredoc never closed or with an expanded delimiter, here-strings, process substitution, unclosed quotes, a final
// lone escape) instead of guessing.
import type { Word } from './shell';

export type Token =
  | { readonly t: 'word'; readonly word: Word; readonly start: number; readonly end: number }
  | { readonly t: 'op'; readonly op: string; readonly start: number; readonly end: number }
  | { readonly t: 'redir'; readonly op: string; readonly start: number; readonly end: number };

export interface Lexed {
  tokens: Token[];
  ok: boolean;
  commentStart: number;
}

const OPS = ['&&', '||', ';;', '|&', '&>>', '&>', ';', '|', '&', '(', ')', '\n'];
const REDIRS = ['<<<', '<<-', '<<', '<>', '>>', '>|', '>&', '<&', '>', '<'];

/** A heredoc whose operator was read: its body starts on the line after the operator's. */
interface OpenHeredoc {
  readonly delimiter: string;
  readonly stripTabs: boolean;
}

/**
 * `heredocs`: the text is a command line whose heredoc bodies lie elsewhere (a Dockerfile's heredoc RUN), so `<<NAME`
 * reads as a redirection from NAME's body; otherwise a heredoc's body is in the text, after the operator's line.
 */
export function lex(text: string, heredocs = false): Lexed {
  const tokens: Token[] = [];
  const open: OpenHeredoc[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    // Blanks; an escaped line break is removed before anything is read (`cmd \` continuation lines).
    if ((c !== '\n' && /\s/.test(c)) || (c === '\\' && text[i + 1] === '\n')) {
      i += c === '\\' ? 2 : 1;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return { tokens, ok: open.length === 0, commentStart: i };
      i = nl;
      continue;
    }
    const tok = operatorAt(text, i) ?? wordAt(text, i);
    if (!tok || !readable(text, tok)) return { tokens, ok: false, commentStart: -1 };
    i = tok.end;
    // `2>file`: an fd number glued to a redirection belongs to it.
    if (tok.t === 'word' && /^\d+$/.test(tok.word.raw) && (text[i] === '>' || text[i] === '<')) continue;
    const prev = tokens.at(-1);
    if (!heredocs && tok.t === 'word' && prev?.t === 'redir' && prev.op.startsWith('<<')) {
      if (tok.word.value === null) return { tokens, ok: false, commentStart: -1 };
      open.push({ delimiter: tok.word.value, stripTabs: prev.op === '<<-' });
    }
    tokens.push(tok);
    if (tok.t === 'op' && tok.op === '\n' && open.length) {
      i = skipBodies(text, i, open.splice(0));
      if (i < 0) return { tokens, ok: false, commentStart: -1 };
    }
  }
  return { tokens, ok: open.length === 0, commentStart: -1 };
}

/** The operator or redirection at `i`, or null. */
function operatorAt(text: string, i: number): Token | null {
  const op = OPS.find((o) => text.startsWith(o, i));
  if (op === '&>' || op === '&>>') return { t: 'redir', op, start: i, end: i + op.length };
  if (op) return { t: 'op', op: op === '|&' ? '|' : op, start: i, end: i + op.length };
  const redir = REDIRS.find((r) => text.startsWith(r, i));
  return redir ? { t: 'redir', op: redir, start: i, end: i + redir.length } : null;
}

function wordAt(text: string, i: number): Token | null {
  const word = scanWord(text, i);
  // An empty word would not move on: a character the reader does not know how to read.
  return word && word.end > i ? { t: 'word', word, start: word.start, end: word.end } : null;
}

/** False for what the reader will not read: a here-string, process substitution (`<(…)`, `>(…)`). */
function readable(text: string, tok: Token): boolean {
  const after = (c: string) => text[tok.start - 1] === c;
  if (tok.t === 'op') return !((tok.op === '(' || tok.op === ')') && (after('<') || after('>')));
  return tok.t !== 'redir' || (tok.op !== '<<<' && text[tok.end] !== '(');
}

/**
 * Skips the bodies of `open`, one after the other, from the line starting at `from`; where the last delimiter line
 * ends (its line break or the end of the text), or -1 when a body is not closed.
 */
function skipBodies(text: string, from: number, open: readonly OpenHeredoc[]): number {
  let lineStart = from;
  let end = -1;
  for (const heredoc of open) {
    for (end = -1; end < 0;) {
      if (lineStart > text.length) return -1;
      const nl = text.indexOf('\n', lineStart);
      const lineEnd = nl < 0 ? text.length : nl;
      const line = text.slice(lineStart, lineEnd);
      lineStart = lineEnd + 1;
      if ((heredoc.stripTabs ? line.replace(/^\t+/, '') : line) === heredoc.delimiter) end = lineEnd;
    }
  }
  return end;
}

/** One word from `i`; null when a quote or expansion is not closed. */
function scanWord(text: string, start: number): Word | null {
  let i = start;
  let value = '';
  let dynamic = false;
  while (i < text.length) {
    const c = text.charAt(i);
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
    const c = text.charAt(i);
    if (c === '"') return { value, dynamic, end: i + 1 };
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '\\' && i + 1 < text.length) {
      const n = text.charAt(i + 1);
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
    const c = text.charAt(k);
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
