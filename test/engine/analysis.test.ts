// Layer contents and waste on real builds (dockerd 20.10 with the legacy builder and BuildKit; Docker 28 with the
// containerd image store, through its Engine API's BuildKit and `docker buildx build --load`): an image whose waste we
// control — a file written then deleted, a file overwritten, a directory removed, a directory emptied and recreated
// (an opaque directory) — analysed through the engine's export, a docker save file and the shapes Docker ≥ 25 /
// containerd write (OCI with and without manifest.json, gzip layers through a real registry, a nested index built
// here, and Docker 28's own OCI `docker save`): every shape gives the identical analysis, and
// `dfsize analyze --dockerfile` names the exact lines.
import { strict as assert } from 'node:assert';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { analyzeImage, type AnalyzedImage } from '../../server/src/analysis/analyze';
import { K_OPAQUE, K_WHITEOUT } from '../../server/src/analysis/entries';
import { EngineError } from '../../server/src/engine/source';
import { hostPlatform, readArchiveFile } from '../../server/src/engine/archive';
import { EngineProxy } from '../support/proxy';
import { DockerodeSource } from '../../server/src/engine/dockerode';
import { ensureBusyboxFor } from '../support/baseImage';
import { build, BUILDS_DIR, dockerFor, engineOf, hostEnv, runCommand as run, type Builder } from '../support/builds';
import { dfsize, NO_ENGINE, RECIPES } from '../support/cli';
import { needEngine, registryAnswers } from '../support/engine';
import { ociArchive, sha256, tarOf } from '../support/archives';
import { WASTE_DOCKERFILE } from '../support/wasteImage';

/** The facts that must not depend on how the image reached us. */
function essence(r: AnalyzedImage) {
  return {
    analysis: r.analysis,
    history: r.info.history.map((h) => [h.createdBy, h.sizeBytes, h.emptyLayer]),
    layers: r.info.layers,
  };
}

/** An OCI layout (no manifest.json) rewritten so that index.json points at a nested index for two platforms. */
async function nestIndex(ociFile: string, host: string): Promise<Buffer> {
  const { extract } = await import('tar-stream');
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      if (e.header.type === 'file') files.set(e.header.name, Buffer.concat(chunks));
    }
  })();
  await pipeline((await import('node:fs')).createReadStream(ociFile), ex);
  await done;
  const index = JSON.parse(files.get('index.json')!.toString()) as { manifests: Array<Record<string, unknown>> };
  const m = index.manifests[0]!;
  const [os, architecture] = host.split('/');
  const nested = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { ...m, annotations: undefined, platform: { os: 'linux', architecture: 's390x' } },
        { ...m, annotations: undefined, platform: { os, architecture } },
      ],
    }),
  );
  files.set(`blobs/sha256/${sha256(nested)}`, nested);
  files.set(
    'index.json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            digest: `sha256:${sha256(nested)}`,
            size: nested.length,
            annotations: m.annotations,
          },
        ],
      }),
    ),
  );
  return tarOf([...files].map(([name, body]) => ({ name, body })));
}

for (const builder of ['legacy', 'buildkit', 'modern-buildkit', 'modern-buildx'] as Builder[]) {
  describe(`engine: layer contents and waste (${builder})`, function () {
    this.timeout(600000);
    const tag = `dfsize-test/analysis-waste:${builder}`;
    const dir = mkdtempSync(join(tmpdir(), `dfsize-analysis-${builder}-`));
    // Docker 28's containerd store saves OCI layouts itself: the shapes made here from dockerd 20.10 are not needed.
    const modern = engineOf(builder) === 'modern';
    const host = hostEnv(builder).DOCKER_HOST;
    let startedRegistryPid: number | null = null;
    let fromEngine: AnalyzedImage;

    before(async function () {
      await needEngine(this, 'docker');
      if (modern) await needEngine(this, 'modern');
      await ensureBusyboxFor(builder);
      writeFileSync(join(dir, 'Dockerfile'), WASTE_DOCKERFILE);
      await build(builder, dir, tag);
      fromEngine = await analyzeImage({
        engine: DockerodeSource.connect({ kind: 'socket', url: host, socketPath: host.slice('unix://'.length) }, 30000),
        image: tag,
      });
      if (!modern && !(await registryAnswers())) {
        // gzip layers go through a registry: started here only when nothing answers (.ci/run starts one); stopped in after().
        const out = await run('bash', [join(RECIPES, 'registry.sh'), 'serve', join(dir, 'registry')]);
        startedRegistryPid = Number(/pid=(\d+)/.exec(out)?.[1]) || null;
      }
    });

    after(() => {
      if (startedRegistryPid !== null) process.kill(startedRegistryPid);
    });

    it('the waste we made: its bytes, the layers that shipped and hid it, what each layer changed', () => {
      const a = fromEngine.analysis;
      assert.equal(a.layers.length, 9);
      assert.equal(a.removableBytes, 720000);
      const items = a.attribution.map((w) => [w.path, w.bytes, w.kind, w.addedLayer, w.removedLayer]);
      // The emptied and recreated directory: dockerd 20.10 (both builders) writes an opaque marker in the layer, the
      // containerd store's differ a whiteout for the one file that went.
      assert.deepEqual(items, [
        ['/w/deleted.bin', 300000, 'deleted', 1, 5],
        ['/w/over.bin', 200000, 'overwritten', 2, 6],
        ['/w/dir', 150000, 'deleted', 3, 7],
        [modern ? '/w/opq/old' : '/w/opq', 70000, 'deleted', 4, 8],
      ]);
      assert.deepEqual(
        a.layers.slice(1).map((l) => [l.added, l.modified, l.removed]),
        [
          [2, 0, 0],
          [1, 0, 0],
          [4, 0, 0],
          [2, 0, 0],
          [0, 0, 1],
          [0, 1, 0],
          [0, 0, 4],
          [1, 0, 1],
        ],
      );
      assert.deepEqual(
        a.layers.slice(1).map((l) => l.removableBytes),
        [300000, 200000, 150000, 70000, 0, 0, 0, 0],
      );
      assert.deepEqual(a.layers[1]!.topPaths, [{ path: '/w/deleted.bin', bytes: 300000 }]);
      assert.equal(fromEngine.contents!.addedUnder(3, '/w/dir'), 150000);
      const opaque = fromEngine.contents!.listDir(8, '/w').children.find((c) => c.name === 'opq')!;
      assert.deepEqual([opaque.removedBytes, opaque.bytes], [70000, 3]);
      const marker = modern ? K_WHITEOUT : K_OPAQUE;
      assert.ok(
        fromEngine.contents!.lists[8]!.kinds.includes(marker),
        `the layer holds ${modern ? 'a whiteout' : 'an opaque marker'}`,
      );
    });

    it('dfsize analyze --image --dockerfile: the lines that added and removed each waste, exactly', () => {
      const r = dfsize(
        ['analyze', '--image', tag, '--json', '--no-cache', '--dockerfile', join(dir, 'Dockerfile')],
        hostEnv(builder),
      );
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.deepEqual(
        j.layers.map((l: { line: number }) => l.line),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.deepEqual(
        j.attribution.map((w: { bytes: number; kind: string; addedAtLine: number; removedAtLine: number }) => [
          w.bytes,
          w.kind,
          w.addedAtLine,
          w.removedAtLine,
        ]),
        [
          [300000, 'deleted', 2, 6],
          [200000, 'overwritten', 3, 7],
          [150000, 'deleted', 4, 8],
          [70000, 'deleted', 5, 9],
        ],
      );
      assert.equal(j.removableBytes, 720000);
      assert.equal(j.image.id, fromEngine.analysis.imageId);
    });

    it('a docker save file gives the identical analysis', async () => {
      const file = join(dir, 'save.tar');
      await pipeline(await dockerFor(builder).getImage(tag).get(), createWriteStream(file));
      const r = await analyzeImage({ archive: file });
      const saved = await readArchiveFile(file);
      // Docker 28's containerd store writes an OCI layout (with a manifest.json beside it), and names images by their
      // manifest's digest where an archive only has the config's: the same image, the one fact that differs.
      assert.equal(saved.format, modern ? 'oci-layout' : 'docker-archive');
      if (modern) {
        assert.equal(r.analysis.imageId, saved.configDigest);
        assert.deepEqual(
          essence(r),
          essence({ ...fromEngine, analysis: { ...fromEngine.analysis, imageId: saved.configDigest } }),
        );
      } else assert.deepEqual(essence(r), essence(fromEngine));
    });

    if (builder === 'modern-buildx') {
      it("a multi-platform build (linux/amd64 + linux/arm64, no command run), saved: both platforms listed, this machine's read", async () => {
        const tagged = `dfsize-test/analysis-platforms:${builder}`;
        await build(builder, join(BUILDS_DIR, 'multi-platform'), tagged, { platforms: ['linux/amd64', 'linux/arm64'] });
        const file = join(dir, 'platforms.tar');
        await pipeline(await dockerFor(builder).getImage(tagged).get(), createWriteStream(file));
        assert.deepEqual([...(await readArchiveFile(file)).platforms].sort(), ['linux/amd64', 'linux/arm64']);
        const r = dfsize(['analyze', file, '--json', '--no-cache'], NO_ENGINE);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`holds images for linux/amd64, linux/arm64; reading ${hostPlatform()} \\(this machine's\\)`),
        );
        const layers = (JSON.parse(r.stdout) as { layers: Array<{ added: number }> }).layers;
        assert.deepEqual(layers.map((l) => l.added).slice(1), [2], 'the COPY layer: its directory and its file');
      });
    }

    if (modern) return;

    it('containerd saves: OCI with manifest.json, without it, and a nested two-platform index: identical', async () => {
      const withMj = join(dir, 'oci-mj.tar');
      const noMj = join(dir, 'oci.tar');
      await run('bash', [join(RECIPES, 'containerd-save.sh'), tag, withMj]);
      await run('bash', [join(RECIPES, 'containerd-save.sh'), tag, noMj, 'no-manifest-json']);
      assert.equal((await readArchiveFile(withMj)).format, 'oci-layout');
      assert.ok(!readFileSync(noMj).includes('manifest.json'), 'the pure layout has no manifest.json');
      for (const f of [withMj, noMj])
        assert.deepEqual(essence(await analyzeImage({ archive: f })), essence(fromEngine), f);
      const nested = join(dir, 'nested.tar');
      writeFileSync(nested, await nestIndex(noMj, hostPlatform()));
      const r = await analyzeImage({ archive: nested });
      assert.deepEqual(essence(r), essence(fromEngine));
      assert.equal(
        r.note,
        `the archive holds images for linux/s390x, ${hostPlatform()}; reading ${hostPlatform()} (this machine's)`,
      );
      assert.deepEqual([...(await readArchiveFile(nested)).platforms].sort(), [hostPlatform(), 'linux/s390x'].sort());
    });

    it('gzip layers (through a real registry) give the identical analysis', async () => {
      const gz = join(dir, 'oci-gzip.tar');
      await run('bash', [join(RECIPES, 'containerd-save.sh'), tag, gz, 'gzip']);
      const a = await readArchiveFile(gz);
      assert.ok(a.layers.every((l) => l.stats.compression === 'gzip'));
      assert.deepEqual(essence(await analyzeImage({ archive: gz })), essence(fromEngine));
    });

    it('the engine going away mid-export fails the analysis cleanly (one line: the engine is unreachable, exit 3 in the CLI)', async () => {
      const proxy = await EngineProxy.start('unix');
      const socketPath = proxy.url.slice('unix://'.length);
      let closed: Promise<void> | null = null;
      await assert.rejects(
        analyzeImage(
          { engine: DockerodeSource.connect({ kind: 'socket', url: proxy.url, socketPath }, 30000), image: tag },
          {
            onProgress: () => {
              closed ??= proxy.close();
            },
          },
        ),
        (e: unknown) =>
          e instanceof EngineError &&
          e.kind === 'unreachable' &&
          /stopped sending the export/.test(e.message) &&
          !e.message.includes('\n'),
      );
      // eslint-disable-next-line @typescript-eslint/await-thenable -- set in the proxy's callback meanwhile
      await closed;
    });

    it('a synthetic nested index of the same layers reads as the flat one', async () => {
      // Independent of containerd: our own OCI writer, flat and nested, from the layers the engine exported.
      const spec = {
        layers: [
          [
            { name: 'w/', type: 'directory' as const },
            { name: 'w/f', body: 'x'.repeat(10) },
          ],
        ],
      };
      const flat = join(dir, 'flat.tar');
      const nested = join(dir, 'nested-synthetic.tar');
      writeFileSync(flat, await ociArchive(spec));
      writeFileSync(nested, await ociArchive(spec, { nested: ['linux/amd64'] }));
      assert.deepEqual(
        (await analyzeImage({ archive: nested })).analysis,
        (await analyzeImage({ archive: flat })).analysis,
      );
    });
  });
}
