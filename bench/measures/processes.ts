// The commands a bench figure times: each a real process, timed from spawn to exit, its output kept for the checks.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Unavailable } from './types';

export interface Run {
  ms: number;
  code: number;
  stderr: string;
  stdout: string;
}

export interface MeasuredRun extends Run {
  /** Peak resident set size of the command (KiB), as GNU time reports it from the kernel's rusage. */
  rssKb: number;
}

/** Ours and a baseline's, alternating, with the load average after each round. */
export interface Rounds {
  ours: MeasuredRun[];
  dive: MeasuredRun[];
  loads: number[];
}

/** Output kept per stream: enough for the checks, never a whole JSON report of a large image. */
const KEEP_CHARS = 1 << 16;
const GNU_TIME = '/usr/bin/time';
const MAX_RSS_LINE = /Maximum resident set size \(kbytes\): (\d+)/g;

/** The 1-minute load average after each round: other work on the machine (builds, tests) moves these figures. */
export function loadNote(loads: readonly number[]): string {
  return `load (1 min) after each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`;
}

export function timed(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      if (stdout.length < KEEP_CHARS) stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => {
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code: code ?? -1, stderr, stdout });
    });
  });
}

/**
 * `timed` under GNU time: one way to read the peak RSS of any command (Node or Go alike), from the kernel's rusage of
 * the child once it exits. Its report is the last lines of stderr; the command's own stderr comes before it.
 */
export async function timedWithRss(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<MeasuredRun> {
  if (!existsSync(GNU_TIME)) throw new Unavailable(`${GNU_TIME} is missing (Debian: apt-get install time)`);
  const r = await timed(GNU_TIME, ['-v', cmd, ...args], env, cwd);
  const found = [...r.stderr.matchAll(MAX_RSS_LINE)].at(-1);
  if (!found?.[1]) throw new Error(`${GNU_TIME} -v printed no peak RSS for ${cmd}: ${r.stderr.slice(-500)}`);
  const own = r.stderr.slice(0, r.stderr.lastIndexOf('\tCommand being timed:'));
  return { ...r, stderr: own, rssKb: Number(found[1]) };
}

export function must<R extends Run>(r: R, what: string): R {
  if (r.code !== 0) throw new Error(`${what} exited ${String(r.code)}: ${r.stderr.slice(0, 2000)}`);
  return r;
}
