// Variable expansion as the builders do it (nested words, `:-` and `:+`, escapes, unbalanced braces), and bounded:
// inputs of a few bytes that once made the expansion loop forever or grow without end now answer at once.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { matchesAround, sameInstruction } from '../../server/src/core/compare';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import type { Step } from '../../server/src/core/history';
import { expandVars, MAX_EXPANSION_GROWTH, tryExpandVars, VarScope } from '../../server/src/core/vars';
import { dfsize, NO_ENGINE } from '../support/cli';
import { tempTree } from '../support/tempDirs';

/** `FROM a`, then `steps` ENVs each twice as long as the one before (A0 has 16 characters), then `tail`. */
function envChain(steps: number, tail: readonly string[]): string {
  return [
    'FROM a',
    'ENV A0=0123456789abcdef',
    ...Array.from({ length: steps - 1 }, (_, k) => `ENV A${k + 1}=$A${k}$A${k}`),
    ...tail,
  ].join('\n');
}

const scope = VarScope.empty.with([
  ['X', 'x'],
  ['EMPTY', ''],
  ['DECLARED', null],
]);

describe('vars: expansion', () => {
  const cases: Array<[string, string, string]> = [
    // [text, expanded, expanded keeping unknown variables]
    ['${X:-${Y}}', 'x', 'x'],
    ['${Y:-${X}}', 'x', 'x'],
    ['${Y:-${Z:-${X}}}', 'x', 'x'],
    ['${Y:-a${X:+b}c}d', 'abcd', 'abcd'],
    ['${X:+[$X]}', '[x]', '[x]'],
    ['${Y:+[$X]}', '', ''],
    ['${EMPTY:-d}', 'd', 'd'],
    ['${DECLARED}.', '.', '.'],
    ['${Y}$Y', '', '${Y}$Y'],
    ['${X-d}${Y+a}', 'x', 'x'],
    ['${X:-a\\}b}', 'x', 'x'],
    ['${Y:-a\\}b}', 'a\\}b', 'a\\}b'],
    ['\\${X} \\$X', '\\${X} \\$X', '\\${X} \\$X'],
    ['\\\\$X', '\\\\x', '\\\\x'],
    // Not expansions: they stay as written, and what follows them still expands.
    ['${Y:-abc', '${Y:-abc', '${Y:-abc'],
    ['${Y:-${X}', '${Y:-x', '${Y:-x'],
    ['a}b}', 'a}b}', 'a}b}'],
    ['$ ${ ${} $1$X ${X:?e}', '$ ${ ${} $1x ${X:?e}', '$ ${ ${} $1x ${X:?e}'],
  ];
  for (const [text, want, wantKept] of cases) {
    it(`${text} → ${want}`, () => {
      assert.equal(expandVars(text, scope), want);
      assert.equal(expandVars(text, scope, '\\', true), wantKept);
    });
  }

  it('the Windows escape character protects a $ instead of the backslash', () => {
    assert.equal(expandVars('C:\\$X `$X', scope, '`'), 'C:\\x `$X');
  });

  it('an expansion longer than its cap is not made (null), and expandVars then keeps the text as written', () => {
    const big = VarScope.empty.with([['B', 'b'.repeat(1000)]]);
    assert.equal(tryExpandVars('$B$B', big, { maxChars: 1999 }), null);
    assert.equal(tryExpandVars('$B$B', big, { maxChars: 2000 })?.length, 2000);
    const many = '$B'.repeat(MAX_EXPANSION_GROWTH / 1000 + 1);
    assert.equal(expandVars(many, big), many);
  });

  it('work is bounded by the text: 100,000 nested words expand in one pass', () => {
    const depth = 100_000;
    const text = '${Y:-'.repeat(depth) + '$X' + '}'.repeat(depth);
    assert.equal(expandVars(text, scope), 'x');
    assert.equal(expandVars(text.slice(0, -1), scope), '${Y:-x');
  });
});

describe('vars: the model on hostile variables', () => {
  it('FROM ${X:-${Y}} (22 bytes): two instructions, the stage based on what the default names', () => {
    const m = parseDockerfile('ARG Y=alpine:3.19\nFROM ${X:-${Y}}\nRUN x');
    assert.deepEqual(
      m.instructions.map((i) => i.keyword),
      ['ARG', 'FROM', 'RUN'],
    );
    assert.deepEqual(m.stages[0]!.base, { kind: 'image', ref: 'alpine:3.19' });
  });

  it('the three-deep form with --platform keeps its stages and flags', () => {
    const m = parseDockerfile('FROM --platform=$BUILDPLATFORM ${X:-${Y:-${Z}}} AS build\nRUN x\nFROM build\n');
    assert.equal(m.stages.length, 2);
    assert.equal(m.stages[0]!.name, 'build');
    assert.deepEqual(m.stages[1]!.base, { kind: 'stage', stage: 0 });
    assert.equal(m.instructions[0]!.flags[0]!.name, 'platform');
  });

  it('ENV A=${B:-${C}} takes the nested default', () => {
    const m = parseDockerfile('FROM a\nENV C=c\nENV A=${B:-${C}}\nRUN x\n');
    assert.equal(m.instructions.at(-1)!.scope.get('A'), 'c');
  });

  it('an exponential ENV chain: every line is an instruction; values past the budget read as unknown', () => {
    const steps = 64;
    const m = parseDockerfile(envChain(steps, ['WORKDIR /w/$A8', 'RUN x']));
    assert.equal(m.instructions.length, steps + 3);
    const last = m.instructions.at(-1)!;
    assert.equal(last.scope.get('A3'), '0123456789abcdef'.repeat(8));
    assert.equal(last.scope.get(`A${steps - 1}`), undefined);
    assert.equal(expandVars('<$A50>', last.scope, '\\', true), '<$A50>', 'a value too long to expand stays as written');
    assert.equal(last.workdir, '/', 'a WORKDIR longer than a path can be does not change the working directory');
  });
});

describe('vars: a recorded line against a written one with variables the file does not define', () => {
  const labelOf = (value: string) => parseDockerfile(`FROM a\nLABEL A="${value}"\n`).instructions[1]!;
  const step = (args: string): Step => ({ keyword: 'LABEL', args, sourcesLost: false, builder: 'legacy' });

  it('the parts between the variables must come in order, the first at the start and the last at the end', () => {
    assert.equal(matchesAround(['a', 'b', 'c'], 'a--b--c'), true);
    assert.equal(matchesAround(['a', 'b', 'c'], 'abc'), true);
    assert.equal(matchesAround(['a', 'b', 'c'], 'a--c--b'), false);
    assert.equal(matchesAround(['ab', 'ba'], 'aba'), false, 'the first and the last part may not share characters');
    assert.equal(matchesAround(['', ''], 'anything'), true);
    assert.equal(matchesAround(['x'], 'x'), true);
  });

  it('a LABEL with 40 unknown variables that does not match is told at once (it backtracked for hours)', () => {
    const written = labelOf(`${'$X-'.repeat(40)}end`);
    assert.equal(sameInstruction(written, step(`A=${'-'.repeat(45)}nomatch`), '\\', []), false);
    assert.equal(sameInstruction(written, step(`A=${'v-'.repeat(40)}end`), '\\', []), true);
  });
});

describe('vars: dfsize report on the inputs that exhausted the heap', function () {
  this.timeout(60000);
  const chain = envChain(64, ['RUN x']);
  const inputs: Array<[string, string, number]> = [
    ['FROM ${X:-${Y}} (22 bytes)', 'FROM ${X:-${Y}}\nRUN x', 2],
    ['the three-deep form with --platform', 'FROM --platform=$BUILDPLATFORM ${X:-${Y:-${Z}}}\nRUN x\n', 2],
    ['ENV A=${B:-${C}}', 'FROM a\nENV A=${B:-${C}}\nRUN x\n', 3],
    ['an exponential ENV chain', chain, 66],
  ];
  for (const [what, text, count] of inputs) {
    it(`${what}: exit 0, every instruction reported`, () => {
      const r = dfsize(['report', join(tempTree({ Dockerfile: text }), 'Dockerfile')], NO_ENGINE);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`\\b${count} instructions, no image to measure`));
    });
  }
});
