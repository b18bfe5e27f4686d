// large-base-image: the image is built on a base that has a much smaller variant — a full language image (compilers,
// headers, docs) where -slim runs the app, a JDK where a JRE does, the .NET SDK where the ASP.NET runtime does,
// debian where debian-slim does. Only the base of the image's own chain counts (a builder stage's base never ships).
// ubuntu has no slim tags: whether a slim Debian or a distroless runtime suits the app is not knowable from the file.
import { expandVars } from '../vars';
import { formatBytes } from '../format';
import { stageChain, type DockerfileModel, type Stage } from '../dockerfile';
import { finding, imageStages, linesOf, severityOf } from './context';
import { replace } from './edit';
import { smallerVariants, tableSize, TABLE_DATE, type Variant } from './baseImages';
import { fileEnd, fileOffset, instructionSource, LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'large-base-image';

function rootOf(model: DockerfileModel, stages: ReadonlySet<number>): Stage | null {
  const root = model.stages.find((s) => stages.has(s.index) && s.base.kind !== 'stage');
  return root && root.base.kind === 'image' ? root : null;
}

/** The base of the image and its smaller variants: what the IO side asks the engine or a registry to size. */
export function baseImageCandidates(model: DockerfileModel): Array<{ from: string; variants: string[] }> {
  const last = model.stages.length - 1;
  const root = last >= 0 ? rootOf(model, new Set(stageChain(model, last))) : null;
  if (!root || root.base.kind !== 'image') return [];
  const variants = smallerVariants(root.base.ref);
  return variants.length ? [{ from: root.base.ref, variants: variants.map((v) => v.tag) }] : [];
}

/** The FROM's image word rewritten to name `to`, keeping its variables when a suffix change allows; null if not. */
function rewrite(
  model: DockerfileModel,
  lines: LineIndex,
  stage: Stage,
  ref: string,
  to: string,
): Fix['edits'][number] | null {
  const src = instructionSource(model, stage.from, lines);
  if (!src) return null;
  const raw = /^\S+/.exec(src.text)?.[0];
  if (!raw) return null;
  let next: string;
  if (raw === ref) next = to;
  else {
    let p = 0;
    while (p < ref.length && p < to.length && ref[p] === to[p]) p++;
    const oldRest = ref.slice(p);
    if (!raw.endsWith(oldRest)) return null;
    next = raw.slice(0, raw.length - oldRest.length) + to.slice(p);
  }
  if (expandVars(next, stage.from.scope, model.escape) !== to) return null;
  return replace(lines, fileOffset(src, 0), fileEnd(src, raw.length), next);
}

function sized(
  ctx: RuleContext,
  ref: string,
  family: string,
  kind: string,
): { bytes: number | null; measured: boolean } {
  const m = ctx.imageSizes.get(ref);
  return m !== undefined ? { bytes: m, measured: true } : { bytes: tableSize(family, kind), measured: false };
}

/** Where measured sizes came from, as the message says it (Docker Hub by its name, other registries by host). */
function measuredWhere(ctx: RuleContext): string {
  const host =
    ctx.imageSizesRegistry === 'registry-1.docker.io' ? 'Docker Hub' : (ctx.imageSizesRegistry ?? 'the registry');
  switch (ctx.imageSizesFrom) {
    case 'registry':
      return `compressed, from ${host}`;
    case 'analysis':
      return `uncompressed, from the cached layer analyses of ${host}'s images`;
    default:
      return 'from the engine';
  }
}

export const largeBaseImage: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const stages = imageStages(ctx);
    const root = rootOf(ctx.model, stages);
    if (!root || root.base.kind !== 'image') return [];
    const ref = root.base.ref;
    const variants = smallerVariants(ref);
    if (!variants.length) return [];
    const lines = linesOf(ctx);
    const runs = ctx.model.instructions
      .filter((i) => stages.has(i.stage) && i.keyword === 'RUN')
      .map((i) => i.args)
      .join('\n');
    const best = variants[0]!;
    const from = sized(ctx, ref, best.family, best.fromKind);
    const to = sized(ctx, best.tag, best.family, best.toKind);
    const both = from.measured && to.measured;
    const where = both ? measuredWhere(ctx) : `from the table of ${TABLE_DATE} (Docker Hub, linux/amd64)`;
    const size = (s: { bytes: number | null }) => (s.bytes === null ? '' : ` (${formatBytes(s.bytes)})`);
    const fixes: Fix[] = [];
    let preferredTaken = false;
    for (const v of variants) {
      if (v.unsafeIf.test(runs)) continue;
      const edit = rewrite(ctx.model, lines, root, ref, v.tag);
      if (!edit) continue;
      const preferred: boolean = v.preferred && !preferredTaken;
      preferredTaken ||= preferred;
      fixes.push({ title: `Switch the base to ${v.tag}${v.musl ? ' (musl libc)' : ''}`, edits: [edit], preferred });
    }
    const saving = both && from.bytes !== null && to.bytes !== null ? from.bytes - to.bytes : null;
    const musl = variants.find((v: Variant) => v.musl);
    const message =
      `${ref}${size(from)} is a large base image: ${best.tag}${size(to)} is smaller` +
      `${best.note ? ` (${best.note})` : ''}; sizes ${where}.` +
      (best.musl ? ' It uses musl libc: native modules and glibc binaries may not run there.' : '') +
      (musl && musl !== best
        ? ` ${musl.tag} is smaller still but uses musl libc: native modules and glibc binaries may not run there.`
        : '') +
      (fixes.length
        ? ''
        : ' The stage builds or installs things the smaller image may lack, so the switch is left to you.');
    return [
      finding(
        CODE,
        lines,
        root.from,
        severityOf(ctx, root.from, 'warning', { measured: saving }),
        message,
        saving,
        fixes,
      ),
    ];
  },
};
