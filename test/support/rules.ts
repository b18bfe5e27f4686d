// Helpers for the size-rule tests: lint a text, apply one finding's fix, check idempotence — all through the same
// pure façade the server and the CLI use.
import { strict as assert } from 'node:assert';
import type { ImageAnalysis, WasteItem } from '../../server/src/core/analysis';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import type { MatchResult } from '../../server/src/core/match';
import {
  applyEdits,
  computeFindings,
  fixAll,
  staticContext,
  type Finding,
  type RuleContext,
} from '../../server/src/core/rules/index';

export type Over = Partial<Omit<RuleContext, 'model'>>;

/** The findings of every rule; a rule that throws fails the test (computeFindings would only report it). */
export function lint(text: string, over: Over = {}, disabled: ReadonlySet<string> = new Set()): Finding[] {
  const run = computeFindings(staticContext(parseDockerfile(text), over), { disabled });
  assert.deepEqual(
    run.failures.map((f) => `${f.code}: ${String(f.error)}`),
    [],
  );
  return run.findings;
}

/** Fix all on a text with a fixed context (static, or `over` for every pass). */
export function fixAllOf(text: string, over: Over = {}, only?: readonly string[]): ReturnType<typeof fixAll> {
  return fixAll(text, (m) => staticContext(m, over), only ? { only: new Set(only) } : {});
}

/** `code@line` (1-based) of every finding, in order. */
export function found(text: string, over: Over = {}, code?: string): string[] {
  return lint(text, over)
    .filter((f) => !code || f.code === code)
    .map((f) => `${f.code}@${f.range.start.line + 1}`);
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

/**
 * An analysed image of a file with `count` instructions where instruction k built layer k (the FROM: the base, layer
 * 0), every line unchanged since: `added[k]` gives the bytes layer k added per path (a file or a directory), `waste`
 * the analysis' attribution (bytes of one layer a later one deleted or overwrote).
 */
export function analysed(
  count: number,
  added: Record<number, Record<string, number>> = {},
  waste: readonly WasteItem[] = [],
): Over {
  const match: MatchResult = {
    builder: 'legacy',
    chain: [0],
    base: null,
    score: 1,
    instructions: Array.from({ length: count }, (_, k) => ({
      status: k === 0 ? 'base' : 'matched',
      layerBytes: 1,
      rebuilds: false,
      row: k,
    })),
  };
  const analysis: ImageAnalysis = {
    version: 1,
    imageId: 'sha256:x',
    removableBytes: waste.reduce((s, w) => s + w.bytes, 0),
    layers: [],
    attribution: [...waste],
    dive: {
      efficiencyScore: 0.5,
      inefficientBytes: 0,
      sizeBytes: 0,
      userSizeBytes: 0,
      userWastedPercent: 0,
      fileReference: [],
    },
  };
  const addedUnder = (layer: number, prefix: string) =>
    Object.entries(added[layer] ?? {})
      .filter(([p]) => prefix === '/' || p === prefix || p.startsWith(`${prefix}/`))
      .reduce((s, [, b]) => s + b, 0);
  return { match, analysis, contents: { addedUnder }, layerOf: (i: number) => (i < count ? i : null) };
}

export const overwritten = (path: string, bytes: number, addedLayer: number, removedLayer: number): WasteItem => ({
  path,
  bytes,
  kind: 'overwritten',
  addedLayer,
  removedLayer,
});
export const deleted = (path: string, bytes: number, addedLayer: number, removedLayer: number): WasteItem => ({
  path,
  bytes,
  kind: 'deleted',
  addedLayer,
  removedLayer,
});

/** Σ of the savings of every finding (what they claim together). */
export function claimed(text: string, over: Over = {}): number {
  return lint(text, over).reduce((s, f) => s + (f.savingsBytes ?? 0), 0);
}
