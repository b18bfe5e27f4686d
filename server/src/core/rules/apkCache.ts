// apk-cache: `apk add` without --no-cache keeps the package index (and, with `apk update`, its download) under
// /var/cache/apk in the layer. With --no-cache apk fetches the index into memory, so a separate `apk update` has
// nothing left to do and goes too.
import { apkSub, hasOption, hidesOptions, invocation } from './commands';
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
import { insert, removeCommand } from './edit';
import { topLevel } from './shell';
import { fileEnd } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';
import type { TextEdit } from 'vscode-languageserver-types';

export const CODE = 'apk-cache';
const CACHE = '/var/cache/apk';

export const apkCache: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const top = topLevel(run.script);
      const adds = top.filter((c) => {
        const sub = apkSub(c);
        return (sub === 'add' || sub === 'upgrade') && !hasOption(c, ['--no-cache']);
      });
      if (
        !adds.length ||
        run.inst.args.includes(CACHE) ||
        /\bapk\s+cache\s+clean\b/.test(run.inst.args) ||
        cacheMountCovers(run.inst, CACHE)
      )
        continue;
      if (adds.some((c) => hidesOptions(c, run.inst.scope, (v) => v === '--no-cache'))) continue;
      const edits: TextEdit[] = adds.map((c) =>
        insert(lines, fileEnd(run.src, invocation(c, new Set(['-X', '--repository']))!.sub!.end), ' --no-cache'),
      );
      let safe = !run.script.commands.some((c) => c.depth > 0 && apkSub(c) === 'update');
      for (const u of top.filter((c) => apkSub(c) === 'update')) {
        const e = removeCommand(lines, run, u);
        if (e === null || e === 'instruction') safe = false;
        else edits.push(e);
      }
      const fixes: Fix[] = safe
        ? [{ title: 'Add --no-cache to apk (and drop the apk update it makes unnecessary)', edits, preferred: true }]
        : [];
      const bytes = addedUnder(ctx, run.inst, CACHE);
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { measured: bytes }),
          `apk add without --no-cache keeps the package index in ${CACHE} in this layer.` + bytesNote(CACHE, bytes),
          survivingUnder(ctx, [run.inst], CACHE),
          fixes,
        ),
      );
    }
    return out;
  },
};
