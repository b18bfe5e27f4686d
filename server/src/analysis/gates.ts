// The size gates of `dfsize ci`, pure: what was measured and the limits go in, one result per gate comes out, each on
// the Dockerfile line a user would look at. Every gate has a soft (warn) and a hard (fail) limit; the hard one is
// checked first. dive's three rules keep dive's names, comparisons and messages (diveCi.ts evaluates them).
import type { DiveFigures } from '../core/analysis';
import type { Limits, LineBudget } from '../core/budgets';
import { formatBytes, plural } from '../core/format';
import type { ReportFinding } from '../core/report';
import { evaluateRule, type CiKey } from './diveCi';

export type ImageGate = 'maxImageBytes' | 'maxLayerBytes' | 'maxLayers' | 'maxRemovableBytes' | CiKey;
export const IMAGE_GATES: readonly ImageGate[] = [
  'maxImageBytes',
  'maxLayerBytes',
  'maxLayers',
  'maxRemovableBytes',
  'lowestEfficiency',
  'highestWastedBytes',
  'highestUserWastedPercent',
];

/** Severities from the most severe; `maxFindings.warning` counts warnings and errors. */
export const SEVERITIES: readonly ReportFinding['severity'][] = ['error', 'warning', 'info', 'hint'];

export interface GateConfig {
  readonly limits: Readonly<Partial<Record<ImageGate, Limits>>>;
  /** By severity (that severity or worse) or by rule code. */
  readonly maxFindings: Readonly<Record<string, Limits>>;
}

export type GateStatus = 'pass' | 'warn' | 'fail';

export interface GateResult {
  /** `maxImageBytes`, `maxFindings.warning`, `maxFindings.<code>`, `budget`. */
  readonly gate: string;
  readonly status: GateStatus;
  /** 1-based Dockerfile line. */
  readonly line: number;
  /** The measured value; null when it could not be measured. */
  readonly actual: number | null;
  readonly limits: Limits;
  readonly message: string;
}

export interface GateInput {
  readonly imageBytes: number;
  /** The line image-wide gates are shown on: the final stage's FROM. */
  readonly imageLine: number;
  readonly layerCount: number;
  /** The image's layers with the line that made each (null: unknown), when it was analysed. */
  readonly layers: ReadonlyArray<{ readonly bytes: number; readonly line: number | null }> | null;
  readonly removableBytes: number | null;
  readonly dive: DiveFigures | null;
  readonly findings: readonly ReportFinding[];
  /** The layer bytes of the instruction at a model index, when the image has its layer. */
  readonly instructionBytes: (instruction: number) => number | null;
  readonly budgets: readonly LineBudget[];
}

type Describe = (actual: number, limit: number | null, level: GateStatus) => string;

/** Checks a value where more is worse: over the fail limit fails, else over the warn limit warns. */
function atMost(gate: string, line: number, actual: number | null, limits: Limits, describe: Describe): GateResult {
  const base = { gate, line, actual, limits };
  if (actual === null) {
    const status: GateStatus = limits.fail !== undefined ? 'fail' : 'warn';
    return { ...base, status, message: describe(Number.NaN, null, status) };
  }
  if (limits.fail !== undefined && actual > limits.fail)
    return { ...base, status: 'fail', message: describe(actual, limits.fail, 'fail') };
  if (limits.warn !== undefined && actual > limits.warn)
    return { ...base, status: 'warn', message: describe(actual, limits.warn, 'warn') };
  return { ...base, status: 'pass', message: describe(actual, limits.fail ?? limits.warn ?? null, 'pass') };
}

/** "… over the 500 MB limit" / "… over the warning limit of 400 MB" / "… (limit 500 MB)"; `noun`: "budget". */
function sized(what: string, format: (n: number) => string, noun = 'limit'): Describe {
  return (actual, limit, level) => {
    if (Number.isNaN(actual)) return `${what}: not measured (the image could not be analysed)`;
    const shown = limit === null ? '' : format(limit);
    if (level === 'pass') return `${what} is ${format(actual)} (${noun} ${shown})`;
    return `${what} is ${format(actual)}, over the ${level === 'warn' ? `warning ${noun} of ${shown}` : `${shown} ${noun}`}`;
  };
}

const count = (n: number) => String(n);

function diveGate(key: CiKey, input: GateInput, limits: Limits): GateResult {
  const base = { gate: key, line: input.imageLine, limits };
  if (!input.dive) return atMost(key, input.imageLine, null, limits, sized(key, count));
  const dive = input.dive;
  const actual =
    key === 'lowestEfficiency'
      ? dive.efficiencyScore
      : key === 'highestWastedBytes'
        ? dive.inefficientBytes
        : dive.userWastedPercent;
  const check = (t: number) => evaluateRule({ key, config: String(t), threshold: t }, dive);
  for (const level of ['fail', 'warn'] as const) {
    const t = limits[level];
    const r = t === undefined ? null : check(t);
    if (r?.status === 'fail') return { ...base, actual, status: level, message: r.message };
  }
  return {
    ...base,
    actual,
    status: 'pass',
    message: `${key}: ${String(actual)}, within ${String(limits.fail ?? limits.warn)}`,
  };
}

function largestLayer(input: GateInput): { bytes: number; line: number } | null {
  if (!input.layers?.length) return null;
  const top = input.layers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return { bytes: top.bytes, line: top.line ?? input.imageLine };
}

function imageGate(gate: ImageGate, input: GateInput, limits: Limits): GateResult {
  const line = input.imageLine;
  switch (gate) {
    case 'maxImageBytes':
      return atMost(gate, line, input.imageBytes, limits, sized('the image', formatBytes));
    case 'maxLayers':
      return atMost(gate, line, input.layerCount, limits, sized('the layer count', count));
    case 'maxRemovableBytes':
      return atMost(
        gate,
        line,
        input.removableBytes,
        limits,
        sized('what later layers delete or overwrite', formatBytes),
      );
    case 'maxLayerBytes': {
      const top = largestLayer(input);
      return atMost(gate, top?.line ?? line, top?.bytes ?? null, limits, sized('the largest layer', formatBytes));
    }
    default:
      return diveGate(gate, input, limits);
  }
}

function findingsGate(key: string, input: GateInput, limits: Limits): GateResult {
  const rank = SEVERITIES.indexOf(key as ReportFinding['severity']);
  const counted = input.findings.filter((f) => (rank >= 0 ? SEVERITIES.indexOf(f.severity) <= rank : f.code === key));
  const what = rank >= 0 ? `findings at ${key} or worse` : `${key} findings`;
  const describe: Describe = (actual, limit, level) =>
    level === 'pass'
      ? `${plural(actual, 'finding')} of ${String(limit ?? 0)} allowed (${what})`
      : `${what}: ${String(actual)}, more than the ${level === 'warn' ? 'warning limit of ' : ''}${String(limit ?? 0)} allowed`;
  return atMost(`maxFindings.${key}`, counted[0]?.line ?? input.imageLine, counted.length, limits, describe);
}

function budgetGate(b: LineBudget, input: GateInput): GateResult {
  const bytes = input.instructionBytes(b.instruction);
  const what = `line ${String(b.line)}'s layer`;
  if (bytes === null)
    return {
      gate: 'budget',
      line: b.line,
      actual: null,
      limits: b.limits,
      status: 'warn',
      message: `${what}: not measured (the image has no layer of this line: another stage, or not built yet)`,
    };
  const describe = sized(what, formatBytes, 'budget');
  return atMost(
    'budget',
    b.line,
    bytes,
    b.limits,
    (actual, limit, level) => `${describe(actual, limit, level)} (# dfsize-budget on line ${String(b.commentLine)})`,
  );
}

/** Every configured gate, in a stable order: image gates, findings gates, then the budgets by line. */
export function evaluateGates(config: GateConfig, input: GateInput): GateResult[] {
  const image = IMAGE_GATES.flatMap((g) => {
    const limits = config.limits[g];
    return limits ? [imageGate(g, input, limits)] : [];
  });
  const findings = Object.entries(config.maxFindings).map(([k, limits]) => findingsGate(k, input, limits));
  const budgets = [...input.budgets].sort((a, b) => a.line - b.line).map((b) => budgetGate(b, input));
  return [...image, ...findings, ...budgets];
}

/** fail when a gate failed, else warn when one warned. */
export function overallStatus(results: readonly GateResult[]): GateStatus {
  return results.some((r) => r.status === 'fail') ? 'fail' : results.some((r) => r.status === 'warn') ? 'warn' : 'pass';
}
