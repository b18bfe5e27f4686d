// `dfsize compare` on real builds: two versions of one app (test/fixtures/builds/compare-old → compare-new: a line
// changed, one added, one removed) with the legacy builder and BuildKit on Docker 20.10 and Docker 28's BuildKit
// (containerd store), the old one also on Debian (a base swap, on 20.10), the previous build the editor records, and
// NEW as an archive. What a user reads: each line's delta and status, the base apart, the paths that grew, appeared
// and disappeared — the expected bytes from the Dockerfiles' own `head -c N`.
import { strict as assert } from 'node:assert';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Comparison } from '../../server/src/core/buildCompare';
import { formatDelta } from '../../server/src/core/format';
import { PreviousBuilds } from '../../server/src/state/previousBuilds';
import { BUSYBOX, ensureBusyboxFor } from '../support/baseImage';
import { build, BUILDS_DIR, dockerFor, engineOf, hostEnv, type Builder } from '../support/builds';
import { dfsize } from '../support/cli';
import { DEBIAN, ensureDebian } from '../support/debianBase';
import { needEngine } from '../support/engine';
import { headBytes, lineOfMarker } from '../support/markers';
import { tempTree, workspaceCopy } from '../support/tempDirs';

const OLD_DIR = join(BUILDS_DIR, 'compare-old');
const NEW_DIR = join(BUILDS_DIR, 'compare-new');
const OLD_TEXT = readFileSync(join(OLD_DIR, 'Dockerfile'), 'utf8');
const NEW_TEXT = readFileSync(join(NEW_DIR, 'Dockerfile'), 'utf8');

const lineOf = (marker: string) => lineOfMarker(NEW_TEXT, marker);

/** The block size the containerd store's snapshot sizes are rounded to (what its history rows count). */
const BLOCK = 4096;

for (const builder of ['legacy', 'buildkit', 'modern-buildkit'] as Builder[]) {
  const modern = engineOf(builder) === 'modern';
  /** A layer's bytes as its history row counts them: the files' bytes, or on the containerd store within blocks of them. */
  const assertLayerBytes = (actual: number | null | undefined, files: number, what: string) => {
    if (!modern) assert.equal(actual, files, what);
    else
      assert.ok(
        actual != null && Math.abs(actual - files) < 3 * BLOCK,
        `${what}: ${String(actual)} ≉ ${String(files)}`,
      );
  };
  describe(`engine: dfsize compare on ${builder} builds`, function () {
    this.timeout(300000);
    const tag = (v: string) => `dfsize-test/compare-${v}:${builder}`;
    const ws = workspaceCopy(NEW_DIR);
    const cache = tempTree({});
    const compare = (args: string[]) =>
      dfsize(['compare', ...args, '--dockerfile', ws.file], { ...hostEnv(builder), DFSIZE_CACHE_DIR: cache });
    const json = (args: string[]): Comparison => {
      const r = compare([...args, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Comparison;
    };
    const ids: Record<string, string> = {};

    before(async function () {
      await needEngine(this, 'docker');
      if (modern) await needEngine(this, 'modern');
      await ensureBusyboxFor(builder);
      ids.old = (await build(builder, OLD_DIR, tag('old'))).id;
      ids.new = (await build(builder, NEW_DIR, tag('new'))).id;
      // The base swap on the 20.10 engine only, where scripts/parts/base-images.sh makes the Debian base.
      if (modern) return;
      await ensureDebian();
      const onDebian = OLD_TEXT.replace(BUSYBOX, DEBIAN);
      ids.debian = (await build(builder, OLD_DIR, tag('debian'), { dockerfileText: onDebian })).id;
    });

    it('a rebuild: the changed line grew, the added and the removed one, and the paths, in the JSON', () => {
      const c = json([tag('old'), tag('new')]);
      assert.deepEqual(Object.keys(c), ['old', 'new', 'deltaBytes', 'base', 'instructions', 'paths']);
      assert.deepEqual(c.old, { ref: tag('old'), id: ids.old, sizeBytes: c.old.sizeBytes });
      assert.equal(c.deltaBytes, c.new.sizeBytes - c.old.sizeBytes);
      assert.equal(c.base.deltaBytes, 0);
      const grew = headBytes(NEW_TEXT, '/m-data') - headBytes(OLD_TEXT, '/m-data');
      const at = (marker: string) => c.instructions.find((i) => i.line === lineOf(marker));
      assert.equal(at('/m-data')?.status, 'grew');
      assertLayerBytes(at('/m-data')?.deltaBytes, grew, 'the changed line');
      assert.deepEqual([at('/m-cache')?.status, at('/m-cache')?.oldBytes], ['added', null]);
      assertLayerBytes(at('/m-cache')?.newBytes, headBytes(NEW_TEXT, '/m-cache'), 'the added line');
      assert.equal(at('/m-small')?.status, 'same');
      const removed = c.instructions.filter((i) => i.status === 'removed');
      assert.deepEqual(
        removed.map((i) => [i.line, i.keyword]),
        [[null, 'RUN']],
      );
      assertLayerBytes(removed[0]?.deltaBytes, -headBytes(OLD_TEXT, '/m-gone'), 'the removed line');
      // The paths are the layer analysis' file bytes on every engine.
      assert.deepEqual(
        c.paths.map((p) => [p.path, p.deltaBytes, p.change]),
        [
          ['/m-data/data.bin', grew, 'grew'],
          ['/m-cache', headBytes(NEW_TEXT, '/m-cache'), 'appeared'],
          ['/m-gone.bin', -headBytes(OLD_TEXT, '/m-gone'), 'disappeared'],
        ],
      );
    });

    if (!modern)
      it('a base swap: the base apart, first among the causes, and what left with it', async () => {
        const c = json([tag('debian'), tag('new')]);
        const docker = dockerFor(builder);
        const debian = (await docker.getImage(DEBIAN).inspect()).Size;
        const busybox = (await docker.getImage(BUSYBOX).inspect()).Size;
        assert.deepEqual(c.base, { oldBytes: debian, newBytes: busybox, deltaBytes: busybox - debian });
        // The lines still line up across the swap.
        assert.equal(c.instructions.find((i) => i.line === lineOf('/m-data'))?.status, 'grew');
        assert.equal(c.paths[0]?.change, 'disappeared');
        const text = compare([tag('debian'), tag('new')]);
        assert.equal(text.code, 0, text.stderr);
        const lines = text.stdout.split('\n');
        const first = lines[lines.indexOf('Biggest causes:') + 1] ?? '';
        assert.ok(first.startsWith('  base image (FROM)') && first.includes(formatDelta(c.base.deltaBytes)), first);
      });

    it('previous: the build the editor recorded for the file, and one line when its image is gone', async () => {
      const store = PreviousBuilds.inFolder(cache, (m) => assert.fail(m));
      await store.record(ws.file, { imageId: ids.old ?? '', ref: tag('old'), sizeBytes: 1, lines: new Map() });
      const c = json(['previous', tag('new')]);
      assert.equal(c.old.id, ids.old);
      assert.equal(c.instructions.find((i) => i.line === lineOf('/m-data'))?.status, 'grew');

      const gone = `sha256:${'0'.repeat(64)}`;
      await store.record(ws.file, { imageId: gone, ref: 'app:gone', sizeBytes: 1, lines: new Map() });
      const r = compare(['previous', tag('new')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^dfsize: the previous build \(app:gone, 000000000000\) is no longer on the engine/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });

    it('an archive written by docker save compares as its image does', async () => {
      const file = join(tempTree({}), 'new.tar');
      await pipeline(await dockerFor(builder).getImage(tag('new')).get(), createWriteStream(file));
      const fromEngine = json([tag('old'), tag('new')]);
      for (const given of [`archive:${file}`, file]) {
        const fromArchive = json([tag('old'), given]);
        assert.deepEqual(fromArchive.paths, fromEngine.paths);
        const changes = (c: Comparison) =>
          c.instructions.filter((i) => i.status === 'added' || i.status === 'removed').map((i) => [i.line, i.status]);
        assert.deepEqual(changes(fromArchive), changes(fromEngine));
        // The containerd store names an image by its manifest and sizes its rows as snapshots' disk usage; an
        // archive by its config, in file bytes: only on the 20.10 engine are the two the same numbers.
        if (modern) continue;
        assert.equal(fromArchive.new.id, ids.new);
        assert.deepEqual(fromArchive.instructions, fromEngine.instructions);
      }
    });

    it('bad input: one line and exit 2', () => {
      const r = compare(['no such thing!', tag('new')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^dfsize: OLD "no such thing!" is no image reference/);
    });
  });
}
