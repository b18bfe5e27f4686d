// Build Image through the server, over raw JSON-RPC against the real engine: both builders, progress as step N/M,
// the log, the image labelled for its file, hints refreshed with their change since the previous build, a
// cancelled build, a failing one, two at once — and refused in an untrusted workspace.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BuildErrorCode, type BuildImageResult, type BuildOptions } from '../../server/src/protocol';
import { ensureBusybox } from '../support/baseImage';
import { BUILDS_DIR, dockerFor } from '../support/builds';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';

interface Hint {
  position: { line: number };
  label: string;
}

/** A copy of a fixture whose final stage no other local image matches (so nothing is "the previous build" yet). */
function workspace(): { dir: string; file: string; uri: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-build-'));
  cpSync(join(BUILDS_DIR, 'multistage-copy'), dir, { recursive: true });
  const file = join(dir, 'Dockerfile');
  const text = readFileSync(file, 'utf8').replace('./m-relative', `./m-${dir.slice(-6).toLowerCase()}`);
  writeFileSync(file, text);
  return { dir, file, uri: pathToFileURL(file).href, text };
}

const options = (dir: string, tag: string, builder: BuildOptions['builder']): BuildOptions => ({
  contextDir: dir,
  tag,
  buildArgs: {},
  target: null,
  platform: null,
  builder,
});

describe('lsp: Build Image', function () {
  this.timeout(240000);
  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
  });

  for (const builder of ['buildkit', 'legacy'] as const) {
    it(`${builder}: progress, log, a labelled image, and hints that show the change from the previous build`, async () => {
      const ws = workspace();
      const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
      try {
        await client.initialize({ workspaceTrusted: true, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-storage-')) });
        client.open(ws.uri, ws.text);
        const tag = `dfsize-test/lsp-build-${builder}:latest`;
        const first = await client.request<BuildImageResult>('dfsize/build', {
          uri: ws.uri,
          buildId: 'b1',
          options: options(ws.dir, tag, builder),
        });
        assert.equal(first.builder, builder);
        const progress = client.received
          .filter((m) => m.method === 'dfsize/buildProgress')
          .map((m) => m.params as { step: number; total: number });
        assert.ok(progress.length > 0, 'step N/M reported');
        assert.ok(progress.every((p) => p.step >= 1 && p.step <= p.total));
        assert.ok(
          client.received.some(
            (m) => m.method === 'dfsize/buildLog' && /built sha256:/.test((m.params as { line: string }).line),
          ),
        );
        const inspect = await dockerFor('legacy').getImage(tag).inspect();
        assert.equal(inspect.Config.Labels?.['dev.dfsize.dockerfile'], ws.file);

        const line = ws.text.split('\n').findIndex((l) => l.includes('/src/m-artifact /m-runtime-artifact'));
        const range = { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } };
        const before = await client.request<Hint[]>('textDocument/inlayHint', { textDocument: { uri: ws.uri }, range });
        assert.equal(before.find((h) => h.position.line === line)?.label, '21 kB');

        // Edit, save, rebuild: the hint shows the new size and its change.
        const text = ws.text.replace('head -c 21000', 'head -c 30000');
        writeFileSync(ws.file, text);
        client.notify('textDocument/didChange', {
          textDocument: { uri: ws.uri, version: 2 },
          contentChanges: [{ text }],
        });
        const second = await client.request<BuildImageResult>('dfsize/build', {
          uri: ws.uri,
          buildId: 'b2',
          options: options(ws.dir, tag, builder),
        });
        assert.notEqual(second.imageId, first.imageId);
        const after = await client.request<Hint[]>('textDocument/inlayHint', { textDocument: { uri: ws.uri }, range });
        assert.equal(after.find((h) => h.position.line === line)?.label, '30 kB (+9 kB)');
        // The explorer shows the previous build beside the current one, line by line.
        const top = await client.request<{ nodes: Array<{ id: string; kind: string; label: string }> }>(
          'dfsize/layers',
          { uri: ws.uri, parent: 'image' },
        );
        const previous = top.nodes.find((n) => n.kind === 'previous')!;
        assert.match(previous.label, new RegExp(`previous build: ${tag.replace(/[/.]/g, '\\$&')}`));
        const was = await client.request<{
          nodes: Array<{ range?: { startLine: number }; sizeBytes: number; status: string }>;
        }>('dfsize/layers', { uri: ws.uri, parent: 'previous' });
        const row = was.nodes.find((n) => n.range?.startLine === line)!;
        assert.deepEqual([row.sizeBytes, row.status], [21000, 'now 30 kB']);
        const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', {
          textDocument: { uri: ws.uri },
          position: { line, character: 2 },
        });
        assert.match(hover.contents.value, /\*\*30 kB\*\* \(was 21 kB, \+9 kB\)/);
        const from = await client.request<{ contents: { value: string } }>('textDocument/hover', {
          textDocument: { uri: ws.uri },
          position: {
            line: ws.text
              .split('\n')
              .findIndex((l) => l.startsWith('FROM local/busybox:latest') && !l.includes(' AS ')),
            character: 1,
          },
        });
        assert.match(
          from.contents.value,
          new RegExp(`built by ${builder === 'buildkit' ? 'BuildKit' : 'legacy builder'}`),
        );
      } finally {
        client.kill();
      }
    });
  }

  it("with every stage built too, the builder stage's lines get their sizes (from the image built for that stage)", async () => {
    const ws = workspace();
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: true, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-storage-')) });
      client.open(ws.uri, ws.text);
      const tag = 'dfsize-test/lsp-build-stages:latest';
      await client.request<BuildImageResult>('dfsize/build', {
        uri: ws.uri,
        buildId: 's1',
        options: { ...options(ws.dir, tag, 'buildkit'), allStages: true },
      });
      const stageImage = await dockerFor('legacy').getImage('dfsize-test/lsp-build-stages-builder:latest').inspect();
      assert.equal(stageImage.Config.Labels?.['dev.dfsize.role'], 'stage');
      const line = ws.text.split('\n').findIndex((l) => l.includes('/src/m-artifact') && l.startsWith('RUN'));
      const range = { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } };
      const hints = await client.request<Hint[]>('textDocument/inlayHint', { textDocument: { uri: ws.uri }, range });
      assert.equal(hints.find((h) => h.position.line === line)?.label, '21 kB');
      const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri: ws.uri },
        position: { line, character: 2 },
      });
      assert.match(
        hover.contents.value,
        /its numbers come from `dfsize-test\/lsp-build-stages-builder:latest`, built for it/,
      );
      // The main image is still the one the file's numbers come from.
      const status = await client.waitFor(
        'dfsize/status',
        (p) => (p as { image: { ref: string } | null }).image?.ref === tag,
      );
      assert.ok(status);
    } finally {
      client.kill();
    }
  });

  it('a failing build ends with its error and keeps the log; a second build of the same file while one runs is refused', async () => {
    const ws = workspace();
    writeFileSync(ws.file, `${ws.text}\nRUN echo about to fail && exit 3\n`);
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: true });
      client.open(ws.uri, readFileSync(ws.file, 'utf8'));
      const failing = client.request('dfsize/build', {
        uri: ws.uri,
        buildId: 'f1',
        options: options(ws.dir, 'dfsize-test/lsp-build-fail:latest', 'buildkit'),
      });
      const twice = client.request('dfsize/build', {
        uri: ws.uri,
        buildId: 'f2',
        options: options(ws.dir, 'dfsize-test/lsp-build-fail:latest', 'buildkit'),
      });
      await assert.rejects(
        twice,
        (e: Error) => e.message.startsWith(`${BuildErrorCode.alreadyRunning}: `) && /already running/.test(e.message),
      );
      await assert.rejects(failing, (e: Error) => e.message.startsWith(`${BuildErrorCode.failed}: `));
      await assert.rejects(failing, /the build failed: .*(exit code: 3|returned a non-zero code: 3)/);
      assert.ok(
        client.received.some(
          (m) => m.method === 'dfsize/buildLog' && /about to fail/.test((m.params as { line: string }).line),
        ),
      );
    } finally {
      client.kill();
    }
  });

  it('a build can be cancelled', async () => {
    const ws = workspace();
    writeFileSync(ws.file, 'FROM local/busybox:latest\nRUN sleep 60\n');
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: true });
      client.open(ws.uri, readFileSync(ws.file, 'utf8'));
      const build = client.request('dfsize/build', {
        uri: ws.uri,
        buildId: 'c1',
        options: options(ws.dir, 'dfsize-test/lsp-build-cancel:latest', 'legacy'),
      });
      await client.waitFor('dfsize/buildProgress', (p) => /sleep 60/.test((p as { name: string }).name));
      client.notify('dfsize/cancelBuild', { buildId: 'c1' });
      await assert.rejects(build, /cancelled/);
    } finally {
      client.kill();
    }
  });

  it('in an untrusted workspace a build is refused with why, while sizes still show', async () => {
    const ws = workspace();
    const client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    try {
      await client.initialize({ workspaceTrusted: false });
      client.open(ws.uri, ws.text);
      await assert.rejects(
        client.request('dfsize/build', {
          uri: ws.uri,
          buildId: 'u1',
          options: options(ws.dir, 'dfsize-test/lsp-untrusted:latest', 'buildkit'),
        }),
        (e: Error) =>
          e.message.startsWith(`${BuildErrorCode.untrusted}: `) &&
          /Restricted Mode: trust this folder first/.test(e.message),
      );
    } finally {
      client.kill();
    }
  });
});
