// The language server as any editor meets it: the bundled server over stdio, raw JSON-RPC.
import { strict as assert } from 'node:assert';
import { LspClient } from '../support/lspClient';
import { PACKAGE_VERSION } from '../support/manifest';

describe('lsp: the server shell', () => {
  it('initializes, syncs documents incrementally, and exits cleanly on shutdown', async () => {
    const client = new LspClient();
    const init = await client.initialize();
    assert.equal(init.serverInfo?.name, 'dfsize-langserver');
    assert.equal(init.serverInfo.version, PACKAGE_VERSION, "serverInfo.version is package.json's");
    assert.equal((init.capabilities.textDocumentSync as { change: number }).change, 2);
    client.open('file:///w/Dockerfile', 'FROM busybox\nRUN echo hi\n');
    client.notify('textDocument/didChange', {
      textDocument: { uri: 'file:///w/Dockerfile', version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 9 }, end: { line: 1, character: 11 } }, text: 'there' }],
    });
    assert.equal(await client.shutdown(), 0);
  });

  it('stays up on binary garbage and a 2 MB line', async () => {
    const client = new LspClient();
    await client.initialize();
    client.open(
      'file:///w/garbage',
      String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 65536)),
    );
    client.open('file:///w/long', `FROM x\nRUN ${'a'.repeat(2 * 1024 * 1024)}\n`);
    // A request after the bad input still gets its answer: the server did not die.
    assert.equal(await client.shutdown(), 0);
  });
});
