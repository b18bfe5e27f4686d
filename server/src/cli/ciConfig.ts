// The gates `dfsize ci` checks: `.dfsize.json` (found beside the Dockerfile, or in a folder above it up to the
// repository's root; or named with --config), then the flags, which override the file's hard limits. The file is
// checked against a JSON schema: one line per mistake, naming its JSON path.
import Ajv, { type ErrorObject } from 'ajv';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { IMAGE_GATES, SEVERITIES, type GateConfig, type ImageGate } from '../analysis/gates';
import { ciRule, CiConfigError, type CiKey } from '../analysis/diveCi';
import type { Limits } from '../core/budgets';
import { parseBytes } from '../core/format';
import { RULE_CODES } from '../core/rules/index';
import { UsageError } from './errors';
import { readUserFile } from './input';

const CONFIG_NAME = '.dfsize.json';
/** A gate file is a few lines of JSON. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const size = { type: ['integer', 'string'], minimum: 0, format: 'size' };
const fraction = { type: 'number', minimum: 0, maximum: 1 };
const countOf = { type: 'integer', minimum: 0 };
const limits = (value: object) => ({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { warn: value, fail: value },
});
const GATE_VALUES: Record<ImageGate, object> = {
  maxImageBytes: size,
  maxLayerBytes: size,
  maxLayers: countOf,
  maxRemovableBytes: size,
  lowestEfficiency: fraction,
  highestWastedBytes: size,
  highestUserWastedPercent: fraction,
};

/** The schema of `.dfsize.json` (docs/ci.md describes it). */
const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    gates: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...Object.fromEntries(IMAGE_GATES.map((g) => [g, limits(GATE_VALUES[g])])),
        maxFindings: {
          type: 'object',
          propertyNames: { enum: [...SEVERITIES, ...RULE_CODES] },
          additionalProperties: limits(countOf),
        },
      },
    },
  },
};

const path = (e: ErrorObject) => `$${e.instancePath.replace(/\/([^/]*)/g, (_, k: string) => `.${k}`)}`;

/** One line for one schema error: the JSON path, then what to write instead. */
function mistake(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${path(e)}: unknown key "${String(p.additionalProperty)}"`;
    case 'propertyNames':
      return `${path(e)}: unknown key "${String(p.propertyName)}": give a severity (${SEVERITIES.join(', ')}) or a rule code`;
    case 'format':
      return `${path(e)}: not a size: write 500MB, 1.5GiB or bytes`;
    case 'minProperties':
      return `${path(e)}: give "warn", "fail" or both`;
    default:
      return `${path(e)} ${e.message ?? 'is not valid'}`;
  }
}

type FileGates = { gates?: Partial<Record<ImageGate, Limits>> & { maxFindings?: Record<string, Limits> } };

/** A size as the file gives it (bytes or text) in bytes; the schema has checked it. */
const bytesOf = (v: number | string): number => (typeof v === 'number' ? v : (parseBytes(v) ?? Number.NaN));

function toConfig(doc: FileGates): GateConfig {
  const given = doc.gates ?? {};
  const limits: Partial<Record<ImageGate, Limits>> = {};
  for (const g of IMAGE_GATES) {
    const l = given[g] as { warn?: number | string; fail?: number | string } | undefined;
    if (!l) continue;
    const convert = GATE_VALUES[g] === size ? bytesOf : (v: number | string) => Number(v);
    limits[g] = {
      ...(l.warn !== undefined && { warn: convert(l.warn) }),
      ...(l.fail !== undefined && { fail: convert(l.fail) }),
    };
  }
  return { limits, maxFindings: given.maxFindings ?? {} };
}

/** Checks a gate file's text; throws UsageError with one line per mistake. */
export function parseGateConfig(text: string, name: string): GateConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name} is not valid JSON (${(e as Error).message})`);
  }
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('size', (s: string) => parseBytes(s) !== null);
  const validate = ajv.compile<FileGates>(CONFIG_SCHEMA);
  if (!validate(doc)) {
    // A key outside propertyNames is reported twice (the enum, then propertyNames): once is enough.
    const errors = (validate.errors ?? []).filter((e) => e.propertyName === undefined);
    const lines = errors.map((e) => `${name}: ${mistake(e)}`);
    throw new UsageError(lines.join('\ndfsize: '));
  }
  return toConfig(doc);
}

/** The repository's root: the nearest folder up from `dir` with a .git, else null. */
export function repositoryRoot(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return null;
  }
}

/** `.dfsize.json` beside the Dockerfile or in a folder above it, up to the repository's root. */
function findGateFile(dockerfile: string): string | null {
  const root = repositoryRoot(dirname(dockerfile));
  for (let d = resolve(dirname(dockerfile)); ; d = dirname(d)) {
    const file = join(d, CONFIG_NAME);
    if (existsSync(file) && statSync(file).isFile()) return file;
    if (d === root || dirname(d) === d) return null;
  }
}

/** The gates of the file (--config, else the one found), or none. */
export function readGateConfig(
  dockerfile: string,
  flag: string | undefined,
): { config: GateConfig; file: string | null } {
  const file = flag ?? findGateFile(dockerfile);
  if (file === null) return { config: { limits: {}, maxFindings: {} }, file: null };
  const label = flag !== undefined ? `--config ${flag}` : file;
  const text = readUserFile(file, label, `a ${CONFIG_NAME} file`, MAX_CONFIG_BYTES).toString('utf8');
  return { config: parseGateConfig(text, file), file };
}

export interface GateFlags {
  readonly 'max-image-size'?: string;
  readonly 'max-layer-size'?: string;
  readonly 'max-layers'?: string;
  readonly 'max-removable'?: string;
  readonly 'lowest-efficiency'?: string;
  readonly 'highest-wasted-bytes'?: string;
  readonly 'highest-user-wasted-percent'?: string;
  readonly 'fail-on'?: string;
}

const SIZE_FLAGS: ReadonlyArray<[keyof GateFlags, ImageGate]> = [
  ['max-image-size', 'maxImageBytes'],
  ['max-layer-size', 'maxLayerBytes'],
  ['max-removable', 'maxRemovableBytes'],
];
const DIVE_FLAGS: ReadonlyArray<[keyof GateFlags, CiKey]> = [
  ['lowest-efficiency', 'lowestEfficiency'],
  ['highest-wasted-bytes', 'highestWastedBytes'],
  ['highest-user-wasted-percent', 'highestUserWastedPercent'],
];
const FAIL_ON = ['error', 'warning', 'info'];

function sizeFlag(flag: string, text: string): number {
  const bytes = parseBytes(text);
  if (bytes === null) throw new UsageError(`--${flag} ${text}: not a size: write 500MB, 1.5GiB or bytes`);
  return bytes;
}

/** A dive flag's hard limit, read as dive reads it ("disabled" drops the gate): undefined when disabled. */
function diveFlag(flag: string, key: CiKey, text: string): number | undefined {
  try {
    return ciRule(key, text).threshold ?? undefined;
  } catch (e) {
    if (e instanceof CiConfigError) throw new UsageError(`--${flag}: ${e.message}`);
    throw e;
  }
}

/** The flags over the file: each sets its gate's hard limit (the file's soft limit stays). */
export function applyGateFlags(config: GateConfig, flags: GateFlags): GateConfig {
  const limits = new Map(IMAGE_GATES.flatMap((g) => (config.limits[g] ? [[g, config.limits[g]] as const] : [])));
  const hard = (g: ImageGate, fail: number) => limits.set(g, { ...limits.get(g), fail });
  for (const [flag, gate] of SIZE_FLAGS) {
    const text = flags[flag];
    if (text !== undefined) hard(gate, sizeFlag(flag, text));
  }
  const layers = flags['max-layers'];
  if (layers !== undefined) {
    if (!/^\d+$/.test(layers)) throw new UsageError(`--max-layers ${layers}: give a whole number of layers`);
    hard('maxLayers', Number(layers));
  }
  for (const [flag, key] of DIVE_FLAGS) {
    const text = flags[flag];
    if (text === undefined) continue;
    const t = diveFlag(flag, key, text);
    // "disabled" turns the file's rule off altogether.
    if (t === undefined) limits.delete(key);
    else hard(key, t);
  }
  const failOn = flags['fail-on'];
  if (failOn !== undefined && !FAIL_ON.includes(failOn))
    throw new UsageError(`--fail-on ${failOn}: give ${FAIL_ON.join(', ')}`);
  const maxFindings =
    failOn === undefined
      ? config.maxFindings
      : { ...config.maxFindings, [failOn]: { ...config.maxFindings[failOn], fail: 0 } };
  return { limits: Object.fromEntries(limits), maxFindings };
}
