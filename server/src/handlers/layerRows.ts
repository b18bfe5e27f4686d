// The image's layers as the explorer lists them: each with the row that made it, the instruction (if a line of this
// file made it), its stage, and whether it belongs to the base (the base image's layers and its ONBUILD triggers).
import { normaliseRow } from '../core/history';
import { modelShells } from '../core/layers';
import type { DocumentView } from '../state/session';

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

export function layerRows(view: DocumentView): LayerRow[] {
  const match = view.match!;
  const info = view.state.image!.info;
  const byRow = new Map<number, number>();
  // Lines whose numbers come from an image built for another stage have rows of that image, not of this one.
  match.instructions.forEach((m, k) => {
    if (m.row !== null && m.stageImage === undefined) byRow.set(m.row, k);
  });
  const baseEnd = (match.base?.rows ?? 0) + (match.base?.triggerRows.length ?? 0);
  const out: LayerRow[] = [];
  const lines = view.model.text.split(/\r\n|\n|\r/);
  const shells = modelShells(view.model);
  let stage = match.chain[0] ?? 0;
  info.history.forEach((h, row) => {
    const layer = view.rowLayers!.layerOf[row];
    const k = byRow.get(row);
    const inst = k !== undefined ? view.model.instructions[k] : undefined;
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
      status: k !== undefined ? match.instructions[k]!.status : row < baseEnd ? 'base' : 'unexplained',
      range: inst ? { startLine: inst.range.start.line, endLine: inst.range.end.line } : null,
    });
  });
  return out;
}
