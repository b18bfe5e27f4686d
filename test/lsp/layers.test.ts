// The layer analysis in the editor, over raw JSON-RPC against a real build: it runs by itself in the background with
// work-done progress, then the explorer's request lists image → base + layers → files (dive-style, removable files
// marked), hovers list the largest paths a layer added, and a line leads to its layer.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import type { LayerNode, LayersResult } from '../../server/src/protocol';
import { ensureBusybox } from '../support/baseImage';
import { build } from '../support/builds';
import { ROOT } from '../support/cli';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { workspaceCopy } from '../support/tempDirs';

describe("lsp: layer analysis and the explorer's data", function () {
  this.timeout(240000);
  const { dir, file, uri, text } = workspaceCopy(join(ROOT, 'examples', 'hello'));
  let client: LspClient;
  const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
  const layers = (parent: string | null, offset = 0) =>
    client.request<LayersResult>('dfsize/layers', { uri, parent, offset });

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    await build('buildkit', dir, 'dfsize-test/lsp-layers:latest', { labels: { [LABEL_DOCKERFILE]: file } });
    client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    await client.initialize({ workspaceTrusted: true, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-storage-')) });
    client.open(uri, text);
  });
  after(() => client?.kill());

  it('analyses the image in the background and reports its progress', async () => {
    const begin = await client.waitFor(
      '$/progress',
      (p) => (p as { value: { kind: string; title?: string } }).value.kind === 'begin',
    );
    assert.match(
      (begin.params as { value: { title: string } }).value.title,
      /Analysing the layers of dfsize-test\/lsp-layers:latest/,
    );
    await client.waitFor('$/progress', (p) => (p as { value: { kind: string } }).value.kind === 'end');
  });

  it('top level: the image with its efficiency and removable bytes', async () => {
    const top = await layers(null);
    assert.equal(top.state, 'ok');
    assert.equal(top.nodes.length, 1);
    const image = top.nodes[0]!;
    assert.equal(image.label, 'dfsize-test/lsp-layers:latest');
    assert.equal(image.removableBytes, 1_500_000, 'the scratch file deleted one layer later');
    assert.match(image.detail!, /efficiency \d+\.\d% · 1\.5 MB removable/);
  });

  it('then the base under its FROM and one node per layer, each tied to its line', async () => {
    const children = (await layers('image')).nodes;
    assert.equal(children[0]!.kind, 'base');
    assert.equal(children[0]!.label, 'FROM local/busybox:latest');
    const run = children.find((n) => n.range?.startLine === lineOf('mkdir -p /root/.cache/pkg'))!;
    assert.equal(run.kind, 'layer');
    assert.equal(run.sizeBytes, 3_800_000);
    assert.equal(run.range!.endLine, lineOf('libfoo.so'));
    const scratch = children.find((n) => n.range?.startLine === lineOf('head -c 1500000'))!;
    assert.equal(scratch.removableBytes, 1_500_000);
    const base = (await layers('base')).nodes;
    assert.equal(base.length, 1);
  });

  it("a layer's files, dive-style: biggest first, status and removable marks, directories lazily", async () => {
    const scratch = (await layers('image')).nodes.find((n) => n.range?.startLine === lineOf('head -c 1500000'))!;
    const root = (await layers(scratch.id)).nodes;
    assert.equal(root[0]?.kind, 'largest', 'its largest files first, then its directories');
    const tmp = root.find((n) => n.label === 'tmp')!;
    assert.equal(tmp.kind, 'dir');
    assert.equal(tmp.hasChildren, true);
    const inTmp = (await layers(tmp.id)).nodes;
    const bin = inTmp.find((n: LayerNode) => n.label === 'build-scratch.bin')!;
    assert.deepEqual([bin.kind, bin.sizeBytes, bin.status, bin.removable], ['file', 1_500_000, 'added', true]);
    const big = (
      await layers(
        (await layers('image')).nodes.find((n) => n.range?.startLine === lineOf('mkdir -p /root/.cache/pkg'))!.id,
      )
    ).nodes;
    assert.deepEqual(
      big.slice(1, 3).map((n) => [n.label, n.sizeBytes]),
      [
        ['root', 3_000_000],
        ['app', 800_000],
      ],
      'biggest first',
    );
  });

  it('"Largest files" of the image: biggest first, the scratch file a later layer deletes marked removable', async () => {
    const largest = (await layers('image')).nodes.at(-1);
    assert.deepEqual([largest?.kind, largest?.label], ['largest', 'Largest files']);
    const files = (await layers(largest?.id ?? null)).nodes;
    const sizes = files.map((n) => n.sizeBytes ?? -1);
    assert.deepEqual(
      sizes,
      [...sizes].sort((a, b) => b - a),
      'biggest first',
    );
    const at = (path: string) => files.find((n) => n.label === path);
    assert.deepEqual(
      [files[0]?.label, files[0]?.sizeBytes, files[0]?.removable],
      ['/root/.cache/pkg/index.bin', 3_000_000, undefined],
    );
    assert.deepEqual(
      [at('/tmp/build-scratch.bin')?.sizeBytes, at('/tmp/build-scratch.bin')?.removable],
      [1_500_000, true],
    );
    assert.equal(at('/app/deps/libfoo.so')?.removable, undefined);
    const scratch = (await layers('image')).nodes.find((n) => n.range?.startLine === lineOf('head -c 1500000'));
    assert.match(at('/tmp/build-scratch.bin')?.origin ?? '', /^layer \d+ · RUN$/);
    assert.deepEqual(at('/tmp/build-scratch.bin')?.range, scratch?.range, 'clicking it reveals the line that made it');
    assert.match(
      at('/tmp/build-scratch.bin')?.detail ?? '',
      /deleted by layer \d+: `RUN rm -f \/tmp\/build-scratch\.bin`/,
    );
  });

  it("each layer's files start with its own largest files", async () => {
    const scratch = (await layers('image')).nodes.find((n) => n.range?.startLine === lineOf('head -c 1500000'));
    const first = (await layers(scratch?.id ?? null)).nodes[0];
    assert.deepEqual([first?.kind, first?.label], ['largest', 'Largest files']);
    assert.deepEqual(
      (await layers(first?.id ?? null)).nodes.map((n) => [n.label, n.sizeBytes, n.removable]),
      [['/tmp/build-scratch.bin', 1_500_000, true]],
    );
  });

  it('an id the explorer never gave is refused with one line', async () => {
    await assert.rejects(layers('layer:x'), (e: Error) =>
      /dfsize\/layers: parent must be null or the id of a node/.test(e.message),
    );
  });

  it('hover on a RUN lists the largest paths it added', async () => {
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri },
      position: { line: lineOf('libfoo.so'), character: 3 },
    });
    assert.match(hover.contents.value, /largest paths this layer added/);
    assert.match(hover.contents.value, /`\/root\/\.cache\/pkg\/index\.bin` 3 MB/);
  });

  it('a line leads to its layer (for revealing it)', async () => {
    const path = await client.request<LayerNode[]>('dfsize/layerAtLine', { uri, line: lineOf('COPY app.sh') });
    assert.deepEqual(
      path.map((n) => n.kind),
      ['image', 'layer'],
    );
    assert.equal(path[1]!.sizeBytes, 40);
    assert.deepEqual(
      await client.request<LayerNode[]>('dfsize/layerAtLine', { uri, line: lineOf('# Build scratch') }),
      [],
    );
  });

  it('a document with no image says so instead of an empty tree', async () => {
    const other = 'untitled:no-image';
    client.open(other, 'FROM local/busybox:latest\nRUN echo never built > /nothing-like-this\n');
    const r = await client.request<LayersResult>('dfsize/layers', { uri: other, parent: null });
    assert.equal(r.state, 'no-image');
    assert.match(r.message, /no image/);
  });
});
