// What `dfsize ci` found, as data (the JSON format, docs/ci.md), and the annotations every CI format is made of:
// each failed or warned gate and each finding, on its Dockerfile line. Pure: the formatters turn these into text.
import type { GateResult, GateStatus } from '../analysis/gates';
import { formatBytes, plural } from '../core/format';
import type { ReportFinding } from '../core/report';
import type { Style } from './human';

/** The `--format json` document. */
export interface CiOutcome {
  /** The shape's version: fields are only ever added. */
  readonly version: 1;
  /** Relative to the repository's root, '/'-separated. */
  readonly dockerfile: string;
  /** The gate file read (relative to the repository's root), or null. */
  readonly config: string | null;
  readonly image: { readonly ref: string; readonly id: string; readonly sizeBytes: number };
  readonly status: GateStatus;
  readonly gates: readonly GateResult[];
  readonly findings: readonly ReportFinding[];
}

type AnnotationLevel = 'error' | 'warning' | 'note';

/** One line's message, in every format: a failed or warned gate, or a finding. */
export interface Annotation {
  readonly kind: 'gate' | 'finding';
  /** `gate/<gate>` or the finding's rule code. */
  readonly ruleId: string;
  readonly level: AnnotationLevel;
  readonly line: number;
  readonly endLine: number;
  readonly title: string;
  readonly message: string;
}

const FINDING_LEVEL: Record<ReportFinding['severity'], AnnotationLevel> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  hint: 'note',
};

const gateRuleId = (gate: string) => `gate/${gate}`;

/** Gates that did not pass, then findings, by line. */
export function annotations(outcome: CiOutcome): Annotation[] {
  const gates = outcome.gates
    .filter((g) => g.status !== 'pass')
    .map((g): Annotation => ({
      kind: 'gate',
      ruleId: gateRuleId(g.gate),
      level: g.status === 'fail' ? 'error' : 'warning',
      line: g.line,
      endLine: g.line,
      title: `dfsize gate ${g.gate} ${g.status === 'fail' ? 'failed' : 'warns'}`,
      message: g.message,
    }));
  const findings = outcome.findings.map((f): Annotation => ({
    kind: 'finding',
    ruleId: f.code,
    level: FINDING_LEVEL[f.severity],
    line: f.line,
    endLine: f.endLine,
    title: `dfsize ${f.code}`,
    // A saving measured at 0 B is none: nothing is claimed.
    message: f.savingsBytes ? `${f.message} (saves ${formatBytes(f.savingsBytes)})` : f.message,
  }));
  return [...gates, ...findings].sort((a, b) => a.line - b.line);
}

const MARK: Record<GateStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

/** The verdict in one line: "dfsize ci: FAIL (1 gate failed, 1 warned) · app:latest 512 MB". */
export function verdictLine(outcome: CiOutcome): string {
  const failed = outcome.gates.filter((g) => g.status === 'fail').length;
  const warned = outcome.gates.filter((g) => g.status === 'warn').length;
  const counts = outcome.gates.length
    ? `${plural(failed, 'gate')} failed, ${String(warned)} warned, ${String(outcome.gates.length - failed - warned)} passed`
    : 'no gates set (.dfsize.json or flags)';
  return `dfsize ci: ${MARK[outcome.status]} (${counts}) · ${outcome.image.ref} ${formatBytes(outcome.image.sizeBytes)}`;
}

/** The human text: each gate with its line, the findings, the verdict last. */
export function renderCiHuman(outcome: CiOutcome, style: Style): string {
  const paint = (s: GateStatus, text: string) => (s === 'pass' ? style.dim(text) : style.warn(text));
  const out = [`${outcome.dockerfile}${outcome.config ? ` · gates from ${outcome.config}` : ''}`];
  for (const g of outcome.gates)
    out.push(`  ${paint(g.status, MARK[g.status])}  ${outcome.dockerfile}:${String(g.line)}  ${g.gate}: ${g.message}`);
  if (outcome.findings.length) out.push('', plural(outcome.findings.length, 'finding') + ':');
  for (const f of outcome.findings)
    out.push(`  ${outcome.dockerfile}:${String(f.line)}  ${f.severity}  ${f.code}: ${f.message}`);
  out.push('', style.bold(verdictLine(outcome)));
  return out.join('\n') + '\n';
}
