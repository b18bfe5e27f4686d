// Measures sh-syntax (mvdan/sh compiled to WASM) against core/rules/shell's parser on every RUN of the corpus: whether
// they accept the same scripts, whether sh-syntax's top-level statements start where parseShell's items do, parse time
// per RUN, the first call's cost (the WASM start-up) and what sh-syntax would add to the bundle.
//   npx tsx scripts/measure-sh-syntax.ts
// The figures and the decision they led to are in docs/shell-parser.md.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LangVariant, parse, type File } from 'sh-syntax';
import { isPosixShell } from '../server/src/core/rules/commands';
import { parseDockerfile } from '../server/src/core/dockerfile';
import { parseShell, type Script } from '../server/src/core/rules/shell';
import { instructionSource, LineIndex } from '../server/src/core/rules/text';
import { ROOT } from '../test/support/cli';
import { corpus, mutations } from '../test/support/corpus';

interface Run {
  readonly text: string;
  /** A heredoc RUN's command line, its bodies elsewhere. */
  readonly heredocs: boolean;
}

const MUTATION_SEED = 5000;
const MUTATIONS_PER_FILE = 12;

/** Every RUN text the rules read, as context.ts's shellRun hands it to parseShell, from the corpus and mutated copies. */
function runs(): Run[] {
  return corpus()
    .flatMap(({ text }, n) => [text, ...mutations(text, MUTATION_SEED + n, MUTATIONS_PER_FILE)])
    .flatMap((text) => {
      const model = parseDockerfile(text);
      const lines = new LineIndex(text);
      return model.instructions.flatMap((inst) => {
        if (inst.keyword !== 'RUN' || inst.stage < 0 || inst.json || !isPosixShell(inst.shell)) return [];
        const src = instructionSource(model, inst, lines);
        return src ? [{ text: src.text, heredocs: inst.heredoc && src.heredoc === null }] : [];
      });
    });
}

/** UTF-16 index of a UTF-8 byte offset (mvdan/sh counts bytes; the rules' edits count UTF-16 units). */
function utf16At(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

/** sh-syntax's statements start where parseShell's items do (its Stmt is an and-or list: a subset of the items). */
function startsAgree(script: Script, file: File): boolean {
  const starts = new Set(script.items.map((i) => i.start));
  return file.Stmts.every((s) => starts.has(utf16At(script.text, s.Pos.Offset)));
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  await parse('true', { variant: LangVariant.LangPOSIX });
  const startup = performance.now() - t0;
  const all = runs();
  const counts = { runs: all.length, bothAccept: 0, bothReject: 0, onlyHand: 0, onlySh: 0, startsDiffer: 0 };
  const examples: Record<string, string[]> = { onlyHand: [], onlySh: [], startsDiffer: [] };
  const note = (kind: 'onlyHand' | 'onlySh' | 'startsDiffer', text: string) => {
    counts[kind]++;
    examples[kind]?.push(JSON.stringify(text.slice(0, 100)));
  };
  const hand: number[] = [];
  const sh: number[] = [];
  for (const run of all) {
    const h0 = performance.now();
    const script = parseShell(run.text, { heredocs: run.heredocs });
    hand.push(performance.now() - h0);
    const s0 = performance.now();
    const file = await parse(run.text, { variant: LangVariant.LangBash }).catch((e: unknown) => e);
    sh.push(performance.now() - s0);
    const accepted = !(file instanceof Error);
    if (script.understood && accepted) {
      counts.bothAccept++;
      if (!startsAgree(script, file as File)) note('startsDiffer', run.text);
    } else if (!script.understood && !accepted) counts.bothReject++;
    else note(script.understood ? 'onlyHand' : 'onlySh', run.text);
  }
  const size = (p: string) => String(statSync(join(ROOT, 'node_modules', 'sh-syntax', p)).size);
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  console.log(JSON.stringify(counts));
  console.log(`start-up (first parse, WASM instantiate + Go runtime): ${ms(startup)}`);
  for (const [kind, xs] of Object.entries(examples))
    console.log(`${kind}: ${[...new Set(xs)].slice(0, 6).join('\n  ')}`);
  for (const p of [50, 95])
    console.log(`parse per RUN p${String(p)}: hand ${ms(percentile(hand, p))}, sh-syntax ${ms(percentile(sh, p))}`);
  console.log(
    `parse all RUNs: hand ${ms(hand.reduce((a, b) => a + b, 0))}, sh-syntax ${ms(sh.reduce((a, b) => a + b, 0))}`,
  );
  console.log(
    `bundle bytes added: main.wasm ${size('main.wasm')} + lib/index.cjs ${size('lib/index.cjs')} + wasm_exec ${size('vendors/wasm_exec.cjs')}`,
  );
}

void main();
