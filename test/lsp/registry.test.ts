// "Analyse Registry Image…" over raw JSON-RPC against the real loopback registry (127.0.0.1:5000, reached through a
// counting proxy so every request the server makes is seen): an image built by the 20.10 engine and pushed there is
// analysed by the server and listed as image → layers → files with the engine's own sizes; a bad reference and a
// missing tag give one line; a FROM line's hover offers the command. In Restricted Mode nothing reaches the registry:
// an image fetched before is served from the cache, any other is refused with the reason.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LayerNode, LayersResult, RegistryAnalysisResult } from '../../server/src/protocol';
import { ensureBusybox } from '../support/baseImage';
import { build, runCommand } from '../support/builds';
import { dfsizeAsync, ROOT } from '../support/cli';
import { needEngine, needPart, registryAnswers } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { FaultProxy } from '../support/proxy';
import { workspaceCopy } from '../support/tempDirs';

const OPEN = '127.0.0.1:5000';
const HUB_NAME = 'dfsize-lsp-mirror:latest';
const MIRRORED = `mirror/library/${HUB_NAME}`;

interface EngineLayers {
  layers: Array<{ sizeBytes: number; removableBytes: number }>;
}

describe('lsp: Analyse Registry Image (the loopback registry, Restricted Mode)', function () {
  this.timeout(300000);
  const { dir } = workspaceCopy(join(ROOT, 'examples', 'hello'));
  const tag = 'dfsize-test/lsp-registry:latest';
  const storageDir = mkdtempSync(join(tmpdir(), 'dfsize-storage-'));
  let proxy: FaultProxy;
  let ref: string;
  let engine: EngineLayers;
  const clients: LspClient[] = [];

  async function server(trusted: boolean, storage = storageDir): Promise<LspClient> {
    const c = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    clients.push(c);
    await c.initialize({ workspaceTrusted: trusted, storageDir: storage });
    return c;
  }
  const analyse = (c: LspClient, r: string) => c.request<RegistryAnalysisResult>('dfsize/analyseRegistry', { ref: r });
  const nodes = async (c: LspClient, r: string, parent: string | null) =>
    (await c.request<LayersResult>('dfsize/registryLayers', { ref: r, parent })).nodes;

  before(async function () {
    await needEngine(this, 'docker');
    const up = await registryAnswers(OPEN);
    needPart(this, up ? null : `no registry answers at ${OPEN} (scripts/parts/registry.sh serve)`);
    await ensureBusybox();
    await build('buildkit', dir, tag);
    await runCommand('docker', ['tag', tag, `${OPEN}/${tag}`]);
    await runCommand('docker', ['push', `${OPEN}/${tag}`]);
    // The same image where a Docker Hub mirror with a path prefix keeps `library/<name>` (the hover's `FROM name`).
    await runCommand('docker', ['tag', tag, `${OPEN}/${MIRRORED}`]);
    await runCommand('docker', ['push', `${OPEN}/${MIRRORED}`]);
    const r = await dfsizeAsync(['analyze', '--image', tag, '--json'], {
      DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-cache-')),
    });
    assert.equal(r.code, 0, r.stderr);
    engine = JSON.parse(r.stdout) as EngineLayers;
    proxy = await FaultProxy.startTcp(OPEN);
    ref = `${proxy.url}/${tag}`;
  });
  after(async () => {
    for (const c of clients) c.kill();
    await proxy?.close();
  });

  it('trusted: fetches the image and lists image → layers → files with the engine’s own sizes', async () => {
    const c = await server(true);
    const r = await c.request<RegistryAnalysisResult>('dfsize/analyseRegistry', { ref, workDoneToken: 'fetch-1' });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.ref, ref);
    const progress = c.received
      .filter((m) => m.method === '$/progress' && (m.params as { token: string }).token === 'fetch-1')
      .map((m) => (m.params as { value: { kind: string; message?: string } }).value);
    assert.equal(progress[0]?.kind, 'begin');
    assert.ok(
      progress.some((v) => v.kind === 'report' && v.message === 'computing waste…'),
      JSON.stringify(progress),
    );
    assert.equal(progress.at(-1)?.kind, 'end');
    assert.ok(
      proxy.seen.some((p) => p.includes('/blobs/sha256:')),
      'the layers were fetched from the registry',
    );

    const top = await nodes(c, ref, null);
    assert.equal(top.length, 1);
    assert.equal(top[0]!.kind, 'image');
    assert.equal(top[0]!.label, ref, 'the node is labelled by the reference');
    assert.equal(top[0]!.removableBytes, 1_500_000, 'the scratch file deleted one layer later');

    const children = await nodes(c, ref, 'image');
    const layers = children.filter((n) => n.kind === 'layer');
    assert.deepEqual(
      layers.map((l) => l.sizeBytes),
      engine.layers.map((l) => l.sizeBytes),
      'each layer as big as the engine’s export says',
    );
    assert.equal(
      top[0]!.sizeBytes,
      engine.layers.reduce((n, l) => n + l.sizeBytes, 0),
    );
    assert.equal(children.at(-1)!.label, 'Largest files');
    // The layer that wrote the 1.5 MB scratch file lists it among its files.
    const writer = layers.find((l) => /scratch/.test(l.label) && l.sizeBytes! >= 1_500_000);
    assert.ok(writer, layers.map((l) => l.label).join('\n'));
    const files = await walk(c, ref, writer.id);
    assert.ok(
      files.some((f) => f.kind === 'file' && f.sizeBytes === 1_500_000 && f.removable === true),
      files.map((f) => `${f.label} ${String(f.sizeBytes)}`).join('\n'),
    );
  });

  it('a bad reference and a missing tag: one line each that says what to do', async () => {
    const c = await server(true);
    const check = (r: string) => c.request<{ problem: string | null }>('dfsize/checkReference', { ref: r });
    assert.deepEqual(await check(ref), { problem: null });
    assert.deepEqual(await check('debian:12'), { problem: null });
    assert.match((await check('Not/A Ref')).problem ?? '', /is not an image reference: name it REGISTRY\/REPOSITORY/);
    const bad = await analyse(c, 'not a reference');
    assert.equal(bad.ok, false);
    assert.match(bad.message, /^not a reference is not an image reference: name it REGISTRY\/REPOSITORY/);
    const missing = await analyse(c, `${proxy.url}/dfsize-test/lsp-registry:no-such-tag`);
    assert.equal(missing.ok, false);
    assert.equal(missing.message.split('\n').length, 1);
    assert.match(missing.message, new RegExp(`^${proxy.url.replace(/\./g, '\\.')}: .*no-such-tag`));
    const none = await c.request<LayersResult>('dfsize/registryLayers', { ref: 'never-analysed:1', parent: null });
    assert.equal(none.state, 'no-image');
  });

  it('cancelled while a blob is on its way: answers "cancelled", caches nothing, and a new request works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dfsize-storage-'));
    const c = await server(true, empty);
    let asked: { id: number; answer: Promise<RegistryAnalysisResult> } | null = null;
    // When the first blob is asked for, the user cancels; the blob is sent only once the server has answered.
    proxy.rules = [
      {
        path: /\/blobs\/sha256:/,
        times: 1,
        fault: {
          kind: 'before',
          before: async () => {
            c.notify('$/cancelRequest', { id: asked!.id });
            await asked!.answer;
          },
        },
      },
    ];
    try {
      asked = c.requestWithId<RegistryAnalysisResult>('dfsize/analyseRegistry', { ref });
      const r = await asked.answer;
      assert.deepEqual(
        { ok: r.ok, message: r.message },
        { ok: false, message: `the analysis of ${ref} was cancelled` },
      );
    } finally {
      proxy.rules = [];
    }
    const cached = readdirSync(empty, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.deepEqual(
      cached.map((e) => e.name),
      [],
      'no analysis, layer or reference record was written',
    );
    assert.equal((await analyse(c, ref)).ok, true);
  });

  it('a Docker Hub name is fetched as library/NAME from dockerfileSize.registry.mirror, prefix included', async () => {
    const c = await server(true);
    c.settings = { registry: { mirror: `${proxy.url}/mirror` } };
    const before = proxy.seen.length;
    const r = await analyse(c, HUB_NAME);
    assert.equal(r.ok, true, r.message);
    const [name, version] = HUB_NAME.split(':');
    assert.ok(
      proxy.seen.slice(before).includes(`/v2/mirror/library/${name!}/manifests/${version!}`),
      proxy.seen.slice(before).join('\n'),
    );
    const layers = (await nodes(c, HUB_NAME, 'image')).filter((n) => n.kind === 'layer');
    assert.deepEqual(
      layers.map((l) => l.sizeBytes),
      engine.layers.map((l) => l.sizeBytes),
    );
  });

  it('untrusted: serves the image fetched before from the cache, and asks the registry nothing', async () => {
    const c = await server(false);
    const before = proxy.seen.length;
    const r = await analyse(c, ref);
    assert.equal(r.ok, true, r.message);
    assert.equal(r.cached, true);
    assert.match(r.message, /from the cache .*Restricted Mode fetches nothing/);
    const layers = (await nodes(c, ref, 'image')).filter((n) => n.kind === 'layer');
    assert.deepEqual(
      layers.map((l) => l.sizeBytes),
      engine.layers.map((l) => l.sizeBytes),
    );
    assert.deepEqual(proxy.seen.slice(before), [], 'no request reached the registry');
  });

  it('untrusted: an image never fetched is refused with the reason, and the registry hears nothing', async () => {
    const c = await server(false);
    const before = proxy.seen.length;
    const other = `${proxy.url}/dfsize-test/lsp-registry:never-fetched`;
    const r = await analyse(c, other);
    assert.equal(r.ok, false);
    assert.match(r.message, /^Restricted Mode: .*trust the workspace .*no analysis of .*never-fetched is cached/);
    assert.deepEqual(proxy.seen.slice(before), [], 'no request reached the registry');
  });

  it('a FROM line’s hover offers “Analyse this base image” for the image it names, ARGs expanded', async () => {
    const c = await server(true);
    const uri = pathToFileURL(join(dir, 'Dockerfile.base')).href;
    c.open(uri, `ARG TAG=${tag.split(':')[1]}\nFROM ${proxy.url}/dfsize-test/lsp-registry:\${TAG} AS app\nFROM app\n`);
    const hover = await c.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 1, character: 2 },
    });
    const m = /\[[^\]]*Analyse this base image\]\(command:dockerfileSize\.analyseRegistryImage\?([^ )]+)/.exec(
      hover?.contents.value ?? '',
    );
    assert.ok(m, hover?.contents.value);
    assert.deepEqual(JSON.parse(decodeURIComponent(m[1]!)), [{ ref, uri }]);
    const stage = await c.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 2, character: 2 },
    });
    assert.doesNotMatch(stage?.contents.value ?? '', /Analyse this base image/, 'a stage is no registry image');
  });
});

/** Every node under `id`, depth first. */
async function walk(c: LspClient, ref: string, id: string): Promise<LayerNode[]> {
  const out: LayerNode[] = [];
  for (const n of (await c.request<LayersResult>('dfsize/registryLayers', { ref, parent: id })).nodes) {
    out.push(n);
    if (n.hasChildren && n.kind === 'dir') out.push(...(await walk(c, ref, n.id)));
  }
  return out;
}
