// Hover on an instruction: what the last build made of it — size and share of the image, the layer's digest, the
// history row, the raw CreatedBy — and, on FROM, the base image and what `docker inspect` would tell of the image.
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import type { ImageAnalysis } from './analysis';
import { timingText, type LineTimings } from './buildTiming';
import { instructionAtLine, makesLayer, type DockerfileModel } from './dockerfile';
import { formatBytes, formatDelta, plural } from './format';
import { measureNote, type BuilderKind, type ImageInfo } from './history';
import type { RowLayers } from './layers';
import type { MatchResult } from './match';

export interface HoverInput {
  readonly model: DockerfileModel;
  readonly match: MatchResult;
  readonly image: ImageInfo;
  readonly ref: string;
  /** Why this image (the status bar's reason). */
  readonly reason: string;
  readonly rowLayers: RowLayers;
  /** The engine is unreachable: numbers are the last known. */
  readonly cached: boolean;
  readonly analysis?: ImageAnalysis | null;
  /** Bytes per line (1-based) in the previous build of this file. */
  readonly previous?: ReadonlyMap<number, number>;
  /**
   * How long each line took in the build that made the image: null when it was built elsewhere (the hover says
   * there is no timing), absent when not asked.
   */
  readonly timings?: LineTimings | null;
  /** Images built for other stages (`InstructionMatch.stageImage` indexes them). */
  readonly stageImages?: ReadonlyArray<{
    readonly ref: string;
    readonly info: ImageInfo;
    readonly rowLayers: RowLayers;
  }>;
}

export const BUILDER_NAMES: Record<BuilderKind, string> = {
  legacy: 'legacy builder',
  buildkit: 'BuildKit',
  podman: 'Podman/buildah',
  kaniko: 'kaniko',
  unknown: 'an unknown builder',
};

const pct = (part: number, whole: number) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(part / whole < 0.1 ? 1 : 0)}%` : '—';
const short = (digest: string) => `\`${digest.replace(/^sha256:/, '').slice(0, 12)}\``;
const fence = (text: string) => `\`\`\`text\n${text.replace(/```/g, '``\u200b`')}\n\`\`\``;
const list = (v: readonly string[] | null) => (v && v.length ? `\`${JSON.stringify(v)}\`` : '—');

/** The containerd store's sizes are not file bytes: say so, with the layer's file bytes when the analysis has them. */
function snapshotNote(input: HoverInput, row: number | null, fromStageImage: boolean): string {
  const layer = row !== null && !fromStageImage ? input.rowLayers.layerOf[row] : undefined;
  const facts = layer != null ? input.analysis?.layers[layer] : undefined;
  return `*the engine's ${measureNote('snapshot-disk-usage', facts?.sizeBytes ?? null)}: the layer analysis counts file bytes*`;
}

export function computeHover(input: HoverInput, position: Position): Hover | null {
  const inst = instructionAtLine(input.model, position.line);
  if (!inst) return null;
  const m = input.match.instructions[inst.index]!;
  const lines: string[] = [];
  const cached = input.cached
    ? ' *(cached: the engine is not answering, or answered with an error — the status says which)*'
    : '';

  const image = input.image;
  if (m.status === 'not-built') {
    lines.push(
      `**Not in \`${input.ref}\`.** This stage is not part of the image (only the target stage and the stages it is built FROM are): build it as a target to see its sizes.`,
    );
  } else if (
    m.status === 'base' ||
    (inst.keyword === 'FROM' && m.status === 'stale' && input.match.base?.instruction === inst.index)
  ) {
    const base = input.match.base!;
    lines.push(
      `**base** · ${formatBytes(base.sizeBytes)} in ${plural(base.layers, 'layer')} · ${pct(base.sizeBytes, image.sizeBytes)} of \`${input.ref}\`${cached}`,
    );
    if (base.triggerRows.length)
      lines.push(`its ONBUILD triggers added ${plural(base.triggerRows.length, 'row')} of their own.`);
    if (m.status === 'stale')
      lines.push(
        '⚠ The base on the engine is no longer the one this image was built on: the next build redoes every line.',
      );
    lines.push(
      '',
      `**image** \`${input.ref}\` · ${formatBytes(image.sizeBytes)} · ${image.os ?? '?'}/${image.architecture ?? '?'} · built by ${BUILDER_NAMES[input.match.builder]}`,
      `entrypoint ${list(image.config.entrypoint)} · cmd ${list(image.config.cmd)} · ports ${image.config.exposedPorts.length ? image.config.exposedPorts.join(', ') : '—'}` +
        ` · workdir ${image.config.workingDir ?? '/'} · user ${image.config.user ?? 'root'}`,
      `*${input.reason}*`,
    );
  } else if (inst.keyword === 'FROM') {
    lines.push(`**FROM a stage** · its layers are counted on that stage's lines.`);
  } else {
    // A line of a stage the image does not hold may have its numbers from the image built for that stage.
    const stageImage = m.stageImage !== undefined ? input.stageImages?.[m.stageImage] : undefined;
    const image = stageImage?.info ?? input.image;
    const ref = stageImage?.ref ?? input.ref;
    const rowLayers = stageImage?.rowLayers ?? input.rowLayers;
    const row = m.row !== null ? image.history[m.row] : undefined;
    if (m.layerBytes !== null) {
      const prev = input.previous?.get(inst.range.start.line + 1);
      const delta =
        prev !== undefined && prev !== m.layerBytes
          ? ` (was ${formatBytes(prev)}, ${formatDelta(m.layerBytes - prev)})`
          : '';
      lines.push(
        `**${formatBytes(m.layerBytes)}**${delta} · ${pct(m.layerBytes, image.sizeBytes)} of \`${ref}\` (${formatBytes(image.sizeBytes)})${cached}`,
      );
      if (image.sizeMeasure === 'snapshot-disk-usage') lines.push(snapshotNote(input, m.row, !!stageImage));
      const timing =
        input.timings !== undefined && !stageImage && m.status === 'matched'
          ? timingText(input.timings, inst.range.start.line + 1)
          : null;
      if (timing) lines.push(timing);
      if (stageImage)
        lines.push(`*This stage is not in \`${input.ref}\`; its numbers come from \`${ref}\`, built for it.*`);
    } else if (m.status === 'metadata') {
      lines.push(`**no filesystem layer** (${inst.keyword} changes only the image's configuration)${cached}`);
    }
    if (m.status === 'stale') {
      const later = input.match.instructions.filter((x, k) => k > inst.index && x.rebuilds).length;
      lines.push(
        row
          ? `⚠ **Edited since the build.** The size is the old line's; the next build redoes this line and ${plural(later, 'line')} after it.`
          : `⚠ **Not built yet.** The next build runs it and redoes ${plural(later, 'line')} after it.`,
      );
    } else if (m.rebuilds) {
      lines.push('↻ An earlier line changed: the next build redoes this one too.');
    }
    if (row) {
      const layer = rowLayers.layerOf[m.row!];
      const layerText =
        layer != null
          ? `layer ${layer + 1} of ${image.layers.length} · ${image.layers[layer] ? short(image.layers[layer]) : '?'}`
          : makesLayer(inst.keyword)
            ? 'layer not known'
            : 'empty layer';
      lines.push(
        '',
        `${layerText} · history row ${row.id ? short(row.id) : '`<missing>`'} · ${row.created ? row.created.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : 'no date'} · ${BUILDER_NAMES[input.match.builder]}`,
        fence(row.createdBy || '(empty)'),
      );
      const facts = layer != null && !stageImage ? input.analysis?.layers[layer] : undefined;
      if (facts && facts.topPaths.length) {
        lines.push(
          '',
          `**largest paths this layer added** (${facts.added} added, ${facts.modified} modified, ${facts.removed} removed)`,
          ...facts.topPaths.slice(0, 10).map((p) => `- \`${p.path}\` ${formatBytes(p.bytes)}`),
        );
        if (facts.removableBytes > 0)
          lines.push(
            `${formatBytes(facts.removableBytes)} of it is deleted or overwritten later: the image ships it for nothing.`,
          );
      }
    }
  }
  return {
    contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n').replace(/\n\n\n+/g, '\n\n') },
    range: inst.range,
  };
}
