// The Dockerfile model every feature works on: stages, instructions with exact ranges, the text each instruction
// has once continuations are joined the way Docker joins them, and the context (variables, SHELL, WORKDIR) that the
// builders apply when they write history. Built over dockerfile-ast; total: it never throws and every range it
// returns lies inside the text it was given.
import {
  type Dockerfile,
  DockerfileParser,
  type Instruction as AstInstruction,
  JSONInstruction,
  ModifiableInstruction,
} from 'dockerfile-ast';
import type { Range } from 'vscode-languageserver-types';
import { heredocsOf, lineOffsets, opensHeredoc, type Heredoc } from './heredocs';
import { joinContinuations, keyValues, parseJsonArray, resolveWorkdir } from './instructionText';

export type { Heredoc } from './heredocs';
import { expandVars, MAX_EXPANSION_GROWTH, NOT_EXPANDED, tryExpandVars, VarScope } from './vars';

export interface Flag {
  readonly name: string; // without the dashes: 'from', 'chown', 'mount'
  readonly value: string | null;
  readonly range: Range;
}

export interface Instruction {
  /** Position in file order. */
  readonly index: number;
  /** Upper-case keyword (`run` in the file is 'RUN'). */
  readonly keyword: string;
  /** Index of the stage it belongs to; -1 for ARGs before the first FROM. */
  readonly stage: number;
  /** From the keyword to the end of its last line (continuations and heredoc bodies included). */
  readonly range: Range;
  readonly keywordRange: Range;
  readonly flags: readonly Flag[];
  /**
   * The arguments after the flags as the builder sees them: continuation lines joined (escape and trailing blanks
   * removed, the next line appended as is), comment and empty lines inside the continuation dropped. Heredoc
   * instructions keep their lines.
   */
  readonly args: string;
  /** Exec (JSON) form arguments, when the arguments are a JSON array of strings. */
  readonly json: readonly string[] | null;
  readonly heredoc: boolean;
  /** The here-documents of a heredoc RUN, COPY or ADD, in the order their operators appear; empty otherwise. */
  readonly heredocs: readonly Heredoc[];
  /** Variables visible to this instruction (global ARGs, stage ARGs with defaults, ENV), as far as the file says. */
  readonly scope: VarScope;
  /** The SHELL in effect, for RUN and shell-form CMD/ENTRYPOINT. */
  readonly shell: readonly string[];
  /** The working directory before this instruction, resolved as far as variables allow. */
  readonly workdir: string;
}

export type StageBase =
  | { readonly kind: 'image'; readonly ref: string }
  | { readonly kind: 'stage'; readonly stage: number }
  | { readonly kind: 'scratch' };

export interface Stage {
  readonly index: number;
  /** As written after AS; stage names are compared case-insensitively. */
  readonly name: string | null;
  readonly from: Instruction;
  readonly base: StageBase;
  /** The instructions after FROM, in order. */
  readonly instructions: readonly Instruction[];
}

export interface DockerfileModel {
  readonly text: string;
  readonly escape: string;
  readonly instructions: readonly Instruction[];
  readonly stages: readonly Stage[];
  /** Set when modelling the text failed (a bug, never the text's fault): the model is then empty. Callers report it. */
  readonly failure?: string;
}

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];
const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/** RUN, COPY and ADD always write a filesystem layer; WORKDIR does for some builders (see core/match). */
export function makesLayer(keyword: string): boolean {
  return LAYER_KEYWORDS.has(keyword);
}

/** The stages `stage` is built from, root first, ending with `stage` itself (FROM <stage> chains). */
export function stageChain(model: DockerfileModel, stage: number): number[] {
  const chain: number[] = [];
  for (let s: Stage | undefined = model.stages[stage]; s && !chain.includes(s.index);) {
    chain.unshift(s.index);
    s = s.base.kind === 'stage' ? model.stages[s.base.stage] : undefined;
  }
  return chain;
}

/** The instruction whose range covers `line` (0-based), if any. */
export function instructionAtLine(model: DockerfileModel, line: number): Instruction | undefined {
  let lo = 0;
  let hi = model.instructions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = model.instructions[mid]!.range;
    if (line < r.start.line) hi = mid - 1;
    else if (line > r.end.line) lo = mid + 1;
    else return model.instructions[mid];
  }
  return undefined;
}

/** Parses `text`; never throws. */
export function parseDockerfile(text: string): DockerfileModel {
  try {
    return build(text);
  } catch (e) {
    // No input is known to get here, but the model must be total: the text then has no instructions, and the
    // failure goes with it so that no caller mistakes it for a text that is not a Dockerfile.
    return { text, escape: '\\', instructions: [], stages: [], failure: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * dockerfile-ast ends an instruction at a line like `curl \  \` (an escaped blank before the continuation), where
 * Docker continues it: its continuation is the last escape of the line and the blanks after it, and a build joins the
 * next line. It is parsed again with such an escape as a blank (same length, so every range holds); everything else
 * is read from the text itself.
 */
function parseAst(text: string): Dockerfile {
  const ast = DockerfileParser.parse(text);
  const e = ast.getEscapeCharacter() === '`' ? '`' : '\\\\';
  const blankBeforeContinuation = new RegExp(`${e}(?=[ \\t]+${e}[ \\t]*$)`, 'gm');
  return blankBeforeContinuation.test(text) ? DockerfileParser.parse(text.replace(blankBeforeContinuation, ' ')) : ast;
}

function build(text: string): DockerfileModel {
  const ast = parseAst(text);
  const escape = ast.getEscapeCharacter();
  const offsets = lineOffsets(text);

  const instructions: Instruction[] = [];
  const stages: Array<Stage & { instructions: Instruction[] }> = [];
  let globals = VarScope.empty;
  let scope = VarScope.empty;
  let shell = DEFAULT_SHELL;
  let workdir = '/';
  const budget = expansionBudget(text);

  for (const node of ast.getInstructions()) {
    const keyword = node.getKeyword().toUpperCase();
    const range = node.getRange();
    const keywordRange = node.getInstructionRange();
    // dockerfile-ast re-tokenises the arguments on every getArguments() call (getFlags too, once): find where the
    // arguments start from the text instead — after the keyword or the last flag, past blanks and continuations —
    // and ask for flags only when there are some.
    const end = offsets.offsetAt(range.end.line, range.end.character);
    const afterKeyword = skipBlank(
      text,
      offsets.offsetAt(keywordRange.end.line, keywordRange.end.character),
      end,
      escape,
    );
    const flags = text.startsWith('--', afterKeyword) ? flagsOf(node) : [];
    const after = flags.length ? flags[flags.length - 1]!.range.end : keywordRange.end;
    const raw = text.slice(skipBlank(text, offsets.offsetAt(after.line, after.character), end, escape), end);
    const heredoc = range.end.line > range.start.line && opensHeredoc(keyword, raw.split(/\r?\n/, 1)[0]!);
    const args = heredoc ? raw.trim() : joinContinuations(raw, escape);
    const heredocs = heredoc ? heredocsOf(node, keyword, text, offsets, escape) : [];
    const stage = keyword === 'FROM' ? stages.length : stages.length - 1;

    if (keyword === 'FROM') {
      scope = globals;
      shell = DEFAULT_SHELL;
      workdir = '/';
    }
    const inst: Instruction = {
      index: instructions.length,
      keyword,
      stage,
      range,
      keywordRange,
      flags,
      args,
      json: node instanceof JSONInstruction ? parseJsonArray(args) : null,
      heredoc,
      heredocs,
      scope,
      shell,
      workdir,
    };
    instructions.push(inst);

    switch (keyword) {
      case 'FROM': {
        const words = args.split(/\s+/).filter(Boolean);
        const name = words.length >= 3 && words[1]!.toUpperCase() === 'AS' ? words[2]! : null;
        const ref = expandVars(words[0] ?? '', globals, escape);
        const parent = stages.findIndex((s) => s.name !== null && s.name.toLowerCase() === ref.toLowerCase());
        const base: StageBase =
          parent >= 0
            ? { kind: 'stage', stage: parent }
            : ref.toLowerCase() === 'scratch'
              ? { kind: 'scratch' }
              : { kind: 'image', ref };
        stages.push({ index: stages.length, name, from: inst, base, instructions: [] });
        if (parent >= 0) {
          // FROM <stage> inherits the parent's ENV, SHELL and WORKDIR (ARGs do not carry over).
          const p = stages[parent]!;
          const last = p.instructions.at(-1);
          const after = last
            ? afterInstruction(last, escape, globals, budget)
            : { scope: globals, shell: DEFAULT_SHELL, workdir: '/' };
          ({ scope, shell, workdir } = after);
        }
        break;
      }
      case 'ARG':
      case 'ENV':
      case 'SHELL':
      case 'WORKDIR':
        if (stage < 0) globals = declare(inst, globals, escape, globals, budget);
        else ({ scope, shell, workdir } = afterInstruction(inst, escape, globals, budget));
        break;
    }
    if (stage >= 0 && keyword !== 'FROM') stages[stage]!.instructions.push(inst);
  }
  return { text, escape, instructions, stages };
}

/**
 * What the values of one file's ARGs and ENVs may add up to beyond their written text: an exponential chain
 * (`ENV B=$A$A`, `ENV C=$B$B`, …) or many copies of one long value stop there, and later values read as unknown.
 */
interface ExpansionBudget {
  left: number;
}

const BUDGET_PER_CHAR = 4;
const MIN_BUDGET = 1 << 20;

function expansionBudget(text: string): ExpansionBudget {
  return { left: Math.max(MIN_BUDGET, BUDGET_PER_CHAR * text.length) };
}

/** The context after `inst`: what ARG, ENV, SHELL and WORKDIR change for the instructions that follow. */
function afterInstruction(
  inst: Instruction,
  escape: string,
  globals: VarScope,
  budget: ExpansionBudget,
): { scope: VarScope; shell: readonly string[]; workdir: string } {
  let { scope, shell, workdir } = inst;
  if (inst.keyword === 'ARG' || inst.keyword === 'ENV') scope = declare(inst, scope, escape, globals, budget);
  else if (inst.keyword === 'SHELL') shell = inst.json && inst.json.length ? inst.json : shell;
  else if (inst.keyword === 'WORKDIR') workdir = resolveWorkdir(workdir, expandVars(inst.args, scope, escape));
  return { scope, shell, workdir };
}

function declare(
  inst: Instruction,
  scope: VarScope,
  escape: string,
  globals: VarScope,
  budget: ExpansionBudget,
): VarScope {
  const pairs = keyValues(inst.args, inst.keyword === 'ENV');
  return scope.with(
    pairs.map(([k, v]): [string, string | null | typeof NOT_EXPANDED] => {
      // `ARG X` inside a stage takes the global default of X, if any.
      if (v === null) return [k, inst.keyword === 'ARG' && inst.stage >= 0 ? (globals.get(k) ?? null) : null];
      const value = tryExpandVars(v, scope, {
        escape,
        maxChars: v.length + Math.max(0, Math.min(MAX_EXPANSION_GROWTH, budget.left)),
      });
      if (value === null) return [k, NOT_EXPANDED];
      if (value !== v) budget.left -= value.length;
      return [k, value];
    }),
  );
}

function flagsOf(node: AstInstruction): Flag[] {
  if (!(node instanceof ModifiableInstruction)) return [];
  return node.getFlags().map((f) => ({ name: f.getName(), value: f.getValue(), range: f.getRange() }));
}

/** The offset of the first argument character at or after `i`: blanks, escaped line ends, and the comment and empty
 * lines a continuation may hold are skipped. */
function skipBlank(text: string, i: number, end: number, escape: string): number {
  for (;;) {
    while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text[i] !== escape) return i;
    let j = i + 1;
    while (j < end && (text[j] === ' ' || text[j] === '\t')) j++;
    if (text[j] === '\r') j++;
    if (text[j] !== '\n') return i;
    i = j + 1;
    // Lines that are empty or comments inside a continuation do not hold arguments.
    for (;;) {
      let k = i;
      while (k < end && (text[k] === ' ' || text[k] === '\t')) k++;
      if (text[k] !== '#' && text[k] !== '\n' && text[k] !== '\r') break;
      const nl = text.indexOf('\n', k);
      if (nl < 0 || nl >= end) break;
      i = nl + 1;
    }
  }
}
