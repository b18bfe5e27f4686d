// Size findings in the editor over raw JSON-RPC: diagnostics with stable codes and links to their pages, quick fixes
// as literal code actions, "Fix all size issues" as source.fixAll.dfsize — and, once the real image is analysed,
// messages that carry the measured bytes.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyEdits } from '../../server/src/core/rules/index';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { ensureBusybox } from '../support/baseImage';
import { build } from '../support/builds';
import { NO_ENGINE, ROOT } from '../support/cli';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { workspaceCopy } from '../support/tempDirs';

interface Diag {
  range: { start: { line: number } };
  code: string;
  severity: number;
  message: string;
  codeDescription: { href: string };
  source: string;
}
interface Action {
  title: string;
  kind: string;
  isPreferred?: boolean;
  edit: { changes?: Record<string, Array<{ range: never; newText: string }>> };
}

const diagnosticsOf = (client: LspClient, uri: string, since = 0, pred: (d: Diag[]) => boolean = () => true) =>
  client
    .waitFor(
      'textDocument/publishDiagnostics',
      (p) =>
        (p as { uri: string; diagnostics: Diag[] }).uri === uri && pred((p as { diagnostics: Diag[] }).diagnostics),
      since,
    )
    .then((m) => (m.params as { diagnostics: Diag[] }).diagnostics);

describe('lsp: size findings, quick fixes and fix-all (no engine needed)', function () {
  this.timeout(60000);
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-diag-'));
  const file = join(dir, 'Dockerfile');
  const uri = pathToFileURL(file).href;
  const text = readFileSync(
    join(ROOT, 'test', 'fixtures', 'dockerfiles', 'smelly', 'apt-update-split.Dockerfile'),
    'utf8',
  );
  const expected = [...text.split('\n')[0]!.matchAll(/([a-z-]+) \(line (\d+)\)/g)].map((m) => `${m[1]}@${m[2]}`).sort();
  let client: LspClient;

  before(async () => {
    writeFileSync(file, text);
    writeFileSync(join(dir, '.dockerignore'), '.git\n');
    client = new LspClient(NO_ENGINE);
    await client.initialize({ workspaceTrusted: true });
    client.open(uri, text);
  });
  after(() => client?.kill());

  it('publishes exactly the findings the file has, with stable codes and their documentation', async () => {
    const diags = await diagnosticsOf(client, uri);
    assert.deepEqual(diags.map((d) => `${d.code}@${d.range.start.line + 1}`).sort(), expected);
    for (const d of diags) {
      assert.equal(d.source, 'dfsize');
      assert.match(d.codeDescription.href, new RegExp(`/docs/rules/${d.code}\\.md$`));
    }
  });

  it('offers quick fixes on a line, with the preferred one marked', async () => {
    const line = Number(expected.find((e) => e.startsWith('apt-install-recommends'))!.split('@')[1]) - 1;
    const actions = await client.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      context: { diagnostics: [], only: ['quickfix'] },
    });
    const recommends = actions.find((a) => /--no-install-recommends/.test(a.title))!;
    assert.equal(recommends.kind, 'quickfix');
    assert.equal(recommends.isPreferred, true);
    const fixed = applyEdits(text, recommends.edit.changes![uri]!)!;
    assert.match(fixed.split('\n')[line]!, /--no-install-recommends/);
  });

  it('the light bulb the editor asks for on every cursor move does not run fix-all', async () => {
    const actions = await client.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.ok(actions.length > 0);
    assert.ok(actions.every((a) => a.kind === 'quickfix'));
  });

  it('switching a rule off in the settings takes its diagnostics away', async () => {
    const since = client.received.length;
    client.settings = { rules: { disabled: ['apt-install-recommends'] } };
    client.notify('workspace/didChangeConfiguration', { settings: null });
    const diags = await diagnosticsOf(client, uri, since);
    assert.ok(!diags.some((d) => d.code === 'apt-install-recommends'));
    assert.ok(diags.some((d) => d.code === 'apt-lists-not-removed'));
    client.settings = {};
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await diagnosticsOf(client, uri, client.received.length, (d) => d.some((x) => x.code === 'apt-install-recommends'));
  });

  it('fix-all applies every preferred fix in one edit; afterwards the fixable findings are gone', async () => {
    const [all] = await client.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.dfsize'] },
    });
    assert.ok(all, 'a fix-all action');
    assert.equal(all.kind, 'source.fixAll.dfsize');
    const fixed = applyEdits(text, all.edit.changes![uri]!)!;
    assert.match(fixed, /apt-get update && apt-get install -y --no-install-recommends/);
    assert.match(fixed, /rm -rf \/var\/lib\/apt\/lists\/\*/);
    const since = client.received.length;
    client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    const after = await diagnosticsOf(client, uri, since);
    assert.deepEqual(
      after.filter((d) => d.code.startsWith('apt-')),
      [],
    );
  });
});

describe('lsp: measured findings on an analysed image', function () {
  this.timeout(240000);

  it('cleanup-in-later-layer names the bytes and both lines, and its fix moves the deletion', async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    const { dir, file, uri, text } = workspaceCopy(join(ROOT, 'examples', 'hello'));
    await build('buildkit', dir, 'dfsize-test/lsp-measured:latest', { labels: { [LABEL_DOCKERFILE]: file } });
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: true, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-storage-')) });
      client.open(uri, text);
      const lines = text.split('\n');
      const rm = lines.findIndex((l) => l.startsWith('RUN rm -f /tmp/build-scratch.bin'));
      const made = lines.findIndex((l) => l.includes('head -c 1500000'));
      const diags = await diagnosticsOf(client, uri, 0, (d) => d.some((x) => x.code === 'cleanup-in-later-layer'));
      const d = diags.find((x) => x.code === 'cleanup-in-later-layer')!;
      assert.equal(d.range.start.line, rm);
      assert.match(d.message, /1\.5 MB/);
      assert.match(d.message, new RegExp(`line ${made + 1}`));
      const actions = await client.request<Action[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: rm, character: 0 }, end: { line: rm, character: 0 } },
        context: { diagnostics: [], only: ['quickfix'] },
      });
      const move = actions.find((a) => a.isPreferred && a.edit.changes)!;
      const fixed = applyEdits(text, move.edit.changes![uri]!)!.split('\n');
      assert.ok(!fixed.some((l) => l.startsWith('RUN rm -f /tmp/build-scratch.bin')), 'the deleting RUN is gone');
      assert.match(
        fixed.join('\n'),
        /head -c 1500000 \/dev\/urandom > \/tmp\/build-scratch\.bin[\s\\]*&& rm -f \/tmp\/build-scratch\.bin/,
      );
    } finally {
      client.kill();
    }
  });
});
