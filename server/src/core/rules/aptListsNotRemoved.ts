// apt-lists-not-removed: `apt-get install` in a RUN that leaves the package lists `apt-get update` downloaded
// (/var/lib/apt/lists, typically 15–40 MB) in its layer. Removing them in a later RUN does not shrink the image:
// the bytes stay in this layer.
import { stageChain } from '../dockerfile';
import { aptUsesLists, isAptInstall, isAptUpdate } from './commands';
import { addedUnder, bytesNote, cacheMountCovers, finding, linesOf, severityOf, type ShellRun, shellRuns } from './context';
import { appendCommand } from './edit';
import { topLevel } from './shell';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'apt-lists-not-removed';
const LISTS = '/var/lib/apt/lists';
const UPDATE = /\bapt(?:-get)?\b[^;&|\n]*\bupdate\b/;

/** The lists are handled when the RUN mentions them at all (rm, find -delete), runs dist-clean, or mounts a cache. */
export function listsHandled(run: ShellRun): boolean {
  return run.inst.args.includes(LISTS) || /\bdist-clean\b/.test(run.inst.args) || cacheMountCovers(run.inst, LISTS);
}

/** Whether some RUN before `run` in its stage chain ran `apt-get update` (its lists are still there). */
export function updatedBefore(ctx: RuleContext, run: ShellRun): boolean {
  const chain = new Set(stageChain(ctx.model, run.inst.stage));
  return ctx.model.instructions.some((i) => i.index < run.inst.index && chain.has(i.stage) && i.keyword === 'RUN' && UPDATE.test(i.args));
}

export const aptListsNotRemoved: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const installs = topLevel(run.script).filter(isAptInstall);
      if (!installs.length || listsHandled(run)) continue;
      // Without an update the lists are the base image's (empty in official images): nothing to remove.
      if (!run.script.commands.some(isAptUpdate) && !updatedBefore(ctx, run)) continue;
      // An install nested in an if/for would make "the end of the RUN" a guess about what ran.
      if (run.script.commands.some((c) => c.depth > 0 && aptUsesLists(c))) continue;
      const lists = addedUnder(ctx, run.inst, LISTS);
      const cache = addedUnder(ctx, run.inst, '/var/cache/apt');
      const clean = cache !== null && cache > 0;
      const command = clean ? 'apt-get clean && rm -rf /var/lib/apt/lists/*' : 'rm -rf /var/lib/apt/lists/*';
      const edit = appendCommand(ctx.model, lines, run, command);
      const fixes: Fix[] = edit ? [{ title: `Remove the package lists in the same RUN (${command})`, edits: [edit], preferred: true }] : [];
      const saving = lists === null ? null : lists + (clean ? cache : 0);
      const cacheNote = clean ? bytesNote('/var/cache/apt', cache) : '';
      out.push(finding(CODE, lines, run.inst, severityOf(ctx, run.inst, 'warning', { measured: saving }),
        `apt-get install leaves the package lists of apt-get update in this layer: remove ${LISTS}/* in the same RUN.` +
        bytesNote(LISTS, lists) + cacheNote, saving, fixes));
    }
    return out;
  },
};
