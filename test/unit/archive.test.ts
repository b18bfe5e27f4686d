// Archives as the history source of `dfsize report --archive`, generated here in the shapes builders write (legacy
// docker save, kaniko, OCI layouts with each layer compression), and bad archives turned into one-line errors.
// Rows equal to dockerd's after `docker load` of dive's images: test/conformance/dive.test.ts.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { matchHistory } from '../../server/src/core/match';
import { ArchiveFormatError, imageInfoOf, readArchive, readArchiveFile } from '../../server/src/engine/archive';
import { chunked, ociArchive } from '../support/archives';
import { layerBytes, ONE_FILE, SAMPLE_DOCKERFILE, sampleImage } from '../support/sampleImage';

describe("archive: images shaped like dive's test image", () => {
  it("the archive's image size is Σ layer file sizes (dive's sizeBytes), each row the bytes of its layer", async () => {
    const s = await sampleImage('legacy');
    const info = imageInfoOf(await readArchive(chunked(s.archive)));
    assert.equal(info.sizeBytes, s.sizeBytes);
    assert.deepEqual(
      info.history.filter((r) => !r.emptyLayer).map((r) => r.sizeBytes),
      s.spec.layers.map(layerBytes),
    );
  });

  for (const builder of ['kaniko', 'legacy'] as const) {
    it(`the Dockerfile's lines get their layers (${builder})`, async () => {
      const s = await sampleImage(builder);
      const info = imageInfoOf(await readArchive(chunked(s.archive)));
      const model = parseDockerfile(SAMPLE_DOCKERFILE);
      const result = matchHistory(model, info);
      assert.equal(result.builder, builder);
      assert.equal(result.score, 1);
      // The base's two rows (its layer and its CMD); then one row per instruction, in order.
      assert.equal(result.base!.rows, 2);
      assert.equal(result.base!.sizeBytes, s.baseBytes);
      const layers = model.instructions.slice(1).map((_, k) => result.instructions[k + 1]!.layerBytes);
      assert.deepEqual(layers, s.spec.layers.slice(1).map(layerBytes));
    });
  }

  it('OCI layouts with uncompressed, gzip, zstd and estargz layers give the same image', async () => {
    const infos = await Promise.all(
      (['none', 'gzip', 'zstd', 'estargz'] as const).map(async (compression) => {
        const a = await readArchive(chunked(await ociArchive(ONE_FILE, { compression })));
        assert.equal(a.format, 'oci-layout');
        assert.equal(a.platform, 'linux/arm64');
        return imageInfoOf(a);
      }),
    );
    for (const info of infos) {
      assert.deepEqual(
        info.history.map((r) => [r.createdBy, r.sizeBytes]),
        [['COPY README.md /README.md # buildkit', 11000]],
      );
    }
  });
});

describe('archive: bad input is one clear error', () => {
  let sample: Buffer = Buffer.alloc(0);
  before(async () => {
    sample = (await sampleImage('legacy')).archive;
  });
  const tar = () => sample;
  const cases: Array<[string, () => Buffer, RegExp]> = [
    ['empty', () => Buffer.alloc(0), /empty/],
    ['not a tar', () => Buffer.from('hello, this is not an archive at all'.repeat(40)), /not a tar archive/],
    ['truncated in a layer', () => tar().subarray(0, Math.floor(tar().length / 2)), /truncated|missing/],
    ['cut after the first layer', () => tar().subarray(0, 4096), /truncated|missing/],
  ];
  for (const [what, buf, re] of cases) {
    it(what, async () => {
      await assert.rejects(
        readArchive(chunked(buf())),
        (e: unknown) => e instanceof ArchiveFormatError && re.test(e.message),
      );
    });
  }

  it('a missing file is reported by the caller (ENOENT), not as a format problem', async () => {
    await assert.rejects(readArchiveFile('/nonexistent/x.tar'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});
