// The registry of size rules and computeFindings, the pure façade the language server and the CLI call: it runs
// every enabled rule and honours `# dfsize-ignore code[,code]` on the line before an instruction (a bare
// `# dfsize-ignore` silences every rule there). ./index re-exports it with fixAll and the context helpers.
import { instructionAtLine, type DockerfileModel } from '../dockerfile';
import { addRemoteUrl } from './addRemoteUrl';
import { apkCache } from './apkCache';
import { aptInstallRecommends } from './aptInstallRecommends';
import { aptListsNotRemoved } from './aptListsNotRemoved';
import { aptUpdateAlone } from './aptUpdateAlone';
import { cacheInLayer } from './cacheInLayer';
import { cleanupInLaterLayer } from './cleanupInLaterLayer';
import { compiledNoMultistage } from './compiledNoMultistage';
import { consecutiveRun } from './consecutiveRun';
import { copyAllBeforeDeps } from './copyAllBeforeDeps';
import { largeBaseImage } from './largeBaseImage';
import { missingDockerignore } from './missingDockerignore';
import { npmCache } from './npmCache';
import { pipCache } from './pipCache';
import { recursiveChownAfterCopy } from './recursiveChownAfterCopy';
import { yumDnfCache } from './yumDnfCache';
import { linesOf } from './context';
import { LineIndex } from './text';
import type { Finding, RuleContext, SizeRule } from './types';

/** Every rule, in the order their findings are listed for one line. */
export const RULES: readonly SizeRule[] = [
  aptListsNotRemoved,
  aptInstallRecommends,
  aptUpdateAlone,
  apkCache,
  yumDnfCache,
  pipCache,
  npmCache,
  consecutiveRun,
  copyAllBeforeDeps,
  largeBaseImage,
  compiledNoMultistage,
  addRemoteUrl,
  recursiveChownAfterCopy,
  missingDockerignore,
  cleanupInLaterLayer,
  cacheInLayer,
];

export const RULE_CODES: readonly string[] = RULES.map((r) => r.code);

const DOCS = 'https://github.com/dfsize/dockerfile-size-insights/blob/main/docs/rules';

/** The documentation page of a rule (`codeDescription.href`). */
export function ruleDocUrl(code: string): string {
  return `${DOCS}/${code}.md`;
}

const IGNORE = /^\s*#\s*dfsize-ignore\b(.*)$/;

/** Codes silenced for the instruction on `line` (0-based) by the comment line just above it; 'all' for a bare one. */
export function ignoredAt(
  model: DockerfileModel,
  line: number,
  lines = new LineIndex(model.text),
): ReadonlySet<string> | 'all' {
  const inst = instructionAtLine(model, line);
  const above = (inst ? inst.range.start.line : line) - 1;
  if (above < 0) return new Set();
  const text = lines.lineText(above);
  const m = IGNORE.exec(text);
  if (!m) return new Set();
  const codes = m[1]!.split(/[\s,]+/).filter(Boolean);
  return codes.length ? new Set(codes) : 'all';
}

/** A rule that threw: its code and what it threw (the caller logs it; core does no I/O). */
export interface RuleFailure {
  readonly code: string;
  readonly error: unknown;
}

/** What one evaluation found, and the rules that failed meanwhile (their findings are missing, no other rule's are). */
export interface RuleRun {
  readonly findings: Finding[];
  readonly failures: RuleFailure[];
}

export function computeFindings(given: RuleContext, opts: { disabled: ReadonlySet<string> }): RuleRun {
  // A fresh memo per call: the rules share parsed RUNs, and nothing outlives the call.
  const ctx: RuleContext = { ...given, memo: new Map(), disabled: opts.disabled };
  const out: Finding[] = [];
  const failures: RuleFailure[] = [];
  const ignores = new Map<number, ReadonlySet<string> | 'all'>();
  let lines: LineIndex | null = null;
  for (const rule of RULES) {
    if (opts.disabled.has(rule.code)) continue;
    let found: Finding[];
    try {
      found = rule.evaluate(ctx);
    } catch (error) {
      // One rule's bug must not hide the other rules' findings, nor take the language server down with a document.
      failures.push({ code: rule.code, error });
      continue;
    }
    for (const f of found) {
      const line = f.range.start.line;
      if (!ignores.has(line)) ignores.set(line, ignoredAt(ctx.model, line, (lines ??= linesOf(ctx))));
      const ig = ignores.get(line)!;
      if (ig === 'all' || ig.has(f.code)) continue;
      out.push(f);
    }
  }
  const order = new Map(RULES.map((r, k) => [r.code, k]));
  return {
    findings: out.sort((a, b) => a.range.start.line - b.range.start.line || order.get(a.code)! - order.get(b.code)!),
    failures,
  };
}
