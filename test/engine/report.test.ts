// `dfsize report --json --image` against real builds: the legacy builder and BuildKit on dockerd 20.10, Podman, and
// Docker 28 with the containerd image store (its Engine API's BuildKit and `docker buildx build --load`).
// Every RUN/COPY/ADD's layerBytes must equal the size the engine reports for that exact layer — the row is found by
// the line's marker, not by the matcher —, the base total must be the base image's, and edits must show. The report
// names what its sizes count, and they agree with `dfsize analyze`'s file bytes: equal where rows count file bytes,
// block-rounded above them where rows are the containerd snapshots' disk usage.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { makesLayer, parseDockerfile } from '../../server/src/core/dockerfile';
import { ensureBusyboxFor, BUSYBOX } from '../support/baseImage';
import { build, BUILDS_DIR, dockerFor, engineOf, hostEnv, type Builder } from '../support/builds';
import { needEngine, PODMAN_SOCKET } from '../support/engine';
import { markerOf, rowOfMarker } from '../support/markers';
import { dfsize } from '../support/cli';
import { DockerodeSource } from '../../server/src/engine/dockerode';
import { analyzeImage } from '../../server/src/analysis/analyze';

interface ReportJson {
  image: { ref: string; id: string; sizeBytes: number; builder: string; source: string; sizeMeasure: string } | null;
  base: { line: number; layers: number; sizeBytes: number } | null;
  instructions: Array<{
    line: number;
    endLine: number;
    keyword: string;
    stage: number;
    layerBytes: number | null;
    status: string;
    rebuilds: boolean;
  }>;
}

const BUILDERS: Builder[] = ['legacy', 'buildkit', 'podman', 'modern-buildkit', 'modern-buildx'];
const MODERN: Builder[] = ['modern-buildkit', 'modern-buildx'];
const CASES: Record<string, Builder[]> = {
  forms: BUILDERS,
  'multistage-chain': BUILDERS,
  'multistage-copy': BUILDERS,
  'buildkit-flags': ['buildkit', 'podman', ...MODERN],
  vars: BUILDERS,
  // heredoc RUN and COPY, COPY --link / --chmod, RUN --mount: the 20.10 engine's BuildKit rejects or drops them
  'modern-forms': MODERN,
};
/** The block size the containerd snapshots are measured in (ext4/overlayfs on this machine and on CI's). */
const BLOCK = 4096;

function report(builder: Builder, dockerfile: string, extra: string[]): ReportJson {
  const r = dfsize(['report', dockerfile, ...extra, '--json'], hostEnv(builder));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReportJson;
}

/** What the builder's engine reports as the store's size measure. */
function measureOf(builder: Builder): string {
  return engineOf(builder) === 'modern' ? 'snapshot-disk-usage' : 'layer-tar';
}

for (const builder of BUILDERS) {
  describe(`engine: dfsize report on ${builder} builds`, function () {
    this.timeout(300000);
    const tag = (c: string) => `dfsize-test/${c}:${builder}`;

    before(async function () {
      await needEngine(this, 'docker');
      if (engineOf(builder) !== 'docker') await needEngine(this, engineOf(builder));
      await ensureBusyboxFor(builder);
    });

    for (const [name, builders] of Object.entries(CASES)) {
      if (!builders.includes(builder)) continue;
      it(`${name}: every RUN/COPY/ADD has its own layer's size, the base its total`, async () => {
        const dir = join(BUILDS_DIR, name);
        const dockerfile = join(dir, 'Dockerfile');
        const text = readFileSync(dockerfile, 'utf8');
        await build(builder, dir, tag(name));
        const docker = dockerFor(builder);
        const history: Array<{ CreatedBy: string; Size: number }> = (
          await docker.getImage(tag(name)).history()
        ).reverse();
        const base = await docker.getImage(BUSYBOX).inspect();
        const baseHistory: Array<{ Size: number }> = await docker.getImage(BUSYBOX).history();

        const r = report(builder, dockerfile, ['--image', tag(name)]);
        assert.equal(r.image!.builder, engineOf(builder) === 'modern' ? 'buildkit' : builder);
        assert.equal(r.image!.source, 'engine');
        assert.equal(r.image!.sizeMeasure, measureOf(builder));

        const model = parseDockerfile(text);
        const lines = text.split('\n');
        let checked = 0;
        for (const [k, inst] of model.instructions.entries()) {
          const got = r.instructions[k]!;
          assert.equal(got.line, inst.range.start.line + 1);
          if (!makesLayer(inst.keyword) || got.status === 'not-built') continue;
          const marker = markerOf(
            inst.keyword,
            lines.slice(inst.range.start.line, inst.range.end.line + 1).join('\n'),
            text,
          );
          if (!marker) continue;
          const row = rowOfMarker(
            history.map((h) => h.CreatedBy),
            marker,
            inst.args,
          );
          assert.equal(got.status, 'matched', `line ${got.line}`);
          assert.equal(got.layerBytes, history[row]!.Size, `line ${got.line}: ${marker}`);
          checked++;
        }
        assert.ok(checked >= 2, `${checked} lines checked`);
        const baseRowsBytes = baseHistory.reduce((s, h) => s + h.Size, 0);
        assert.equal(r.base!.sizeBytes, baseRowsBytes);
        // dockerd 20.10's image size is its rows' sum; Podman's and the containerd store's are not
        if (engineOf(builder) === 'docker') assert.equal(r.base!.sizeBytes, base.Size);
        assert.equal(r.base!.layers, base.RootFS.Layers!.length);
        assert.ok(r.instructions.every((i) => i.status !== 'stale' && !i.rebuilds));
      });
    }

    it('multistage-chain: the stage that is not in the image is not-built', () => {
      const r = report(builder, join(BUILDS_DIR, 'multistage-chain', 'Dockerfile'), [
        '--image',
        tag('multistage-chain'),
      ]);
      const unused = r.instructions.filter((i) => i.stage === 2);
      assert.equal(unused.length, 2);
      assert.ok(unused.every((i) => i.status === 'not-built' && i.layerBytes === null));
      assert.equal(r.instructions.find((i) => i.keyword === 'FROM' && i.stage === 1)!.status, 'metadata');
    });

    it('forms: editing a line makes it stale and the lines after it rebuild', () => {
      const text = readFileSync(join(BUILDS_DIR, 'forms', 'Dockerfile'), 'utf8');
      const edited = text.replace('head -c 3000 /dev/zero > /m-run-lower', 'head -c 3333 /dev/zero > /m-run-lower');
      const file = join(mkdtempSync(join(tmpdir(), 'dfsize-stale-')), 'Dockerfile');
      writeFileSync(file, edited);
      const r = report(builder, file, ['--image', tag('forms')]);
      const at = edited.split('\n').findIndex((l) => l.includes('3333')) + 1;
      for (const i of r.instructions) {
        if (i.line === at) assert.equal(i.status, 'stale');
        if (i.stage >= 0) assert.equal(i.rebuilds, i.line >= at, `line ${i.line}`);
        if (i.line > at && ['RUN', 'COPY', 'ADD'].includes(i.keyword))
          assert.equal(i.status, 'matched', `line ${i.line} keeps its size`);
      }
    });

    it('discovery: without --image the newest image built from the file is used', () => {
      const r = dfsize(['report', join(BUILDS_DIR, 'multistage-copy', 'Dockerfile'), '--json'], hostEnv(builder));
      assert.equal(r.code, 0, r.stderr);
      const got = JSON.parse(r.stdout) as ReportJson;
      assert.ok(got.image, r.stderr);
      assert.match(r.stderr, /history matches 100%/);
      const runtime = got.instructions.filter((i) => i.keyword === 'COPY' && i.stage === 1);
      assert.equal(runtime.length, 2);
      assert.ok(runtime.every((i) => i.status === 'matched' && i.layerBytes !== null));
    });

    it('an unknown image: exit 2 and a message naming it', () => {
      const r = dfsize(
        ['report', join(BUILDS_DIR, 'forms', 'Dockerfile'), '--image', 'dfsize-test/no-such-image:never'],
        hostEnv(builder),
      );
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no-such-image:never: no such image/);
    });

    if (builder !== 'podman') {
      it('the same image saved to an archive: the same lines, its sizes in file bytes (--archive, no engine)', async () => {
        const file = join(mkdtempSync(join(tmpdir(), 'dfsize-save-')), 'forms.tar');
        await pipeline(await dockerFor(builder).getImage(tag('forms')).get(), createWriteStream(file));
        const dockerfile = join(BUILDS_DIR, 'forms', 'Dockerfile');
        const fromEngine = report(builder, dockerfile, ['--image', tag('forms')]);
        const r = dfsize(['report', dockerfile, '--archive', file, '--json'], {
          DOCKER_HOST: 'unix:///nonexistent.sock',
        });
        assert.equal(r.code, 0, r.stderr);
        const fromArchive = JSON.parse(r.stdout) as ReportJson;
        assert.equal(fromArchive.image!.source, 'archive');
        assert.equal(fromArchive.image!.sizeMeasure, 'layer-tar');
        assert.deepEqual(
          fromArchive.instructions.map((i) => [i.line, i.status]),
          fromEngine.instructions.map((i) => [i.line, i.status]),
        );
        if (engineOf(builder) === 'docker') {
          assert.deepEqual(
            fromArchive.instructions.map((i) => i.layerBytes),
            fromEngine.instructions.map((i) => i.layerBytes),
          );
          assert.deepEqual(fromArchive.base, fromEngine.base);
        }
      });

      it('forms: the sizes agree with `dfsize analyze`: equal in file bytes, block-rounded above them in snapshot disk usage', async () => {
        const dockerfile = join(BUILDS_DIR, 'forms', 'Dockerfile');
        const r = report(builder, dockerfile, ['--image', tag('forms')]);
        const a = dfsize(
          ['analyze', '--image', tag('forms'), '--json', '--no-cache', '--dockerfile', dockerfile],
          hostEnv(builder),
        );
        assert.equal(a.code, 0, a.stderr);
        const layers = (
          JSON.parse(a.stdout) as { layers: Array<{ index: number; line: number | null; sizeBytes: number }> }
        ).layers;
        const socketPath = hostEnv(builder).DOCKER_HOST.slice('unix://'.length);
        const analysed = await analyzeImage({
          engine: DockerodeSource.connect({ kind: 'socket', url: hostEnv(builder).DOCKER_HOST, socketPath }, 30000),
          image: tag('forms'),
        });
        let checked = 0;
        for (const l of layers) {
          const line = r.instructions.find((i) => i.line === l.line && i.status === 'matched');
          if (!line || l.line === r.base!.line) continue;
          const row = line.layerBytes!;
          const entries = analysed.contents!.lists[l.index]!.count;
          if (measureOf(builder) === 'layer-tar') assert.equal(row, l.sizeBytes, `line ${l.line}`);
          else {
            // every entry takes at most one block more than its bytes, and the snapshot's root directory one block
            assert.equal(row % BLOCK, 0, `line ${l.line}: ${row} is whole blocks`);
            assert.ok(
              row >= l.sizeBytes && row <= l.sizeBytes + BLOCK * (entries + 1),
              `line ${l.line}: ${row} vs ${l.sizeBytes} file bytes in ${entries} entries`,
            );
          }
          checked++;
        }
        assert.ok(checked >= 10, `${checked} layers compared`);
      });
    }
  });
}

describe('engine: the adapter tells Docker from Podman', () => {
  it('version() names the product behind the socket', async function () {
    await needEngine(this, 'docker');
    await needEngine(this, 'podman');
    const docker = await DockerodeSource.connect(
      { kind: 'socket', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' },
      5000,
    ).version();
    const podman = await DockerodeSource.connect(
      { kind: 'socket', url: `unix://${PODMAN_SOCKET}`, socketPath: PODMAN_SOCKET },
      5000,
    ).version();
    assert.equal(docker.product, 'docker');
    assert.equal(podman.product, 'podman');
  });
});
