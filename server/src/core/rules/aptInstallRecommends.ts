// apt-install-recommends: `apt-get install` without --no-install-recommends also installs every package the
// requested ones merely recommend (documentation, compilers, X libraries): often more than the packages asked for.
import type { Instruction } from '../dockerfile';
import { hasOption, hidesOptions, invocation, isAptInstall } from './commands';
import { finding, layerBytes, linesOf, severityOf, type ShellRun, shellRuns } from './context';
import { insert } from './edit';
import { topLevel, type Command } from './shell';
import { fileEnd, LineIndex } from './text';
import type { Finding, RuleContext, SizeRule } from './types';
import type { TextEdit } from 'vscode-languageserver-types';

export const CODE = 'apt-install-recommends';
const FLAG = '--no-install-recommends';
/** Options that may sit between `install` and the flag we add, the way official images write `install -y --no-…`. */
const LEADING_OPTION =
  /^(-[a-zA-Z]+|--(yes|assume-yes|quiet|force-yes|allow-downgrades|allow-remove-essential|allow-change-held-packages|no-upgrade|fix-broken))$/;

function recommendsOff(c: Command): boolean {
  if (hasOption(c, [FLAG])) return true;
  return c.args.some((a) => /APT::Install-Recommends["']?=["']?(0|false|no)/i.test(a.value ?? a.raw));
}

/** Whether a RUN configures apt to skip recommends for every install (not just for one command's -o). */
function configures(i: Instruction): boolean {
  return (
    i.keyword === 'RUN' &&
    /Install-Recommends/.test(i.args) &&
    !/apt(-get)?\s[^;&|]*-o\s*['"]?APT::Install-Recommends/.test(i.args)
  );
}

/**
 * Whether an earlier RUN in the chain (or this one) configures apt to skip recommends for every install: one pass over
 * the file per evaluation, a stage built FROM another starting from where that one ended.
 */
function configuredOff(ctx: RuleContext, run: ShellRun): boolean {
  let configured = ctx.memo?.get('apt-no-recommends') as Set<number> | undefined;
  if (!configured) {
    configured = new Set<number>();
    const atEnd: boolean[] = [];
    for (const stage of ctx.model.stages) {
      let on = stage.base.kind === 'stage' && (atEnd[stage.base.stage] ?? false);
      for (const i of stage.instructions) {
        on ||= configures(i);
        if (on) configured.add(i.index);
      }
      atEnd[stage.index] = on;
    }
    ctx.memo?.set('apt-no-recommends', configured);
  }
  return configured.has(run.inst.index);
}

/** Where the flag goes: after `install` and the simple options that follow it on the same line. */
function flagEdit(lines: LineIndex, run: ShellRun, c: Command): TextEdit {
  const inv = invocation(c, new Set(['-o', '-c', '-t']))!;
  let after = inv.sub!;
  const line = lines.positionAt(fileEnd(run.src, after.end)).line;
  for (let k = inv.subIndex + 1; k < c.args.length; k++) {
    const a = c.args[k]!;
    if (!a.value || !LEADING_OPTION.test(a.value) || lines.positionAt(fileEnd(run.src, a.end)).line !== line) break;
    after = a;
  }
  return insert(lines, fileEnd(run.src, after.end), ` ${FLAG}`);
}

export const aptInstallRecommends: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const installs = topLevel(run.script).filter(isAptInstall);
      if (!installs.length || configuredOff(ctx, run)) continue;
      const missing = installs.filter((c) => !recommendsOff(c));
      if (!missing.length || missing.some((c) => hidesOptions(c, run.inst.scope, (v) => v.includes('recommends'))))
        continue;
      const edits = missing.map((c) => flagEdit(lines, run, c));
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { bound: layerBytes(ctx, run.inst) }),
          `apt-get install without ${FLAG} also installs the packages these merely recommend.`,
          null,
          [{ title: `Add ${FLAG}`, edits, preferred: true }],
        ),
      );
    }
    return out;
  },
};
