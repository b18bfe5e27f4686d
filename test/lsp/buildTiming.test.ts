// Build time next to build size, through the server against the real engine, with both builders: a Dockerfile whose
// one slow step does real work (a counting loop) is built with Build Image, then rebuilt. The hover, the hint (with
// dockerfileSize.hints.showBuildTime on), the explorer's layer and `dfsize report --json` (reading the same store)
// say how long each line took, then that the rebuild took them from the cache. An image built outside has no timing.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildImageResult, BuildOptions, LayerNode } from '../../server/src/protocol';
import { ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR } from '../support/builds';
import { dfsize } from '../support/cli';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';

const ENGINE = { DOCKER_HOST: 'unix:///var/run/docker.sock' };
const RANGE = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-timing-'));
  cpSync(join(BUILDS_DIR, 'timed'), dir, { recursive: true });
  const file = join(dir, 'Dockerfile');
  const text = readFileSync(file, 'utf8');
  const slow = text.split('\n').findIndex((l) => l.includes('while'));
  return { dir, file, uri: pathToFileURL(file).href, text, slow };
}

interface ReportLine {
  line: number;
  keyword: string;
  buildMs: number | null;
  cached: boolean | null;
}

async function session(ws: ReturnType<typeof workspace>, storageDir: string) {
  // The editor records builds in the CLI's cache folder (where `report` and `compare previous` read them).
  const client = new LspClient({ ...ENGINE, DFSIZE_CACHE_DIR: storageDir });
  client.settings = { hints: { showBuildTime: true } };
  await client.initialize({ workspaceTrusted: true, storageDir });
  client.open(ws.uri, ws.text);
  const hover = async () =>
    (
      await client.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri: ws.uri },
        position: { line: ws.slow, character: 2 },
      })
    ).contents.value;
  const hint = async () =>
    (
      await client.request<Array<{ position: { line: number }; label: string }>>('textDocument/inlayHint', {
        textDocument: { uri: ws.uri },
        range: RANGE,
      })
    ).find((h) => h.position.line === ws.slow)?.label ?? '(no hint)';
  return { client, hover, hint };
}

describe('lsp: build time next to build size', function () {
  this.timeout(240000);
  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
  });

  for (const builder of ['buildkit', 'legacy'] as const) {
    it(`${builder}: each line's time in the hover, the hint, the explorer and report --json; a rebuild from the cache`, async () => {
      const ws = workspace();
      const storageDir = mkdtempSync(join(tmpdir(), 'dfsize-storage-'));
      const { client, hover, hint } = await session(ws, storageDir);
      try {
        const options: BuildOptions = {
          contextDir: ws.dir,
          tag: `dfsize-test/timing-lsp-${builder}:latest`,
          // A new NONCE: the RUNs after it run, whatever an earlier run of this suite left in the cache. LOOPS makes the
          // counting loop take seconds: at the fixture's 100,000 turns (~0.5 s) a loaded machine's container start for
          // a quick step could take as long (six digits, as the fixture's: /count.txt keeps its 7 bytes).
          buildArgs: { NONCE: `${String(process.pid)}-${ws.dir.slice(-6)}`, LOOPS: '999999' },
          target: null,
          platform: null,
          builder,
        };
        const first = await client.request<BuildImageResult>('dfsize/build', { uri: ws.uri, buildId: 't1', options });
        const report = () => {
          const r = dfsize(['report', ws.file, '--image', first.imageId, '--json', '--no-analyze'], {
            ...ENGINE,
            DFSIZE_CACHE_DIR: storageDir,
          });
          assert.equal(r.code, 0, r.stderr);
          return (JSON.parse(r.stdout) as { instructions: ReportLine[] }).instructions;
        };
        const timed = report().flatMap((i) => (i.buildMs !== null ? [{ ...i, buildMs: i.buildMs }] : []));
        const slowest = timed.reduce((a, b) => (b.buildMs > a.buildMs ? b : a));
        assert.equal(slowest.line, ws.slow + 1, `the counting loop is the slowest line: ${JSON.stringify(timed)}`);
        assert.ok(slowest.buildMs > 0);
        assert.equal(slowest.cached, false);

        const said = await hover();
        const took = /built in (\d+(?:\.\d)?) s/.exec(said)?.[1];
        assert.ok(took, said);
        const tookPattern = took.replace('.', '\\.');
        assert.match(await hint(), new RegExp(`^\\d[\\d.]* [kMG]?B · ${tookPattern} s$`));
        const layers = await client.request<{ nodes: LayerNode[] }>('dfsize/layers', { uri: ws.uri, parent: 'image' });
        const layer = layers.nodes.find((n) => n.kind === 'layer' && n.range?.startLine === ws.slow);
        assert.equal(layer?.buildTime, `${took} s`);

        const again = await client.request<BuildImageResult>('dfsize/build', { uri: ws.uri, buildId: 't2', options });
        assert.equal(again.imageId, first.imageId, 'nothing changed: the same image');
        assert.equal(report().find((i) => i.line === ws.slow + 1)?.cached, true);
        assert.match(await hover(), new RegExp(`from cache \\(built in ${tookPattern} s before\\)`));
        assert.match(await hint(), / · from cache$/);
      } finally {
        client.kill();
      }
    });
  }

  it('an image built outside the editor: the hover says there is no timing, the hint says nothing of time', async () => {
    const ws = workspace();
    await build('legacy', ws.dir, 'dfsize-test/timing-outside:latest', {
      labels: { 'dev.dfsize.dockerfile': ws.file },
      buildargs: { NONCE: 'outside' },
    });
    const { client, hover, hint } = await session(ws, mkdtempSync(join(tmpdir(), 'dfsize-storage-')));
    try {
      await client.waitFor('dfsize/status', (p) => (p as { image: { ref: string } | null }).image !== null);
      assert.match(await hover(), /no build time: this image was not built by the editor or `dfsize build`/);
      assert.match(await hint(), /^\d[\d.]* [kMG]?B$/);
    } finally {
      client.kill();
    }
  });
});
