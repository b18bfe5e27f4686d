// The machine formats of `dfsize ci`, pure: SARIF 2.1.0 (code scanning shows each result on its line), GitHub
// Actions workflow commands with a markdown job summary, and GitLab's Code Quality report. Each is made from the same
// annotations (ciOutput.ts): failed and warned gates, then findings, on their Dockerfile lines.
import { createHash } from 'node:crypto';
import type { GateStatus } from '../analysis/gates';
import { ruleDocUrl } from '../core/rules/index';
import { annotations, verdictLine, type Annotation, type CiOutcome } from './ciOutput';

const PROJECT_URL = 'https://github.com/dfsize/dockerfile-size-insights';
const GATES_DOC = `${PROJECT_URL}/blob/main/docs/ci.md`;
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** A relative '/'-separated path as a URI reference (spaces and the like percent-encoded). */
const uriOf = (path: string) => path.split('/').map(encodeURIComponent).join('/');

function sarifRules(list: readonly Annotation[]) {
  const ids = [...new Set(list.map((a) => a.ruleId))];
  return ids.map((id) => {
    const gate = list.find((a) => a.ruleId === id)?.kind === 'gate';
    return {
      id,
      shortDescription: { text: gate ? `dfsize size gate ${id.slice('gate/'.length)}` : `dfsize size rule ${id}` },
      helpUri: gate ? GATES_DOC : ruleDocUrl(id),
    };
  });
}

/** SARIF 2.1.0: one run, the Dockerfile's path relative to %SRCROOT% (the repository's root). */
export function renderSarif(outcome: CiOutcome, version: string): string {
  const list = annotations(outcome);
  const rules = sarifRules(list);
  const results = list.map((a) => ({
    ruleId: a.ruleId,
    ruleIndex: rules.findIndex((r) => r.id === a.ruleId),
    level: a.level,
    message: { text: a.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(outcome.dockerfile), uriBaseId: '%SRCROOT%' },
          region: { startLine: a.line, endLine: a.endLine },
        },
      },
    ],
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'dfsize', version, informationUri: PROJECT_URL, rules } }, results }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

// GitHub's escaping of workflow commands: the message escapes %, CR and LF; a property value also : and ,.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const COMMAND: Record<Annotation['level'], string> = { error: 'error', warning: 'warning', note: 'notice' };

/** `::error file=…,line=…,endLine=…,title=…::message` per annotation, then the verdict as plain log text. */
export function renderGithub(outcome: CiOutcome): string {
  const file = escapeProperty(outcome.dockerfile);
  const lines = annotations(outcome).map(
    (a) =>
      `::${COMMAND[a.level]} file=${file},line=${String(a.line)},endLine=${String(a.endLine)},title=${escapeProperty(a.title)}::${escapeData(a.message)}`,
  );
  return [...lines, verdictLine(outcome)].join('\n') + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const EMOJI: Record<GateStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌' };

/** The job summary (markdown, appended to $GITHUB_STEP_SUMMARY): the verdict, the gates, the findings. */
export function renderGithubSummary(outcome: CiOutcome): string {
  const out = [`### ${EMOJI[outcome.status]} ${cell(verdictLine(outcome))}`, '', `\`${cell(outcome.dockerfile)}\``, ''];
  if (outcome.gates.length) {
    out.push('| | Gate | Line | Result |', '|---|---|---|---|');
    for (const g of outcome.gates)
      out.push(`| ${EMOJI[g.status]} | ${g.gate} | ${String(g.line)} | ${cell(g.message)} |`);
    out.push('');
  }
  if (outcome.findings.length) {
    out.push('| Line | Severity | Rule | Finding |', '|---|---|---|---|');
    for (const f of outcome.findings)
      out.push(`| ${String(f.line)} | ${f.severity} | ${f.code} | ${cell(f.message)} |`);
    out.push('');
  }
  return out.join('\n') + '\n';
}

type GitlabSeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

function gitlabSeverity(a: Annotation): GitlabSeverity {
  if (a.kind === 'gate') return a.level === 'error' ? 'critical' : 'minor';
  return a.level === 'error' ? 'major' : a.level === 'warning' ? 'minor' : 'info';
}

/**
 * GitLab Code Quality JSON. The fingerprint names the check, the file and the line, not the measured bytes: the same
 * problem keeps its fingerprint from one pipeline to the next when the image grows or shrinks.
 */
export function renderGitlab(outcome: CiOutcome): string {
  const issues = annotations(outcome).map((a) => ({
    description: a.message,
    check_name: a.ruleId,
    fingerprint: createHash('sha256')
      .update(`${a.ruleId}\0${outcome.dockerfile}\0${String(a.line)}`)
      .digest('hex'),
    severity: gitlabSeverity(a),
    location: { path: outcome.dockerfile, lines: { begin: a.line, end: a.endLine } },
  }));
  return JSON.stringify(issues, null, 2) + '\n';
}
