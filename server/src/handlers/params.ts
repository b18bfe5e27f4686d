// The params of every request the server answers, checked before its handler runs: a malformed request is answered
// -32602 (invalid params) with one line naming the field, never -32603 from deep inside a handler.
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Position,
  type Range,
} from 'vscode-languageserver/node';

/** Ends a request the client cancelled while it waited (`$/cancelRequest`), before the work that follows. */
export function stopIfCancelled(token: CancellationToken, method: string): void {
  if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, `${method}: cancelled`);
}

/** Reads one request's params; each getter throws the -32602 answer for a missing or mistyped field. */
export class Params {
  private readonly fields: Record<string, unknown>;

  constructor(
    private readonly method: string,
    params: unknown,
  ) {
    if (typeof params !== 'object' || params === null || Array.isArray(params))
      throw this.invalid('params', 'an object');
    this.fields = params as Record<string, unknown>;
  }

  /** `textDocument.uri` of the text document requests. */
  documentUri(): string {
    const doc = this.fields.textDocument;
    const uri = typeof doc === 'object' && doc !== null ? (doc as { uri?: unknown }).uri : undefined;
    if (typeof uri !== 'string' || !uri) throw this.invalid('textDocument.uri', 'a document URI');
    return uri;
  }

  string(name: string): string {
    const v = this.fields[name];
    if (typeof v !== 'string' || !v) throw this.invalid(name, 'a non-empty string');
    return v;
  }

  /** Absent or null: null. */
  stringOrNull(name: string): string | null {
    return this.fields[name] === null || this.fields[name] === undefined ? null : this.string(name);
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.fields[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw this.invalid(name, 'true or false');
    return v;
  }

  /** One of `choices`. */
  oneOf<T extends string>(name: string, choices: readonly T[]): T {
    const v = this.fields[name];
    if (!choices.includes(v as T)) throw this.invalid(name, `one of ${choices.join(', ')}`);
    return v as T;
  }

  /** An object whose values are all strings (`buildArgs`); {} when absent. */
  stringRecord(name: string): Record<string, string> {
    const v = this.fields[name];
    if (v === undefined) return {};
    if (
      typeof v !== 'object' ||
      v === null ||
      Array.isArray(v) ||
      !Object.values(v).every((x) => typeof x === 'string')
    ) {
      throw this.invalid(name, 'an object of strings');
    }
    return v as Record<string, string>;
  }

  /** The params of an object field, read with the same checks (`options.tag`). */
  nested(name: string): Params {
    this.object(name);
    return new Params(`${this.method}: ${name}`, this.fields[name]);
  }

  /** A whole number ≥ `min`; `fallback` when absent (required when no fallback). */
  count(name: string, min: number, fallback?: number): number {
    const v = this.fields[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw this.invalid(name, `a whole number ≥ ${min}`);
    return v;
  }

  position(name = 'position'): Position {
    return this.positionAt(this.fields[name], name);
  }

  range(name = 'range'): Range {
    const r = this.fields[name];
    if (typeof r !== 'object' || r === null) throw this.invalid(name, '{ start, end }');
    const { start, end } = r as { start?: unknown; end?: unknown };
    return { start: this.positionAt(start, `${name}.start`), end: this.positionAt(end, `${name}.end`) };
  }

  /** An object field, for a handler that reads it further (`context`, `options`). */
  object(name: string): Record<string, unknown> {
    const v = this.fields[name];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.invalid(name, 'an object');
    return v as Record<string, unknown>;
  }

  /** An optional array of strings inside an object field (`context.only`). */
  strings(v: unknown, name: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw this.invalid(name, 'an array of strings');
    return v;
  }

  invalid(name: string, want: string): ResponseError {
    return new ResponseError(ErrorCodes.InvalidParams, `${this.method}: ${name} must be ${want}`);
  }

  private positionAt(p: unknown, name: string): Position {
    const { line, character } = (typeof p === 'object' && p !== null ? p : {}) as {
      line?: unknown;
      character?: unknown;
    };
    const ok = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (!ok(line) || !ok(character)) throw this.invalid(name, '{ line, character } of whole numbers ≥ 0');
    return { line: line as number, character: character as number };
  }
}
