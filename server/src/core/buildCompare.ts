// Why did the image grow? Two images set side by side through one Dockerfile (NEW's): each instruction's layer in
// both, lined up by instruction with the matcher (not by index, so a line added or removed shifts nothing), the base
// image's change apart from the rest, the rows OLD had that no line explains any more (removed instructions), and the
// directories of the final file system whose bytes changed. Pure: the matches and the visible bytes in, data out.
import type { DockerfileModel } from './dockerfile';
import { normaliseRow, shellPrefixes, type HistoryRow } from './history';
import type { MatchResult } from './match';

export type InstructionChange = 'same' | 'changed' | 'grew' | 'shrank' | 'added' | 'removed';
export type PathChange = 'grew' | 'shrank' | 'appeared' | 'disappeared';

export interface ComparedInstruction {
  /** 1-based line of NEW's Dockerfile; null for an instruction OLD had and the file no longer has. */
  readonly line: number | null;
  readonly keyword: string;
  /** Null where that image has no layer for it. */
  readonly oldBytes: number | null;
  readonly newBytes: number | null;
  readonly deltaBytes: number;
  /** `changed`: the line's text differs from what OLD recorded, its layer did not change size. */
  readonly status: InstructionChange;
}

export interface ComparedPath {
  readonly path: string;
  readonly oldBytes: number;
  readonly newBytes: number;
  readonly deltaBytes: number;
  readonly change: PathChange;
}

export interface ImageSide {
  readonly ref: string;
  readonly id: string;
  readonly sizeBytes: number;
}

/** `dfsize compare --json`, exactly. */
export interface Comparison {
  readonly old: ImageSide;
  readonly new: ImageSide;
  readonly deltaBytes: number;
  readonly base: { readonly oldBytes: number; readonly newBytes: number; readonly deltaBytes: number };
  /** In NEW's line order; removed instructions where OLD had them. */
  readonly instructions: readonly ComparedInstruction[];
  /** Biggest change first, at most PATH_LIMIT. */
  readonly paths: readonly ComparedPath[];
}

/** One image as the comparison needs it: NEW's Dockerfile matched against its history, its visible bytes by path. */
export interface CompareInput {
  readonly side: ImageSide;
  readonly history: readonly HistoryRow[];
  readonly match: MatchResult;
  /** analysis/visible's map, null when the image was not analysed (then no paths are compared). */
  readonly paths: ReadonlyMap<string, number> | null;
}

/** Paths listed at most. */
const PATH_LIMIT = 12;
/** A directory whose bytes changed by less is not listed. */
export const MIN_PATH_DELTA = 1000;
/** A directory is split into its children when at most this many of them carry COVER of its change. */
const MAX_SPLIT = 3;
const COVER = 0.9;

export function compareBuilds(model: DockerfileModel, old: CompareInput, next: CompareInput): Comparison {
  const oldBase = baseBytes(old.match);
  const newBase = baseBytes(next.match);
  return {
    old: old.side,
    new: next.side,
    deltaBytes: next.side.sizeBytes - old.side.sizeBytes,
    base: { oldBytes: oldBase, newBytes: newBase, deltaBytes: newBase - oldBase },
    instructions: lineUp(model, old, next),
    paths: old.paths && next.paths ? comparePaths(old.paths, next.paths) : [],
  };
}

/** The base image's bytes (and its ONBUILD triggers') in an image; 0 from scratch. */
function baseBytes(match: MatchResult): number {
  if (!match.base) return 0;
  return match.instructions[match.base.instruction]?.layerBytes ?? match.base.sizeBytes;
}

function statusOf(oldBytes: number | null, newBytes: number | null, edited: boolean): InstructionChange {
  if (oldBytes === null) return newBytes === null ? 'same' : 'added';
  if (newBytes === null) return 'removed';
  if (newBytes > oldBytes) return 'grew';
  if (newBytes < oldBytes) return 'shrank';
  return edited ? 'changed' : 'same';
}

interface Placed {
  readonly entry: ComparedInstruction;
  /** OLD's row it stands for, or the last OLD row before it: where removed rows go. */
  readonly oldRow: number;
}

function lineUp(model: DockerfileModel, old: CompareInput, next: CompareInput): ComparedInstruction[] {
  const placed: Placed[] = [];
  const paired = new Set<number>();
  let lastOldRow = -1;
  model.instructions.forEach((inst, k) => {
    const o = old.match.instructions[k];
    const n = next.match.instructions[k];
    if (!o || !n || k === next.match.base?.instruction || k === old.match.base?.instruction) return;
    if (o.row !== null) {
      paired.add(o.row);
      lastOldRow = o.row;
    }
    if (o.layerBytes === null && n.layerBytes === null) return;
    const oldBytes = o.row === null ? null : o.layerBytes;
    const newBytes = n.row === null ? null : n.layerBytes;
    if (oldBytes === null && newBytes === null) return;
    const entry: ComparedInstruction = {
      line: inst.range.start.line + 1,
      keyword: inst.keyword,
      oldBytes,
      newBytes,
      deltaBytes: (newBytes ?? 0) - (oldBytes ?? 0),
      status: statusOf(oldBytes, newBytes, o.status === 'stale'),
    };
    placed.push({ entry, oldRow: lastOldRow });
  });
  return withRemoved(placed, removedRows(old, paired));
}

/** OLD's rows after its base that no instruction of the file pairs with and that made a layer. */
function removedRows(
  old: CompareInput,
  paired: ReadonlySet<number>,
): Array<{ row: number; entry: ComparedInstruction }> {
  const base = old.match.base;
  const from = base ? base.rows + base.triggerRows.length : 0;
  const shells = shellPrefixes();
  const out: Array<{ row: number; entry: ComparedInstruction }> = [];
  for (let r = from; r < old.history.length; r++) {
    const row = old.history[r];
    if (!row || paired.has(r) || (row.sizeBytes === 0 && row.emptyLayer !== false)) continue;
    const keyword = normaliseRow(row, shells).keyword ?? 'RUN';
    const entry: ComparedInstruction = {
      line: null,
      keyword,
      oldBytes: row.sizeBytes,
      newBytes: null,
      deltaBytes: -row.sizeBytes,
      status: 'removed',
    };
    out.push({ row: r, entry });
  }
  return out;
}

/** Each removed row after the last instruction whose OLD row came before it. */
function withRemoved(
  placed: readonly Placed[],
  removed: ReadonlyArray<{ row: number; entry: ComparedInstruction }>,
): ComparedInstruction[] {
  const out: ComparedInstruction[] = [];
  const left = [...removed];
  for (const p of placed) {
    for (let r = left[0]; r && r.row < p.oldRow; r = left[0]) {
      out.push(r.entry);
      left.shift();
    }
    out.push(p.entry);
  }
  return [...out, ...left.map((r) => r.entry)];
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/**
 * The directories (and files) whose visible bytes changed most, as few as explain the change: a directory is split
 * into its children when at most MAX_SPLIT of them carry COVER of its change, recursively; otherwise it is listed, and
 * so is one that appeared or disappeared whole.
 */
export function comparePaths(old: ReadonlyMap<string, number>, next: ReadonlyMap<string, number>): ComparedPath[] {
  const delta = (p: string) => (next.get(p) ?? 0) - (old.get(p) ?? 0);
  const children = new Map<string, string[]>();
  for (const p of new Set([...old.keys(), ...next.keys()])) {
    if (p === '/' || delta(p) === 0) continue;
    const parent = parentOf(p);
    const list = children.get(parent);
    if (list) list.push(p);
    else children.set(parent, [p]);
  }
  const explain = (p: string): string[] => {
    // A directory that appeared or disappeared whole is one cause, not a list of its contents.
    if (p !== '/' && (!old.get(p) || !next.get(p))) return [p];
    const kids = (children.get(p) ?? []).sort((a, b) => Math.abs(delta(b)) - Math.abs(delta(a)));
    const total = kids.reduce((s, c) => s + Math.abs(delta(c)), 0);
    const top = kids.slice(0, MAX_SPLIT).filter((c) => Math.abs(delta(c)) >= MIN_PATH_DELTA);
    const covered = top.reduce((s, c) => s + Math.abs(delta(c)), 0);
    if (p !== '/' && (!top.length || covered < COVER * total)) return [p];
    return (p === '/' ? kids.filter((c) => Math.abs(delta(c)) >= MIN_PATH_DELTA) : top).flatMap(explain);
  };
  return explain('/')
    .map((path): ComparedPath => {
      const oldBytes = old.get(path) ?? 0;
      const newBytes = next.get(path) ?? 0;
      const change: PathChange =
        oldBytes === 0 ? 'appeared' : newBytes === 0 ? 'disappeared' : newBytes > oldBytes ? 'grew' : 'shrank';
      return { path, oldBytes, newBytes, deltaBytes: newBytes - oldBytes, change };
    })
    .sort((a, b) => Math.abs(b.deltaBytes) - Math.abs(a.deltaBytes) || (a.path < b.path ? -1 : 1))
    .slice(0, PATH_LIMIT);
}

/** Lines of the file whose text differs from what NEW recorded: the file is not quite NEW's (said beside the result). */
export function linesUnlikeImage(model: DockerfileModel, match: MatchResult): number[] {
  return model.instructions
    .filter((_, k) => match.instructions[k]?.status === 'stale')
    .map((inst) => inst.range.start.line + 1);
}
