// Conformance with dive: our analysis of dive's own public test images against the figures dive publishes in its
// tests (repository wagoodman/dive, folder `.data/`, MIT licence). Those images hold busybox binaries, so they stay
// outside this repository: the suite reads them from the folder DFSIZE_DIVE_FIXTURES names, and without it says so
// and skips (also under DFSIZE_REQUIRE_ENGINE=1). Every other suite generates its archives or builds its images.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeImage } from '../../server/src/analysis/analyze';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { matchHistory } from '../../server/src/core/match';
import { imageInfoOf, readArchiveFile } from '../../server/src/engine/archive';
import { dfsize, NO_ENGINE } from '../support/cli';
import { loadLoaded } from '../support/recorded';

const VARIABLE = 'DFSIZE_DIVE_FIXTURES';
const DIVE = process.env[VARIABLE] ?? '';
const at = (name: string) => join(DIVE, name);
/** dive's sample CI rules: `.dive-ci` in dive's repository (some copies drop the dot). */
const diveCi = () => (existsSync(at('.dive-ci')) ? at('.dive-ci') : at('dive-ci'));

/** dive's inefficient files for its test image, whose README (copied around) has `readme` bytes. */
const copiesOf = (readme: number) => [
  { file: '/root/saved.txt', count: 2, sizeBytes: 2 * readme },
  { file: '/root/example/somefile1.txt', count: 2, sizeBytes: 2 * readme },
  { file: '/root/example/somefile3.txt', count: 2, sizeBytes: readme },
];

function needDive(ctx: Mocha.Context): void {
  if (DIVE && existsSync(at('test-docker-image.tar'))) return;
  const why = DIVE ? `${VARIABLE}=${DIVE} holds no test-docker-image.tar` : `${VARIABLE} is not set`;
  console.log(
    `      SKIPPED: dive conformance: ${why}; point it at a folder with dive's test images (wagoodman/dive, folder .data/)`,
  );
  ctx.skip();
}

describe("conformance: dive's test images and dive's published figures", function () {
  this.timeout(60000);
  before(function () {
    needDive(this);
  });

  it("test-docker-image.tar: dive's figures, exactly", async () => {
    const { analysis } = await analyzeImage({ archive: at('test-docker-image.tar') });
    const d = analysis.dive;
    assert.equal(d.efficiencyScore, 0.9844212134184309);
    assert.equal(d.inefficientBytes, 32025);
    assert.equal(d.sizeBytes, 1220598);
    assert.equal(d.userSizeBytes, 66237);
    assert.equal(d.userWastedPercent, 0.4834911001404049);
    assert.deepEqual(d.fileReference, copiesOf(6405));
    assert.equal(analysis.layers.length, 14);
    // The five hidden copies of the 6405-byte README; dive's wasted bytes count the copy that stays too.
    assert.equal(analysis.removableBytes, 5 * 6405);
  });

  it('test-kaniko-image.tar: the same build by kaniko gives the same shape of waste', async () => {
    const { analysis } = await analyzeImage({ archive: at('test-kaniko-image.tar') });
    assert.equal(analysis.layers.length, 14);
    assert.deepEqual(analysis.dive.fileReference, copiesOf(9249));
    assert.equal(analysis.dive.inefficientBytes, 46245);
    assert.equal(analysis.removableBytes, 5 * 9249);
  });

  it('the four OCI layouts (uncompressed, gzip, zstd, estargz) give the same one-file tree', async () => {
    const trees = await Promise.all(
      ['uncompressed', 'gzip', 'zstd', 'estargz'].map(async (k) => {
        const r = await analyzeImage({ archive: at(`test-oci-${k}-image.tar`) });
        assert.equal(r.platform, 'linux/arm64');
        return { page: r.contents!.listDir(0, '/'), dive: r.analysis.dive };
      }),
    );
    for (const t of trees) {
      assert.deepEqual(
        t.page.children.map((c) => [c.path, c.type, c.bytes, c.status]),
        [['/README.md', 'file', 11189, 'added']],
      );
      assert.deepEqual(t, trees[0]);
    }
  });

  for (const [file, recorded, builder] of [
    ['test-docker-image.tar', 'dive-test-latest', 'legacy'],
    ['test-kaniko-image.tar', 'dive-test-kaniko', 'kaniko'],
  ] as const) {
    it(`${file}: every row equals dockerd's after docker load, and Dockerfile.test-image's lines get them (${builder})`, async () => {
      const info = imageInfoOf(await readArchiveFile(at(file)));
      const engine = loadLoaded(recorded).info;
      assert.deepEqual(
        info.history.map((r) => [r.createdBy, r.sizeBytes]),
        engine.history.map((r) => [r.createdBy, r.sizeBytes]),
      );
      assert.deepEqual(info.layers, engine.layers);
      const result = matchHistory(parseDockerfile(readFileSync(at('Dockerfile.test-image'), 'utf8')), info);
      assert.equal(result.builder, builder);
      assert.equal(result.score, 1);
    });
  }

  it("dfsize analyze --json gives dive's figures, and dive's sample .dive-ci passes", () => {
    const r = dfsize(['analyze', at('test-docker-image.tar'), '--json', '--no-cache'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.image, {
      ref: 'dive-test:latest',
      id: 'sha256:75ae28b8ebf89b203319069ddcbecdf5c3838503bbebc0d0d85e4b8589c5de3a',
      sizeBytes: 1220598,
    });
    assert.deepEqual(
      [j.dive.efficiencyScore, j.dive.inefficientBytes, j.dive.userWastedPercent],
      [0.9844212134184309, 32025, 0.4834911001404049],
    );
    const ci = dfsize(
      ['analyze', at('test-docker-image.tar'), '--ci', '--ci-config', diveCi(), '--no-cache'],
      NO_ENGINE,
    );
    assert.equal(ci.code, 0, ci.stdout + ci.stderr);
    assert.match(ci.stdout, /PASS \[pass:3\]/);
  });
});
