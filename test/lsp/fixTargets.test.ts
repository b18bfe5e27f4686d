// Quick fixes and fix-all never edit a file through a link: with .dockerignore a symbolic link (to a shell start-up
// file outside the folder), the missing-dockerignore fix is not offered and the output channel says why; with a plain
// .dockerignore it is.
import { strict as assert } from 'node:assert';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LARGE_FILE_BYTES } from '../../server/src/core/rules/missingDockerignore';
import { NO_ENGINE } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { tempTree } from '../support/tempDirs';

interface Action {
  title: string;
  kind: string;
  edit: { documentChanges?: Array<{ kind?: string; uri?: string; textDocument?: { uri: string } }> };
}

const TEXT = 'FROM scratch\nCOPY app.txt /app/\n';

function project(linked: boolean): string {
  const outside = tempTree({ '.bashrc': 'export PS1=x\n' });
  const dir = tempTree({ Dockerfile: TEXT, 'app.txt': 'the app\n' });
  writeFileSync(join(dir, 'big.bin'), '');
  truncateSync(join(dir, 'big.bin'), LARGE_FILE_BYTES + 1);
  if (linked) symlinkSync(join(outside, '.bashrc'), join(dir, '.dockerignore'));
  else writeFileSync(join(dir, '.dockerignore'), '*.log\n');
  return pathToFileURL(join(dir, 'Dockerfile')).href;
}

async function fixesOffered(linked: boolean): Promise<{ quick: Action[]; all: Action[]; logs: string[] }> {
  const uri = project(linked);
  const client = new LspClient(NO_ENGINE);
  try {
    await client.initialize({ workspaceTrusted: true });
    client.open(uri, TEXT);
    await client.waitFor('textDocument/publishDiagnostics', (p) =>
      (p as { diagnostics: Array<{ code: string }> }).diagnostics.some((d) => d.code === 'missing-dockerignore'),
    );
    const on = (only: string) =>
      client.request<Action[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
        context: { diagnostics: [], only: [only] },
      });
    const quick = await on('quickfix');
    const all = await on('source.fixAll.dfsize');
    const logs = client.received
      .filter((m) => m.method === 'window/logMessage')
      .map((m) => (m.params as { message: string }).message);
    return { quick, all, logs };
  } finally {
    client.kill();
  }
}

describe('lsp: fixes never edit through a link', function () {
  this.timeout(60000);

  it('a plain .dockerignore: the fix that extends it is offered', async () => {
    const { quick, all } = await fixesOffered(false);
    assert.deepEqual(
      quick.map((a) => a.title),
      ['Extend .dockerignore'],
    );
    assert.equal(all.length, 1);
  });

  it('a .dockerignore that is a link: no fix edits it, and the log says why', async () => {
    const { quick, all, logs } = await fixesOffered(true);
    assert.deepEqual(quick, []);
    assert.deepEqual(all, []);
    assert.ok(
      logs.some((l) =>
        /^fix not offered: .*\.dockerignore is a symbolic link: dfsize does not write through links/.test(l),
      ),
      logs.join('\n'),
    );
  });
});
