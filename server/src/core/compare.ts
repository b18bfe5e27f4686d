// Is a history step the same instruction as a line of the Dockerfile, or was the line edited since the build?
// Each builder records arguments its own way (see core/history); this compares what survives in every form.
import type { Instruction } from './dockerfile';
import { keyValues, splitWords, unquote } from './instructionText';
import { collapse, parseStrings, stripShell, type Step } from './history';
import { expandVars } from './vars';

/** Same keyword assumed; true when `step` records exactly this instruction's arguments. */
export function sameInstruction(inst: Instruction, step: Step, escape: string, shells: readonly string[]): boolean {
  const exp = (s: string) => expandVars(s, inst.scope, escape);
  const either = (a: string, b: string) => a === b || collapse(exp(a)) === collapse(b);
  switch (inst.keyword) {
    case 'RUN':
      return sameRun(inst, step, shells);
    case 'COPY':
    case 'ADD':
      return sameCopy(inst, step, escape);
    case 'WORKDIR':
      // legacy and BuildKit record the resolved path, Podman the path as written
      return either(inst.args, step.args) || collapse(resolved(inst, escape)) === collapse(step.args);
    case 'ENV':
    case 'LABEL': {
      // The legacy builder and BuildKit record the values expanded (`ENV PATH=/usr/local/bin:/usr/bin…`), Podman as written.
      const theirs = keyValues(step.args, inst.keyword === 'ENV');
      const mine = keyValues(inst.args, inst.keyword === 'ENV');
      return (
        samePairs(mine, theirs) ||
        (mine.length === theirs.length &&
          mine.every(([k, v], i) => theirs[i]![0] === k && sameExpanded(v ?? '', theirs[i]![1] ?? '', inst, escape)))
      );
    }
    case 'ARG':
      return sameArg(inst, step);
    case 'EXPOSE':
      return samePorts(exp(inst.args), step.args);
    case 'CMD':
    case 'ENTRYPOINT':
      return sameCommand(inst, step);
    case 'VOLUME':
    case 'SHELL': {
      const mine = inst.json ?? splitWords(exp(inst.args)).map(unquote);
      const theirs = parseStrings(step.args) ?? splitWords(step.args).map(unquote);
      return mine.join('\0') === theirs.join('\0');
    }
    case 'HEALTHCHECK':
      return sameHealthcheck(inst, step);
    default:
      return either(inst.args, step.args);
  }
}

/**
 * Whether `recorded` is `written` once expanded. Variables the file does not define (PATH, HOME: the base image's
 * environment) may have stood for anything.
 */
function sameExpanded(written: string, recorded: string, inst: Instruction, escape: string): boolean {
  const known = expandVars(written, inst.scope, escape, true);
  if (!/\$\{?[A-Za-z_]/.test(known)) return known === recorded;
  return matchesAround(
    known.split(/\$(?:\{[A-Za-z_][A-Za-z0-9_]*(?::?[-+][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)/),
    recorded,
  );
}

/**
 * Whether `text` is the `parts` in order with anything between them (the first at the start, the last at the end).
 * Each part is found at its first place after the one before: linear, where a regular expression of `[\s\S]*`
 * between the parts backtracks exponentially on a line with many variables that does not match.
 */
export function matchesAround(parts: readonly string[], text: string): boolean {
  const first = parts[0] ?? '';
  const last = parts.length > 1 ? parts.at(-1)! : '';
  if (parts.length === 1) return text === first;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

function resolved(inst: Instruction, escape: string): string {
  const next = expandVars(inst.args, inst.scope, escape);
  if (next.startsWith('/')) return next;
  return `${inst.workdir.replace(/\/+$/, '')}/${next}`;
}

function runText(inst: Instruction, shells: readonly string[]): string {
  return collapse(inst.json ? stripShell(inst.json.join(' '), shells) : inst.args);
}

function sameRun(inst: Instruction, step: Step, shells: readonly string[]): boolean {
  const theirs = collapse(step.args);
  if (!inst.heredoc) return runText(inst, shells) === theirs;
  // BuildKit records `RUN <<EOF` as its body run by the shell, a body starting with #! as `/dev/pipes/EOF`, and a
  // command with heredocs (`cat <<EOF > f`) as the command, the bodies and their delimiters.
  const lines = inst.args.split('\n');
  const name = /<<-?(["']?)([A-Za-z_][\w-]*)\1/.exec(lines[0] ?? '')?.[2];
  const body = lines.slice(1, -1).join('\n');
  return (
    collapse(inst.args) === theirs ||
    collapse(body) === theirs ||
    (name !== undefined && theirs === `/dev/pipes/${name}`)
  );
}

function copyParts(inst: Instruction, escape: string, expand: boolean): { sources: string[]; dest: string } {
  const words = inst.json ?? splitWords(inst.args).map(unquote);
  const e = (s: string) => (expand ? expandVars(s, inst.scope, escape) : s);
  return { sources: words.slice(0, -1).map(e), dest: e(words.at(-1) ?? '') };
}

function sameCopy(inst: Instruction, step: Step, escape: string): boolean {
  // `COPY <<EOF /dst`: BuildKit records the first line; the body is not in the history.
  if (inst.heredoc) return collapse(inst.args.split('\n')[0] ?? '') === collapse(step.args.replace(/^(--\S+\s+)+/, ''));
  for (const expand of [true, false]) {
    const mine = copyParts(inst, escape, expand);
    if (step.sourcesLost) {
      if (mine.dest === step.args) return true;
      continue;
    }
    const theirs = splitWords(step.args.replace(/^(--\S+\s+)+/, '')).map(unquote);
    if (theirs.at(-1) === mine.dest && theirs.slice(0, -1).join('\0') === mine.sources.join('\0')) return true;
  }
  return false;
}

function samePairs(a: Array<[string, string | null]>, b: Array<[string, string | null]>): boolean {
  return a.length === b.length && a.every(([k, v], i) => b[i]![0] === k && (b[i]![1] ?? '') === (v ?? ''));
}

function sameArg(inst: Instruction, step: Step): boolean {
  const mine = keyValues(inst.args, false);
  const theirs = keyValues(step.args, false);
  // Podman records only names, and all names declared so far in the stage: `ARG NAME SIZE`.
  if (theirs.every(([, v]) => v === null)) return mine.every(([k]) => theirs.some(([n]) => n === k));
  return samePairs(mine, theirs);
}

/** EXPOSE's ports from the line or a row: `8080 9090/udp`, BuildKit's `map[8080/tcp:{} …]`, Docker 28's `[8080/tcp 9090/udp]`. */
function ports(text: string): string[] {
  const t = text.trim();
  const list = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  const words = t.startsWith('map[')
    ? [...t.matchAll(/([^\s[\]:{}]+):\{\}/g)].map((m) => m[1]!)
    : list.split(/\s+/).filter(Boolean);
  return words.map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`)).sort();
}

function samePorts(mine: string, theirs: string): boolean {
  return ports(mine).join(' ') === ports(theirs).join(' ');
}

function sameCommand(inst: Instruction, step: Step): boolean {
  const theirs = parseStrings(step.args);
  if (!theirs) return collapse(inst.args) === collapse(step.args);
  const mine = inst.json ?? [...inst.shell, inst.args];
  return (
    mine.join('\0') === theirs.join('\0') ||
    (inst.json === null && collapse(theirs.at(-1) ?? '') === collapse(inst.args))
  );
}

/** Go's time.Duration text (`1m30s`, `500ms`) or a HEALTHCHECK flag value → milliseconds. */
function durationMs(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/([\d.]+)(ns|us|µs|ms|s|m|h)/g)) {
    const n = Number(m[1]);
    ms +=
      n * ({ ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 } as Record<string, number>)[m[2]!]!;
  }
  return ms;
}

function sameHealthcheck(inst: Instruction, step: Step): boolean {
  // legacy and BuildKit: `&{["CMD-SHELL" "true"] "30s" "0s" "0s" '\x00'}` (Go's %v of the config)
  const go = /^&\{(\[.*\])\s+"([^"]*)"\s+"([^"]*)"\s+"([^"]*)"(?:\s+"([^"]*)")?\s+'?(\\x[0-9a-f]{2}|\d+|.)'?\}$/s.exec(
    step.args.trim(),
  );
  if (!go)
    return (
      collapse(inst.args) === collapse(step.args.replace(/^(--\S+\s+)*/, '')) ||
      collapse(flagsAndArgs(inst)) === collapse(step.args)
    );
  const words = splitWords(inst.args);
  const sub = (words[0] ?? '').toUpperCase();
  const rest = inst.args.slice(inst.args.indexOf(words[0] ?? '') + (words[0]?.length ?? 0)).trim();
  const test = sub === 'NONE' ? ['NONE'] : parseStrings(rest) ? ['CMD', ...parseStrings(rest)!] : ['CMD-SHELL', rest];
  const flag = (n: string) => durationMs(inst.flags.find((f) => f.name === n)?.value ?? '0s');
  const recorded = parseStrings(go[1]!) ?? [];
  if (recorded.join('\0') !== test.join('\0')) return false;
  if (sub === 'NONE') return true;
  return (
    durationMs(go[2]!) === flag('interval') &&
    durationMs(go[3]!) === flag('timeout') &&
    durationMs(go[4]!) === flag('start-period')
  );
}

function flagsAndArgs(inst: Instruction): string {
  return [...inst.flags.map((f) => `--${f.name}${f.value === null ? '' : `=${f.value}`}`), inst.args].join(' ');
}
