// The language server under abuse, over real stdio: malformed params for every request it answers, requests for
// documents never opened, 2,000 rapid edits, out-of-range incremental edits, cancel storms, a 10 MB document, and a
// client that disappears. None may take it down; it says what was wrong (-32602), stays bounded on a giant document,
// and prints its resident memory after the run and after a repeat.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { computeFindings, staticContext } from '../../server/src/core/rules/index';
import { MAX_DOCUMENT_CHARS } from '../../server/src/state/session';
import { NO_ENGINE } from '../support/cli';
import { largeDockerfile } from '../support/largeDockerfile';
import { LspClient, ResponseFailure } from '../support/lspClient';
import { assertInside, lineLengths } from '../support/ranges';

const INVALID_PARAMS = -32602;
const REQUEST_CANCELLED = -32800;
const TEN_MB = 10_000_000;

interface Diag {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  code: string;
  message: string;
}
interface Published {
  uri: string;
  version?: number;
  diagnostics: Diag[];
}

const START = 'FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y curl\n';

/** What a request ended in: its result, or the code of its error. */
async function outcome(p: Promise<unknown>): Promise<{ result: unknown } | { code: number; message: string }> {
  try {
    return { result: await p };
  } catch (e) {
    if (e instanceof ResponseFailure) return { code: e.code, message: e.reason };
    throw e;
  }
}

/** The diagnostics published for `uri` at `version` (after the `since`-th message the server sent). */
function diagnosticsAt(client: LspClient, uri: string, version: number, since = 0): Promise<Diag[]> {
  return client
    .waitFor(
      'textDocument/publishDiagnostics',
      (p) => (p as Published).uri === uri && (p as Published).version === version,
      since,
    )
    .then((m) => (m.params as Published).diagnostics);
}

/** `code@line` of what the rules find in `text` for a document with no file and no image, as the server sees it. */
function expectedFindings(text: string): string[] {
  return computeFindings(staticContext(parseDockerfile(text)), { disabled: new Set() })
    .findings.map((f) => `${f.code}@${f.range.start.line}`)
    .sort();
}

/** A 10 MB, 200,001-line Dockerfile: the generated 200,000-line file and one long LABEL. */
function tenMegabytes(): string {
  const lines = largeDockerfile(500, 200_000);
  return `${lines}LABEL pad="${'p'.repeat(Math.max(0, TEN_MB - lines.length - 12))}"\n`;
}

describe('lsp: abuse — the server answers, stays up and stays bounded', function () {
  this.timeout(240000);
  let client: LspClient;
  const doc = 'untitled:abuse';
  const rss: string[] = [];

  before(async () => {
    client = new LspClient(NO_ENGINE);
    await client.initialize({ workspaceTrusted: true });
    client.open(doc, START);
    await diagnosticsAt(client, doc, 1);
  });
  after(() => {
    console.log(`      server RSS: ${rss.join(', ')}`);
    client?.kill();
  });

  it('malformed params of every request are answered -32602, naming the field', async () => {
    const position = { line: 0, character: 0 };
    const range = { start: position, end: position };
    const td = { uri: doc };
    const bad: Record<string, unknown[]> = {
      'textDocument/hover': [
        null,
        7,
        [],
        {},
        { textDocument: {} },
        { textDocument: td },
        { textDocument: td, position: { line: -1, character: 0 } },
        { textDocument: td, position: { line: 0.5, character: 0 } },
        { textDocument: { uri: 3 }, position },
      ],
      'textDocument/inlayHint': [
        null,
        {},
        { textDocument: td },
        { textDocument: td, range: { start: position } },
        { textDocument: td, range: 'all' },
      ],
      'textDocument/codeAction': [
        null,
        { textDocument: td, range },
        { textDocument: td, range, context: null },
        { textDocument: td, range, context: { only: 'quickfix' } },
        { textDocument: td, context: { diagnostics: [] } },
      ],
      'dfsize/listImages': [null, {}, { uri: 5 }, { uri: '' }],
      'dfsize/selectImage': [null, {}, { uri: doc, ref: 5 }],
      'dfsize/layers': [
        null,
        {},
        { uri: doc, parent: 5 },
        { uri: doc, parent: null, offset: -1 },
        { uri: doc, parent: null, limit: 0 },
        { uri: doc, parent: null, offset: 'x' },
      ],
      'dfsize/layerAtLine': [null, { uri: doc }, { uri: doc, line: -3 }, { uri: doc, line: '2' }],
      'dfsize/analyse': [null, {}, { uri: [] }],
      'dfsize/build': [
        null,
        {},
        { uri: doc, buildId: 'b' },
        { uri: doc, buildId: 'b', options: { contextDir: '/tmp', tag: 't', builder: 'nope' } },
        { uri: doc, buildId: 'b', options: { contextDir: '/tmp', tag: 't', builder: 'auto', buildArgs: { A: 1 } } },
        { uri: doc, buildId: 7, options: {} },
      ],
    };
    let n = 0;
    for (const [method, cases] of Object.entries(bad)) {
      for (const params of cases) {
        const r = await outcome(client.request(method, params));
        assert.ok('code' in r, `${method} ${JSON.stringify(params)} succeeded`);
        assert.equal(r.code, INVALID_PARAMS, `${method} ${JSON.stringify(params)}: ${r.message}`);
        // Ours name the field; the protocol library answers params by position (an array) itself, saying so.
        assert.match(
          r.message,
          Array.isArray(params) ? /by position/ : new RegExp(`^${method.replace('/', '\\/')}.* must be `),
          r.message,
        );
        n++;
      }
    }
    console.log(
      `      ${n} malformed requests over ${Object.keys(bad).length} methods, each answered ${INVALID_PARAMS}`,
    );
  });

  it('requests for documents never opened are answered with nothing to show', async () => {
    const uri = 'untitled:never-opened';
    const position = { line: 3, character: 1 };
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position }), null);
    assert.deepEqual(
      await client.request('textDocument/inlayHint', {
        textDocument: { uri },
        range: { start: position, end: position },
      }),
      [],
    );
    assert.deepEqual(
      await client.request('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: position, end: position },
        context: { diagnostics: [] },
      }),
      [],
    );
    assert.deepEqual(await client.request('dfsize/listImages', { uri }), []);
    assert.deepEqual(await client.request('dfsize/layerAtLine', { uri, line: 3 }), []);
    assert.equal(
      (await client.request<{ state: string }>('dfsize/layers', { uri, parent: null })).state,
      'no-document',
    );
    assert.equal((await client.request<{ started: boolean }>('dfsize/analyse', { uri })).started, false);
  });

  it('2,000 rapid edits: the last version gets the findings its text has', async () => {
    const mirror = TextDocument.create(doc, 'dockerfile', 1, START);
    const edits = 2000;
    for (let v = 2; v <= edits + 1; v++) {
      // Type a RUN line one character at a time, then delete it again every 100 characters.
      const line = mirror.lineCount - 1;
      const change =
        v % 100 === 0
          ? { range: { start: { line: 3, character: 0 }, end: { line, character: 0 } }, text: '' }
          : {
              range: { start: { line, character: 0 }, end: { line, character: 0 } },
              text: v % 20 === 0 ? '\n' : 'RUN apt-get install -y x '.charAt(v % 25),
            };
      TextDocument.update(mirror, [change], v);
      client.notify('textDocument/didChange', { textDocument: { uri: doc, version: v }, contentChanges: [change] });
    }
    const diags = await diagnosticsAt(client, doc, edits + 1);
    assert.deepEqual(diags.map((d) => `${d.code}@${d.range.start.line}`).sort(), expectedFindings(mirror.getText()));
  });

  it('out-of-range incremental edits are clamped, and every diagnostic after them lies inside the text', async () => {
    const mirror = TextDocument.create(doc, 'dockerfile', 5000, START);
    client.notify('textDocument/didChange', {
      textDocument: { uri: doc, version: 5000 },
      contentChanges: [{ text: START }],
    });
    const far = 1_000_000;
    const changes = [
      {
        range: { start: { line: far, character: 0 }, end: { line: far + 5, character: 9 } },
        text: '\nRUN apt-get install -y git\n',
      },
      {
        range: { start: { line: 1, character: far }, end: { line: 1, character: far } },
        text: ' && rm -rf /var/lib/apt/lists/*',
      },
      { range: { start: { line: 2, character: 5 }, end: { line: 0, character: 0 } }, text: 'X' },
      {
        range: { start: { line: 0, character: 4 }, end: { line: far, character: far } },
        text: ' debian\nRUN apt-get update\n',
      },
    ];
    let version = 5000;
    for (const change of changes) {
      TextDocument.update(mirror, [change], ++version);
      client.notify('textDocument/didChange', { textDocument: { uri: doc, version }, contentChanges: [change] });
    }
    const diags = await diagnosticsAt(client, doc, version);
    const lens = lineLengths(mirror.getText());
    for (const d of diags) assertInside(d.range, lens, `${d.code} after out-of-range edits`);
    assert.deepEqual(diags.map((d) => `${d.code}@${d.range.start.line}`).sort(), expectedFindings(mirror.getText()));
    const hover = await outcome(
      client.request('textDocument/hover', { textDocument: { uri: doc }, position: { line: far, character: far } }),
    );
    assert.deepEqual(hover, { result: null }, 'a position past the end is answered with nothing');
  });

  it('a cancel storm: 500 requests cancelled as they are sent are each answered, and the server goes on', async () => {
    // A new text first: the requests then wait for its findings, and a cancel can arrive while they do.
    client.notify('textDocument/didChange', {
      textDocument: { uri: doc, version: 6000 },
      contentChanges: [{ text: `${START}RUN pip install x\n` }],
    });
    const sent = Array.from({ length: 500 }, (_, k) => {
      const r =
        k % 2
          ? client.requestWithId('textDocument/codeAction', {
              textDocument: { uri: doc },
              range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
              context: { diagnostics: [] },
            })
          : client.requestWithId('textDocument/hover', {
              textDocument: { uri: doc },
              position: { line: 1, character: 2 },
            });
      client.notify('$/cancelRequest', { id: r.id });
      return outcome(r.answer);
    });
    const answers = await Promise.all(sent);
    const cancelled = answers.filter((a) => 'code' in a && a.code === REQUEST_CANCELLED).length;
    const failed = answers.filter((a) => 'code' in a && a.code !== REQUEST_CANCELLED);
    assert.deepEqual(failed, [], 'every request ends in its answer or "cancelled"');
    console.log(`      cancel storm: ${answers.length} answered, ${cancelled} of them as cancelled`);
    assert.ok(
      await client.request('textDocument/codeAction', {
        textDocument: { uri: doc },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [] },
      }),
    );
  });

  it('a 10 MB, 200,000-line document: every feature answers, one diagnostic says it is too large, closing frees it', async () => {
    const text = tenMegabytes();
    const big = 'untitled:ten-megabytes';
    const times: string[] = [];
    const timed = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
      const t = process.hrtime.bigint();
      const r = await p();
      times.push(`${what} ${Number((process.hrtime.bigint() - t) / 1_000_000n)} ms`);
      return r;
    };
    rss.push(`${(client.rssBytes() / 1e6).toFixed(0)} MB before the 10 MB document`);
    for (let round = 1; round <= 3; round++) {
      const since = client.received.length;
      client.open(big, text);
      const diags = await timed('diagnostics', () => diagnosticsAt(client, big, 1, since));
      assert.deepEqual(
        diags.map((d) => [d.code, d.range.start.line, d.range.start.character]),
        [['document-too-large', 0, 0]],
      );
      assert.match(
        diags[0]!.message,
        new RegExp(
          `^this document has ${text.length.toLocaleString('en-US')} characters: sizes and size rules are off above ${MAX_DOCUMENT_CHARS.toLocaleString('en-US')}$`,
        ),
      );
      const status = await client.waitFor('dfsize/status', (p) => (p as { uri: string }).uri === big, since);
      assert.equal((status.params as { message: string }).message, diags[0]!.message, 'the status says it too');
      const at = { line: 100_000, character: 4 };
      assert.equal(
        await timed('hover', () => client.request('textDocument/hover', { textDocument: { uri: big }, position: at })),
        null,
      );
      assert.deepEqual(
        await timed('codeAction', () =>
          client.request('textDocument/codeAction', {
            textDocument: { uri: big },
            range: { start: at, end: at },
            context: { diagnostics: [], only: ['quickfix', 'source.fixAll'] },
          }),
        ),
        [],
      );
      assert.deepEqual(
        await timed('inlayHint', () =>
          client.request('textDocument/inlayHint', {
            textDocument: { uri: big },
            range: { start: { line: 0, character: 0 }, end: at },
          }),
        ),
        [],
      );
      const edited = TextDocument.create(big, 'dockerfile', 1, text);
      const change = { range: { start: at, end: at }, text: 'x' };
      TextDocument.update(edited, [change], 2);
      client.notify('textDocument/didChange', { textDocument: { uri: big, version: 2 }, contentChanges: [change] });
      assert.equal((await timed('diagnostics after an edit', () => diagnosticsAt(client, big, 2, since))).length, 1);
      client.notify('textDocument/didClose', { textDocument: { uri: big } });
      await client.waitFor(
        'textDocument/publishDiagnostics',
        (p) => (p as Published).uri === big && (p as Published).diagnostics.length === 0,
        client.received.length,
      );
      rss.push(`${(client.rssBytes() / 1e6).toFixed(0)} MB after round ${round} (open, ask, edit, close)`);
    }
    console.log(`      10 MB document: ${times.join(', ')}`);
  });

  it('shutdown is answered and the server exits 0', async () => {
    assert.equal(await client.shutdown(), 0);
  });
});

describe('lsp: the server exits when its client process is gone', function () {
  this.timeout(60000);

  it("the process named by initialize's processId ends: the server follows it", async () => {
    const parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const client = new LspClient(NO_ENGINE);
    try {
      await client.initialize({ workspaceTrusted: true }, null, parent.pid);
      client.open('untitled:orphan', START);
      parent.kill('SIGKILL');
      await once(parent, 'exit');
      // The server checks on its client every few seconds; the mocha timeout is the deadline.
      const code = await client.exited;
      assert.notEqual(code, null, 'the server exited by itself');
    } finally {
      client.kill();
    }
  });
});
