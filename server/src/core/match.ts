// Pairs an image's history rows with the Dockerfile's instructions, and says for each instruction what the last
// build made of it: its layer and size, whether its text changed since (stale), whether the next build redoes it.
//
// Only the target stage's chain is in an image (the stage and the stages it is built FROM, root first), preceded by
// the base image's rows and, when the base has ONBUILD triggers, rows no line of this file wrote. Rows and
// instructions are aligned in order (a global alignment of the chain against the rows after the base), so an edited
// line pairs with its old row (stale) instead of breaking everything after it.
import { makesLayer, stageChain, type DockerfileModel, type Instruction } from './dockerfile';
import { sameInstruction } from './compare';
import { detectBuilder, normaliseRow, shellPrefixes, type BuilderKind, type HistoryRow, type Step } from './history';

export type Status = 'base' | 'matched' | 'stale' | 'not-built' | 'metadata';

export interface InstructionMatch {
  readonly status: Status;
  /** The layer's size from the history row; for the root FROM the base (and ONBUILD trigger) total. */
  readonly layerBytes: number | null;
  /** True when the next build redoes this instruction (at or after the first change in its stage chain). */
  readonly rebuilds: boolean;
  /** The paired history row (index, oldest first), if any. */
  readonly row: number | null;
  /** Set when the numbers come from another image built for this file (a stage target): its index in the overlay. */
  readonly stageImage?: number;
}

export interface BaseMatch {
  /** The root FROM of the chain. */
  readonly instruction: number;
  /** History rows of the base image (oldest first: 0..rows-1). */
  readonly rows: number;
  readonly layers: number;
  readonly sizeBytes: number;
  /** Rows right after the base that no line explains: the base's ONBUILD triggers. */
  readonly triggerRows: readonly number[];
}

export interface MatchResult {
  readonly builder: BuilderKind;
  /** The stages in the image, root first. */
  readonly chain: readonly number[];
  /** One entry per model instruction, same order. */
  readonly instructions: readonly InstructionMatch[];
  readonly base: BaseMatch | null;
  /** Share of the chain's layer-making instructions whose row was found unchanged, in order (0..1). */
  readonly score: number;
}

export interface MatchOptions {
  /** The stage the image was built for (default: the last). */
  readonly stage?: number;
  /** Length of the base image's own history, when the base is known (its rows are a prefix of the image's). */
  readonly baseRows?: number;
  /** Layer count of the base image, when known. */
  readonly baseLayers?: number;
  /** The base image known locally is not the one the image was built on: everything rebuilds. */
  readonly baseChanged?: boolean;
}

interface Image {
  readonly history: readonly HistoryRow[];
  readonly layers: readonly string[];
}

const SAME = 4;
const CHANGED = 1;
/** Up to this much more for an edited line whose words are closer to the row's: of two candidate rows, the likelier. */
const SIMILARITY = 0.5;
const MISSING_ROW = -2;
const EXTRA_ROW = -2;
const TRIGGER_ROW = -0.5;
/** Rows after the last line: lines not typed yet, or removed from the end. Cheap, so that a file being typed still anchors. */
const TRAILING_ROW = -0.25;

/** Whether this builder writes a history row for the keyword (kaniko writes none for metadata, BuildKit none for ONBUILD). */
function expectsRow(keyword: string, builder: BuilderKind): boolean {
  if (builder === 'kaniko') return makesLayer(keyword) || keyword === 'WORKDIR';
  if (builder === 'buildkit') return keyword !== 'ONBUILD' && keyword !== 'MAINTAINER';
  return true;
}

/** Whether the row of a WORKDIR is a real layer: BuildKit, legacy and kaniko make one, Podman does not. */
function workdirIsLayer(row: HistoryRow, builder: BuilderKind): boolean {
  return row.emptyLayer === null ? builder !== 'podman' : !row.emptyLayer;
}

export function matchHistory(model: DockerfileModel, image: Image, opts: MatchOptions = {}): MatchResult {
  const rows = image.history;
  const target = opts.stage ?? model.stages.length - 1;
  const chain = target >= 0 ? stageChain(model, target) : [];
  const seq: Instruction[] = chain.flatMap((s) => model.stages[s]!.instructions);
  const shells = shellPrefixes(model.instructions.filter((i) => i.keyword === 'SHELL' && i.json).map((i) => i.json!));
  const steps: Step[] = rows.map((r) => normaliseRow(r, shells));
  const builder = detectBuilder(rows);
  const knownBase = opts.baseRows !== undefined && opts.baseRows >= 0 && opts.baseRows <= rows.length;
  const start = knownBase ? opts.baseRows : 0;

  let pairs = align(model, seq, steps, start, knownBase, builder, shells);
  // With the base unknown and not one unchanged line, nothing shows that this file built the image: pairs of changed
  // lines would only be guesses (a base's own `CMD` is not an edited `CMD` of this file).
  if (!knownBase && !pairs.some((p) => p.same)) pairs = seq.map((_, k) => ({ inst: k, row: -1, same: false }));

  // The base: known rows, or the rows before the first paired one.
  const firstPaired = pairs.reduce((min, p) => (p.row >= 0 && p.row < min ? p.row : min), rows.length);
  const baseRows = knownBase ? start : firstPaired;
  const triggerRows: number[] = [];
  for (let r = baseRows; r < firstPaired; r++) triggerRows.push(r);

  const out: InstructionMatch[] = model.instructions.map((i) => ({
    status: i.stage < 0 ? 'metadata' : 'not-built',
    layerBytes: null,
    rebuilds: false,
    row: null,
  }));
  let base: BaseMatch | null = null;
  const rootStage = chain.length ? model.stages[chain[0]!]! : undefined;
  if (rootStage) {
    const baseSize = sum(rows, 0, baseRows);
    const triggers = triggerRows.reduce((s, r) => s + rows[r]!.sizeBytes, 0);
    base = {
      instruction: rootStage.from.index,
      rows: baseRows,
      sizeBytes: baseSize,
      triggerRows,
      layers: opts.baseLayers ?? countLayers(rows, baseRows),
    };
    out[rootStage.from.index] = {
      status: opts.baseChanged ? 'stale' : 'base',
      layerBytes: rootStage.base.kind === 'scratch' ? 0 : baseSize + triggers,
      rebuilds: !!opts.baseChanged,
      row: null,
    };
    for (const s of chain.slice(1))
      out[model.stages[s]!.from.index] = { status: 'metadata', layerBytes: null, rebuilds: false, row: null };
  }

  let broken = !!opts.baseChanged;
  let lastRow = firstPaired - 1;
  let exact = 0;
  let layered = 0;
  for (const p of pairs) {
    const inst = seq[p.inst]!;
    const row = p.row >= 0 ? rows[p.row]! : null;
    if (row && p.row > lastRow + 1) broken = true; // rows between: a line deleted since the build
    if (row) lastRow = p.row;
    const layerKind =
      makesLayer(inst.keyword) || (inst.keyword === 'WORKDIR' && row !== null && workdirIsLayer(row, builder));
    let status: Status;
    if (!row) status = expectsRow(inst.keyword, builder) ? 'stale' : 'metadata';
    else if (!p.same) status = 'stale';
    else status = layerKind ? 'matched' : 'metadata';
    if (status === 'stale') broken = true;
    if (makesLayer(inst.keyword)) {
      layered++;
      if (row && p.same) exact++;
    }
    out[inst.index] = {
      status,
      layerBytes: row && layerKind ? row.sizeBytes : null,
      rebuilds: broken,
      row: row ? p.row : null,
    };
  }
  const withRows = pairs.filter((p) => p.row >= 0 && p.same).length;
  const score = layered ? exact / layered : seq.length ? withRows / seq.length : 0;
  return { builder, chain, instructions: out, base, score };
}

interface Pair {
  inst: number;
  row: number;
  same: boolean;
}

/** Global alignment of `seq` against rows[start..]; leading rows are free when the base is not known. */
function align(
  model: DockerfileModel,
  seq: Instruction[],
  steps: Step[],
  start: number,
  knownBase: boolean,
  builder: BuilderKind,
  shells: readonly string[],
): Pair[] {
  const n = seq.length;
  const m = steps.length - start;
  const W = m + 1;
  const score = new Float64Array((n + 1) * W);
  const move = new Uint8Array((n + 1) * W); // 1 pair-same, 2 pair-changed, 3 skip instruction, 4 skip row
  const skipInst = seq.map((i) => (expectsRow(i.keyword, builder) ? MISSING_ROW : 0));
  const instWords: Array<Set<string> | undefined> = [];
  const stepWords: Array<Set<string> | undefined> = [];
  const similarity = (i: number, j: number) => {
    const a = (instWords[i] ??= words(seq[i]!.args));
    const b = (stepWords[j] ??= words(steps[start + j]!.args));
    let common = 0;
    for (const w of a) if (b.has(w)) common++;
    return common ? common / (a.size + b.size - common) : 0;
  };
  const leadRow = knownBase ? TRIGGER_ROW : 0;
  for (let j = 1; j <= m; j++) {
    score[j] = score[j - 1]! + leadRow;
    move[j] = 4;
  }
  for (let i = 1; i <= n; i++) {
    const inst = seq[i - 1]!;
    const row0 = i * W;
    score[row0] = score[row0 - W]! + skipInst[i - 1]!;
    move[row0] = 3;
    for (let j = 1; j <= m; j++) {
      const step = steps[start + j - 1]!;
      let best = score[row0 - W + j]! + skipInst[i - 1]!;
      let mv = 3;
      const viaRow = score[row0 + j - 1]! + (i === n ? TRAILING_ROW : EXTRA_ROW);
      if (viaRow > best) {
        best = viaRow;
        mv = 4;
      }
      if (step.keyword === inst.keyword) {
        const same = sameInstruction(inst, step, model.escape, shells);
        const viaPair = score[row0 - W + j - 1]! + (same ? SAME : CHANGED + SIMILARITY * similarity(i - 1, j - 1));
        if (viaPair >= best) {
          best = viaPair;
          mv = same ? 1 : 2;
        }
      }
      score[row0 + j] = best;
      move[row0 + j] = mv;
    }
  }
  const pairs: Pair[] = [];
  for (let i = n, j = m; i > 0 || j > 0;) {
    const mv = move[i * W + j]!;
    if (mv === 1 || mv === 2) {
      pairs.push({ inst: i - 1, row: start + j - 1, same: mv === 1 });
      i--;
      j--;
    } else if (mv === 3) {
      pairs.push({ inst: i - 1, row: -1, same: false });
      i--;
    } else j--;
  }
  return pairs.reverse();
}

function words(text: string): Set<string> {
  return new Set(text.split(/[\s;&|]+/).filter(Boolean));
}

function sum(rows: readonly HistoryRow[], from: number, to: number): number {
  let s = 0;
  for (let r = from; r < to; r++) s += rows[r]!.sizeBytes;
  return s;
}

/** Layers among the first `count` rows: from the config's empty_layer when known, else the rows with bytes. */
function countLayers(rows: readonly HistoryRow[], count: number): number {
  let n = 0;
  for (let r = 0; r < count; r++) {
    const row = rows[r]!;
    if (row.emptyLayer === null ? row.sizeBytes > 0 : !row.emptyLayer) n++;
  }
  return n;
}

/**
 * The numbers of stages the image does not hold, from images built for those stages (`--target <stage>`): each other
 * match fills the instructions that are `not-built` in `main` and built in it. The main image's own lines never change.
 */
export function overlayStages(main: MatchResult, others: readonly MatchResult[]): MatchResult {
  if (!others.length) return main;
  const instructions = main.instructions.map((m, k) => {
    if (m.status !== 'not-built') return m;
    for (const [i, other] of others.entries()) {
      const o = other.instructions[k];
      if (o && o.status !== 'not-built' && o.status !== 'base') return { ...o, stageImage: i };
    }
    return m;
  });
  return { ...main, instructions };
}
