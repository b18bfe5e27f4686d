// The shared-cache artifact's encoding (analysis/layerArtifact.ts) on lists read from real archives: the sample image
// shaped like dive's (whiteouts, opaque directories, hard and symbolic links), names with tabs, newlines and
// backslashes, and a 100k-file layer — each comes back exactly as it went in, while a blob that is cut, altered,
// unsorted or of another version is refused with an ArtifactError.
import { strict as assert } from 'node:assert';
import { gzipSync, gunzipSync } from 'node:zlib';
import { serializeList, LayerListBuilder, type LayerList } from '../../server/src/analysis/entries';
import { ArtifactError, decodeLayerArtifact, encodeLayerArtifact } from '../../server/src/analysis/layerArtifact';
import { readArchive } from '../../server/src/engine/archive';
import { chunked, dir, dockerArchive, file, type ImageSpec } from '../support/archives';
import { sampleImage } from '../support/sampleImage';

/** Every layer's list, as the analysis builds it from the archive. */
async function listsOf(archive: Buffer): Promise<LayerList[]> {
  const builders = new Map<string, LayerListBuilder>();
  const a = await readArchive(chunked(archive), {
    onEntry: (blob, e) => {
      let b = builders.get(blob);
      if (!b) builders.set(blob, (b = new LayerListBuilder()));
      b.add(e);
    },
  });
  return a.layers.map((l) => (builders.get(l.blob) ?? new LayerListBuilder()).finish(l.stats));
}

const roundTrip = async (l: LayerList, chunk = 1000) =>
  decodeLayerArtifact(chunked(await encodeLayerArtifact(l), chunk));

describe('layer artifact: the shared cache encoding', () => {
  it('gives back every list of the sample image exactly (whiteouts, opaque dirs, links)', async () => {
    const lists = await listsOf((await sampleImage('legacy')).archive);
    assert.ok(lists.some((l) => l.links.size > 0) && lists.some((l) => l.kinds.some((k) => k >= 5)));
    for (const l of lists) assert.deepEqual(await roundTrip(l, 7), l);
  });

  it('keeps names with tabs, newlines, backslashes and non-ASCII text', async () => {
    const spec: ImageSpec = {
      layers: [
        [dir('a'), file('a/tab\there', 3), file('a/line\nbreak', 5), file('a/back\\slash\\t', 7), file('a/ünï€', 9)],
      ],
    };
    const [l] = await listsOf(await dockerArchive(spec));
    assert.ok(l);
    const back = await roundTrip(l, 3);
    assert.deepEqual(back, l);
    assert.ok(back.paths.includes('/a/line\nbreak') && back.paths.includes('/a/back\\slash\\t'));
  });

  it('a 100k-file layer: exact, and smaller than the local cache JSON', async () => {
    const entries = [dir('usr'), dir('usr/share')];
    for (let d = 0; d < 100; d++) {
      entries.push(dir(`usr/share/pkg${d}`));
      for (let f = 0; f < 1000; f++) entries.push(file(`usr/share/pkg${d}/file-${f}.txt`, (f * 37) % 500));
    }
    const [l] = await listsOf(await dockerArchive({ layers: [entries] }));
    assert.ok(l && l.count > 100000);
    const blob = await encodeLayerArtifact(l);
    const json = Buffer.byteLength(serializeList(l));
    assert.ok(blob.length < json / 4, `artifact ${blob.length} B vs local JSON ${json} B`);
    assert.deepEqual(await decodeLayerArtifact(chunked(blob, 65536)), l);
  });

  it('refuses a blob cut short, altered, unsorted, of another version or not gzip', async () => {
    const [l] = await listsOf((await sampleImage('legacy')).archive);
    assert.ok(l);
    const blob = await encodeLayerArtifact(l);
    const text = gunzipSync(blob).toString('utf8');
    const lines = text.split('\n');
    const bad = [
      gzipSync(text.slice(0, text.lastIndexOf('end '))),
      gzipSync(text.replace(/^dfsize-layer-analysis 1 \d+/, 'dfsize-layer-analysis 1 999')),
      gzipSync([lines[0], lines[1], lines[3], lines[2], ...lines.slice(4)].join('\n')),
      gzipSync(text.replace(/\n0\t/, '\n9999\t')),
      gzipSync(text.replace(/end \d+/, 'end 1')),
      Buffer.from(text),
    ];
    for (const b of bad) await assert.rejects(decodeLayerArtifact(chunked(b)), ArtifactError);
  });
});
