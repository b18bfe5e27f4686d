// Helpers for the size-rule tests: lint a text, apply one finding's fix, check idempotence — all through the same
// pure façade the server and the CLI use.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { applyEdits, computeFindings, fixAll, staticContext, type Finding, type RuleContext } from '../../server/src/core/rules/index';

export type Over = Partial<Omit<RuleContext, 'model'>>;

export function lint(text: string, over: Over = {}): Finding[] {
  return computeFindings(staticContext(parseDockerfile(text), over), { disabled: new Set() });
}

/** `code@line` (1-based) of every finding, in order. */
export function found(text: string, over: Over = {}, code?: string): string[] {
  return lint(text, over).filter((f) => !code || f.code === code).map((f) => `${f.code}@${f.range.start.line + 1}`);
}

export function only(text: string, code: string, over: Over = {}): Finding[] {
  return lint(text, over).filter((f) => f.code === code);
}

/** The text after the fix `which` (default: the preferred one) of the first finding of `code`. */
export function fixWith(text: string, code: string, over: Over = {}, which?: number): string {
  const f = only(text, code, over)[0];
  assert.ok(f, `no ${code} finding in:\n${text}`);
  const fix = which === undefined ? f.fixes.find((x) => x.preferred) : f.fixes[which];
  assert.ok(fix, `${code} offers no ${which === undefined ? 'preferred ' : ''}fix`);
  const out = applyEdits(text, fix.edits);
  assert.ok(out !== null, 'the fix has overlapping edits');
  return out;
}

/** Applying the fix makes the finding go, and a second fix-all changes nothing. */
export function assertIdempotent(text: string, code: string, over: Over = {}): string {
  const once = fixWith(text, code, over);
  const before = only(text, code, over).length;
  assert.equal(only(once, code, over).length, before - 1, `${code} still found after its fix:\n${once}`);
  const all = fixAll(once, (m) => staticContext(m, over), { only: new Set([code]) });
  const again = fixAll(all.text, (m) => staticContext(m, over), { only: new Set([code]) });
  assert.equal(again.text, all.text, 'fix-all twice changes the text again');
  assert.deepEqual(again.applied, []);
  return once;
}

/** Joins lines with \n and a final newline: Dockerfiles in tests read like files. */
export function df(...lines: string[]): string {
  return lines.join('\n') + '\n';
}
