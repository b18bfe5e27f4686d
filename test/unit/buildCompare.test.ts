// Why did the image grow: two recorded builds of one app (test/fixtures/builds/compare-old and compare-new: a line
// changed, one added, one removed), lined up through NEW's Dockerfile. Each row is found by its line's marker, not by
// the matcher, and the byte counts come from the Dockerfiles' own `head -c N`; the paths from archives made here.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeImage } from '../../server/src/analysis/analyze';
import { visibleBytes } from '../../server/src/analysis/visible';
import { compareBuilds, comparePaths, type CompareInput } from '../../server/src/core/buildCompare';
import { renderComparison } from '../../server/src/core/compareText';
import { parseDockerfile, type DockerfileModel } from '../../server/src/core/dockerfile';
import { formatDelta } from '../../server/src/core/format';
import { matchHistory } from '../../server/src/core/match';
import { dir, dockerArchive, file, whiteout } from '../support/archives';
import { headBytes, lineOfMarker, rowOfMarker } from '../support/markers';
import { loadRecording, type Recording } from '../support/recorded';
import { tempTree } from '../support/tempDirs';

function input(rec: Recording, model: DockerfileModel, paths: ReadonlyMap<string, number> | null = null): CompareInput {
  return {
    side: { ref: `compare:${rec.case}`, id: rec.info.id, sizeBytes: rec.info.sizeBytes },
    history: rec.info.history,
    match: matchHistory(model, rec.info, { baseRows: rec.base.historyRows, baseLayers: rec.base.layers }),
    paths,
  };
}

for (const builder of ['legacy', 'buildkit'] as const) {
  describe(`compare: two recorded builds (${builder})`, () => {
    const old = loadRecording(builder, 'compare-old');
    const next = loadRecording(builder, 'compare-new');
    const model = parseDockerfile(next.dockerfile);
    const c = compareBuilds(model, input(old, model), input(next, model));
    const rowBytes = (rec: Recording, marker: string) =>
      rec.info.history[
        rowOfMarker(
          rec.info.history.map((r) => r.createdBy),
          marker,
        )
      ]?.sizeBytes ?? NaN;
    const at = (marker: string) => c.instructions.find((i) => i.line === lineOfMarker(next.dockerfile, marker));

    it('the changed line grew by what its command writes more, from its own rows', () => {
      const data = at('/m-data');
      assert.equal(data?.status, 'grew');
      assert.equal(data.oldBytes, rowBytes(old, '/m-data'));
      assert.equal(data.newBytes, rowBytes(next, '/m-data'));
      assert.equal(data.deltaBytes, headBytes(next.dockerfile, '/m-data') - headBytes(old.dockerfile, '/m-data'));
    });

    it('the added line is added, the removed one removed where OLD had it, the others the same', () => {
      const added = at('/m-cache');
      assert.deepEqual([added?.status, added?.oldBytes, added?.newBytes], ['added', null, rowBytes(next, '/m-cache')]);
      const removed = c.instructions.filter((i) => i.status === 'removed');
      assert.deepEqual(
        removed.map((i) => [i.line, i.keyword, i.oldBytes, i.newBytes, i.deltaBytes]),
        [[null, 'RUN', rowBytes(old, '/m-gone'), null, -rowBytes(old, '/m-gone')]],
      );
      // in OLD it came right after the /m-small line
      const small = c.instructions.findIndex((i) => i.line === lineOfMarker(next.dockerfile, '/m-small'));
      assert.equal(c.instructions[small + 1], removed[0]);
      assert.equal(at('/m-small')?.status, 'same');
      assert.equal(at('/m-app')?.status, 'same');
      assert.equal(c.instructions.length, 5);
    });

    it('the base is apart: the same busybox on both sides', () => {
      assert.deepEqual(c.base, { oldBytes: old.base.sizeBytes, newBytes: next.base.sizeBytes, deltaBytes: 0 });
      assert.equal(c.deltaBytes, next.info.sizeBytes - old.info.sizeBytes);
      assert.ok(!c.instructions.some((i) => i.keyword === 'FROM'));
    });

    it('the text puts the biggest cause first, with its line', () => {
      const text = renderComparison(c, {
        lineText: (line) => next.dockerfile.split('\n')[line - 1] ?? '',
        pathsCompared: false,
      });
      const causes = text.split('\n');
      const first = causes[causes.indexOf('Biggest causes:') + 1] ?? '';
      assert.match(first, new RegExp(`^  line ${String(lineOfMarker(next.dockerfile, '/m-data'))}: RUN mkdir /m-data`));
      assert.ok(first.includes(formatDelta(at('/m-data')?.deltaBytes ?? 0)), first);
      assert.match(text, /Layers: 1 added .*, 1 removed/);
      assert.match(text, /Paths: not compared/);
    });
  });
}

describe('compare: paths of the final file system', () => {
  const analysed = async (layers: Parameters<typeof dockerArchive>[0]['layers']) => {
    const path = join(tempTree({}), 'image.tar');
    writeFileSync(path, await dockerArchive({ layers }));
    const result = await analyzeImage({ archive: path }, { contents: true });
    assert.ok(result.contents);
    return visibleBytes(result.contents.lists);
  };

  it('a file deleted later is not visible; directories add up what is', async () => {
    const v = await analysed([
      [dir('usr/'), dir('usr/lib/'), file('usr/lib/a.so', 4000), file('usr/lib/b.so', 6000), file('etc/conf', 50)],
      [whiteout('usr/lib/b.so'), file('etc/conf', 70)],
    ]);
    assert.equal(v.get('/usr/lib'), 4000);
    assert.equal(v.get('/usr/lib/b.so'), undefined);
    assert.equal(v.get('/etc/conf'), 70);
    assert.equal(v.get('/'), 4070);
  });

  it('a swap of the base: the directories that explain the change, biggest first', async () => {
    const before = await analysed([
      [file('usr/lib/x/big.so', 90_000), file('usr/lib/x/other.so', 30_000), file('usr/share/doc/d', 20_000)],
      [file('app/data.bin', 5000)],
    ]);
    const after = await analysed([[file('bin/busybox', 10_000)], [file('app/data.bin', 8000), file('app/new', 3000)]]);
    const paths = comparePaths(before, after);
    assert.deepEqual(
      paths.map((p) => [p.path, p.deltaBytes, p.change]),
      [
        ['/usr', -140_000, 'disappeared'],
        ['/bin', 10_000, 'appeared'],
        ['/app/data.bin', 3000, 'grew'],
        ['/app/new', 3000, 'appeared'],
      ],
    );
  });
});
