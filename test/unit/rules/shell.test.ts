// The shell reader behind every rule: top-level commands, separators, nesting, and what it refuses to guess about.
import { strict as assert } from 'node:assert';
import { parseShell, topLevel } from '../../../server/src/core/rules/shell';

const top = (s: string) =>
  topLevel(parseShell(s)).map((c) => [c.before, c.name, c.args.map((a) => a.value ?? `<${a.raw}>`).join(' '), c.after]);

describe('rules: shell reader', () => {
  it('splits an && / ; list into commands with their separators and assignments', () => {
    assert.deepEqual(top('set -eux; DEBIAN_FRONTEND=noninteractive apt-get install -y a && rm -rf /x'), [
      [null, 'set', '-eux', ';'],
      [';', 'apt-get', 'install -y a', '&&'],
      ['&&', 'rm', '-rf /x', null],
    ]);
    assert.equal(parseShell('set -eux; a').errexit, true);
    assert.equal(parseShell('set -e; a; set +e').errexit, false);
  });

  it('reads quotes, escapes and expansions: static words have values, expansions do not', () => {
    const [c] = topLevel(parseShell(`echo 'a b' "c $D" e\\ f $(date) "\${X:-y}" plain`));
    assert.deepEqual(
      c!.args.map((a) => a.value),
      ['a b', null, 'e f', null, null, 'plain'],
    );
  });

  it('keeps commands inside if/for/while/case/braces/subshells/functions nested, and the items top-level', () => {
    const s = parseShell(
      'if [ -f x ]; then apt-get install -y a; fi && for k in 1 2; do echo $k; done; case $x in a) b;; esac; f() { g; }; (h) ; { i; } > /log; last',
    );
    assert.ok(s.understood);
    assert.deepEqual(
      topLevel(s).map((c) => c.name),
      ['last'],
    );
    assert.deepEqual(
      s.items.map((i) => i.kind),
      ['compound', 'compound', 'compound', 'compound', 'compound', 'compound', 'command'],
    );
    assert.ok(s.commands.some((c) => c.name === 'apt-get' && c.depth === 1));
  });

  it('keeps pipes, redirections and comments out of the words', () => {
    const s = parseShell("find / -name '*.so' 2>/dev/null | sort -u > /tmp/l # done");
    assert.deepEqual(
      topLevel(s).map((c) => [c.name, c.args.map((a) => a.value).join(' '), c.after]),
      [
        ['find', '/ -name *.so', '|'],
        ['sort', '-u', null],
      ],
    );
    assert.equal(s.text.slice(s.commentStart), '# done');
    assert.equal(s.text.slice(0, s.contentEnd), "find / -name '*.so' 2>/dev/null | sort -u > /tmp/l");
  });

  for (const bad of [
    'cat <<EOF',
    'cat <<< "$x"',
    'diff <(a) <(b)',
    'echo "open',
    "echo 'open",
    'echo $(open',
    'if true; then a',
    'a &&',
    'a )',
    'function f { a; }',
  ]) {
    it(`does not guess about: ${bad}`, () => assert.equal(parseShell(bad).understood, false));
  }

  it('notes a trailing separator', () => {
    assert.equal(parseShell('a; b;').trailing, ';');
    assert.equal(parseShell('a &').trailing, '&');
    assert.equal(parseShell('a').trailing, null);
  });

  it('skips the body of a heredoc in the text: its lines are input, not commands', () => {
    const s = parseShell(
      "cat <<EOF > /etc/x\napt-get install -y a && rm -rf /b\nEOF\ncat <<-'A' <<B\n\tx\n\tA\ny\nB\napt-get clean",
    );
    assert.ok(s.understood);
    assert.deepEqual(
      s.commands.map((c) => [c.name, c.args.map((a) => a.value).join(' ')]),
      [
        ['cat', ''],
        ['cat', ''],
        ['apt-get', 'clean'],
      ],
    );
    assert.equal(parseShell('cat <<EOF\nno end').understood, false);
    assert.equal(parseShell('cat <<"$X"\nbody\n$X').understood, false);
  });

  it("spans a function definition from its name, and keeps a compound's redirection out of the commands", () => {
    const f = parseShell('f() { g; }; h');
    assert.deepEqual(
      f.items.map((i) => f.text.slice(i.start, i.end)),
      ['f() { g; }', 'h'],
    );
    const s = parseShell('while x; do { y; } > /f; done; z');
    assert.deepEqual(
      s.commands.map((c) => [c.name, c.depth]),
      [
        ['x', 1],
        ['y', 2],
        ['z', 0],
      ],
    );
  });
});
