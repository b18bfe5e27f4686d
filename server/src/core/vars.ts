// Build-time variables: the scopes ARG and ENV create, and Dockerfile-style expansion of `$X`, `${X}`,
// `${X:-default}` and `${X:+alt}` (the forms the builders expand in FROM, COPY, ADD, WORKDIR, ENV, LABEL, …).
// Expansion is one pass over the text with an explicit stack for nested words (`${X:-${Y:-z}}`), so its work is
// linear in the text plus what it writes, and what it writes is capped: past the cap the text is "not expanded".

/** The value of a variable declared with a value too long to expand: it reads as unknown, and what uses it is not expanded. */
export const NOT_EXPANDED: unique symbol = Symbol('not expanded');

type Value = string | null | typeof NOT_EXPANDED;

/** An immutable scope: each ARG/ENV makes a child, so every instruction can keep the scope it saw for free. */
export class VarScope {
  private constructor(
    private readonly parent: VarScope | null,
    private readonly vars: ReadonlyMap<string, Value>,
  ) {}

  static readonly empty = new VarScope(null, new Map());

  /** `value` null: declared without a value (`ARG X`), which hides nothing and expands to nothing. */
  with(entries: Iterable<[string, Value]>): VarScope {
    const vars = new Map(entries);
    return vars.size ? new VarScope(this, vars) : this;
  }

  /** undefined: not declared, or declared with a value too long to expand. */
  get(name: string): string | null | undefined {
    const v = this.lookup(name);
    return v === NOT_EXPANDED ? undefined : v;
  }

  lookup(name: string): Value | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walks up the scope chain from this one
    for (let s: VarScope | null = this; s; s = s.parent) {
      if (s.vars.has(name)) return s.vars.get(name);
    }
    return undefined;
  }
}

/** How much longer than its text an expansion may get before it is given up as not expanded. */
export const MAX_EXPANSION_GROWTH = 64 * 1024;

export interface ExpandOptions {
  /** The Dockerfile's escape character: it protects the character after it (`\$X` stays as written). */
  readonly escape?: string;
  /** Unknown variables stay as written instead of expanding to '' (so a caller can tell a value was not known). */
  readonly keepUnknown?: boolean;
  /** The most characters the result may have; default the text's length plus MAX_EXPANSION_GROWTH. */
  readonly maxChars?: number;
}

type Reference =
  | { readonly kind: 'value'; readonly name: string; readonly end: number }
  | { readonly kind: 'word'; readonly name: string; readonly op: '-' | '+'; readonly end: number };

/** An open `${NAME:-` or `${NAME:+` whose word is being expanded. */
interface Frame {
  readonly written: string;
  readonly op: '-' | '+';
  readonly value: string | null | undefined;
  out: string;
}

const isNameChar = (c: number, first: boolean) =>
  c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (!first && c >= 48 && c <= 57);

function nameEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && isNameChar(text.charCodeAt(j), j === i)) j++;
  return j;
}

/** The reference starting at the `$` at `i`, or null when what follows is not one (it then stays as written). */
function referenceAt(text: string, i: number): Reference | null {
  if (text[i + 1] !== '{') {
    const end = nameEnd(text, i + 1);
    return end > i + 1 ? { kind: 'value', name: text.slice(i + 1, end), end } : null;
  }
  const end = nameEnd(text, i + 2);
  if (end === i + 2) return null;
  const name = text.slice(i + 2, end);
  const colon = text[end] === ':' ? 1 : 0;
  const op = text[end + colon];
  if (!colon && op === '}') return { kind: 'value', name, end: end + 1 };
  return op === '-' || op === '+' ? { kind: 'word', name, op, end: end + colon + 1 } : null;
}

/**
 * Expands variables in `text` from `scope`; unknown variables expand to '' like Docker does, unless `keepUnknown`.
 * Null when the result would be longer than `maxChars`, or uses a variable whose value was not expanded: the text is
 * then not expanded.
 */
export function tryExpandVars(text: string, scope: VarScope, opts: ExpandOptions = {}): string | null {
  if (!text.includes('$')) return text;
  const { escape = '\\', keepUnknown = false, maxChars = text.length + MAX_EXPANSION_GROWTH } = opts;
  const root: { out: string } = { out: '' };
  const stack: Frame[] = [];
  let written = 0;
  // Every character of the result is written once, by `put`; closing a word only moves what its frame holds.
  const put = (s: string): boolean => {
    written += s.length;
    (stack.at(-1) ?? root).out += s;
    return written <= maxChars;
  };
  let lit = 0;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === escape) {
      i += 2;
      continue;
    }
    if (c === '}' && stack.length) {
      if (!put(text.slice(lit, i))) return null;
      const f = stack.pop()!;
      (stack.at(-1) ?? root).out += f.op === '-' ? (f.value ? f.value : f.out) : f.value ? f.out : '';
      lit = ++i;
      continue;
    }
    const ref = c === '$' ? referenceAt(text, i) : null;
    if (!ref) {
      i++;
      continue;
    }
    if (!put(text.slice(lit, i))) return null;
    const value = scope.lookup(ref.name);
    if (value === NOT_EXPANDED) return null;
    if (ref.kind === 'word') stack.push({ written: text.slice(i, ref.end), op: ref.op, value, out: '' });
    else if (!put(value ?? (keepUnknown && value === undefined ? text.slice(i, ref.end) : ''))) return null;
    lit = i = ref.end;
  }
  if (!put(text.slice(lit))) return null;
  // A word never closed (`${X:-abc`) is no expansion: its opening stays as written, what followed it expanded.
  for (let f = stack.pop(); f; f = stack.pop()) (stack.at(-1) ?? root).out += f.written + f.out;
  return root.out;
}

/** `tryExpandVars`, or the text as written when its expansion would be too long. `escape` protects a `$`. */
export function expandVars(text: string, scope: VarScope, escape = '\\', keepUnknown = false): string {
  return tryExpandVars(text, scope, { escape, keepUnknown }) ?? text;
}
