// Real dive (wagoodman/dive 0.13.1, built by scripts/parts/dive.sh) run as its users run it: `dive --json FILE` for
// its export and `dive --ci` for its CI verdict, on an engine's image (`--source docker`) or a saved archive
// (`--source docker-archive`). The suites that compare dfsize with it call needDive in their `before`: without the
// binary they say so in one line and skip, and fail instead under DFSIZE_REQUIRE_ENGINE=1 (CI installs dive first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { REQUIRE_ENGINE } from './engine';

/** Where scripts/parts/dive.sh installs dive when it is given no folder. */
const DEFAULT_DIVE = join(homedir(), '.cache', 'dfsize', 'dive', 'v0.13.1', 'dive');
export const DIVE = process.env.DFSIZE_DIVE ?? (existsSync(DEFAULT_DIVE) ? DEFAULT_DIVE : null);
/** dive's own test images (its repository's `.data/`); dive.sh names the module's copy. */
export const DIVE_FIXTURES = process.env.DFSIZE_DIVE_FIXTURES ?? null;

export function needDive(ctx: Context): void {
  if (DIVE && existsSync(DIVE)) return;
  const why = DIVE ? `DFSIZE_DIVE=${DIVE} does not exist` : 'DFSIZE_DIVE is not set and dive is not installed';
  if (REQUIRE_ENGINE) throw new Error(`DFSIZE_REQUIRE_ENGINE=1 but ${why}: run scripts/parts/dive.sh install`);
  console.log(`      SKIPPED: real dive: ${why} (scripts/parts/dive.sh install prints the line to export)`);
  ctx.skip();
}

/** dive's export, as dive 0.13.1 writes it (runtime/export). */
export interface DiveExport {
  layer: Array<{
    index: number;
    id: string;
    digestId: string;
    sizeBytes: number;
    command: string;
    fileList: Array<Record<string, unknown>>;
  }>;
  image: {
    sizeBytes: number;
    inefficientBytes: number;
    efficiencyScore: number;
    fileReference: Array<{ count: number; sizeBytes: number; file: string }>;
  };
}

export type RuleStatus = 'PASS' | 'FAIL' | 'SKIP' | 'WARN' | 'MISCONFIGURED';

/** What `dive --ci` printed: its figures as printed, each rule's status, and its exit code. */
export interface DiveCi {
  readonly code: number;
  /** `userWastedPercent: 48.3491 %` → "48.3491" (or "NaN", "+Inf"), dive's %2.4f of the fraction ×100. */
  readonly userWastedPercent: string;
  readonly rules: Readonly<Record<string, RuleStatus>>;
  readonly output: string;
}

export interface DiveTarget {
  readonly source: 'docker' | 'docker-archive';
  /** An image reference (docker) or an archive's path (docker-archive). */
  readonly target: string;
  /** DOCKER_HOST for the docker source. */
  readonly env?: Record<string, string>;
}

// dive colours its output with ANSI escapes (ESC is \x1b).
const ANSI = /\x1b\[[0-9;]*m/g;

function runDive(args: readonly string[], t: DiveTarget, cwd: string): { code: number; out: string } {
  if (!DIVE) throw new Error('dive is not installed (needDive first)');
  const r = spawnSync(DIVE, [...args, '--source', t.source, t.target], {
    cwd,
    encoding: 'utf8',
    // CI=true would turn every run into a CI run; dive reads its settings from flags and the files named here only.
    env: { ...process.env, CI: 'false', HOME: cwd, XDG_CONFIG_HOME: cwd, ...t.env },
    timeout: 300000,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`.replace(ANSI, '') };
}

/** `dive --json FILE`: dive's export of the image, or what dive said when it refused the image. */
export function diveExport(t: DiveTarget): DiveExport | { refused: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-dive-'));
  try {
    const file = join(dir, 'export.json');
    const r = runDive(['--json', file], t, dir);
    if (r.code !== 0 && /cannot fetch image/.test(r.out)) return { refused: r.out };
    if (r.code !== 0 || !existsSync(file))
      throw new Error(`dive --json ${t.target} exited ${String(r.code)}:\n${r.out}`);
    return JSON.parse(readFileSync(file, 'utf8')) as DiveExport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `dive --ci --ci-config FILE` (no file: dive's defaults), run in `cwd`, which must hold no other .dive-ci. */
export function diveCi(t: DiveTarget, config: string | null, cwd: string): DiveCi {
  const r = runDive(['--ci', ...(config ? ['--ci-config', config] : [])], t, cwd);
  const uwp = /^\s*userWastedPercent: (\S+) %$/m.exec(r.out);
  if (!uwp?.[1]) throw new Error(`dive --ci ${t.target} printed no figures (exit ${String(r.code)}):\n${r.out}`);
  const rules: Record<string, RuleStatus> = {};
  for (const m of r.out.matchAll(/^\s+(PASS|FAIL|SKIP|WARN|MISCONFIGURED): (\w+)/gm))
    if (m[2]) rules[m[2]] = m[1] as RuleStatus;
  return { code: r.code, userWastedPercent: uwp[1], rules, output: r.out };
}
