// The text of one instruction as Docker reads it: continuation lines joined, the JSON (exec) form, `KEY=value`
// pairs, shell-like words with their quotes, WORKDIR paths; and the instruction keywords Docker knows. Pure.

/** Every instruction keyword the builders accept. */
export const INSTRUCTION_KEYWORDS: ReadonlySet<string> = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** Joins continuation lines as Docker's parser does (see `Instruction.args`). */
export function joinContinuations(raw: string, escape: string): string {
  const lines = raw.split(/\r\n|\n|\r/);
  const cont = new RegExp(`${escape === '`' ? '`' : '\\\\'}[ \\t]*$`);
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i > 0) {
      const t = line.trimStart();
      if (t.startsWith('#') || t === '') continue;
    }
    const m = cont.exec(line);
    if (!m) return (out + line).trim();
    out += line.slice(0, m.index);
  }
  return out.trim();
}

/** The strings of a JSON array of strings, or null (Docker then treats the text as shell form). */
export function parseJsonArray(text: string): string[] | null {
  const t = text.trim();
  if (!t.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null;
  } catch {
    // Not JSON: the shell form, as Docker reads it.
    return null;
  }
}

/** `A=1 B="two words"` (and the legacy `ENV A value` form) → pairs with quotes removed. */
export function keyValues(args: string, legacySpaceForm: boolean): Array<[string, string | null]> {
  const words = splitWords(args);
  if (legacySpaceForm && words.length >= 1 && !words[0]!.includes('=')) {
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(args);
    return m ? [[m[1]!, unquote(m[2]!.trim())]] : [[words[0]!, '']];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, null] : [w.slice(0, eq), unquote(w.slice(eq + 1))];
  });
}

/** Splits on blanks outside quotes, keeping quotes (so `k="a b"` stays one word). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text.charAt(++i);
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (/\s/.test(c)) {
      if (cur) words.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) words.push(cur);
  return words;
}

/** Removes the quotes of a Dockerfile value: `"a b"` → `a b`, `'x'` → `x`, `a\ b` → `a b`. */
export function unquote(value: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < value.length) out += value.charAt(++i);
      else out += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < value.length) out += value.charAt(++i);
    else out += c;
  }
  return out;
}

/** Longer paths than this fail in the build (Linux's PATH_MAX): WORKDIR keeps the one before. */
const MAX_PATH = 4096;

export function resolveWorkdir(current: string, next: string): string {
  if (!next || next.length > MAX_PATH) return current;
  const joined = next.startsWith('/') || /^[A-Za-z]:[\\/]/.test(next) ? next : `${current.replace(/\/+$/, '')}/${next}`;
  if (joined.length > MAX_PATH) return current;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return /^[A-Za-z]:/.test(joined) ? joined : `/${parts.join('/')}`;
}
