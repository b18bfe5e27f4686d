// dive's CI gate (`dive --ci` with a `.dive-ci` file), with dive's semantics: three rules, each failing on a strict
// comparison (efficiency strictly below its threshold, wasted bytes or the user-wasted fraction strictly above),
// thresholds parsed as dive parses them (fractions in 0–1; byte sizes in the product's one size grammar, core/format,
// which reads go-humanize's units as go-humanize does: "20MB" is 20,000,000, "20MiB" 20,971,520), only "disabled" turning a rule off (dive 0.13.1 calls any other value that does
// not parse misconfigured and fails the run; dfsize refuses the file in one line, exit code 2), dive's defaults for
// rules the file does not name, and dive's messages (its values printed with Go's %v). camelCase keys (dive's .dive-ci) and kebab-case keys (dive's newer config) are both read; when
// a file gives both, camelCase wins, as in dive. Keys dive does not know are reported as warnings.
import { parse as parseYaml } from 'yaml';
import type { DiveFigures } from '../core/analysis';
import { parseBytes } from '../core/format';

export type CiKey = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';

export interface CiRule {
  readonly key: CiKey;
  /** The value as configured ("0.95", "20MB", "disabled"). */
  readonly config: string;
  /** null when disabled. */
  readonly threshold: number | null;
}

export interface CiConfig {
  readonly rules: readonly CiRule[];
  readonly warnings: readonly string[];
}

export interface CiResult {
  readonly key: CiKey;
  readonly status: 'pass' | 'fail' | 'disabled';
  readonly message: string;
}

export class CiConfigError extends Error {
  override name = 'CiConfigError';
}

const DEFAULTS: Record<CiKey, string> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};
const KEBAB: Record<string, CiKey> = {
  'lowest-efficiency': 'lowestEfficiency',
  'highest-wasted-bytes': 'highestWastedBytes',
  'highest-user-wasted-percent': 'highestUserWastedPercent',
};
const KEYS: readonly CiKey[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

const DISABLED = 'disabled';

function fraction(key: CiKey, v: string): number {
  const f = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(f))
    throw new CiConfigError(`invalid ${key} value "${v}": expected a fraction between 0 and 1, or "disabled"`);
  if (f < 0 || f > 1) throw new CiConfigError(`${key} value ${v} is outside the allowed range 0–1`);
  return f;
}

/** One rule from its configured text (a flag's, a file's); throws CiConfigError for what dive would refuse. */
export function ciRule(key: CiKey, config: string): CiRule {
  if (config === DISABLED) return { key, config, threshold: null };
  if (key === 'highestWastedBytes') {
    const bytes = parseBytes(config);
    if (bytes === null)
      throw new CiConfigError(
        `invalid highestWastedBytes value: "${config}" is not a size (use bytes, or a size like 20MB or 20MiB)`,
      );
    return { key, config, threshold: bytes };
  }
  return { key, config, threshold: fraction(key, config) };
}

// A YAML mapping or list given as a value becomes text the value's parse refuses, with the key in the message.
// eslint-disable-next-line @typescript-eslint/no-base-to-string
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** Reads a `.dive-ci` file's text (null: no file, dive's defaults). Throws CiConfigError for what dive would refuse. */
export function parseCiConfig(source: string | null, name = '.dive-ci'): CiConfig {
  const values: Partial<Record<CiKey, string>> = {};
  const warnings: string[] = [];
  if (source !== null) {
    let doc: unknown;
    try {
      doc = parseYaml(source);
    } catch (e) {
      throw new CiConfigError(`${name} is not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
    if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc)))
      throw new CiConfigError(`${name} is not a YAML mapping with a "rules" section`);
    const top = (doc ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(top)) if (k !== 'rules') warnings.push(`${name}: unknown key "${k}" (ignored)`);
    const rules = top.rules ?? {};
    if (typeof rules !== 'object' || Array.isArray(rules))
      throw new CiConfigError(`${name}: "rules" must be a mapping`);
    const kebab: Partial<Record<CiKey, string>> = {};
    for (const [k, v] of Object.entries(rules as Record<string, unknown>)) {
      if ((KEYS as readonly string[]).includes(k)) values[k as CiKey] = text(v);
      else if (KEBAB[k]) kebab[KEBAB[k]] = text(v);
      else warnings.push(`${name}: unknown rule "${k}" (ignored)`);
    }
    for (const k of KEYS) {
      if (kebab[k] !== undefined && values[k] !== undefined)
        warnings.push(`${name}: ${k} and its kebab-case form are both set; using ${k}, as dive does`);
      values[k] ??= kebab[k];
    }
  }
  return { rules: KEYS.map((k) => ciRule(k, values[k] ?? DEFAULTS[k])), warnings };
}

/** Go's %v of a float64: the shortest form, exponents below 1e-4 and from 1e21, with two exponent digits at least. */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const a = Math.abs(x);
  const s = a !== 0 && (a < 1e-4 || a >= 1e21) ? x.toExponential() : String(x);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** One rule against dive's figures, with dive's comparison and dive's message. */
export function evaluateRule(r: CiRule, dive: DiveFigures): CiResult {
  if (r.threshold === null) return { key: r.key, status: 'disabled', message: 'disabled' };
  const t = r.threshold;
  switch (r.key) {
    case 'lowestEfficiency':
      return t > dive.efficiencyScore
        ? {
            key: r.key,
            status: 'fail',
            message: `image efficiency is too low (efficiency=${goFloat(dive.efficiencyScore)} < threshold=${goFloat(t)})`,
          }
        : { key: r.key, status: 'pass', message: r.config };
    case 'highestWastedBytes':
      return dive.inefficientBytes > t
        ? {
            key: r.key,
            status: 'fail',
            message: `too many bytes wasted (wasted-bytes=${String(dive.inefficientBytes)} > threshold=${String(t)})`,
          }
        : { key: r.key, status: 'pass', message: r.config };
    default:
      // A NaN fraction (no user bytes at all) compares false, as in Go: the rule passes.
      return dive.userWastedPercent > t
        ? {
            key: r.key,
            status: 'fail',
            message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${goFloat(dive.userWastedPercent)} > threshold=${goFloat(t)})`,
          }
        : { key: r.key, status: 'pass', message: r.config };
  }
}

export function evaluateCi(config: CiConfig, dive: DiveFigures): { pass: boolean; results: CiResult[] } {
  const results = config.rules.map((r) => evaluateRule(r, dive));
  return { pass: results.every((r) => r.status !== 'fail'), results };
}

/** What `--ci-waste` makes the two waste rules count: dive's wasted bytes (default), or the removable bytes only. */
export type CiWaste = 'dive' | 'removable';
export const CI_WASTE: readonly CiWaste[] = ['dive', 'removable'];

/**
 * The figures the gate compares for `waste`. dive's wasted bytes count every copy of a path seen twice, the copy the
 * image keeps too (dive#684: a file written twice "wastes" both writes); `removable` counts only the bytes a later
 * layer hides (ImageAnalysis.removableBytes), and the user-wasted fraction over the same user bytes.
 */
export function gatedFigures(dive: DiveFigures, removableBytes: number, waste: CiWaste): DiveFigures {
  if (waste === 'dive') return dive;
  return { ...dive, inefficientBytes: removableBytes, userWastedPercent: removableBytes / dive.userSizeBytes };
}
