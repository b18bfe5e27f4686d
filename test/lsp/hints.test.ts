// The bundled language server against real builds, over raw JSON-RPC: the hints and hovers a client receives, stale
// marks after an edit, a refresh after a rebuild, cached marks when the engine goes away, and hints that go when
// the image is deleted. No sleeps: each step waits for the message that proves it.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makesLayer, parseDockerfile } from '../../server/src/core/dockerfile';
import { formatBytes } from '../../server/src/core/format';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR, dockerFor, type Builder } from '../support/builds';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { markerOf, rowOfMarker } from '../support/markers';
import { EngineProxy } from '../support/proxy';
import { workspaceCopy } from '../support/tempDirs';

interface Hint {
  position: { line: number; character: number };
  label: string;
}
interface StatusParams {
  uri: string;
  cached: boolean;
  image: { ref: string } | null;
  message: string;
}

async function hints(client: LspClient, uri: string, text: string): Promise<Map<number, string>> {
  const lines = text.split('\n').length;
  const got = await client.request<Hint[]>('textDocument/inlayHint', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
  });
  return new Map(got.map((h) => [h.position.line + 1, h.label]));
}

/** The label each layer-making line must show: the size of the row that names its marker, from the engine itself. */
async function expectedLabels(builder: Builder, tag: string, text: string): Promise<Map<number, string>> {
  const rows = (await dockerFor(builder).getImage(tag).history()).reverse() as Array<{
    CreatedBy: string;
    Size: number;
  }>;
  const model = parseDockerfile(text);
  const lines = text.split('\n');
  const out = new Map<number, string>();
  for (const inst of model.instructions) {
    if (!makesLayer(inst.keyword)) continue;
    const marker = markerOf(inst.keyword, lines.slice(inst.range.start.line, inst.range.end.line + 1).join('\n'), text);
    if (!marker) continue;
    const row =
      rows[
        rowOfMarker(
          rows.map((r) => r.CreatedBy),
          marker,
          inst.args,
        )
      ]!;
    if (row.Size > 0) out.set(inst.range.end.line + 1, formatBytes(row.Size));
  }
  return out;
}

function waitStatus(client: LspClient, uri: string, pred: (s: StatusParams) => boolean, since: number) {
  return client
    .waitFor('dfsize/status', (p) => (p as StatusParams).uri === uri && pred(p as StatusParams), since)
    .then((m) => m.params as StatusParams);
}

for (const builder of ['legacy', 'buildkit'] as const) {
  describe(`lsp: hints and hovers on a ${builder} build`, function () {
    this.timeout(180000);
    const ws = workspaceCopy(join(BUILDS_DIR, 'forms'));
    const tag = `dfsize-test/lsp-forms:${builder}`;
    let client: LspClient;

    before(async function () {
      await needEngine(this, 'docker');
      await ensureBusybox();
      await build(builder, ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
      client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
      await client.initialize({ workspaceTrusted: true });
      client.open(ws.uri, ws.text);
    });
    after(() => client?.kill());

    it("every RUN/COPY/ADD line ends with its layer's size; FROM with the base; metadata lines with nothing", async () => {
      const got = await hints(client, ws.uri, ws.text);
      const expected = await expectedLabels(builder, tag, ws.text);
      assert.ok(expected.size >= 8);
      for (const [line, label] of expected) assert.equal(got.get(line), label, `line ${line}`);
      assert.match(got.get(4)!, /^base 1\.98 MB · 1 layer$/);
      for (const line of [5, 8, 10, 28, 29, 35]) assert.equal(got.get(line), undefined, `metadata line ${line}`);
    });

    it('the status says which image and why', async () => {
      const s = await waitStatus(client, ws.uri, (p) => p.image !== null, 0);
      assert.equal(s.image!.ref, tag);
      assert.match(s.message, /labelled dev\.dfsize\.dockerfile/);
    });

    it('hover shows the share, the layer digest, the history row and the raw CreatedBy', async () => {
      const line = ws.text.split('\n').findIndex((l) => l.includes('/m-run-lower'));
      const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri: ws.uri },
        position: { line, character: 2 },
      });
      const v = hover.contents.value;
      assert.match(v, /\*\*3 kB\*\* · 0\.\d% of `dfsize-test\/lsp-forms/);
      assert.match(v, /layer \d+ of \d+ · `[0-9a-f]{12}`/);
      assert.match(v, /head -c 3000 \/dev\/zero > \/m-run-lower/);
      assert.match(v, builder === 'buildkit' ? /BuildKit/ : /legacy builder/);
      const from = await client.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri: ws.uri },
        position: { line: 3, character: 1 },
      });
      assert.match(from.contents.value, /\*\*base\*\* · 1\.98 MB in 1 layer/);
      assert.match(from.contents.value, /linux\/amd64 .* cmd `\["echo hello"\]`.* ports 8080\/tcp, 9090\/udp/s);
    });

    it('an edited line reads differently, without rebuilding anything', async () => {
      const line = ws.text.split('\n').findIndex((l) => l.includes('/m-run-lower'));
      const start = ws.text.split('\n')[line]!.indexOf('3000');
      client.notify('textDocument/didChange', {
        textDocument: { uri: ws.uri, version: 2 },
        contentChanges: [
          { range: { start: { line, character: start }, end: { line, character: start + 4 } }, text: '3999' },
        ],
      });
      const edited = ws.text.split('\n');
      edited[line] = edited[line]!.replace('3000', '3999');
      const got = await hints(client, ws.uri, edited.join('\n'));
      assert.equal(got.get(line + 1), '≈ 3 kB · edited');
      const next = edited.findIndex((l) => l.includes('/m-run-multi-2')) + 1;
      assert.equal(got.get(next), '9 kB', 'unchanged lines keep their sizes');
    });
  });
}

describe('lsp: live — rebuilds, deleted images, the engine going away', function () {
  this.timeout(180000);
  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
  });

  it('a rebuild in a terminal refreshes the hints by itself', async () => {
    const ws = workspaceCopy(join(BUILDS_DIR, 'multistage-copy'));
    const tag = 'dfsize-test/lsp-live:latest';
    await build('buildkit', ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: true });
      client.open(ws.uri, ws.text);
      const line = ws.text.split('\n').findIndex((l) => l.includes('/src/m-artifact /m-runtime-artifact')) + 1;
      assert.equal((await hints(client, ws.uri, ws.text)).get(line), '21 kB');

      const text = ws.text.replace('head -c 21000', 'head -c 33000');
      writeFileSync(ws.file, text);
      client.notify('textDocument/didChange', {
        textDocument: { uri: ws.uri, version: 2 },
        contentChanges: [{ text }],
      });
      const since = client.received.length;
      await build('buildkit', ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
      await client.waitFor('workspace/inlayHint/refresh', () => true, since);
      assert.equal((await hints(client, ws.uri, text)).get(line), '33 kB');
    } finally {
      client.kill();
    }
  });

  it('when the image is deleted its hints go', async () => {
    const ws = workspaceCopy(join(BUILDS_DIR, 'multistage-copy'));
    const tag = 'dfsize-test/lsp-deleted:latest';
    // A final stage no other image matches: its only image is the one we delete.
    const text = ws.text.replace('./m-relative', './m-relative-deleted');
    writeFileSync(ws.file, text);
    await build('buildkit', ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: true });
      client.open(ws.uri, text);
      assert.ok((await hints(client, ws.uri, text)).size > 0);
      const since = client.received.length;
      await dockerFor('buildkit').getImage(tag).remove({ force: true });
      const s = await waitStatus(client, ws.uri, (p) => p.image === null, since);
      assert.match(s.message, /no image/);
      assert.equal((await hints(client, ws.uri, text)).size, 0);
    } finally {
      client.kill();
    }
  });

  it('with the engine gone the last hints stay, marked cached, and the status says why', async () => {
    const ws = workspaceCopy(join(BUILDS_DIR, 'multistage-copy'));
    const tag = 'dfsize-test/lsp-cached:latest';
    await build('buildkit', ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
    const proxy = await EngineProxy.start('unix');
    const client = new LspClient({ DOCKER_HOST: proxy.url });
    try {
      await client.initialize({ workspaceTrusted: true });
      client.open(ws.uri, ws.text);
      const before = await hints(client, ws.uri, ws.text);
      const line = ws.text.split('\n').findIndex((l) => l.includes('/m-runtime-artifact')) + 1;
      assert.equal(before.get(line), '21 kB');
      const since = client.received.length;
      await proxy.close();
      const s = await waitStatus(client, ws.uri, (p) => p.cached, since);
      assert.match(s.message, /engine|answer|ECONNREFUSED|ENOENT|closed/i);
      // Each refresh the server asks for is answered; the hints must come to say cached (a refresh sent for an
      // earlier change may come first), and the suite's timeout bounds the wait.
      let seen = '';
      for (let mark = since; seen !== '21 kB · cached';) {
        const refresh = await client.waitFor('workspace/inlayHint/refresh', () => true, mark);
        mark = client.received.indexOf(refresh) + 1;
        seen = (await hints(client, ws.uri, ws.text)).get(line) ?? '';
      }

      // The engine comes back: the event stream is re-opened and the marks go.
      const back = client.received.length;
      await proxy.reopen();
      await waitStatus(client, ws.uri, (p) => !p.cached && p.image !== null, back);
      assert.equal((await hints(client, ws.uri, ws.text)).get(line), '21 kB');
    } finally {
      client.kill();
      await proxy.close();
    }
  });
});

describe('lsp: any text, with an engine behind', function () {
  this.timeout(60000);
  before(async function () {
    await needEngine(this, 'docker');
  });

  const texts: Array<[string, string]> = [
    ['half-typed', 'FROM local/busybox:latest\nRUN echo \\\n  && ech'],
    ['binary garbage', String.fromCharCode(...Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 0xd7ff))],
    ['a 2 MB line', `FROM local/busybox:latest\nRUN ${'x'.repeat(2 * 1024 * 1024)}`],
    ['an unterminated heredoc', 'FROM local/busybox:latest\nRUN <<EOF\necho never ends\n'],
    ['CRLF and a trailing backslash', 'FROM local/busybox:latest\r\nRUN true \\\r\n'],
  ];
  for (const [what, text] of texts) {
    it(`${what}: hints and hovers stay inside the document and the server stays up`, async () => {
      const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
      try {
        await client.initialize({ workspaceTrusted: true });
        const uri = `untitled:${what.replace(/\W/g, '-')}`;
        client.open(uri, text);
        const lines = text.split(/\r\n|\n|\r/);
        const got = await client.request<Hint[]>('textDocument/inlayHint', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } },
        });
        for (const h of got)
          assert.ok(
            h.position.line < lines.length && h.position.character <= lines[h.position.line]!.length,
            JSON.stringify(h.position),
          );
        for (let line = 0; line < Math.min(lines.length, 5); line++) {
          const hover = await client.request<{ range?: { end: { line: number; character: number } } } | null>(
            'textDocument/hover',
            { textDocument: { uri }, position: { line, character: 0 } },
          );
          if (hover?.range)
            assert.ok(
              hover.range.end.line < lines.length && hover.range.end.character <= lines[hover.range.end.line]!.length,
            );
        }
        assert.equal(await client.shutdown(), 0);
      } finally {
        client.kill();
      }
    });
  }
});
