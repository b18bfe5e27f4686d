// The façade: ignore comments, disabled codes, severity of stages that do not ship, documentation for every code.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../../server/src/core/dockerfile';
import { ruleFailureLines } from '../../../server/src/cli/errors';
import { computeFindings, fixAll, RULE_CODES, ruleDocUrl, staticContext } from '../../../server/src/core/rules/index';
import { ROOT } from '../../support/cli';
import { df, found, lint } from '../../support/rules';

describe('rules: registry and façade', () => {
  it('has the sixteen stable codes', () => {
    assert.deepEqual([...RULE_CODES].sort(), [
      'add-remote-url',
      'apk-cache',
      'apt-install-recommends',
      'apt-lists-not-removed',
      'apt-update-alone',
      'cache-in-layer',
      'cleanup-in-later-layer',
      'compiled-no-multistage',
      'consecutive-run',
      'copy-all-before-deps',
      'large-base-image',
      'missing-dockerignore',
      'npm-cache',
      'pip-cache',
      'recursive-chown-after-copy',
      'yum-dnf-cache',
    ]);
  });

  it('every code has its documentation page, with what, why and before/after', () => {
    for (const code of RULE_CODES) {
      assert.equal(
        ruleDocUrl(code),
        `https://github.com/dfsize/dockerfile-size-insights/blob/main/docs/rules/${code}.md`,
      );
      const page = join(ROOT, 'docs', 'rules', `${code}.md`);
      assert.ok(existsSync(page), page);
      const text = readFileSync(page, 'utf8');
      assert.match(text, new RegExp(`^# ${code}\\n`));
      assert.match(text, /\*\*Finds\*\*/);
      assert.match(text, /\*\*Why it costs bytes\.\*\*/);
      assert.match(text, /## Before/);
      assert.match(text, /## After/);
    }
  });

  const T = df(
    'FROM debian:bookworm-slim',
    '# dfsize-ignore apt-install-recommends',
    'RUN apt-get update && apt-get install -y curl',
    '# dfsize-ignore',
    'RUN apt-get install -y git',
    'RUN echo',
  );

  it('# dfsize-ignore silences the named codes (or all) for the instruction below only', () => {
    // The lists are removed where they are last used: line 5 (silenced), not line 3 (line 5 installs from them).
    assert.deepEqual(found(T), ['consecutive-run@6']);
    assert.deepEqual(found(T.replace('# dfsize-ignore\n', '# dfsize-ignore apt-install-recommends\n')), [
      'apt-lists-not-removed@5',
      'consecutive-run@5',
      'consecutive-run@6',
    ]);
  });

  it('codes switched off in settings are not evaluated', () => {
    const m = parseDockerfile(df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y curl'));
    assert.deepEqual(
      computeFindings(staticContext(m), { disabled: new Set(['apt-lists-not-removed']) }).findings.map((f) => f.code),
      ['apt-install-recommends'],
    );
  });

  it('a rule that throws is returned as a failure with its error; every other rule still reports', () => {
    // A size lookup that throws reaches large-base-image alone: that rule fails, the apt rules' findings stay.
    const broken = new (class extends Map<string, number> {
      override get(): number {
        throw new Error('size table broken');
      }
    })();
    const m = parseDockerfile(df('FROM debian:bookworm', 'RUN apt-get update && apt-get install -y curl'));
    const run = computeFindings(staticContext(m, { imageSizes: broken }), { disabled: new Set() });
    assert.deepEqual(
      run.failures.map((f) => [f.code, (f.error as Error).message]),
      [['large-base-image', 'size table broken']],
    );
    assert.deepEqual(
      run.findings.map((f) => f.code),
      computeFindings(staticContext(m), { disabled: new Set(['large-base-image']) }).findings.map((f) => f.code),
    );
    assert.ok(run.findings.length >= 2);
    // Fix-all reports it too (once, however many passes it makes), and still applies the other rules' fixes.
    const all = fixAll(m.text, (x) => staticContext(x, { imageSizes: broken }));
    assert.deepEqual(
      all.failures.map((f) => f.code),
      ['large-base-image'],
    );
    assert.ok(all.applied.length >= 2);
  });

  it('the CLI says in one line that a rule failed, and shows the stack under --verbose', () => {
    const error = new Error('size table broken');
    assert.equal(
      ruleFailureLines([{ code: 'large-base-image', error }], false),
      'dfsize: a rule failed (large-base-image): its findings are missing; --verbose shows why\n',
    );
    const verbose = ruleFailureLines(
      [
        { code: 'large-base-image', error },
        { code: 'pip-cache', error },
      ],
      true,
    );
    assert.equal(verbose.split('\n').filter((l) => l.startsWith('dfsize: rule ')).length, 2);
    assert.ok(verbose.includes(`dfsize: rule large-base-image failed: ${error.stack}`));
    assert.equal(ruleFailureLines([], true), '');
  });

  it('a smell in a stage that does not reach the image is a hint; in the built stage, a warning', () => {
    const t = df(
      'FROM debian:bookworm-slim AS tools',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'FROM debian:bookworm-slim',
      'COPY --from=tools /usr/bin/curl /usr/bin/curl',
    );
    assert.deepEqual(
      lint(t).map((f) => [f.code, f.severity]),
      [['apt-lists-not-removed', 'hint']],
    );
    // Built for the tools stage (a match says which stages are in the image): now it ships.
    const match = { builder: 'buildkit' as const, chain: [0], base: null, score: 1, instructions: [] };
    assert.deepEqual(
      lint(t, { match }).map((f) => [f.code, f.severity]),
      [['apt-lists-not-removed', 'warning']],
    );
  });

  it('findings come in line order, and ranges cover their instruction', () => {
    const fs = lint(df('FROM node:20', 'COPY . .', 'RUN npm install', 'RUN chown -R node /x'));
    const lines = fs.map((f) => f.range.start.line);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
    assert.ok(fs.every((f) => f.range.end.line >= f.range.start.line));
  });
});
