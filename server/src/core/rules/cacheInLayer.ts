// cache-in-layer (needs the image's analysis): a RUN leaves measured bytes under a folder that holds caches or
// scratch files by convention (~/.cache, /tmp, /var/tmp, yarn's global cache) and no later instruction names that
// folder: the image ships files nothing after the build needs. Only the bytes that reach the image count (a later
// deletion is cleanup-in-later-layer's), and caches other rules own are theirs (~/.cache/pip: pip-cache).
// The fix deletes the folder's contents at the end of the same RUN; it is preferred for /tmp and /var/tmp, which
// programs may not expect to keep (FHS), and offered only for caches, which an app might read when it starts.
import { formatBytes } from '../format';
import type { Instruction } from '../dockerfile';
import { finding, linesOf, measuredLayer, severityOf, type ShellRun, shellRuns, survivingUnder } from './context';
import { appendCommand } from './edit';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'cache-in-layer';

interface CacheFolder {
  readonly path: string;
  /** How an instruction names the folder (a later one that does may read what the RUN left there). */
  readonly named: RegExp;
  /** What the fix appends to the RUN. */
  readonly clean: string;
  /** Scratch space no program may count on keeping (the fix is then the preferred one). */
  readonly scratch: boolean;
  /** Subfolders another rule reports. */
  readonly owned: readonly string[];
}

const HOME = String.raw`(?:/root|~|\$HOME|\$\{HOME\})`;

const FOLDERS: readonly CacheFolder[] = [
  {
    path: '/root/.cache',
    named: new RegExp(`${HOME}/\\.cache\\b`),
    clean: 'rm -rf /root/.cache',
    scratch: false,
    owned: ['/root/.cache/pip'],
  },
  { path: '/tmp', named: /(?<![\w.-])\/tmp\b/, clean: 'rm -rf /tmp/*', scratch: true, owned: [] },
  { path: '/var/tmp', named: /\/var\/tmp\b/, clean: 'rm -rf /var/tmp/*', scratch: true, owned: [] },
  {
    path: '/usr/local/share/.cache',
    named: /\/usr\/local\/share\/\.cache\b/,
    clean: 'rm -rf /usr/local/share/.cache',
    scratch: false,
    owned: [],
  },
];

/** Bytes the RUN's layer leaves under the folder that reach the image, less what other rules report; null unmeasured. */
function leftUnder(ctx: RuleContext, inst: Instruction, folder: CacheFolder): number | null {
  const all = survivingUnder(ctx, [inst], folder.path);
  if (all === null) return null;
  return folder.owned.reduce((left, sub) => left - (survivingUnder(ctx, [inst], sub) ?? 0), all);
}

const within = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** Whether an instruction after `inst` names the folder (it may read what was left there), heredoc bodies included. */
function namedLater(ctx: RuleContext, inst: Instruction, folder: CacheFolder): boolean {
  const lines = linesOf(ctx);
  return ctx.model.instructions.some(
    (i) =>
      i.index > inst.index &&
      folder.named.test(lines.text.slice(lines.offsetAt(i.range.start), lines.offsetAt(i.range.end))),
  );
}

/** The largest paths of the RUN's layer under the folder, from the analysis (its ten largest), for the message. */
function largest(ctx: RuleContext, inst: Instruction, folder: CacheFolder): string {
  const layer = measuredLayer(ctx, inst);
  const top = (layer === null ? undefined : ctx.analysis?.layers[layer]?.topPaths) ?? [];
  const inside = top.filter((p) => within(p.path, folder.path) && !folder.owned.some((o) => within(p.path, o)));
  return inside.length
    ? ` (${inside
        .slice(0, 3)
        .map((p) => `${p.path} ${formatBytes(p.bytes)}`)
        .join(', ')})`
    : '';
}

function cleanFix(ctx: RuleContext, run: ShellRun, folder: CacheFolder): Fix[] {
  const edit = appendCommand(ctx, run, folder.clean);
  return edit ? [{ title: `Append ${folder.clean} to this RUN`, edits: [edit], preferred: folder.scratch }] : [];
}

export const cacheInLayer: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    if (!ctx.analysis || !ctx.contents) return [];
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const run of shellRuns(ctx)) {
      for (const folder of FOLDERS) {
        const bytes = leftUnder(ctx, run.inst, folder);
        // Cleaned already (then what is measured is an older build's), or read later: not this rule's to say.
        if (!bytes || bytes <= 0 || run.src.text.includes(folder.clean) || namedLater(ctx, run.inst, folder)) continue;
        const severity = severityOf(ctx, run.inst, 'warning', { measured: bytes });
        const message =
          `This RUN leaves ${formatBytes(bytes)} under ${folder.path} in its layer${largest(ctx, run.inst, folder)}, and ` +
          `no later instruction names that folder: ${folder.scratch ? 'scratch files' : 'a cache'} the image does not need.`;
        out.push(finding(CODE, lines, run.inst, severity, message, bytes, cleanFix(ctx, run, folder)));
      }
    }
    return out;
  },
};
