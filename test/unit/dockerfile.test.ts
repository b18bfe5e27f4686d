// The Dockerfile model: exact ranges, continuations as Docker joins them, the escape directive, heredocs, stages and
// their chains, and the context (variables, SHELL, WORKDIR) history comparison needs.
import { strict as assert } from 'node:assert';
import { instructionAtLine, parseDockerfile, stageChain } from '../../server/src/core/dockerfile';
import { joinContinuations } from '../../server/src/core/instructionText';
import { expandVars } from '../../server/src/core/vars';

const lines = (text: string, k: number) => {
  const m = parseDockerfile(text);
  const r = m.instructions[k]!.range;
  return [r.start.line, r.start.character, r.end.line, r.end.character];
};

describe('dockerfile model', () => {
  it('joins continuations like Docker: escape and trailing blanks removed, next line appended as is', () => {
    assert.equal(joinContinuations('set -e; \\\n    make', '\\'), 'set -e;     make');
    assert.equal(joinContinuations('a \\  \t\n  b', '\\'), 'a   b');
    assert.equal(joinContinuations('a \\\n  # a comment\n\n  b', '\\'), 'a   b');
    assert.equal(joinContinuations('dir C:\\ `\n  && echo', '`'), 'dir C:\\   && echo');
  });

  it('ranges cover the whole instruction: continuations, comments and blank lines inside, heredoc bodies', () => {
    const text = 'FROM x\nRUN a \\\n  # note\n\n  b\nRUN <<EOF\necho hi\nEOF\nCOPY y /z\n';
    assert.deepEqual(lines(text, 1), [1, 0, 4, 3]);
    assert.deepEqual(lines(text, 2), [5, 0, 7, 3]);
    assert.deepEqual(lines(text, 3), [8, 0, 8, 9]);
    const m = parseDockerfile(text);
    assert.equal(m.instructions[1]!.args, 'a   b');
    assert.equal(m.instructions[2]!.heredoc, true);
    assert.equal(m.instructions[2]!.args, '<<EOF\necho hi\nEOF');
    assert.equal(instructionAtLine(m, 3)!.index, 1);
    assert.equal(instructionAtLine(m, 6)!.keyword, 'RUN');
  });

  it("heredocs: operator, body and terminator, <<- and quoting, and whether the RUN's shell runs the body", () => {
    const text = [
      'FROM x',
      'RUN <<EOF',
      'a',
      'EOF',
      'RUN <<-EOS bash',
      '\tb',
      '\tEOS',
      "RUN python3 <<'PY'",
      'print(1)',
      'PY',
      'RUN <<EOF',
      '#!/usr/bin/env python3',
      'print(2)',
      'EOF',
      'RUN <<A cat > /a && <<B sh',
      'x',
      'A',
      'c',
      'B',
      'COPY <<EOF /f',
      'y',
      'EOF',
      '',
    ].join('\n');
    const m = parseDockerfile(text);
    const hd = (k: number) =>
      m.instructions[k]!.heredocs.map((h) => ({ name: h.name, tabs: h.stripTabs, quoted: h.quoted, shell: h.shell }));
    assert.deepEqual(hd(1), [{ name: 'EOF', tabs: false, quoted: false, shell: true }]);
    assert.deepEqual(hd(2), [{ name: 'EOS', tabs: true, quoted: false, shell: true }]);
    assert.deepEqual(hd(3), [{ name: 'PY', tabs: false, quoted: true, shell: false }]);
    assert.deepEqual(hd(4), [{ name: 'EOF', tabs: false, quoted: false, shell: false }]);
    assert.deepEqual(
      hd(5).map((h) => [h.name, h.shell]),
      [
        ['A', false],
        ['B', false],
      ],
    );
    assert.deepEqual(
      hd(6).map((h) => [h.name, h.shell]),
      [['EOF', false]],
    );
    const first = m.instructions[1]!.heredocs[0]!;
    assert.deepEqual(
      [first.operator.start, first.body?.start, first.body?.end, first.terminator?.start],
      [
        { line: 1, character: 4 },
        { line: 2, character: 0 },
        { line: 2, character: 1 },
        { line: 3, character: 0 },
      ],
    );
    assert.deepEqual(m.instructions[2]!.heredocs[0]!.terminator?.start, { line: 6, character: 1 });
    assert.deepEqual(m.instructions[0]!.heredocs, []);
    const shellOf = (line: string) => parseDockerfile(`FROM x\n${line}\na\nEOF\n`).instructions[1]!.heredocs[0]!.shell;
    assert.deepEqual(
      [
        'RUN <<EOF sh -eux',
        'RUN --mount=type=cache,target=/c <<EOF /bin/bash',
        'RUN <<EOF sh -c',
        'RUN <<EOF tee /x',
      ].map(shellOf),
      [true, true, false, false],
    );
  });

  it('an escaped blank before the continuation escape continues the line, as Docker does (the escape is the last one)', () => {
    const m = parseDockerfile('FROM x\nRUN echo a \\  \\\n    && echo b\nCMD ["x"]\n');
    assert.deepEqual(
      m.instructions.map((i) => i.keyword),
      ['FROM', 'RUN', 'CMD'],
    );
    assert.deepEqual(lines('FROM x\nRUN echo a \\  \\\n    && echo b\n', 1), [1, 0, 2, 13]);
    assert.equal(m.instructions[1]!.args, 'echo a \\      && echo b');
  });

  it('the # escape=` directive: backticks continue lines, backslashes are ordinary', () => {
    const text =
      '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\ `\n    && echo done\nWORKDIR C:\\app\n';
    const m = parseDockerfile(text);
    assert.equal(m.escape, '`');
    assert.equal(m.instructions[1]!.args, 'dir C:\\     && echo done');
    assert.deepEqual(lines(text, 1), [2, 0, 3, 16]);
  });

  it('lower-case keywords, JSON and shell forms, flags apart from arguments', () => {
    const m = parseDockerfile(
      'from x as Build\nrun ["sh", "-c", "echo hi"]\ncopy --chown=1:1 --from=build a b\nCMD echo hi\nRUN ["broken\n',
    );
    assert.deepEqual(
      m.instructions.map((i) => i.keyword),
      ['FROM', 'RUN', 'COPY', 'CMD', 'RUN'],
    );
    assert.deepEqual(m.instructions[1]!.json, ['sh', '-c', 'echo hi']);
    assert.equal(m.instructions[3]!.json, null);
    assert.equal(m.instructions[4]!.json, null, 'invalid JSON is shell form, as Docker reads it');
    assert.deepEqual(
      m.instructions[2]!.flags.map((f) => [f.name, f.value]),
      [
        ['chown', '1:1'],
        ['from', 'build'],
      ],
    );
    assert.equal(m.instructions[2]!.args, 'a b');
    assert.equal(m.stages[0]!.name, 'Build');
  });

  it('stages: names, FROM <stage> chains (case-insensitive), scratch, and what each stage inherits', () => {
    const text = [
      'ARG BASE=debian:bookworm-slim',
      'FROM ${BASE} AS deps',
      'ENV A=1',
      'SHELL ["/bin/bash", "-c"]',
      'WORKDIR /src',
      'FROM scratch AS empty',
      'FROM DEPS AS build',
      'RUN make',
      'FROM build',
      'RUN true',
    ].join('\n');
    const m = parseDockerfile(text);
    assert.deepEqual(
      m.stages.map((s) => s.base),
      [
        { kind: 'image', ref: 'debian:bookworm-slim' },
        { kind: 'scratch' },
        { kind: 'stage', stage: 0 },
        { kind: 'stage', stage: 2 },
      ],
    );
    assert.deepEqual(stageChain(m, 3), [0, 2, 3]);
    const make = m.instructions.find((i) => i.args === 'make')!;
    assert.deepEqual([make.shell, make.workdir, make.scope.get('A')], [['/bin/bash', '-c'], '/src', '1']);
    assert.equal(m.instructions[0]!.stage, -1, 'a global ARG belongs to no stage');
  });

  it('ONBUILD keeps its trigger as arguments; SHELL changes the shell of later lines only', () => {
    const m = parseDockerfile('FROM x\nRUN a\nSHELL ["/bin/sh", "-e", "-c"]\nRUN b\nONBUILD RUN c\n');
    assert.deepEqual(m.instructions[1]!.shell, ['/bin/sh', '-c']);
    assert.deepEqual(m.instructions[3]!.shell, ['/bin/sh', '-e', '-c']);
    assert.equal(m.instructions[4]!.args, 'RUN c');
  });

  it('variables: ARG defaults, stage ARG taking the global default, ENV, ${X:-d}, ${X:+a}, escaped $', () => {
    const m = parseDockerfile('ARG V=1.0\nFROM x:${V}\nARG V\nARG D=/opt\nENV HOME_DIR=${D}/home P=\\$X\nRUN true\n');
    const run = m.instructions.at(-1)!;
    assert.equal(m.stages[0]!.base.kind === 'image' && m.stages[0]!.base.ref, 'x:1.0');
    assert.equal(expandVars('${V}-${HOME_DIR}-${NOPE:-dflt}-${V:+set}-$NOPE.', run.scope), '1.0-/opt/home-dflt-set-.');
    assert.equal(expandVars('${NOPE}', run.scope, '\\', true), '${NOPE}');
    assert.equal(expandVars('\\$V', run.scope), '\\$V');
  });

  it('WORKDIR resolves relative paths against the previous one', () => {
    const m = parseDockerfile('FROM x\nWORKDIR /a\nWORKDIR b/../c\nRUN pwd\n');
    assert.equal(m.instructions[3]!.workdir, '/a/c');
  });
});
