// Archives as the history source of `dfsize report --archive`: dive's fixtures (read in place), their sizes equal to
// what dockerd reports after loading them, and bad archives turned into one-line errors.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { matchHistory } from '../../server/src/core/match';
import { ArchiveFormatError, imageInfoOf, readArchive, readArchiveFile } from '../../server/src/engine/archive';
import { chunked } from '../support/archives';
import { DIVE, needDive } from '../support/cli';
import { loadLoaded } from '../support/recorded';

describe('archive: dive fixtures', function () {
  before(function () { needDive(this); });
  for (const [file, recorded] of [['test-docker-image.tar', 'dive-test-latest'], ['test-kaniko-image.tar', 'dive-test-kaniko']] as const) {
    it(`${file}: every row's size equals dockerd's after docker load`, async () => {
      const info = imageInfoOf(await readArchiveFile(join(DIVE, file)));
      const engine = loadLoaded(recorded).info;
      assert.equal(info.history.length, engine.history.length);
      assert.deepEqual(info.history.map((r) => r.sizeBytes), engine.history.map((r) => r.sizeBytes));
      assert.deepEqual(info.history.map((r) => r.createdBy), engine.history.map((r) => r.createdBy));
      assert.deepEqual(info.layers, engine.layers);
    });
  }

  it('dive\'s sizeBytes (Σ layer file sizes) is the archive image size', async () => {
    const info = imageInfoOf(await readArchiveFile(join(DIVE, 'test-docker-image.tar')));
    assert.equal(info.sizeBytes, 1220598);
  });

  for (const [file, builder] of [['test-kaniko-image.tar', 'kaniko'], ['test-docker-image.tar', 'legacy']] as const) {
    it(`${file}: Dockerfile.test-image lines get their layers (${builder})`, async () => {
      const info = imageInfoOf(await readArchiveFile(join(DIVE, file)));
      const model = parseDockerfile(readFileSync(join(DIVE, 'Dockerfile.test-image'), 'utf8'));
      const result = matchHistory(model, info);
      assert.equal(result.builder, builder);
      assert.equal(result.score, 1);
      // busybox's two rows are the base; then one row per instruction, in order.
      assert.equal(result.base!.rows, 2);
      assert.equal(result.base!.sizeBytes, info.history[0]!.sizeBytes);
      const layers = model.instructions.slice(1).map((_, k) => result.instructions[k + 1]!.layerBytes);
      assert.deepEqual(layers, info.history.slice(2).map((r) => r.sizeBytes));
    });
  }

  it('the four OCI layouts (uncompressed, gzip, zstd, estargz) give the same image', async () => {
    const infos = await Promise.all(['uncompressed', 'gzip', 'zstd', 'estargz'].map(async (k) => {
      const a = await readArchiveFile(join(DIVE, `test-oci-${k}-image.tar`));
      assert.equal(a.format, 'oci-layout');
      assert.equal(a.platform, 'linux/arm64');
      return imageInfoOf(a);
    }));
    for (const info of infos) {
      assert.deepEqual(info.history.map((r) => [r.createdBy, r.sizeBytes]), infos[0]!.history.map((r) => [r.createdBy, r.sizeBytes]));
      assert.equal(info.history.at(-1)!.createdBy, 'COPY README.md /README.md # buildkit');
    }
  });
});

describe('archive: bad input is one clear error', function () {
  before(function () { needDive(this); });
  const tar = () => readFileSync(join(DIVE, 'test-docker-image.tar'));
  const cases: Array<[string, () => Buffer, RegExp]> = [
    ['empty', () => Buffer.alloc(0), /empty/],
    ['not a tar', () => Buffer.from('hello, this is not an archive at all'.repeat(40)), /not a tar archive/],
    ['truncated in a layer', () => tar().subarray(0, Math.floor(tar().length / 2)), /truncated|missing/],
    ['cut after the first layer', () => tar().subarray(0, 4096), /truncated|missing/],
  ];
  for (const [what, buf, re] of cases) {
    it(what, async () => {
      await assert.rejects(readArchive(chunked(buf())), (e: unknown) => e instanceof ArchiveFormatError && re.test(e.message));
    });
  }

  it('a missing file is reported by the caller (ENOENT), not as a format problem', async () => {
    await assert.rejects(readArchiveFile('/nonexistent/x.tar'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});
