// The language server meets an engine that answers badly — HTTP 500, JSON of the wrong shape — after it had given
// good numbers: the hints and the hover keep the last numbers, marked cached, the status says what failed and what to
// do, and the next good answer replaces them. The faults come from a proxy in front of the real engine
// (test/support/proxy.ts); each refresh is set off by a real engine event (a tag), as an editor would see one.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { BUSYBOX, ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR, dockerFor } from '../support/builds';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { FaultProxy, type Fault } from '../support/proxy';
import { workspaceCopy } from '../support/tempDirs';

interface StatusParams {
  uri: string;
  cached: boolean;
  image: { ref: string } | null;
  message: string;
}

const LIST = /^\/images\/json$/;

describe('engine faults: the language server keeps the last good numbers', function () {
  this.timeout(240000);
  const ws = workspaceCopy(join(BUILDS_DIR, 'multistage-copy'));
  const tag = `dfsize-test/faults-keep:${process.pid}`;
  const poke = `dfsize-test/faults-keep-poke`;
  const line = ws.text.split('\n').findIndex((l) => l.includes('/m-runtime-artifact'));
  let proxy: FaultProxy;
  let client: LspClient;
  let pokes = 0;

  const hintAt = async (): Promise<string | undefined> => {
    const got = await client.request<Array<{ position: { line: number }; label: string }>>('textDocument/inlayHint', {
      textDocument: { uri: ws.uri },
      range: { start: { line: 0, character: 0 }, end: { line: ws.text.split('\n').length, character: 0 } },
    });
    return got.find((h) => h.position.line === line)?.label;
  };
  const hoverAt = async (): Promise<string> => {
    const h = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: ws.uri },
      position: { line, character: 2 },
    });
    return h?.contents.value ?? '';
  };
  /** Tags busybox once more on the real engine: its event makes the server resolve the document again. */
  const engineEvent = async (pred: (s: StatusParams) => boolean): Promise<StatusParams> => {
    const since = client.received.length;
    await dockerFor('legacy')
      .getImage(BUSYBOX)
      .tag({ repo: poke, tag: `p${process.pid}-${++pokes}` });
    const m = await client.waitFor(
      'dfsize/status',
      (p) => (p as StatusParams).uri === ws.uri && pred(p as StatusParams),
      since,
    );
    return m.params as StatusParams;
  };

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    await build('buildkit', ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
    proxy = await FaultProxy.start();
    client = new LspClient({ DOCKER_HOST: proxy.url });
    await client.initialize({ workspaceTrusted: true });
    client.open(ws.uri, ws.text);
    await client.waitFor('dfsize/status', (p) => (p as StatusParams).image !== null);
  });
  after(async () => {
    client?.kill();
    await proxy?.close();
    const docker = dockerFor('legacy');
    for (let k = 1; k <= pokes; k++) await docker.getImage(`${poke}:p${process.pid}-${k}`).remove();
  });

  const faults: Array<[string, Fault, RegExp]> = [
    [
      'HTTP 500',
      { kind: 'answer', status: 500, body: JSON.stringify({ message: 'disk I/O error' }) },
      /answered with an error: disk I\/O error/,
    ],
    ['JSON of the wrong shape', { kind: 'edit', edit: () => ({ images: 'none' }) }, /JSON of the wrong shape/],
    [
      'an HTML page',
      { kind: 'answer', status: 200, body: '<html>Welcome to nginx!</html>', headers: { 'Content-Type': 'text/html' } },
      /not as a Docker or Podman engine .*Welcome to nginx/,
    ],
  ];
  for (const [name, fault, re] of faults) {
    it(`${name} for the image list: the numbers stay, marked cached; the next good answer replaces them`, async () => {
      assert.equal(await hintAt(), '21 kB');
      proxy.rules = [{ path: LIST, fault }];
      const failed = await engineEvent((s) => re.test(s.message));
      assert.ok(failed.image, `the image was dropped: ${JSON.stringify(failed)}`);
      assert.equal(failed.cached, true);
      // What failed, and what to do about it.
      assert.match(failed.message, /the sizes shown are from its last good answer/);
      assert.equal(await hintAt(), '21 kB · cached');
      assert.match(await hoverAt(), /21 kB[\s\S]*cached/);

      proxy.rules = [];
      const good = await engineEvent((s) => !s.cached && s.image !== null);
      assert.equal(good.image?.ref, tag);
      assert.equal(await hintAt(), '21 kB');
      assert.doesNotMatch(await hoverAt(), /cached/);
    });
  }
});
