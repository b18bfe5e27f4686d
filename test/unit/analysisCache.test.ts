// The analysis cache: a second analysis of the same image reads no archive and asks for no export; an image whose
// layers were all analysed needs no export; writes are atomic (no temporary survives, a damaged file is a miss);
// what an unverified archive file said never serves an analysis of the engine's image; a registry reference's record
// is found again for that reference only.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { analyzeImage, AbortedError } from '../../server/src/analysis/analyze';
import { AnalysisCache, defaultCacheDir } from '../../server/src/analysis/cache';
import { ANALYSER_VERSION } from '../../server/src/analysis/compute';
import { readArchive } from '../../server/src/engine/archive';
import type { ImageDetails, ImageSource } from '../../server/src/engine/source';
import { chunked, dir, dockerArchive, file, whiteout, type ImageSpec } from '../support/archives';

const SPEC: ImageSpec = {
  layers: [
    [dir('app/'), file('app/a', 1000), file('app/b', 2000)],
    [whiteout('app/a'), file('app/c', 30)],
  ],
};

function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
  );
}

/** An engine that serves one image from memory and counts its exports. */
class FakeEngine implements ImageSource {
  readonly endpoint = 'fake://engine';
  exports = 0;
  constructor(
    private readonly archive: Buffer,
    private readonly details: ImageDetails,
    private readonly chunk = 65536,
  ) {}
  static async of(spec: ImageSpec, id?: string, chunk?: number): Promise<FakeEngine> {
    const buf = await dockerArchive(spec);
    const a = await readArchive(chunked(buf));
    return new FakeEngine(
      buf,
      {
        id: id ?? a.configDigest,
        refs: ['fake/image:1'],
        sizeBytes: buf.length,
        created: null,
        os: 'linux',
        architecture: 'amd64',
        labels: {},
        layers: a.layers.map((l) => l.diffId!),
        sizeMeasure: 'layer-tar',
        config: { entrypoint: null, cmd: null, exposedPorts: [], workingDir: null, user: null, onBuild: [] },
      },
      chunk,
    );
  }
  async version() {
    return { product: 'docker' as const, version: '0', apiVersion: '0' };
  }
  async list() {
    return [];
  }
  async inspect() {
    return this.details;
  }
  async history() {
    return this.details.layers.map((_, i) => ({
      createdBy: `/bin/sh -c step ${i}`,
      sizeBytes: 0,
      created: null,
      comment: '',
      id: null,
      emptyLayer: null,
    }));
  }
  async export(): Promise<NodeJS.ReadableStream> {
    this.exports++;
    return Readable.from(chunked(this.archive, this.chunk));
  }
}

describe('analysis cache', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dfsize-cache-'));
  });

  it('a second analysis of an archive file reads no archive; its results and contents are the same', async () => {
    const path = join(root, 'img.tar');
    writeFileSync(path, await dockerArchive(SPEC));
    const cache = new AnalysisCache(join(root, 'c'));
    const first = await analyzeImage({ archive: path }, { cache });
    assert.equal(first.cached, null);
    const phases: string[] = [];
    const second = await analyzeImage({ archive: path }, { cache, onProgress: (p) => phases.push(p.phase) });
    assert.equal(second.cached, 'image');
    assert.deepEqual(phases, [], 'nothing read, nothing computed');
    assert.deepEqual(second.analysis, first.analysis);
    assert.deepEqual(second.info, first.info);
    assert.deepEqual(second.contents!.listDir(1, '/app'), first.contents!.listDir(1, '/app'));
    assert.ok(
      walk(cache.dir).every((f) => f.includes(join(`v${ANALYSER_VERSION}`))),
      'every key sits under the analyser version',
    );
    // The file changed: analysed again.
    writeFileSync(path, await dockerArchive({ layers: [[file('x', 5)]] }));
    assert.equal((await analyzeImage({ archive: path }, { cache })).cached, null);
  });

  it('an engine image: analysed once through its export, then from the cache with no export at all', async () => {
    const engine = await FakeEngine.of(SPEC);
    const cache = new AnalysisCache(join(root, 'c'));
    const first = await analyzeImage({ engine, image: 'fake/image:1' }, { cache });
    assert.equal(engine.exports, 1);
    assert.equal(first.analysis.removableBytes, 1000);
    const again = await analyzeImage({ engine, image: 'fake/image:1' }, { cache });
    assert.equal(engine.exports, 1);
    assert.equal(again.cached, 'image');
    assert.deepEqual(again.analysis, first.analysis);
    // Another image with the same layers (a LABEL changed): every layer is cached, so no export either.
    const relabelled = await FakeEngine.of(SPEC, `sha256:${'e'.repeat(64)}`);
    const r = await analyzeImage({ engine: relabelled, image: 'fake/image:2' }, { cache });
    assert.equal(relabelled.exports, 0);
    assert.equal(r.cached, 'layers');
    assert.deepEqual(r.analysis.layers, first.analysis.layers);
    assert.equal(r.analysis.imageId, `sha256:${'e'.repeat(64)}`);
  });

  it("an unverified archive never serves the engine's image (trust flows one way)", async () => {
    const path = join(root, 'img.tar');
    writeFileSync(path, await dockerArchive(SPEC));
    const cache = new AnalysisCache(join(root, 'c'));
    await analyzeImage({ archive: path }, { cache });
    const engine = await FakeEngine.of(SPEC);
    const r = await analyzeImage({ engine, image: 'fake/image:1' }, { cache });
    assert.equal(engine.exports, 1);
    assert.equal(r.cached, null);
    // …but a verified one may.
    const cache2 = new AnalysisCache(join(root, 'c2'));
    await analyzeImage({ archive: path }, { cache: cache2, verifyLayers: true });
    const engine2 = await FakeEngine.of(SPEC);
    assert.equal((await analyzeImage({ engine: engine2, image: 'fake/image:1' }, { cache: cache2 })).cached, 'image');
  });

  it("writes are atomic: no temporary survives; a damaged entry is a miss; a crashed writer's leftovers are swept", async () => {
    const cache = new AnalysisCache(join(root, 'c'));
    const engine = await FakeEngine.of(SPEC);
    await analyzeImage({ engine, image: 'x' }, { cache });
    const files = walk(cache.dir);
    assert.ok(files.length >= 3);
    assert.ok(files.every((f) => !f.endsWith('.tmp')));
    for (const f of files) writeFileSync(f, '{"half": ');
    const stale = join(cache.dir, `v${ANALYSER_VERSION}`, 'trusted', 'layers', 'sha256-dead.json.1.abc.tmp');
    writeFileSync(stale, 'partial');
    utimesSync(stale, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const again = await analyzeImage({ engine, image: 'x' }, { cache: new AnalysisCache(cache.dir) });
    assert.equal(again.cached, null, 'damaged files are not trusted');
    assert.equal(engine.exports, 2);
    assert.ok(
      walk(cache.dir).every((f) => !f.endsWith('.tmp')),
      'the stale temporary was swept',
    );
  });

  it('a cancelled export stops the analysis and leaves nothing in the cache', async () => {
    const engine = await FakeEngine.of({ layers: [[file('big', 4 << 20)]] }, undefined, 4096);
    const cache = new AnalysisCache(join(root, 'c'));
    const ac = new AbortController();
    await assert.rejects(
      analyzeImage({ engine, image: 'x' }, { cache, signal: ac.signal, onProgress: () => ac.abort() }),
      AbortedError,
    );
    assert.deepEqual(
      walk(root).filter((f) => f.startsWith(cache.dir)),
      [],
    );
  });

  it('a registry reference record: read back for the same reference and platform only; a damaged one is a miss', async () => {
    const cache = new AnalysisCache(join(root, 'c'));
    const at = { host: '127.0.0.1:5000', repo: 'app', ref: '1.0', platform: 'linux/amd64' };
    const record = {
      manifestDigest: `sha256:${'a'.repeat(64)}`,
      configDigest: `sha256:${'b'.repeat(64)}`,
      fetchedAt: '2026-12-04T18:00:00.000Z',
    };
    assert.equal(await cache.readRegistryRef(at), null, 'never fetched');
    assert.equal(await cache.writeRegistryRef(at, record), true);
    assert.deepEqual(await new AnalysisCache(cache.dir).readRegistryRef(at), record);
    assert.equal(await cache.readRegistryRef({ ...at, platform: 'linux/arm64' }), null);
    assert.equal(await cache.readRegistryRef({ ...at, ref: '1.1' }), null);
    const files = walk(cache.dir);
    assert.equal(files.length, 1);
    const [written] = files;
    assert.ok(written);
    writeFileSync(written, JSON.stringify({ ...record, configDigest: '../../etc' }));
    assert.equal(await cache.readRegistryRef(at), null, 'a hand-edited digest is a miss');
    writeFileSync(written, '{"manifestDigest": ');
    assert.equal(await cache.readRegistryRef(at), null, 'a record cut short is a miss');
  });

  it("the CLI's cache folder: DFSIZE_CACHE_DIR, else $XDG_CACHE_HOME/dfsize, else ~/.cache/dfsize", () => {
    assert.equal(defaultCacheDir({ DFSIZE_CACHE_DIR: '/x', XDG_CACHE_HOME: '/y' }, '/home/u'), '/x');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/y' }, '/home/u'), join('/y', 'dfsize'));
    assert.equal(defaultCacheDir({}, '/home/u'), join('/home/u', '.cache', 'dfsize'));
  });
});
