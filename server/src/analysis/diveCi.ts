// dive's CI gate (`dive --ci` with a `.dive-ci` file), with dive's semantics: three rules, each failing on a strict
// comparison (efficiency strictly below its threshold, wasted bytes or the user-wasted fraction strictly above),
// thresholds parsed as dive parses them (fractions in 0–1; byte sizes through go-humanize's ParseBytes: "20MB" is
// 20,000,000, "20MiB" 20,971,520), "disabled"/"off"/"false"/empty turning a rule off, dive's defaults for rules the
// file does not name. camelCase keys (dive's .dive-ci) and kebab-case keys (dive's newer config) are both read; when
// a file gives both, camelCase wins, as in dive. Keys dive does not know are reported as warnings.
import { parse as parseYaml } from 'yaml';
import type { DiveFigures } from '../core/analysis';

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

const SIZES: Record<string, number> = {
  b: 1,
  kib: 1024,
  kb: 1e3,
  mib: 1024 ** 2,
  mb: 1e6,
  gib: 1024 ** 3,
  gb: 1e9,
  tib: 1024 ** 4,
  tb: 1e12,
  pib: 1024 ** 5,
  pb: 1e15,
  eib: 1024 ** 6,
  eb: 1e18,
  '': 1,
  ki: 1024,
  k: 1e3,
  mi: 1024 ** 2,
  m: 1e6,
  gi: 1024 ** 3,
  g: 1e9,
  ti: 1024 ** 4,
  t: 1e12,
  pi: 1024 ** 5,
  p: 1e15,
  ei: 1024 ** 6,
  e: 1e18,
};

/** go-humanize's ParseBytes: a decimal number (commas allowed), then an optional unit; the result truncated. */
export function parseBytes(s: string): number {
  const m = /^[0-9.,]*/.exec(s)!;
  const num = m[0].replace(/,/g, '');
  const f = Number(num);
  if (num === '' || !/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(num) || !Number.isFinite(f))
    throw new Error(`"${s}" is not a size`);
  const unit = s.slice(m[0].length).trim().toLowerCase();
  const mult = SIZES[unit];
  if (mult === undefined) throw new Error(`"${s}": unknown size unit "${unit}"`);
  const v = f * mult;
  if (v >= 2 ** 64) throw new Error(`"${s}" is too large`);
  return Math.floor(v);
}

function disabled(v: string): boolean {
  const t = v.trim().toLowerCase();
  return t === '' || t === 'disabled' || t === 'off' || t === 'false';
}

function fraction(key: CiKey, v: string): number {
  const f = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(f))
    throw new CiConfigError(`invalid ${key} value "${v}": expected a fraction between 0 and 1, or "disabled"`);
  if (f < 0 || f > 1) throw new CiConfigError(`${key} value ${v} is outside the allowed range 0–1`);
  return f;
}

function rule(key: CiKey, config: string): CiRule {
  if (disabled(config)) return { key, config: 'disabled', threshold: null };
  if (key === 'highestWastedBytes') {
    try {
      return { key, config, threshold: parseBytes(config.trim()) };
    } catch (e) {
      throw new CiConfigError(
        `invalid highestWastedBytes value: ${(e as Error).message} (use bytes, or a size like 20MB or 20MiB)`,
      );
    }
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
  return { rules: KEYS.map((k) => rule(k, values[k] ?? DEFAULTS[k])), warnings };
}

/** dive's %2.2f */
const f2 = (x: number) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? '+Inf' : x.toFixed(2));

export function evaluateCi(config: CiConfig, dive: DiveFigures): { pass: boolean; results: CiResult[] } {
  const results = config.rules.map((r): CiResult => {
    if (r.threshold === null) return { key: r.key, status: 'disabled', message: 'disabled' };
    const t = r.threshold;
    switch (r.key) {
      case 'lowestEfficiency':
        return t > dive.efficiencyScore
          ? {
              key: r.key,
              status: 'fail',
              message: `image efficiency is too low (efficiency=${f2(dive.efficiencyScore)} < threshold=${t})`,
            }
          : { key: r.key, status: 'pass', message: r.config };
      case 'highestWastedBytes':
        return dive.inefficientBytes > t
          ? {
              key: r.key,
              status: 'fail',
              message: `too many bytes wasted (wasted-bytes=${dive.inefficientBytes} > threshold=${t})`,
            }
          : { key: r.key, status: 'pass', message: r.config };
      default:
        // A NaN fraction (no user bytes at all) compares false, as in Go: the rule passes.
        return dive.userWastedPercent > t
          ? {
              key: r.key,
              status: 'fail',
              message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${f2(dive.userWastedPercent)} > threshold=${t})`,
            }
          : { key: r.key, status: 'pass', message: r.config };
    }
  });
  return { pass: results.every((r) => r.status !== 'fail'), results };
}
