// npm-cache: `npm install` / `npm ci` leaves npm's cache (~/.npm: every tarball it fetched) in the layer. The fix
// cleans it in the same RUN; where a lockfile was copied in before, `npm ci --omit=dev` (the lockfile's exact tree,
// without devDependencies) is offered as well.
import { invocation, isNpmInstall, npmSub } from './commands';
import {
  addedUnder,
  bytesNote,
  cacheMounts,
  finding,
  linesOf,
  severityOf,
  type ShellRun,
  shellRuns,
  survivingUnder,
} from './context';
import { contextCopiesBefore, landingDir } from './copies';
import { appendCommand, mergeEdits, replace } from './edit';
import { topLevel, type Command } from './shell';
import { fileEnd, fileOffset } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'npm-cache';
const CACHE = '/root/.npm';
const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

function cacheHandled(run: ShellRun): boolean {
  const a = run.inst.args;
  return (
    /\bnpm\s+cache\s+(clean|rm|clear)\b/.test(a) ||
    /\.npm\b/.test(a) ||
    cacheMounts(run.inst).some((t) => /(^|\/)\.npm$/.test(t))
  );
}

/** Whether a lockfile reaches the RUN's working directory through an earlier COPY. */
function lockfileCopied(ctx: RuleContext, run: ShellRun): boolean {
  const files = new Set(ctx.buildContext?.files.map((f) => f.path) ?? []);
  return contextCopiesBefore(ctx.model, run.inst).some((c) =>
    LOCKFILES.some((name) => landingDir(c, name, (p) => files.has(p)) === run.inst.workdir),
  );
}

/** `npm install` with no package names: it installs package.json's dependencies, what `npm ci` does exactly. */
function plainInstall(c: Command): boolean {
  const inv = invocation(c);
  return (inv?.sub?.value === 'install' || inv?.sub?.value === 'i') && c.args.length === inv.subIndex + 1;
}

export const npmCache: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const installs = topLevel(run.script).filter(isNpmInstall);
      if (!installs.length || cacheHandled(run) || run.inst.scope.get('npm_config_cache') !== undefined) continue;
      const fixes: Fix[] = [];
      const clean = appendCommand(ctx, run, 'npm cache clean --force');
      if (clean) fixes.push({ title: 'Append npm cache clean --force', edits: [clean], preferred: true });
      const plain = installs.filter(plainInstall);
      if (clean && plain.length === 1 && installs.length === 1 && lockfileCopied(ctx, run)) {
        const sub = invocation(plain[0]!)!.sub!;
        fixes.push({
          title: "Use npm ci --omit=dev (the lockfile's packages without devDependencies) and clean the cache",
          edits: mergeEdits(lines, [
            replace(lines, fileOffset(run.src, sub.start), fileEnd(run.src, sub.end), 'ci --omit=dev'),
            clean,
          ]),
          preferred: false,
        });
      }
      const bytes = addedUnder(ctx, run.inst, CACHE);
      const sub = npmSub(installs[0]!);
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { measured: bytes }),
          `npm ${sub} leaves npm's cache (~/.npm) in this layer: clean it in the same RUN.` + bytesNote(CACHE, bytes),
          survivingUnder(ctx, [run.inst], CACHE),
          fixes,
        ),
      );
    }
    return out;
  },
};
