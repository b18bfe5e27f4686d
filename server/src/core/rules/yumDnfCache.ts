// yum-dnf-cache: yum, dnf, microdnf or tdnf installing packages in a RUN that never runs `clean all`: repository
// metadata (often 100+ MB on EL) and downloaded packages stay under /var/cache/{yum,dnf} in the layer.
import { isRpmInstall } from './commands';
import { addedUnder, cacheMountCovers, finding, linesOf, severityOf, shellRuns, survivingUnder } from './context';
import { appendCommand } from './edit';
import { formatBytes } from '../format';
import { topLevel } from './shell';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'yum-dnf-cache';
const CACHES = ['/var/cache/dnf', '/var/cache/yum', '/var/cache/libdnf5'];
const CLEANED = /\b(yum|dnf|dnf5|microdnf|tdnf)\b[^;&|\n]*\bclean\b/;

/** Σ over the caches (null when none was measured). */
function sumMeasured(values: ReadonlyArray<number | null>): number | null {
  return values.every((b) => b === null) ? null : values.reduce<number>((s, b) => s + (b ?? 0), 0);
}

export const yumDnfCache: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      const installs = topLevel(run.script).filter(isRpmInstall);
      if (!installs.length || CLEANED.test(run.inst.args)) continue;
      if (CACHES.some((c) => run.inst.args.includes(c) || cacheMountCovers(run.inst, c))) continue;
      if (run.script.commands.some((c) => c.depth > 0 && isRpmInstall(c))) continue;
      const tool = installs.at(-1)!.name!;
      const edit = appendCommand(ctx, run, `${tool} clean all`);
      const fixes: Fix[] = edit ? [{ title: `Append ${tool} clean all`, edits: [edit], preferred: true }] : [];
      const bytes = sumMeasured(CACHES.map((c) => addedUnder(ctx, run.inst, c)));
      const note = bytes === null ? '' : ` Its caches add ${formatBytes(bytes)} to this layer.`;
      out.push(
        finding(
          CODE,
          lines,
          run.inst,
          severityOf(ctx, run.inst, 'warning', { measured: bytes }),
          `${tool} installs without "${tool} clean all": repository metadata and packages stay in /var/cache in this layer.` +
            note,
          sumMeasured(CACHES.map((c) => survivingUnder(ctx, [run.inst], c))),
          fixes,
        ),
      );
    }
    return out;
  },
};
