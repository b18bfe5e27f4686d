// copy-all-before-deps: `COPY . …` before the RUN that installs dependencies. Any edit to any file invalidates the
// install's cache, so every build re-downloads and re-ships the whole dependency layer (pushed and pulled again,
// kept again in every registry and cache). The fix copies the manifests first, installs, then copies the rest.
import { stageChain, type Instruction } from '../dockerfile';
import { dependencyInstall, npmSub, pipInstallIndex, type Ecosystem } from './commands';
import { finding, linesOf, severityOf, type ShellRun, shellRun } from './context';
import { copyInfo, isWholeContext, type CopyInfo } from './copies';
import { deleteInstruction, insertLinesBefore, instructionText } from './edit';
import { topLevel, type Command } from './shell';
import { LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'copy-all-before-deps';

/** Instructions that may sit between the COPY and the install without changing how the install runs. */
const INERT = new Set(['LABEL', 'EXPOSE', 'STOPSIGNAL', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'MAINTAINER']);
/**
 * Installs that read nothing but their manifests. npm, yarn and pnpm run the project's lifecycle scripts
 * (prepare, postinstall), which may read sources: their fix is offered but not preferred.
 */
const MANIFEST_ONLY: ReadonlySet<Ecosystem> = new Set(['pip', 'pipenv', 'go']);

/** The manifests each install needs: exact names when the context is known, else patterns that match what exists. */
function manifests(eco: Ecosystem, c: Command, has: ((p: string) => boolean) | null): string[] | null {
  const pick = (required: string, optional: string[]) => {
    if (!has) return [required, ...optional.map((o) => `${o}*`)];
    return has(required) ? [required, ...optional.filter(has)] : null;
  };
  switch (eco) {
    case 'npm':
      return has ? pick('package.json', ['package-lock.json', 'npm-shrinkwrap.json']) : ['package*.json'];
    case 'yarn':
      return pick('package.json', ['yarn.lock']);
    case 'pnpm':
      return pick('package.json', ['pnpm-lock.yaml']);
    case 'pipenv':
      return pick('Pipfile', ['Pipfile.lock']);
    case 'poetry':
      return pick('pyproject.toml', ['poetry.lock']);
    case 'go':
      return pick('go.mod', ['go.sum']);
    case 'pip':
      return requirementFiles(c, has);
    default:
      return null;
  }
}

/** The -r/-c files of a pip install, relative to its working directory; a nested file brings its folder. */
function requirementFiles(c: Command, has: ((p: string) => boolean) | null): string[] | null {
  const out: string[] = [];
  const args = c.args.map((a) => a.value);
  for (let i = pipInstallIndex(c) + 1; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) return null;
    let file: string | null = null;
    if (a === '-r' || a === '--requirement' || a === '-c' || a === '--constraint') file = args[++i] ?? null;
    else if (/^(-r|-c)./.test(a)) file = a.slice(2);
    else if (/^--(requirement|constraint)=/.test(a)) file = a.slice(a.indexOf('=') + 1);
    else if (!a.startsWith('-')) return null; // a package or a path: the install is not manifests-only
    if (file === null) continue;
    const rel = file.replace(/^\.\//, '');
    if (!rel || rel.startsWith('/') || rel.split('/').includes('..') || rel.includes('$')) return null;
    if (has && !has(rel)) return null;
    out.push(rel.includes('/') ? `${rel.slice(0, rel.indexOf('/'))}/` : rel);
  }
  return out.length ? [...new Set(out)] : null;
}

/** Whether every top-level command of the RUN only installs dependencies (or cleans up after doing so). */
function installsOnly(run: ShellRun, eco: Ecosystem): boolean {
  if (run.script.items.some((it) => it.kind !== 'command')) return false;
  return topLevel(run.script).every((c) => {
    const d = dependencyInstall(c);
    // poetry installs the project itself too unless told not to: that needs the sources.
    if (d === eco) return eco !== 'poetry' || c.args.some((a) => a.value === '--no-root');
    if (c.name === 'set' || c.name === 'true' || c.name === 'mkdir' || c.name === 'virtualenv') return true;
    // `python -m venv /opt/venv`: the environment the install goes into reads no sources.
    if (/^python[0-9.]*$/.test(c.name ?? '') && c.args[0]?.value === '-m' && c.args[1]?.value === 'venv') return true;
    if (c.name === 'npm' && npmSub(c) === 'cache') return true;
    return (
      c.name === 'rm' &&
      c.args.every((a) => a.value !== null && (a.value.startsWith('-') || /^\/(root|tmp|var\/cache)\//.test(a.value)))
    );
  });
}

function reorderFix(ctx: RuleContext, lines: LineIndex, copy: CopyInfo, run: ShellRun, eco: Ecosystem): Fix | null {
  if (copy.inst.json || copy.destAbs === null || copy.destAbs !== run.inst.workdir || !installsOnly(run, eco))
    return null;
  const between = ctx.model.instructions.slice(copy.inst.index + 1, run.inst.index);
  if (between.some((i) => !INERT.has(i.keyword))) return null;
  const bc = ctx.buildContext;
  const files = bc && !bc.truncated ? new Set(bc.files.map((f) => f.path)) : null;
  const installCmd = topLevel(run.script).find((c) => dependencyInstall(c) === eco)!;
  const names = manifests(
    eco,
    installCmd,
    files ? (p) => files.has(p) || [...files].some((f) => f.startsWith(p)) : null,
  );
  if (!names) return null;
  const dest = copy.dest === '.' || copy.dest === './' ? './' : copy.dest.endsWith('/') ? copy.dest : `${copy.dest}/`;
  const head = lines.text.slice(lines.offsetAt(copy.inst.range.start), lines.offsetAt(copy.inst.keywordRange.end));
  const flags = copy.inst.flags.map((f) =>
    lines.text.slice(lines.offsetAt(f.range.start), lines.offsetAt(f.range.end)),
  );
  const line = [head, ...flags, ...names, dest].join(' ');
  const indent = lines.lineText(copy.inst.range.start.line).slice(0, copy.inst.range.start.character);
  return {
    title: `Copy ${names.join(' ')} first, install, then copy the rest`,
    edits: [
      insertLinesBefore(lines, copy.inst, `${indent}${line}${lines.eol}${instructionText(lines, run.inst)}`),
      deleteInstruction(lines, run.inst),
    ],
    preferred: MANIFEST_ONLY.has(eco),
  };
}

function installedBefore(ctx: RuleContext, copy: Instruction, eco: Ecosystem): boolean {
  const chain = new Set(stageChain(ctx.model, copy.stage));
  return ctx.model.instructions.some(
    (i) =>
      i.index < copy.index &&
      chain.has(i.stage) &&
      i.keyword === 'RUN' &&
      (shellRun(ctx, i)?.script.commands.some((c) => dependencyInstall(c) === eco) ?? false),
  );
}

export const copyAllBeforeDeps: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const stage of ctx.model.stages) {
      stage.instructions.forEach((inst, k) => {
        const copy = copyInfo(ctx.model, inst);
        if (!copy || copy.from !== null || !copy.sources.some(isWholeContext)) return;
        for (const later of stage.instructions.slice(k + 1)) {
          const run = shellRun(ctx, later);
          const cmd = run && topLevel(run.script).find((c) => dependencyInstall(c) !== null);
          if (!run || !cmd) continue;
          const eco = dependencyInstall(cmd)!;
          if (installedBefore(ctx, inst, eco)) return;
          const fix = reorderFix(ctx, lines, copy, run, eco);
          out.push(
            finding(
              CODE,
              lines,
              inst,
              severityOf(ctx, inst, 'info'),
              `The whole context is copied before the ${eco} install on line ${later.range.start.line + 1}: any change to any file ` +
                'invalidates the install, so every build re-installs and re-ships all dependencies. Copy the manifests first.',
              null,
              fix ? [fix] : [],
            ),
          );
          return;
        }
      });
    }
    return out;
  },
};
