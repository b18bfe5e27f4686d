// Docker 28 with the containerd image store, replayed from what scripts/record-history.ts recorded from it (through
// its Engine API's BuildKit and `docker buildx build --load`), through the conversions the engine adapter uses: the
// forms only a current BuildKit writes, and sizes that are the snapshots' disk usage — named as such wherever they
// appear beside the layer analysis's file bytes.
import { strict as assert } from 'node:assert';
import type { ImageAnalysis, LayerFacts } from '../../server/src/core/analysis';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { normaliseRow, shellPrefixes } from '../../server/src/core/history';
import { computeHover } from '../../server/src/core/hover';
import { formatBytes } from '../../server/src/core/format';
import { layersForImage } from '../../server/src/core/layers';
import { matchHistory } from '../../server/src/core/match';
import { buildReport } from '../../server/src/core/report';
import { plain, renderReport } from '../../server/src/cli/human';
import { MODERN_BUILDERS } from '../support/builds';
import { loadRecording, type Recording } from '../support/recorded';
import { chunked, dir, file, ociArchive } from '../support/archives';
import { hostPlatform, readArchive } from '../../server/src/engine/archive';

/** Filesystem blocks the snapshots are measured in. */
const BLOCK = 4096;

function matched(rec: Recording) {
  const model = parseDockerfile(rec.dockerfile);
  return {
    model,
    result: matchHistory(model, rec.info, { baseRows: rec.base.historyRows, baseLayers: rec.base.layers }),
  };
}

/** The normalised row that names `marker`. */
function stepOf(rec: Recording, marker: string) {
  const row = rec.info.history.find((r) => r.createdBy.includes(marker));
  assert.ok(row, `a row names ${marker}`);
  return normaliseRow(row, shellPrefixes());
}

/** Layer facts as the analysis gives them, only the file bytes mattering here. */
function facts(index: number, sizeBytes: number): LayerFacts {
  return {
    index,
    digest: `sha256:${index}`,
    sizeBytes,
    added: 1,
    modified: 0,
    removed: 0,
    removableBytes: 0,
    topPaths: [],
  };
}

for (const builder of MODERN_BUILDERS) {
  describe(`Docker 28, containerd store (${builder}): recorded forms`, () => {
    it('heredoc RUN: the body run by the shell; with a shell named, the whole heredoc; a command with one: all of it', () => {
      const rec = loadRecording(builder, 'modern-forms');
      assert.deepEqual(
        [stepOf(rec, '/m-heredoc-run').keyword, stepOf(rec, '/m-heredoc-run').args.trim()],
        ['RUN', 'head -c 3000 /dev/zero > /m-heredoc-run\necho done'],
      );
      assert.equal(stepOf(rec, '/m-heredoc-shell').args, '<<EOT sh -e\nhead -c 5000 /dev/zero > /m-heredoc-shell\nEOT');
      assert.equal(stepOf(rec, '/m-heredoc-cat').args, 'cat <<EOF > /m-heredoc-cat\nwritten by cat\nEOF');
    });

    it('COPY <<EOF keeps its first line; --link is dropped, --chmod kept; RUN --mount and ADD --checksum lose their flags', () => {
      const rec = loadRecording(builder, 'modern-forms');
      assert.equal(stepOf(rec, '/m-heredoc-copy').args, '<<EOF /m-heredoc-copy');
      assert.equal(stepOf(rec, '/m-link/').args, 'a.txt /m-link/');
      assert.equal(stepOf(rec, '/m-chmod-tool').args, '--chmod=755 tool.sh /m-chmod-tool');
      assert.equal(stepOf(rec, '/m-mount-cache').args, 'head -c 9000 /dev/zero > /m-mount-cache');
      const add = loadRecording(builder, 'add-checksum');
      assert.match(stepOf(add, '/m-add-checksum').args, /^http:\/\/[\d.]+:\d+\/payload\.txt \/m-add-checksum$/);
    });

    it('every line of those files pairs with its row: nothing stale, nothing rebuilding', () => {
      for (const name of ['modern-forms', 'add-checksum']) {
        const { model, result } = matched(loadRecording(builder, name));
        const layered = model.instructions.filter((i) => ['RUN', 'COPY', 'ADD'].includes(i.keyword));
        assert.ok(layered.length >= 2);
        for (const i of layered)
          assert.equal(result.instructions[i.index]!.status, 'matched', `${name} line ${i.range.start.line + 1}`);
        assert.ok(
          result.instructions.every((m) => m.status !== 'stale' && !m.rebuilds),
          name,
        );
      }
    });

    it("sizes are snapshot disk usage: whole blocks, an empty WORKDIR takes blocks, the image size is not the rows' sum", () => {
      const rec = loadRecording(builder, 'forms');
      const old = loadRecording('buildkit', 'forms');
      assert.equal(rec.info.sizeMeasure, 'snapshot-disk-usage');
      assert.equal(old.info.sizeMeasure, 'layer-tar');
      assert.ok(rec.info.history.every((r) => r.sizeBytes % BLOCK === 0));
      const workdir = (r: Recording) => r.info.history.find((h) => h.createdBy === 'WORKDIR /srv/app')!.sizeBytes;
      assert.equal(workdir(old), 0, 'no file in the layer: 0 bytes of files');
      assert.ok(workdir(rec) >= BLOCK, `${workdir(rec)}: the snapshot's directories take blocks`);
      assert.notEqual(
        rec.info.sizeBytes,
        rec.info.history.reduce((s, r) => s + r.sizeBytes, 0),
      );
    });

    it('report and hover name the measure, and give the file bytes beside it', () => {
      const rec = loadRecording(builder, 'forms');
      const { model, result } = matched(rec);
      const report = buildReport({
        dockerfile: 'Dockerfile',
        model,
        image: { info: rec.info, ref: 'forms', source: 'engine' },
        match: result,
      });
      assert.equal(report.image!.sizeMeasure, 'snapshot-disk-usage');
      assert.match(
        renderReport(report, model.text, plain),
        /layer sizes: snapshot disk usage \(block-rounded\), as the engine reports them; `dfsize analyze` counts file bytes/,
      );
      const line = model.instructions.find((i) => i.args.includes('/m-run-lower'))!;
      const rowLayers = layersForImage(rec.info, model);
      const layer = rowLayers.layerOf[result.instructions[line.index]!.row!]!;
      const analysis = {
        layers: rec.info.layers.map((_, k) => facts(k, k === layer ? 3000 : 0)),
      } as unknown as ImageAnalysis;
      const hover = computeHover(
        { model, match: result, image: rec.info, ref: 'forms', reason: 'r', rowLayers, cached: false, analysis },
        line.range.start,
      );
      const text = (hover!.contents as { value: string }).value;
      const row = rec.info.history.find((h) => h.createdBy.includes('/m-run-lower'))!;
      assert.ok(text.startsWith(`**${formatBytes(row.sizeBytes)}**`), text);
      assert.match(
        text,
        /the engine's snapshot disk usage \(block-rounded\) · files 3 kB \(layer analysis\): the layer analysis counts file bytes/,
      );
    });
  });
}

describe("Docker 28's save of a multi-platform image: manifest.json lists this machine's image, the index every platform", () => {
  it("the image read is manifest.json's, the platforms and the note come from the index", async () => {
    const host = hostPlatform();
    const other = host === 'linux/arm64' ? 'linux/amd64' : 'linux/arm64';
    const spec = { layers: [[dir('app/'), file('app/a.bin', 3000)]] };
    const both = await readArchive(chunked(await ociArchive(spec, { nested: [host, other], manifestJson: true })));
    const one = await readArchive(chunked(await ociArchive(spec, { manifestJson: true })));
    assert.deepEqual([...both.platforms].sort(), [host, other].sort());
    assert.equal(
      both.note,
      `the archive holds images for ${[host, other].join(', ')}; reading ${host} (this machine's)`,
    );
    assert.equal(both.configDigest, one.configDigest);
    assert.deepEqual(
      both.layers.map((l) => l.stats.sizeBytes),
      one.layers.map((l) => l.stats.sizeBytes),
    );
    assert.equal(one.note, null);
  });
});

describe('20.10 recordings: sizes are file bytes, and nothing is added to say otherwise', () => {
  it('report says its sizes are what `dfsize analyze` counts; the hover has no snapshot note', () => {
    const rec = loadRecording('buildkit', 'forms');
    const { model, result } = matched(rec);
    const report = buildReport({
      dockerfile: 'Dockerfile',
      model,
      image: { info: rec.info, ref: 'forms', source: 'engine' },
      match: result,
    });
    assert.equal(report.image!.sizeMeasure, 'layer-tar');
    assert.match(renderReport(report, model.text, plain), /layer sizes: file bytes, as `dfsize analyze` counts them/);
    const line = model.instructions.find((i) => i.args.includes('/m-run-lower'))!;
    const hover = computeHover(
      {
        model,
        match: result,
        image: rec.info,
        ref: 'forms',
        reason: 'r',
        rowLayers: layersForImage(rec.info, model),
        cached: false,
      },
      line.range.start,
    );
    assert.doesNotMatch((hover!.contents as { value: string }).value, /snapshot/);
  });
});
