// Fix all: the preferred fixes of one rule at a time, re-parsing and re-evaluating between passes (a fix moves lines
// and changes what the other rules see), until no fix applies: one run reaches the fixed point. A pass applies every
// fix of its rule whose instructions no other fix of the batch touches, so the number of passes follows the number
// of rules and of fixes that depend on each other, not the number of findings (the cost stays linear in the file). Structural fixes go first (moving
// an update, joining RUNs, reordering COPYs), so that the fixes that append to a RUN append to the final RUN.
//
// Fix-all spends edits only where they shrink the image: findings in stages that do not reach it are left alone
// unless --only names their code. And it decides from what was measured: a line it edited itself is still the line
// the image's layer was built from (only its text moved on), so that layer's measurements keep guiding the fixes
// that follow (a cleanup appended to the RUN an update was just moved into still knows what that RUN leaves).
import { instructionAtLine, parseDockerfile, type DockerfileModel } from '../dockerfile';
import { imageStages } from './context';
import { computeFindings, RULE_CODES, type RuleFailure } from './registry';
import { LineIndex } from './text';
import type { FileChange, Finding, Fix, RuleContext } from './types';
import type { TextEdit } from 'vscode-languageserver-types';

/** The order fix-all applies rules in; within a rule, file order. */
export const FIX_ORDER: readonly string[] = [
  'apt-update-alone',
  'consecutive-run',
  'cleanup-in-later-layer',
  'copy-all-before-deps',
  'compiled-no-multistage',
  'add-remote-url',
  'large-base-image',
  'recursive-chown-after-copy',
  'apt-install-recommends',
  'apt-lists-not-removed',
  'apk-cache',
  'yum-dnf-cache',
  'pip-cache',
  'npm-cache',
  'cache-in-layer',
  'missing-dockerignore',
];

/** Passes are per rule and chain of dependent fixes, not per finding: a bound that only a cycle reaches. */
const MAX_PASSES = 200;

export interface FixAllResult {
  readonly text: string;
  /** The findings fixed, in order; `line` is 1-based, in the text as it was when that fix was applied. */
  readonly applied: ReadonlyArray<{ readonly code: string; readonly line: number }>;
  /** Other files of the build context the fixes changed (`.dockerignore`), with their new content. */
  readonly files: ReadonlyArray<{
    readonly path: string;
    readonly content: string;
    readonly omitted?: readonly string[];
  }>;
  /** Rules that threw in some pass (the first failure of each): their fixes are missing, no other rule's are. */
  readonly failures: readonly RuleFailure[];
}

/** Applies non-overlapping edits; null when two of them overlap (the fix is then not applied). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string | null {
  const lines = new LineIndex(text);
  const spans = edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  for (let k = 1; k < spans.length; k++) if (spans[k]!.start < spans[k - 1]!.end) return null;
  let out = text;
  for (let k = spans.length - 1; k >= 0; k--) {
    const s = spans[k]!;
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
  }
  return out;
}

/** The history rows whose line was unchanged since the build when fix-all started. */
function measuredRows(ctx: RuleContext): ReadonlySet<number> {
  return new Set(
    (ctx.match?.instructions ?? []).filter((m) => m.status === 'matched' && m.row !== null).map((m) => m.row!),
  );
}

/** The context of a later pass: lines stale only through fix-all's own edits keep their measured layer. */
function keepMeasured(ctx: RuleContext, rows: ReadonlySet<number>): RuleContext {
  const match = ctx.match;
  if (!match || !rows.size) return ctx;
  const instructions = match.instructions.map((m) =>
    m.status === 'stale' && m.row !== null && rows.has(m.row) ? { ...m, status: 'matched' as const } : m,
  );
  return { ...ctx, match: { ...match, instructions } };
}

/** Whether the finding's instruction is in a stage whose layers reach the image. */
function reachesImage(ctx: RuleContext, f: Finding, stages: ReadonlySet<number>): boolean {
  const inst = instructionAtLine(ctx.model, f.range.start.line);
  return !inst || inst.stage < 0 || stages.has(inst.stage);
}

function applyFileChange(current: string, change: FileChange): string | null {
  return applyEdits(change.create ? '' : current, change.edits);
}

/** The lines a fix touches: its finding's instruction and every instruction its edits reach, whole. */
function footprint(model: DockerfileModel, f: Finding, fix: Fix): Array<[number, number]> {
  const lines = [
    f.range.start.line,
    f.range.end.line,
    ...fix.edits.flatMap((e) => [e.range.start.line, e.range.end.line]),
  ];
  return lines.map((l) => {
    const inst = instructionAtLine(model, l);
    return inst ? [inst.range.start.line, inst.range.end.line] : [l, l];
  });
}

const overlaps = (a: ReadonlyArray<[number, number]>, b: ReadonlyArray<[number, number]>) =>
  a.some(([s, e]) => b.some(([s2, e2]) => s <= e2 && s2 <= e));

/**
 * The fixes one pass applies: the first applicable one, then every other fix of the same rule whose instructions it
 * does not touch (they were computed on the same text and cannot change each other's lines). A batch the whole of
 * which overlaps or repeats a text already seen falls back to the first fix alone.
 */
function batch(
  cur: string,
  model: DockerfileModel,
  findings: readonly Finding[],
  seen: ReadonlySet<string>,
  filesDone: ReadonlySet<string>,
): { text: string; picked: Array<{ finding: Finding; fix: Fix }> } | null {
  let first: { finding: Finding; fix: Fix; text: string } | null = null;
  for (const f of findings) {
    const fix = f.fixes.find((x) => x.preferred);
    if (!fix) continue;
    if (fix.files?.length && !fix.edits.length) {
      if (filesDone.has(f.code)) continue;
      return { text: cur, picked: [{ finding: f, fix }] };
    }
    const t = applyEdits(cur, fix.edits);
    if (t === null || seen.has(t)) continue;
    first = { finding: f, fix, text: t };
    break;
  }
  if (!first) return null;
  if (first.fix.files?.length) return { text: first.text, picked: [first] };
  const picked: Array<{ finding: Finding; fix: Fix }> = [first];
  const taken = footprint(model, first.finding, first.fix);
  for (const f of findings) {
    const fix = f.fixes.find((x) => x.preferred);
    if (f === first.finding || f.code !== first.finding.code || !fix || fix.files?.length) continue;
    const mine = footprint(model, f, fix);
    if (overlaps(mine, taken)) continue;
    picked.push({ finding: f, fix });
    taken.push(...mine);
  }
  const text =
    picked.length > 1
      ? applyEdits(
          cur,
          picked.flatMap((p) => p.fix.edits),
        )
      : first.text;
  return text === null || seen.has(text) ? { text: first.text, picked: [first] } : { text, picked };
}

export function fixAll(
  text: string,
  makeContext: (model: DockerfileModel) => RuleContext,
  opts: { only?: ReadonlySet<string>; disabled?: ReadonlySet<string> } = {},
): FixAllResult {
  // With --only, the other rules do not run at all: no rule counts on a fix (a join, a move) that will not be made.
  const disabled = new Set([
    ...(opts.disabled ?? []),
    ...(opts.only ? RULE_CODES.filter((c) => !opts.only!.has(c)) : []),
  ]);
  const rank = (code: string) =>
    FIX_ORDER.includes(code) ? FIX_ORDER.indexOf(code) : FIX_ORDER.length + RULE_CODES.indexOf(code);
  const applied: Array<{ code: string; line: number }> = [];
  const files = new Map<string, string>();
  const filesDone = new Set<string>();
  const omitted = new Map<string, readonly string[]>();
  const failures = new Map<string, RuleFailure>();
  const seen = new Set<string>([text]);
  let cur = text;
  let rows: ReadonlySet<number> = new Set();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const made = makeContext(parseDockerfile(cur));
    if (pass === 0) rows = measuredRows(made);
    const ctx = pass === 0 ? made : keepMeasured(made, rows);
    const stages = imageStages(ctx);
    const run = computeFindings(ctx, { disabled });
    for (const f of run.failures) if (!failures.has(f.code)) failures.set(f.code, f);
    const findings = run.findings
      .filter((f) => (opts.only ? opts.only.has(f.code) : reachesImage(ctx, f, stages)))
      .sort((a, b) => rank(a.code) - rank(b.code) || a.range.start.line - b.range.start.line);
    const next = batch(cur, ctx.model, findings, seen, filesDone);
    if (!next) break;
    for (const { finding, fix } of next.picked) {
      for (const change of fix.files ?? []) {
        const before = files.get(change.path) ?? ctx.buildContext?.dockerignore ?? '';
        const after = applyFileChange(before, change);
        if (after !== null) files.set(change.path, after);
        if (after !== null && change.omitted) omitted.set(change.path, change.omitted);
      }
      if (fix.files?.length) filesDone.add(finding.code);
      applied.push({ code: finding.code, line: finding.range.start.line + 1 });
    }
    seen.add(next.text);
    cur = next.text;
  }
  const fileResults = [...files].map(([path, content]) => ({
    path,
    content,
    ...(omitted.has(path) ? { omitted: omitted.get(path)! } : {}),
  }));
  return { text: cur, applied, files: fileResults, failures: [...failures.values()] };
}
