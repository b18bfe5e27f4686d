// `dfsize analyze REGISTRY/REPO:TAG` reads by layer: v1 and v2 of one image, built by the real engine and pushed to
// the real open registry, share all but their last two layers, so after v1 the analysis of v2 must fetch exactly those
// two blobs (plus v2's manifest and config) and still give what a full, uncached analysis gives. Layers read from the
// registry are hashed against their diffIDs and so serve the engine's own analysis (no export). A fault mid-read
// leaves the layers read before it cached and no image entry: the next analysis fetches only the rest.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage, type AnalyzeOptions } from '../../server/src/analysis/analyze';
import { AnalysisCache } from '../../server/src/analysis/cache';
import type { LayerSource } from '../../server/src/analysis/layerSource';
import { formatBytes } from '../../server/src/core/format';
import { RegistryClient } from '../../server/src/registry/client';
import { resolveRegistryImage } from '../../server/src/registry/image';
import { BUSYBOX, ensureBusybox } from '../support/baseImage';
import { build, runCommand } from '../support/builds';
import { dfsizeAsync } from '../support/cli';
import { needEngine, needPart, registryAnswers } from '../support/engine';
import { FaultProxy } from '../support/proxy';
import { pushBlob, pushManifest } from '../support/registryPush';

const OPEN = '127.0.0.1:5000';
/** Open too, and takes foreign layers' URLs (scripts/parts/registry.sh). */
const FOREIGN_OK = '127.0.0.1:5004';
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

interface Manifest {
  config: { digest: string; size: number };
  layers: Array<{ digest: string; size: number; mediaType: string }>;
}

/** The manifest as the registry serves it, and its length in bytes (what a client fetches). */
async function manifestOf(repo: string, tag: string): Promise<{ m: Manifest; bytes: number }> {
  const r = await fetch(`http://${OPEN}/v2/${repo}/manifests/${tag}`, { headers: { Accept: MANIFEST_V2 } });
  assert.equal(r.status, 200, `${repo}:${tag} is in the registry`);
  const body = Buffer.from(await r.arrayBuffer());
  return { m: JSON.parse(body.toString('utf8')) as Manifest, bytes: body.length };
}

interface Json {
  image: { ref: string };
  fetched?: { layers: number; of: number; bytes: number };
  unread?: Array<{ index: number; digest: string; sizeBytes: number; reason: string }>;
}

/** The analysis a user compares: everything but the reference and the fetch counts. */
const analysisOf = (j: Json) => ({ ...j, image: { ...j.image, ref: null }, fetched: null });

/** Files under the cache's `images` and `layers` folders. */
function cached(dir: string, kind: 'images' | 'layers'): string[] {
  const all = readdirSync(dir, { recursive: true, withFileTypes: true });
  return all.filter((e) => e.isFile() && e.parentPath.endsWith(kind) && e.name.endsWith('.json')).map((e) => e.name);
}

const sum = (ls: ReadonlyArray<{ size: number }>) => ls.reduce((n, l) => n + l.size, 0);

describe('registry: incremental by layer', function () {
  this.timeout(300000);
  const repo = `dfsize-test/incr-${randomBytes(4).toString('hex')}`;
  const newCache = () => mkdtempSync(join(tmpdir(), 'dfsize-incr-cache-'));
  const analyze = async (ref: string, cacheDir: string, extra: string[] = [], env: Record<string, string> = {}) => {
    const r = await dfsizeAsync(['analyze', ref, '--json', ...extra], { DFSIZE_CACHE_DIR: cacheDir, ...env });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Json;
  };
  let v1: { m: Manifest; bytes: number };
  let v2: { m: Manifest; bytes: number };

  before(async function () {
    await needEngine(this, 'docker');
    const foreignOk = await fetch(`http://${FOREIGN_OK}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    const down = [...((await registryAnswers()) ? [] : [OPEN]), ...(foreignOk ? [] : [FOREIGN_OK])];
    needPart(this, down.length ? `no registry answers at ${down.join(', ')} (scripts/parts/registry.sh serve)` : null);
    await ensureBusybox();
    const ws = mkdtempSync(join(tmpdir(), 'dfsize-incr-ws-'));
    const token = randomBytes(8).toString('hex');
    const common = [
      `FROM ${BUSYBOX}`,
      `RUN echo ${token} > /id && head -c 3000000 /dev/urandom > /a`,
      'RUN head -c 1000000 /dev/urandom > /b',
    ];
    const v2Lines = [...common, 'RUN head -c 2000000 /dev/urandom > /c', 'RUN rm /b && echo 2 > /v'];
    writeFileSync(join(ws, 'Dockerfile'), common.join('\n') + '\n');
    await build('buildkit', ws, `${repo}:v1`, { dockerfileText: common.join('\n') + '\n' });
    await build('buildkit', ws, `${repo}:v2`, { dockerfileText: v2Lines.join('\n') + '\n' });
    for (const t of ['v1', 'v2']) {
      await runCommand('docker', ['tag', `${repo}:${t}`, `${OPEN}/${repo}:${t}`]);
      await runCommand('docker', ['push', `${OPEN}/${repo}:${t}`]);
    }
    v1 = await manifestOf(repo, 'v1');
    v2 = await manifestOf(repo, 'v2');
    const shared = v2.m.layers.filter((l) => v1.m.layers.some((o) => o.digest === l.digest));
    assert.equal(shared.length, v1.m.layers.length, 'v2 is built on all of v1’s layers');
    assert.equal(v2.m.layers.length - shared.length, 2, 'v2 adds two layers');
  });

  it('v2 after v1 fetches exactly its two new blobs (+ manifest and config), and the analysis is a full one’s', async () => {
    const dir = newCache();
    const first = await analyze(`${OPEN}/${repo}:v1`, dir);
    assert.deepEqual(first.fetched, {
      layers: v1.m.layers.length,
      of: v1.m.layers.length,
      bytes: v1.bytes + v1.m.config.size + sum(v1.m.layers),
    });
    const second = await analyze(`${OPEN}/${repo}:v2`, dir);
    const fresh = v2.m.layers.slice(v1.m.layers.length);
    assert.deepEqual(second.fetched, {
      layers: 2,
      of: v2.m.layers.length,
      bytes: v2.bytes + v2.m.config.size + sum(fresh),
    });
    const full = await analyze(`${OPEN}/${repo}:v2`, newCache(), ['--no-cache']);
    assert.equal(full.fetched?.layers, v2.m.layers.length);
    assert.deepEqual(analysisOf(second), analysisOf(full));
    // And once more: the whole image is cached, only the manifest is fetched.
    const again = await analyze(`${OPEN}/${repo}:v2`, dir);
    assert.deepEqual(again.fetched, { layers: 0, of: v2.m.layers.length, bytes: v2.bytes });
    const human = await dfsizeAsync(['analyze', `${OPEN}/${repo}:v2`], { DFSIZE_CACHE_DIR: dir });
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      new RegExp(`^fetched 0 of ${v2.m.layers.length} layers, ${formatBytes(v2.bytes)}$`, 'm'),
    );
  });

  it('the engine’s analysis after the registry’s reads no export, and gives the engine’s numbers', async () => {
    const dir = newCache();
    await analyze(`${OPEN}/${repo}:v2`, dir);
    const proxy = await FaultProxy.start();
    try {
      const engine = await analyze(`${repo}:v2`, dir, [], { DOCKER_HOST: proxy.url });
      assert.ok(
        proxy.seen.some((p) => /\/images\/.*\/json/.test(p)),
        'the engine was asked, through the proxy',
      );
      assert.deepEqual(
        proxy.seen.filter((p) => /\/images\/.*\/get/.test(p)),
        [],
        'no export was asked for',
      );
      const exported = await analyze(`${repo}:v2`, newCache(), ['--no-cache']);
      assert.deepEqual(analysisOf(engine), analysisOf(exported));
    } finally {
      await proxy.close();
    }
  });

  it('layers the layer source (`--cache-from`) has are not fetched either, and the image is not cached whole', async () => {
    const read = async (tag: string, opts: AnalyzeOptions) => {
      const client = new RegistryClient(OPEN, { env: process.env });
      return analyzeImage({ registry: client, image: await resolveRegistryImage(client, repo, tag) }, opts);
    };
    const v1Layers = (await read('v1', { cache: null })).layers ?? [];
    assert.equal(v1Layers.length, v1.m.layers.length);
    const asked: string[][] = [];
    const source: LayerSource = {
      lookup: (ids) => {
        asked.push([...ids]);
        return Promise.resolve(new Map(v1Layers.filter((l) => ids.includes(l.diffId)).map((l) => [l.diffId, l.list])));
      },
    };
    const dir = newCache();
    const got = await read('v2', { cache: new AnalysisCache(dir), layerSource: source, contents: false });
    const fresh = v2.m.layers.slice(v1.m.layers.length);
    assert.deepEqual(got.fetched, {
      layers: 2,
      of: v2.m.layers.length,
      bytes: v2.bytes + v2.m.config.size + sum(fresh),
    });
    assert.equal(asked.length, 1, 'the source is asked once, for every layer the local cache lacks');
    assert.equal(asked[0]?.length, v2.m.layers.length);
    const full = await read('v2', { cache: null, contents: false });
    assert.deepEqual(got.analysis, full.analysis);
    assert.deepEqual(cached(dir, 'images'), []);
    assert.equal(cached(dir, 'layers').length, 2, 'the two layers read are cached, the shared ones are not');
  });

  const FOREIGN = [
    {
      name: 'a Docker foreign',
      manifest: MANIFEST_V2,
      config: 'application/vnd.docker.container.image.v1+json',
      layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      foreign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
    },
    {
      name: 'an OCI non-distributable',
      manifest: 'application/vnd.oci.image.manifest.v1+json',
      config: 'application/vnd.oci.image.config.v1+json',
      layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
      foreign: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    },
  ];
  for (const t of FOREIGN) {
    it(`${t.name} base layer is reported, not fetched; the others are read`, async () => {
      // v1's manifest with its base layer marked as one the registry does not serve (as Windows bases are).
      const doc = {
        schemaVersion: 2,
        mediaType: t.manifest,
        config: { ...v1.m.config, mediaType: t.config },
        layers: v1.m.layers.map((l, i) =>
          i === 0
            ? { ...l, mediaType: t.foreign, urls: ['https://example.com/base-layer.tar.gz'] }
            : { ...l, mediaType: t.layer },
        ),
      };
      const tag = `foreign-${t.manifest.includes('oci') ? 'oci' : 'docker'}`;
      const body = Buffer.from(JSON.stringify(doc));
      // The config and every layer but the base go to the registry that takes foreign layers.
      for (const b of [v1.m.config, ...v1.m.layers.slice(1)]) {
        const got = await fetch(`http://${OPEN}/v2/${repo}/blobs/${b.digest}`);
        assert.equal(
          (await pushBlob(`http://${FOREIGN_OK}`, repo, Buffer.from(await got.arrayBuffer()))).digest,
          b.digest,
        );
      }
      await pushManifest(`http://${FOREIGN_OK}`, repo, tag, t.manifest, body);
      const r = await dfsizeAsync(['analyze', `${FOREIGN_OK}/${repo}:${tag}`, '--json'], {
        DFSIZE_CACHE_DIR: newCache(),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^dfsize: layer 1: foreign \(not served by the registry\), not read/);
      const j = JSON.parse(r.stdout) as Json & { layers: Array<{ digest: string; sizeBytes: number }> };
      const base = v1.m.layers[0];
      assert.ok(base);
      assert.deepEqual(
        j.unread?.map((u) => [u.index, u.digest, u.sizeBytes]),
        [[0, base.digest, base.size]],
      );
      assert.match(
        j.unread?.[0]?.reason ?? '',
        new RegExp(`foreign layer \\(${t.foreign.replace(/[.+]/g, '\\$&')}\\)`),
      );
      const rest = v1.m.layers.slice(1);
      assert.deepEqual(j.fetched, {
        layers: rest.length,
        of: v1.m.layers.length,
        bytes: body.length + v1.m.config.size + sum(rest),
      });
      const whole = await analyze(`${OPEN}/${repo}:v1`, newCache());
      const sizes = (x: typeof j) => x.layers.map((l) => [l.digest, l.sizeBytes]);
      assert.deepEqual(sizes(j).slice(1), sizes(whole as typeof j).slice(1), 'the layers read are measured as ever');
      assert.equal(j.layers[0]?.sizeBytes, base.size, 'the foreign layer’s size is its manifest’s');
    });
  }

  describe('a fault mid-read leaves what was read, and no image entry', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await FaultProxy.startTcp(OPEN);
    });
    after(() => proxy?.close());

    /** After the fault the same analysis fetches the layers from `from` on, and equals a full uncached one. */
    const recovers = async (dir: string, from: number) => {
      proxy.rules = [];
      const ref = `${proxy.url}/${repo}:v2`;
      const again = await analyze(ref, dir);
      const rest = v2.m.layers.slice(from);
      assert.deepEqual(again.fetched, {
        layers: rest.length,
        of: v2.m.layers.length,
        bytes: v2.bytes + v2.m.config.size + sum(rest),
      });
      const full = await analyze(ref, newCache(), ['--no-cache']);
      assert.deepEqual(analysisOf(again), analysisOf(full));
    };

    it('a cut in the 4th blob: layers 1-3 cached, then only blobs 4-5 are fetched', async () => {
      const dir = newCache();
      const cut = v2.m.layers[3]!;
      proxy.rules = [{ path: new RegExp(`/blobs/${cut.digest}$`), fault: { kind: 'cut', bytes: 20000 } }];
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${repo}:v2`], { DFSIZE_CACHE_DIR: dir });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /cut blob sha256:/);
      assert.deepEqual(cached(dir, 'images'), []);
      assert.equal(cached(dir, 'layers').length, 3);
      await recovers(dir, 3);
    });

    it('a byte altered in the 4th blob: layers 1-3 cached, then only blobs 4-5 are fetched', async () => {
      const dir = newCache();
      const bad = v2.m.layers[3]!;
      proxy.rules = [{ path: new RegExp(`/blobs/${bad.digest}$`), fault: { kind: 'flip', at: 100 } }];
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${repo}:v2`], { DFSIZE_CACHE_DIR: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /does not match its digest/);
      assert.deepEqual(cached(dir, 'images'), []);
      assert.equal(cached(dir, 'layers').length, 3);
      await recovers(dir, 3);
    });

    it('a missing 2nd blob: the first is cached; the next analysis fetches blobs 2-5', async () => {
      const dir = newCache();
      const gone = v2.m.layers[1]!;
      proxy.rules = [
        {
          path: new RegExp(`/blobs/${gone.digest}$`),
          fault: { kind: 'answer', status: 404, body: '{"errors":[{"code":"BLOB_UNKNOWN"}]}' },
        },
      ];
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${repo}:v2`], { DFSIZE_CACHE_DIR: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`has no blob ${gone.digest}`));
      assert.deepEqual(cached(dir, 'images'), []);
      assert.equal(cached(dir, 'layers').length, 1);
      await recovers(dir, 1);
    });
  });
});
