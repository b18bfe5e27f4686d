// Per-line size budgets: `# dfsize-budget 50MB` in the comment lines just above an instruction caps the bytes of the
// layer that instruction makes (above a FROM: the base image's bytes). A bare size fails the gate; `warn=SIZE` and
// `fail=SIZE` set a soft and a hard limit (`# dfsize-budget warn=40MB fail=50MB`). Sizes in core/format's grammar.
// Pure: the text goes in, budgets and the mistakes found (each on its line) come out.
import type { DockerfileModel, Instruction } from './dockerfile';
import { parseBytes } from './format';
import { LineIndex } from './rules/text';

type GateLevel = 'warn' | 'fail';

export interface Limits {
  readonly warn?: number;
  readonly fail?: number;
}

export interface LineBudget {
  /** 1-based line of the instruction the budget caps. */
  readonly line: number;
  /** 1-based line of the comment. */
  readonly commentLine: number;
  /** Index of the instruction in the model. */
  readonly instruction: number;
  readonly limits: Limits;
}

interface BudgetMistake {
  /** 1-based line of the comment. */
  readonly line: number;
  readonly message: string;
}

const BUDGET = /^\s*#\s*dfsize-budget\b(.*)$/;
const COMMENT = /^\s*#/;
const LIMIT = /^(?:(warn|fail)=)?(.+)$/;

/** The limits a budget comment's words set, or what is wrong with them. */
function parseLimits(words: readonly string[]): Limits | string {
  if (!words.length) return 'a budget needs a size: # dfsize-budget 50MB (or warn=40MB fail=50MB)';
  const limits: { warn?: number; fail?: number } = {};
  for (const word of words) {
    const m = LIMIT.exec(word);
    const level: GateLevel = m?.[1] === 'warn' ? 'warn' : 'fail';
    const bytes = m?.[2] !== undefined ? parseBytes(m[2]) : null;
    if (bytes === null) return `"${word}" is not a size: write 50MB, 1.5GiB or bytes (warn=SIZE for a soft limit)`;
    if (limits[level] !== undefined) return `two ${level} sizes in one budget: give one`;
    limits[level] = bytes;
  }
  return limits;
}

/** The instruction a comment line (0-based) sits above: only comment lines between them; null when there is none. */
function instructionBelow(
  lines: LineIndex,
  line: number,
  starts: ReadonlyMap<number, Instruction>,
): Instruction | null {
  for (let l = line + 1; l < lines.lineCount; l++) {
    const inst = starts.get(l);
    if (inst) return inst;
    if (!COMMENT.test(lines.lineText(l))) return null;
  }
  return null;
}

/** Every `# dfsize-budget` comment of the file: the budgets, and the comments that are no budget (with why). */
export function lineBudgets(model: DockerfileModel): { budgets: LineBudget[]; mistakes: BudgetMistake[] } {
  const lines = new LineIndex(model.text);
  const starts = new Map(model.instructions.map((i) => [i.range.start.line, i]));
  const inside = (l: number) => model.instructions.some((i) => i.range.start.line <= l && l <= i.range.end.line);
  const budgets: LineBudget[] = [];
  const mistakes: BudgetMistake[] = [];
  for (let l = 0; l < lines.lineCount; l++) {
    const m = BUDGET.exec(lines.lineText(l));
    // A heredoc's script or a continuation may hold such a line: it is the instruction's text, not a budget.
    if (!m || inside(l)) continue;
    const inst = instructionBelow(lines, l, starts);
    const limits = parseLimits((m[1] ?? '').split(/\s+/).filter(Boolean));
    if (!inst)
      mistakes.push({ line: l + 1, message: 'a budget must sit in the comment lines just above an instruction' });
    else if (typeof limits === 'string') mistakes.push({ line: l + 1, message: limits });
    else budgets.push({ line: inst.range.start.line + 1, commentLine: l + 1, instruction: inst.index, limits });
  }
  return { budgets, mistakes };
}
