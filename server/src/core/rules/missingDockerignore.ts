// missing-dockerignore (needs the build context): the context holds .git, node_modules, build outputs, caches or large
// unused files that no .dockerignore leaves out. A context with nothing to leave out needs no .dockerignore: a missing
// one alone is no finding (examples/flask-api). What a COPY . takes from the context lands in a layer; the rest is
// still sent to the builder on every build. The fix creates or extends .dockerignore, adding only what
// this Dockerfile provably does not read (a `git` command keeps .git; a COPY naming dist keeps dist).
import { formatBytes } from '../format';
import type { Instruction } from '../dockerfile';
import { dependencyInstall, toolchainBuild } from './commands';
import { finding, imageStages, linesOf, severityOf, shellRuns } from './context';
import { copyInfo, globMatches, isUrl, isWholeContext, type CopyInfo } from './copies';
import type { ContextFile, Finding, FileChange, RuleContext, SizeRule } from './types';

export const CODE = 'missing-dockerignore';
/** Files at least this large that no COPY or ADD reads are worth leaving out of the context. */
export const LARGE_FILE_BYTES = 10_000_000;

interface Candidate {
  readonly pattern: string;
  readonly label: string;
  readonly matches: (path: string) => boolean;
}

const segment = (name: string): Candidate => ({
  pattern: `**/${name}`,
  label: name,
  matches: (p) => p === name || p.startsWith(`${name}/`) || p.includes(`/${name}/`) || p.endsWith(`/${name}`),
});
const top = (name: string): Candidate => ({
  pattern: name,
  label: name,
  matches: (p) => p === name || p.startsWith(`${name}/`),
});

/** The source paths of a COPY, relative to the context root ('' for the whole context). */
function covers(copy: CopyInfo, path: string): boolean {
  return copy.sources.some((s) => {
    if (isWholeContext(s)) return true;
    const rel = s.replace(/^\.\//, '').replace(/\/+$/, '');
    if (/[*?[]/.test(rel)) return globMatches(rel.split('/')[0]!, path.split('/')[0]!);
    return path === rel || path.startsWith(`${rel}/`);
  });
}

function named(copy: CopyInfo, c: Candidate): boolean {
  return copy.sources.some((s) => !isWholeContext(s) && c.matches(s.replace(/^\.\//, '').replace(/\/+$/, '')));
}

function candidates(ctx: RuleContext, copies: CopyInfo[]): Candidate[] {
  const runs = shellRuns(ctx);
  const cmds = runs.flatMap((r) => r.script.commands);
  const allRun = ctx.model.instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');
  const mounts = ctx.model.instructions
    .flatMap((i) => i.flags.filter((f) => f.name === 'mount').map((f) => f.value ?? ''))
    .join('\n');
  const eco = new Set(cmds.map(dependencyInstall));
  const built = new Set(cmds.map(toolchainBuild));
  const out: Candidate[] = [];
  if (!/\bgit\b/.test(allRun) && !/\.git\b/.test(mounts)) out.push(top('.git'));
  if (eco.has('npm') || eco.has('yarn') || eco.has('pnpm')) out.push(segment('node_modules'));
  for (const c of ['__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.tox']) out.push(segment(c));
  out.push({ pattern: '**/*.pyc', label: '*.pyc', matches: (p) => p.endsWith('.pyc') });
  if (eco.has('pip') || eco.has('poetry') || eco.has('pipenv')) out.push(top('.venv'), top('venv'));
  if (built.has('node')) out.push(top('dist'), top('build'), top('.next'), top('coverage'));
  if (built.has('cargo') || built.has('maven')) out.push(top('target'));
  if (built.has('gradle')) out.push(top('build'), top('.gradle'));
  if (built.has('dotnet')) out.push(segment('bin'), segment('obj'));
  return out.filter((c) => !copies.some((k) => named(k, c)) && !mounts.includes(c.label));
}

// What Docker's .dockerignore reads as pattern syntax anywhere in a line: filepath.Match's `\\ * ? [ ]`, and what
// moby's matcher passes unescaped into the regular expression it compiles (20.10 escapes only `.` and `$`).
const PATTERN_SYNTAX = /[\\*?[\]+(){}|^$]/g;

/**
 * The .dockerignore line that matches exactly the context path `path` (Linux semantics: `\\` escapes), or null when
 * no line can: a name holding a line break. Docker reads a leading `!` as an exception and a leading `#` as a
 * comment, and trims white space at both ends of a line (kept here as a one-character class).
 */
export function dockerignoreLine(path: string): string | null {
  if (/[\r\n]/.test(path)) return null;
  const escaped = path.replace(PATTERN_SYNTAX, '\\$&').replace(/^[!#]/, '\\$&');
  const keep = (ws: string) => Array.from(ws, (c) => `[${c}]`).join('');
  return escaped.replace(/^\s+/, keep).replace(/\s+$/, keep);
}

function dockerignoreChange(existing: string | null, patterns: string[], omitted: string[]): FileChange {
  const text = existing ?? '';
  const lineCount = text.split(/\r\n|\n|\r/).length;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const lastLine = text.split(/\r\n|\n|\r/).at(-1) ?? '';
  const body = [`# not read by the Dockerfile (dfsize ${CODE})`, ...patterns].join(eol) + eol;
  const lead = text === '' ? '' : lastLine === '' ? eol : eol + eol;
  const pos = { line: lineCount - 1, character: lastLine.length };
  return {
    path: '.dockerignore',
    create: existing === null,
    edits: [{ range: { start: pos, end: pos }, newText: lead + body }],
    ...(omitted.length ? { omitted } : {}),
  };
}

/** A name as a message shows it: control characters (a line break, a terminal escape) spelled out, never sent. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const shown = (name: string) => (/[\x00-\x1f\x7f]/.test(name) ? JSON.stringify(name) : name);

interface Found {
  readonly c: Candidate;
  readonly bytes: number;
  readonly shipped: number;
  readonly at: Instruction | null;
}

function message(ctx: RuleContext, found: readonly Found[], omitted: readonly ContextFile[]): string {
  const bc = ctx.buildContext!;
  const all = [
    ...found.map((x) => ({ label: x.c.label, bytes: x.bytes })),
    ...omitted.map((f) => ({ label: shown(f.path), bytes: f.bytes })),
  ];
  const shipped = found.reduce((s, x) => s + x.shipped, 0);
  const total = all.reduce((s, x) => s + x.bytes, 0);
  const list = all.map((x) => `${x.label} (${formatBytes(x.bytes)})`).join(', ');
  const bound = bc.truncated ? 'at least ' : '';
  const cannot = omitted.length
    ? ` ${omitted.map((f) => shown(f.path)).join(', ')} cannot be listed there (a line break in the name): rename or move ${omitted.length > 1 ? 'them' : 'it'}.`
    : '';
  return (
    `${bc.dockerignore === null ? 'No .dockerignore: the' : 'The'} build context sends ${list}, ${bound}${formatBytes(total)} this Dockerfile does not need` +
    `${shipped ? `; COPY puts ${formatBytes(shipped)} of it in the image` : ''}. Leave it out with .dockerignore.${cannot}`
  );
}

export const missingDockerignore: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const bc = ctx.buildContext;
    if (!bc) return [];
    const lines = linesOf(ctx);
    const copies = ctx.model.instructions
      .map((i) => copyInfo(ctx.model, i))
      .filter((c): c is CopyInfo => c !== null && c.from === null && !c.sources.every(isUrl));
    if (!copies.length) return [];
    const inImage = imageStages(ctx);
    const found: Found[] = [];
    const omitted: ContextFile[] = [];
    const seen = new Set<string>();
    const take = (c: Candidate, files: readonly ContextFile[]) => {
      let bytes = 0;
      let shipped = 0;
      let at: Instruction | null = null;
      for (const f of files) {
        if (seen.has(f.path) || !c.matches(f.path)) continue;
        seen.add(f.path);
        bytes += f.bytes;
        const by = copies.find((k) => covers(k, f.path));
        if (by && inImage.has(by.inst.stage)) shipped += f.bytes;
        if (by && (!at || by.inst.index < at.index)) at = by.inst;
      }
      if (bytes > 0) found.push({ c, bytes, shipped, at });
    };
    for (const c of candidates(ctx, copies)) take(c, bc.files);
    for (const f of bc.files) {
      if (
        f.bytes < LARGE_FILE_BYTES ||
        seen.has(f.path) ||
        copies.some((k) => covers(k, f.path)) ||
        f.path === '.dockerignore'
      )
        continue;
      const line = dockerignoreLine(f.path);
      if (line === null) omitted.push(f);
      else take({ pattern: line, label: shown(f.path), matches: (p) => p === f.path }, [f]);
    }
    if (!found.length && !omitted.length) return [];
    const shipped = found.reduce((s, x) => s + x.shipped, 0);
    const at =
      found
        .map((x) => x.at)
        .filter((i): i is Instruction => i !== null)
        .sort((a, b) => a.index - b.index)[0] ?? copies[0]!.inst;
    const fixes = found.length
      ? [
          {
            title: `${bc.dockerignore === null ? 'Create' : 'Extend'} .dockerignore`,
            edits: [],
            preferred: true,
            files: [
              dockerignoreChange(
                bc.dockerignore,
                found.map((x) => x.c.pattern),
                omitted.map((f) => f.path),
              ),
            ],
          },
        ]
      : [];
    return [
      finding(
        CODE,
        lines,
        at,
        severityOf(ctx, at, 'warning', { measured: shipped }),
        message(ctx, found, omitted),
        shipped || null,
        fixes,
      ),
    ];
  },
};
