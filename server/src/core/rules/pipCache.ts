// pip-cache: `pip install` without --no-cache-dir keeps every downloaded and built wheel under ~/.cache/pip in the
// layer (often as large as the installed packages themselves).
import { hasOption, hidesOptions, pipInstallIndex } from './commands';
import {
  addedUnder,
  bytesNote,
  cacheMountCovers,
  finding,
  linesOf,
  severityOf,
  shellRuns,
  survivingUnder,
} from './context';
import { insert } from './edit';
import { topLevel, type Command } from './shell';
import { fileEnd } from './text';
import type { Finding, RuleContext, SizeRule } from './types';

export const CODE = 'pip-cache';
const CACHE = '/root/.cache/pip';

function cacheOff(c: Command): boolean {
  return hasOption(c, ['--no-cache-dir']) || c.assignments.some((a) => /^PIP_NO_CACHE_DIR=/.test(a.raw));
}

export const pipCache: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const installs = topLevel(run.script).filter((c) => pipInstallIndex(c) >= 0 && !cacheOff(c));
      if (!installs.length || run.inst.scope.get('PIP_NO_CACHE_DIR') !== undefined) continue;
      const args = run.inst.args;
      if (/\bpip[0-9.]*\s+cache\s+(purge|remove)\b/.test(args) || /(\/root|~|\$HOME|\$\{HOME\})\/\.cache\b/.test(args))
        continue;
      if (
        cacheMountCovers(run.inst, CACHE) ||
        run.inst.flags.some((f) => f.name === 'mount' && /target=[^,]*\.cache\/pip/.test(f.value ?? ''))
      )
        continue;
      if (installs.some((c) => hidesOptions(c, run.inst.scope, (v) => v === '--no-cache-dir'))) continue;
      const edits = installs.map((c) =>
        insert(lines, fileEnd(run.src, c.args[pipInstallIndex(c)]!.end), ' --no-cache-dir'),
      );
      const bytes = addedUnder(ctx, run.inst, CACHE);
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { measured: bytes }),
          'pip install without --no-cache-dir keeps its download and wheel cache (~/.cache/pip) in this layer.' +
            bytesNote(CACHE, bytes),
          survivingUnder(ctx, [run.inst], CACHE),
          [{ title: 'Add --no-cache-dir', edits, preferred: true }],
        ),
      );
    }
    return out;
  },
};
