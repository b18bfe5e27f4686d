// `dfsize fix` and the findings of `dfsize report`, as a user runs them (the bundled CLI, a real process).
import { strict as assert } from 'node:assert';
import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dfsize, NO_ENGINE } from '../support/cli';
import { hostileContext, LINE_BREAK } from '../support/hostileContext';
import { tempTree } from '../support/tempDirs';

const SMELLY = [
  'FROM debian:bookworm-slim',
  'RUN apt-get update',
  'RUN apt-get install -y curl',
  'WORKDIR /app',
  'COPY . .',
  'CMD ["bash"]',
  '',
].join('\n');

describe('cli: dfsize fix', () => {
  it('prints a unified diff and leaves the file alone', () => {
    const dir = tempTree({ Dockerfile: SMELLY });
    const r = dfsize(['fix', join(dir, 'Dockerfile')], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^--- .*Dockerfile\n\+\+\+ .*Dockerfile\n@@ /m);
    assert.match(
      r.stdout,
      /^-RUN apt-get update\n-RUN apt-get install -y curl\n\+RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf \/var\/lib\/apt\/lists\/\*$/m,
    );
    assert.match(
      r.stderr,
      /3 fixes: apt-update-alone, apt-install-recommends, apt-lists-not-removed \(--write applies them\)/,
    );
    assert.equal(readFileSync(join(dir, 'Dockerfile'), 'utf8'), SMELLY);
  });

  it('--write writes the Dockerfile and a .dockerignore for what the context should not send', () => {
    const dir = tempTree({ Dockerfile: SMELLY, 'app.sh': 'echo hi\n', '.git/objects/big': 'x'.repeat(2_000_000) });
    const r = dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^dfsize: fixed 4: apt-update-alone \(line 2\), apt-install-recommends \(line 2\), apt-lists-not-removed \(line 2\), missing-dockerignore \(line 4\)$/m,
    );
    assert.equal(
      readFileSync(join(dir, 'Dockerfile'), 'utf8'),
      SMELLY.replace(
        'RUN apt-get update\nRUN apt-get install -y curl',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      ),
    );
    assert.equal(
      readFileSync(join(dir, '.dockerignore'), 'utf8'),
      '# not read by the Dockerfile (dfsize missing-dockerignore)\n.git\n',
    );
    const again = dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE);
    assert.match(again.stdout, /nothing to fix/);
  });

  it('--only applies the named codes only; the diff shows a new .dockerignore from /dev/null', () => {
    const dir = tempTree({ Dockerfile: SMELLY, '.git/HEAD': 'x'.repeat(1_000_000) });
    const r = dfsize(
      ['fix', join(dir, 'Dockerfile'), '--only', 'missing-dockerignore,apt-install-recommends'],
      NO_ENGINE,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+RUN apt-get install -y --no-install-recommends curl/);
    assert.doesNotMatch(r.stdout, /lists/);
    assert.match(r.stdout, /^--- \/dev\/null\n\+\+\+ .*\.dockerignore/m);
    assert.ok(!existsSync(join(dir, '.dockerignore')));
  });

  for (const [what, args, code, re] of [
    [
      'an unknown code in --only',
      ['--only', 'apt-lists,pip-cache'],
      2,
      /--only names unknown rules \(apt-lists\): the codes are apt-lists-not-removed, /,
    ],
    [
      'both --image and --archive',
      ['--image', 'a', '--archive', 'b'],
      2,
      /--image and --archive name two images: give one/,
    ],
    ['an unknown flag', ['--frobnicate'], 2, /Unknown option '--frobnicate' \(dfsize --help lists the options\)/],
  ] as const) {
    it(`exits ${code} on ${what}`, () => {
      const dir = tempTree({ Dockerfile: SMELLY });
      const r = dfsize(['fix', join(dir, 'Dockerfile'), ...args], NO_ENGINE);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    });
  }

  it('--write refuses a .dockerignore or a Dockerfile that is a link, in one line, and writes no file', () => {
    const outside = tempTree({ '.bashrc': 'export PS1=x\n', Dockerfile: SMELLY });
    const ignoreLinked = tempTree({ Dockerfile: SMELLY, '.git/objects/big': 'x'.repeat(2_000_000) });
    symlinkSync(join(outside, '.bashrc'), join(ignoreLinked, '.dockerignore'));
    const fileLinked = tempTree({ '.git/objects/big': 'x'.repeat(2_000_000) });
    symlinkSync(join(outside, 'Dockerfile'), join(fileLinked, 'Dockerfile'));
    for (const [dir, link] of [
      [ignoreLinked, '.dockerignore'],
      [fileLinked, 'Dockerfile'],
    ] as const) {
      const r = dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr.trim().split('\n').at(-1),
        `dfsize: ${join(dir, link)} is a symbolic link: dfsize does not write through links; replace it with a plain file or apply the change by hand`,
      );
      assert.ok(lstatSync(join(dir, link)).isSymbolicLink());
      assert.deepEqual(
        readdirSync(dir).sort(),
        [
          '.git',
          link === 'Dockerfile' ? 'Dockerfile' : '.dockerignore',
          ...(link === 'Dockerfile' ? [] : ['Dockerfile']),
        ].sort(),
      );
    }
    assert.equal(readFileSync(join(ignoreLinked, 'Dockerfile'), 'utf8'), SMELLY);
    assert.equal(readFileSync(join(outside, '.bashrc'), 'utf8'), 'export PS1=x\n');
    assert.equal(readFileSync(join(outside, 'Dockerfile'), 'utf8'), SMELLY);
  });

  it('--write says which large file it cannot name in .dockerignore (a line break in its name)', () => {
    const dir = hostileContext();
    const r = dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    const said = `dfsize: ${JSON.stringify(LINE_BREAK)} is left out of ${join(dir, '.dockerignore')}: a line break in a name cannot be written there; rename or move it`;
    assert.ok(r.stderr.split('\n').includes(said), r.stderr);
    assert.match(dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE).stdout, /^dfsize: nothing to fix$/m);
  });

  it('exits 2 on a missing Dockerfile and 3 with --image and no engine', () => {
    assert.equal(dfsize(['fix', '/nonexistent/Dockerfile'], NO_ENGINE).code, 2);
    const dir = tempTree({ Dockerfile: SMELLY });
    assert.equal(dfsize(['fix', join(dir, 'Dockerfile'), '--image', 'x:y'], NO_ENGINE).code, 3);
  });
});

describe('cli: dfsize report findings', () => {
  it('JSON findings follow the contract; the human output lists them', () => {
    const dir = tempTree({ Dockerfile: SMELLY });
    const r = dfsize(['report', join(dir, 'Dockerfile'), '--json'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.findings.map((f: { code: string; line: number; severity: string; fixable: boolean }) => [
        f.code,
        f.line,
        f.severity,
        f.fixable,
      ]),
      [
        // No consecutive-run on line 3: apt-update-alone's move is that join, reported once.
        ['apt-update-alone', 2, 'warning', true],
        ['apt-lists-not-removed', 3, 'warning', true],
        ['apt-install-recommends', 3, 'warning', true],
      ],
    );
    const human = dfsize(['report', join(dir, 'Dockerfile')], NO_ENGINE);
    assert.match(
      human.stdout,
      /^warning: line 2: apt-get update in a RUN that installs nothing: .* \[apt-update-alone\]$/m,
    );
  });
});
