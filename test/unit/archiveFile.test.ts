// Archive files are read through lent buffers: fileChunks reads each 1 MiB chunk into a buffer that goes round, so
// anything downstream that kept a chunk past its turn (a decompressor, a tar reader, a sniffed head) would read
// bytes the next read wrote. Layers of several MiB in every compression, many small entries among them (headers
// across chunk edges), and a whole archive gzipped: each layer must match its diffID (sha256 of its decompressed
// tar) and give the entries the same bytes give in fresh chunks.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readArchive, readArchiveFile, type ReadOptions } from '../../server/src/engine/archive';
import { chunked, ociArchive, type LayerCompression, type TarEntry } from '../support/archives';

/** Big random files (gzip cannot shrink them below a chunk) between runs of small ones. */
function layer(n: number): TarEntry[] {
  const out: TarEntry[] = [];
  for (let i = 0; i < 6; i++) {
    out.push({ name: `big/${n}-${i}`, body: randomBytes(400_000 + i * 7_919) });
    for (let k = 0; k < 300; k++) out.push({ name: `small/${n}/${i}/${k}`, body: randomBytes(1 + ((k * 37) % 1500)) });
  }
  return out;
}

type Seen = Array<[string, string, number]>;

async function read(from: (opts: ReadOptions) => ReturnType<typeof readArchive>) {
  const seen: Seen = [];
  const image = await from({ verifyLayers: true, onEntry: (blob, e) => seen.push([blob, e.path, e.size]) });
  return { seen, layers: image.layers.map((l) => [l.diffId, l.stats]) };
}

describe('archive files: read through reused buffers', () => {
  let dir: string;
  const spec = { layers: [layer(1), layer(2)] };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dfsize-archive-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const compression of ['none', 'gzip', 'zstd', 'estargz'] as LayerCompression[]) {
    it(`${compression} layers: every diffID matches, and the entries are those of fresh chunks`, async () => {
      const archive = await ociArchive(spec, { compression });
      assert.ok(archive.length > 6 << 20, 'the archive spans many chunks');
      const file = join(dir, `${compression}.tar`);
      writeFileSync(file, archive);
      const fromFile = await read((o) => readArchiveFile(file, o));
      const fresh = await read((o) => readArchive(chunked(archive, 1 << 20), o));
      assert.equal(fromFile.layers.length, 2);
      assert.ok(fromFile.seen.length > 3600);
      assert.deepEqual(fromFile, fresh);
    });
  }

  it('a gzipped archive (docker save | gzip) reads the same as the archive itself', async () => {
    const archive = await ociArchive(spec, { compression: 'gzip' });
    const file = join(dir, 'whole.tar.gz');
    writeFileSync(file, gzipSync(archive));
    const fromFile = await read((o) => readArchiveFile(file, o));
    assert.deepEqual(fromFile, await read((o) => readArchive(chunked(archive, 1 << 20), o)));
  });
});
