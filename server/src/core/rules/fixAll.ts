// Fix all: the preferred fix of one finding at a time, re-parsing and re-evaluating between fixes (a fix moves
// lines and changes what the other rules see), in a bounded number of passes. Structural fixes go first (moving
// an update, joining RUNs, reordering COPYs), so that the fixes that append to a RUN append to the final RUN.
import { parseDockerfile, type DockerfileModel } from '../dockerfile';
import { computeFindings, RULE_CODES } from './registry';
import { LineIndex } from './text';
import type { FileChange, Finding, Fix, RuleContext } from './types';
import type { TextEdit } from 'vscode-languageserver-types';

/** The order fix-all applies rules in; within a rule, file order. */
export const FIX_ORDER: readonly string[] = [
  'apt-update-alone', 'consecutive-run', 'cleanup-in-later-layer', 'copy-all-before-deps', 'compiled-no-multistage',
  'add-remote-url', 'large-base-image', 'recursive-chown-after-copy', 'apt-install-recommends', 'apt-lists-not-removed',
  'apk-cache', 'yum-dnf-cache', 'pip-cache', 'npm-cache', 'missing-dockerignore',
];

/** Enough for every finding of a large file, with room for fixes that reveal others; cycles stop earlier. */
const MAX_PASSES = 200;

export interface FixAllResult {
  readonly text: string;
  /** The findings fixed, in order; `line` is 1-based, in the text as it was when that fix was applied. */
  readonly applied: ReadonlyArray<{ readonly code: string; readonly line: number }>;
  /** Other files of the build context the fixes changed (`.dockerignore`), with their new content. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}

/** Applies non-overlapping edits; null when two of them overlap (the fix is then not applied). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string | null {
  const lines = new LineIndex(text);
  const spans = edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  for (let k = 1; k < spans.length; k++) if (spans[k]!.start < spans[k - 1]!.end) return null;
  let out = text;
  for (let k = spans.length - 1; k >= 0; k--) {
    const s = spans[k]!;
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
  }
  return out;
}

function applyFileChange(current: string, change: FileChange): string | null {
  return applyEdits(change.create ? '' : current, change.edits);
}

export function fixAll(text: string, makeContext: (model: DockerfileModel) => RuleContext,
  opts: { only?: ReadonlySet<string>; disabled?: ReadonlySet<string> } = {}): FixAllResult {
  const disabled = opts.disabled ?? new Set<string>();
  const rank = (code: string) => (FIX_ORDER.includes(code) ? FIX_ORDER.indexOf(code) : FIX_ORDER.length + RULE_CODES.indexOf(code));
  const applied: Array<{ code: string; line: number }> = [];
  const files = new Map<string, string>();
  const filesDone = new Set<string>();
  const seen = new Set<string>([text]);
  let cur = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const ctx = makeContext(parseDockerfile(cur));
    const findings = computeFindings(ctx, { disabled })
      .filter((f) => !opts.only || opts.only.has(f.code))
      .sort((a, b) => rank(a.code) - rank(b.code) || a.range.start.line - b.range.start.line);
    let next: { text: string; finding: Finding; fix: Fix } | null = null;
    for (const f of findings) {
      const fix = f.fixes.find((x) => x.preferred);
      if (!fix) continue;
      if (fix.files?.length && !fix.edits.length) {
        if (filesDone.has(f.code)) continue;
        next = { text: cur, finding: f, fix };
        break;
      }
      const t = applyEdits(cur, fix.edits);
      if (t === null || seen.has(t)) continue;
      next = { text: t, finding: f, fix };
      break;
    }
    if (!next) break;
    for (const change of next.fix.files ?? []) {
      const before = files.get(change.path) ?? ctx.buildContext?.dockerignore ?? '';
      const after = applyFileChange(before, change);
      if (after !== null) files.set(change.path, after);
    }
    if (next.fix.files?.length) filesDone.add(next.finding.code);
    applied.push({ code: next.finding.code, line: next.finding.range.start.line + 1 });
    seen.add(next.text);
    cur = next.text;
  }
  return { text: cur, applied, files: [...files].map(([path, content]) => ({ path, content })) };
}
