// Engine faults through a proxy socket the tests control (test/support/proxy.ts): a refused connection, stalls before
// and during an answer, a cut in the middle of an export, bodies that are not JSON or not the API's JSON, HTTP errors
// whose text carries escape sequences, a redirect, and an image deleted between two calls. Each ends in one line that
// says what to do and the exit code the README promises (2 bad input, 3 engine unreachable), in bounded time —
// and the language server, whose automatic analysis meets the cut export, stays up.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import type { LayersResult } from '../../server/src/protocol';
import { BUSYBOX, ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR, dockerFor } from '../support/builds';
import { dfsizeAsync, ROOT } from '../support/cli';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { FaultProxy, type FaultRule } from '../support/proxy';
import { workspaceCopy } from '../support/tempDirs';

const DOCKERFILE = join(BUILDS_DIR, 'forms', 'Dockerfile');
const INSPECT = /^\/images\/(?!json$).+\/json$/;
const HISTORY = /\/history$/;
const EXPORT = /\/get$/;
/** ESC [2J ESC [H: clear the screen, cursor home. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** One line on stderr, no stack frame, no control character. */
function oneLine(r: Outcome): string {
  const line = r.stderr.trim();
  assert.ok(!line.includes('\n'), `more than one line:\n${r.stderr}`);
  assert.doesNotMatch(
    line,
    /\.js:\d+|[\u0000-\u0008\u000b-\u001f\u007f]/,
    `a stack or a control character:\n${JSON.stringify(r.stderr)}`,
  );
  assert.match(line, /^dfsize: /);
  return line;
}

describe('engine: faults through a proxy', function () {
  this.timeout(120000);
  let proxy: FaultProxy;
  const cache = mkdtempSync(join(tmpdir(), 'dfsize-faults-cache-'));
  const env = () => ({ DOCKER_HOST: proxy.url, DFSIZE_CACHE_DIR: cache, DFSIZE_ENGINE_TIMEOUT_MS: '3000' });
  const report = (rules: FaultRule[], extra: Record<string, string> = {}) => {
    proxy.rules = rules;
    return dfsizeAsync(['report', DOCKERFILE, '--image', BUSYBOX, '--json'], { ...env(), ...extra });
  };
  const analyze = (rules: FaultRule[], extra: Record<string, string> = {}) => {
    proxy.rules = rules;
    return dfsizeAsync(['analyze', '--image', BUSYBOX, '--no-cache', '--json'], { ...env(), ...extra });
  };
  let faults = 0;

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    proxy = await FaultProxy.start();
  });
  after(async () => {
    console.log(`      faults: ${faults} engine faults, each one line with its exit code`);
    await proxy?.close();
  });
  afterEach(() => {
    faults++;
  });

  it('the proxy forwards: with no fault the report and the analysis work', async () => {
    assert.equal((await report([])).code, 0);
    const r = await analyze([]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).layers.length >= 1);
    faults--; // not a fault
  });

  it('a refused connection: exit 3, start the engine', async () => {
    const r = await dfsizeAsync(['report', DOCKERFILE, '--image', BUSYBOX], {
      DOCKER_HOST: `unix://${join(cache, 'nothing.sock')}`,
    });
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /no engine answers at .*start Docker/);
  });

  it('a stall before the answer, past the deadline: exit 3, raise the deadline', async () => {
    const r = await report([{ path: INSPECT, fault: { kind: 'stall', bytes: 0 } }], {
      DFSIZE_ENGINE_TIMEOUT_MS: '800',
    });
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /did not answer within 800 ms .*DFSIZE_ENGINE_TIMEOUT_MS/);
  });

  it('an export that stalls after it started: exit 3 after its idle deadline, not a wait without end', async () => {
    const r = await analyze([{ path: EXPORT, fault: { kind: 'stall', bytes: 300_000 } }], {
      DFSIZE_EXPORT_TIMEOUT_MS: '1500',
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(oneLine(r), /export of .* sent nothing for 1500 ms .*DFSIZE_EXPORT_TIMEOUT_MS/);
  });

  for (const bytes of [300_000, 1_100_000]) {
    it(`an export cut after ${bytes} bytes (inside a layer): exit 3, is the engine still running`, async () => {
      const r = await analyze([{ path: EXPORT, fault: { kind: 'cut', bytes } }]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(oneLine(r), /stopped sending the export of .*is it still running\?/);
    });
  }

  it('a history that is not JSON: exit 3, this is not an engine', async () => {
    const r = await report([{ path: HISTORY, fault: { kind: 'answer', status: 200, body: '[{"Id": "sha256:12' } }]);
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /not as a Docker or Podman engine \(the history of .* is not JSON.*point DOCKER_HOST/);
  });

  it('an HTML page for the image: exit 3, this is not an engine', async () => {
    const r = await report([
      {
        path: INSPECT,
        fault: {
          kind: 'answer',
          status: 200,
          body: '<html><body>Welcome to nginx!</body></html>',
          headers: { 'Content-Type': 'text/html' },
        },
      },
    ]);
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /not as a Docker or Podman engine .*Welcome to nginx/);
  });

  const shapes: Array<[string, (j: unknown) => unknown, RegExp]> = [
    ['a history that is an object', () => ({ rows: [] }), /the history is not a JSON array/],
    ['a history with a null row', (j) => [...(j as unknown[]), null], /history row \d+ is not a JSON object/],
    [
      'a numeric CreatedBy',
      (j) => (j as Array<Record<string, unknown>>).map((r) => ({ ...r, CreatedBy: 42 })),
      /CreatedBy is a number, not a string/,
    ],
  ];
  for (const [name, edit, re] of shapes) {
    it(`${name}: exit 2, the answer's shape named`, async () => {
      const r = await report([{ path: HISTORY, fault: { kind: 'edit', edit } }]);
      assert.equal(r.code, 2);
      assert.match(oneLine(r), re);
    });
  }

  it('Created: 1e20 in every history row: the report works, the dates are unknown', async () => {
    const r = await report([
      {
        path: HISTORY,
        fault: { kind: 'edit', edit: (j) => (j as object[]).map((row) => ({ ...row, Created: 1e20 })) },
      },
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).instructions.length > 0);
  });

  it('HTTP 500 whose message clears the screen: exit 2, the message printed without its escape sequences', async () => {
    const r = await report([
      {
        path: HISTORY,
        fault: {
          kind: 'answer',
          status: 500,
          body: JSON.stringify({ message: `${CLEAR_SCREEN}disk I/O error\u0007` }),
        },
      },
    ]);
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /answered with an error: .*disk I\/O error/);
  });

  it('a redirect to another port is not followed: exit 3, point DOCKER_HOST at the engine itself', async () => {
    const r = await report([
      {
        path: INSPECT,
        fault: { kind: 'answer', status: 302, body: '', headers: { Location: 'http://127.0.0.1:1/elsewhere' } },
      },
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(oneLine(r), /with a redirect, which an engine never does: point DOCKER_HOST/);
    assert.ok(!proxy.seen.some((p) => p.includes('elsewhere')));
  });

  it('an image list that is not JSON: discovery says why there is no image, one line, and the report goes on', async () => {
    proxy.rules = [{ path: /^\/images\/json$/, fault: { kind: 'answer', status: 200, body: 'OK' } }];
    const r = await dfsizeAsync(['report', DOCKERFILE, '--json'], env());
    assert.equal(r.code, 0);
    assert.match(oneLine(r), /no image: .*not JSON/);
  });

  it('an image deleted between its inspect and its history: exit 2, no such image', async () => {
    const tag = 'dfsize-test/archive-deleted:latest';
    const docker = dockerFor('legacy');
    await docker.getImage(BUSYBOX).tag({ repo: 'dfsize-test/archive-deleted', tag: 'latest' });
    // A new image of its own (a label on top of busybox), so deleting it leaves busybox alone.
    const c = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['true'],
      Labels: { 'dfsize.test': String(process.pid) },
    });
    // dockerode's types give the callback form's void once the options are cast; without a callback it is a promise.
    // eslint-disable-next-line @typescript-eslint/await-thenable, @typescript-eslint/no-confusing-void-expression
    await c.commit({
      repo: 'dfsize-test/archive-deleted',
      tag: 'latest',
      changes: [`LABEL dfsize.test=${process.pid}`],
    } as never);
    await c.remove();
    proxy.rules = [
      {
        path: HISTORY,
        fault: {
          kind: 'before',
          before: async () => {
            await docker.getImage(tag).remove({ force: true });
          },
        },
      },
    ];
    const r = await dfsizeAsync(['report', DOCKERFILE, '--image', tag], env());
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLine(r), /no such image on .*docker image ls/);
  });

  describe('the language server meets a cut export', function () {
    this.timeout(240000);
    const { dir, file, uri, text } = workspaceCopy(join(ROOT, 'examples', 'hello'));
    let client: LspClient;
    const layers = () => client.request<LayersResult>('dfsize/layers', { uri, parent: null, offset: 0 });

    before(async () => {
      await build('buildkit', dir, 'dfsize-test/archive-lsp:latest', { labels: { [LABEL_DOCKERFILE]: file } });
      proxy.rules = [{ path: EXPORT, fault: { kind: 'cut', bytes: 300_000 } }];
      client = new LspClient({ DOCKER_HOST: proxy.url });
      await client.initialize({ workspaceTrusted: true, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-storage-')) });
      client.open(uri, text);
    });
    after(() => client?.kill());

    it('its automatic analysis fails with one line, and the server answers on', async () => {
      await client.waitFor('$/progress', (p) => (p as { value: { kind: string } }).value.kind === 'end');
      const top = await layers();
      const failed = /the analysis failed: (.*)/.exec(top.nodes[0]?.detail ?? '');
      assert.ok(failed, `no failure on the image node: ${JSON.stringify(top.nodes[0])}`);
      assert.match(failed[1]!, /stopped sending the export of .*is it still running\?/);
      // Logged to the output channel too, not swallowed.
      await client.waitFor('window/logMessage', (p) =>
        /the analysis of .* failed: .*stopped sending the export/.test((p as { message: string }).message),
      );
      const hover = await client.request('textDocument/hover', {
        textDocument: { uri },
        position: { line: 1, character: 2 },
      });
      assert.ok(hover !== undefined);
      assert.equal(client.stderr.match(/Error: Unexpected end of data|uncaught/i), null, client.stderr);
    });

    it('with the engine whole again, the analysis asked for again succeeds', async () => {
      proxy.rules = [];
      const since = client.received.length;
      const started = await client.request<{ started: boolean }>('dfsize/analyse', { uri });
      assert.equal(started.started, true);
      await client.waitFor('$/progress', (p) => (p as { value: { kind: string } }).value.kind === 'end', since);
      const top = await layers();
      assert.equal(top.state, 'ok');
      assert.doesNotMatch(top.nodes[0]?.detail ?? '', /the analysis failed/);
    });
  });
});
