// The image's layers as the explorer lists them: each with the row that made it, the instruction (if a line of this
// file made it), its stage, and whether it belongs to the base (the base image's layers and its ONBUILD triggers).
import type { DockerfileModel } from '../core/dockerfile';
import type { LayerFacts } from '../core/analysis';
import { formatBytes } from '../core/format';
import { measureNote, normaliseRow, type ImageInfo, type SizeMeasure } from '../core/history';
import { layerName } from './fileNodes';
import { modelShells } from '../core/layers';
import type { MatchResult } from '../core/match';

/** What the rows are read from: the document's model, its match against the image, and which row made which layer. */
interface RowsInput {
  readonly model: DockerfileModel;
  readonly match: MatchResult;
  readonly info: ImageInfo;
  /** Per history row, the layer it made (null: none). */
  readonly layerOf: readonly (number | null)[];
}

export interface LayerRow {
  /** Index in the image's layers (RootFS order). */
  readonly layer: number;
  /** History row (oldest first). */
  readonly row: number;
  readonly base: boolean;
  readonly stage: number;
  readonly instruction: number | null;
  readonly keyword: string;
  readonly label: string;
  readonly createdBy: string;
  readonly sizeBytes: number;
  readonly status: string;
  readonly range: { readonly startLine: number; readonly endLine: number } | null;
}

const MAX_LABEL = 120;

export function layerRows(input: RowsInput): LayerRow[] {
  const { model, match, info } = input;
  const byRow = new Map<number, number>();
  // Lines whose numbers come from an image built for another stage have rows of that image, not of this one.
  match.instructions.forEach((m, k) => {
    if (m.row !== null && m.stageImage === undefined) byRow.set(m.row, k);
  });
  const baseEnd = (match.base?.rows ?? 0) + (match.base?.triggerRows.length ?? 0);
  const out: LayerRow[] = [];
  const lines = model.text.split(/\r\n|\n|\r/);
  const shells = modelShells(model);
  let stage = match.chain[0] ?? 0;
  info.history.forEach((h, row) => {
    const layer = input.layerOf[row];
    const k = byRow.get(row);
    const inst = k !== undefined ? model.instructions[k] : undefined;
    if (inst) stage = inst.stage;
    if (layer == null) return;
    const text = inst ? (lines[inst.range.start.line] ?? '').trim() : h.createdBy.replace(/ # buildkit$/, '');
    out.push({
      layer,
      row,
      base: row < baseEnd && !inst,
      stage,
      instruction: k ?? null,
      keyword: inst?.keyword ?? normaliseRow(h, shells).keyword ?? 'RUN',
      label: text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text || '(no CreatedBy)',
      createdBy: h.createdBy,
      sizeBytes: h.sizeBytes,
      status: (k !== undefined ? match.instructions[k]?.status : undefined) ?? (row < baseEnd ? 'base' : 'unexplained'),
      range: inst ? { startLine: inst.range.start.line, endLine: inst.range.end.line } : null,
    });
  });
  return out;
}

/** A layer node's detail (the tooltip): its size and what it measures, what it changed, and its CreatedBy. */
export function layerDetail(
  row: LayerRow,
  facts: LayerFacts | undefined,
  layers: number,
  measure: SizeMeasure,
): string {
  return [
    `**${row.keyword}** · ${formatBytes(row.sizeBytes)} (${measureNote(measure, facts?.sizeBytes ?? null)}) · ${layerName(row.layer)} of ${String(layers)}`,
    facts
      ? `${String(facts.added)} added · ${String(facts.modified)} modified · ${String(facts.removed)} removed${facts.removableBytes ? ` · ${formatBytes(facts.removableBytes)} removable later` : ''}`
      : '',
    '```text',
    row.createdBy || '(no CreatedBy)',
    '```',
  ]
    .filter(Boolean)
    .join('\n\n');
}
