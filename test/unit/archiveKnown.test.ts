// readArchive's `known` layers (ReadOptions.known): an OCI layout that leaves a layer's blob out is read when the
// caller already has that layer's analysis by diffID — how a registry image is read in part — and is refused as
// before when the caller has not, or when the blob is there but unreadable.
import { strict as assert } from 'node:assert';
import { extract } from 'tar-stream';
import { ArchiveFormatError, readArchive } from '../../server/src/engine/archive';
import { chunked, file, ociArchive, tarOf, type TarEntry } from '../support/archives';

/** The archive without the entry `name`, or with `replace` as its body instead. */
async function edited(archive: Buffer, name: string, replace?: Buffer): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const ex = extract();
  ex.end(archive);
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    if (e.header.name !== name) entries.push({ name: e.header.name, body: Buffer.concat(chunks) });
    else if (replace) entries.push({ name, body: replace });
  }
  return tarOf(entries);
}

describe('archive: layers the caller already knows', () => {
  const spec = { layers: [[file('base/a', 3000)], [file('app/b', 700)]] };

  it('a layout without a known layer’s blob gives the same image, with the caller’s stats for that layer', async () => {
    const whole = await readArchive(chunked(await ociArchive(spec, { compression: 'gzip' })), { verifyLayers: true });
    const [base, app] = whole.layers;
    assert.ok(base && app && base.diffId);
    const part = await edited(await ociArchive(spec, { compression: 'gzip' }), base.blob);
    const known = new Map([[base.diffId, base.stats]]);
    const read = await readArchive(chunked(part), { verifyLayers: true, known });
    assert.deepEqual(
      read.layers.map((l) => [l.diffId, l.stats]),
      whole.layers.map((l) => [l.diffId, l.stats]),
    );
    assert.equal(read.configDigest, whole.configDigest);
    await assert.rejects(
      readArchive(chunked(part)),
      /layer 1 \(blobs\/sha256\/[0-9a-f]{64}\) is missing from the archive/,
    );
  });

  it('a known layer whose blob is there but unreadable is refused, not replaced', async () => {
    const archive = await ociArchive(spec, { compression: 'gzip' });
    const whole = await readArchive(chunked(archive));
    const [base] = whole.layers;
    assert.ok(base?.diffId);
    const broken = await edited(
      archive,
      base.blob,
      Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(600, 7)]),
    );
    await assert.rejects(
      readArchive(chunked(broken), { known: new Map([[base.diffId, base.stats]]) }),
      (e: unknown) =>
        e instanceof ArchiveFormatError &&
        /layer 1 .*(not a readable layer|does not match|manifest says)/.test(e.message),
    );
  });
});
