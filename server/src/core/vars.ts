// Build-time variables: the scopes ARG and ENV create, and Dockerfile-style expansion of `$X`, `${X}`,
// `${X:-default}` and `${X:+alt}` (the forms the builders expand in FROM, COPY, ADD, WORKDIR, ENV, LABEL, …).

/** An immutable scope: each ARG/ENV makes a child, so every instruction can keep the scope it saw for free. */
export class VarScope {
  private constructor(private readonly parent: VarScope | null, private readonly vars: ReadonlyMap<string, string | null>) {}

  static readonly empty = new VarScope(null, new Map());

  /** `value` null: declared without a value (`ARG X`), which hides nothing and expands to nothing. */
  with(entries: Iterable<[string, string | null]>): VarScope {
    const vars = new Map(entries);
    return vars.size ? new VarScope(this, vars) : this;
  }

  get(name: string): string | null | undefined {
    for (let s: VarScope | null = this; s; s = s.parent) {
      if (s.vars.has(name)) return s.vars.get(name);
    }
    return undefined;
  }
}

const VAR = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])((?:[^}\\]|\\.)*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Expands variables in `text` from `scope`. Unknown variables expand to '' like Docker does, unless `keepUnknown`
 * (then they stay as written, so a caller can tell that a value was not known). `escape` protects a `$`.
 */
export function expandVars(text: string, scope: VarScope, escape = '\\', keepUnknown = false): string {
  if (!text.includes('$')) return text;
  let out = '';
  let last = 0;
  VAR.lastIndex = 0;
  for (let m = VAR.exec(text); m; m = VAR.exec(text)) {
    if (m.index > 0 && text[m.index - 1] === escape) continue;
    const name = (m[1] ?? m[4])!;
    const value = scope.get(name);
    let rep: string;
    if (m[2] === '-') rep = value ? value : expandVars(m[3] ?? '', scope, escape, keepUnknown);
    else if (m[2] === '+') rep = value ? expandVars(m[3] ?? '', scope, escape, keepUnknown) : '';
    else rep = value ?? (keepUnknown && value === undefined ? m[0] : '');
    out += text.slice(last, m.index) + rep;
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}
