// The injection grammar (syntaxes/) against VS Code's own Dockerfile grammar, with vscode-tmgrammar-test. That
// grammar ships with VS Code, not with this project: it is taken from the code-server that the e2e suite installs
// (scripts/parts/vscode-web.sh install), or from DFSIZE_DOCKER_GRAMMAR; without it this test says so and skips.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/cli';

export const BUILTIN_GRAMMAR =
  process.env.DFSIZE_DOCKER_GRAMMAR ??
  join(
    process.env.CACHE ?? join(homedir(), '.cache', 'dfsize-vscode-web'),
    'code-server',
    'node_modules',
    'code-server',
    'lib',
    'vscode',
    'extensions',
    'docker',
    'syntaxes',
    'docker.tmLanguage.json',
  );

describe("grammar: injections into VS Code's Dockerfile grammar", function () {
  this.timeout(60000);
  it('highlights heredocs, BuildKit flags, parser directives and # dfsize-ignore', function () {
    if (!existsSync(BUILTIN_GRAMMAR)) {
      console.log(
        `      SKIPPED: VS Code's built-in Dockerfile grammar is not on this machine (${BUILTIN_GRAMMAR}); npm run test:e2e installs it`,
      );
      this.skip();
    }
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js'),
        '-g',
        BUILTIN_GRAMMAR,
        '-g',
        join(ROOT, 'syntaxes', 'dockerfile-size.injection.tmLanguage.json'),
        join(ROOT, 'syntaxes', 'tests', '*.dockerfile'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /run successfuly/);
  });
});
