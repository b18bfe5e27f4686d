// `dfsize analyze REGISTRY/REPO:TAG` against real registries (Debian's docker-registry, scripts/parts/registry.sh):
// an image built and pushed by the real engine is analysed straight from the open, the basic-auth and the
// bearer-token registry — with the docker config's `auths` and a credential helper on PATH — and must give the
// engine's own analysis. Faults (429, a byte altered, a cut, a missing blob, an expired token) come from a proxy in
// front of the real registry, or from the token server; each gives one clear line and leaves nothing in the cache.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPlatform } from '../../server/src/engine/platform';
import { ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR, runCommand } from '../support/builds';
import { dfsizeAsync, NO_ENGINE, ROOT } from '../support/cli';
import { needEngine, needPart, registryAnswers } from '../support/engine';
import { FaultProxy } from '../support/proxy';
import { pushLayout } from '../support/registryPush';
import { registryUser, TokenServer } from '../support/tokenServer';

const REPO = 'dfsize-test/registry-hello';
const OPEN = '127.0.0.1:5000';
const BASIC = '127.0.0.1:5001';
const TOKEN = '127.0.0.1:5002';
const HELPERS = join(ROOT, 'test', 'fixtures', 'credential-helper');

/** A docker config: `auths` for the basic registry, the test credential helper for the token one. */
function dockerConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-docker-config-'));
  const { user, password } = registryUser();
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [BASIC]: { auth } }, credHelpers: { [TOKEN]: 'dfsize-test' } }),
  );
  return dir;
}

/** Files under the cache's `images` folders: an analysis that failed must have left none. */
function cachedImages(dir: string): string[] {
  const all = readdirSync(dir, { recursive: true, withFileTypes: true });
  return all.filter((e) => e.isFile() && e.parentPath.endsWith('images')).map((e) => e.name);
}

describe('registry: analyse an image straight from its registry', function () {
  this.timeout(300000);
  const ws = mkdtempSync(join(tmpdir(), 'dfsize-registry-ws-'));
  const tag = `${REPO}:v1`;
  const config = dockerConfig();
  const env = (extra: Record<string, string> = {}) => ({
    DOCKER_CONFIG: config,
    PATH: `${HELPERS}:${process.env.PATH ?? ''}`,
    DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-registry-cache-')),
    ...extra,
  });
  let tokens: TokenServer;
  let engine: Record<string, unknown>;

  before(async function () {
    await needEngine(this, 'docker');
    const down = [];
    for (const a of [OPEN, BASIC, TOKEN]) if (!(await registryAnswers(a))) down.push(a);
    needPart(this, down.length ? `no registry answers at ${down.join(', ')} (scripts/parts/registry.sh serve)` : null);
    await ensureBusybox();
    tokens = await TokenServer.start();
    const { cpSync } = await import('node:fs');
    cpSync(join(ROOT, 'examples', 'hello'), ws, { recursive: true });
    await build('buildkit', ws, tag);
    for (const host of [OPEN, BASIC, TOKEN]) {
      await runCommand('docker', ['tag', tag, `${host}/${tag}`]);
      await runCommand('docker', ['--config', config, 'push', `${host}/${tag}`], { PATH: env().PATH });
    }
    const r = await dfsizeAsync(['analyze', '--image', tag, '--json'], env());
    assert.equal(r.code, 0, r.stderr);
    engine = JSON.parse(r.stdout) as Record<string, unknown>;
  });
  after(() => tokens?.close());

  const sameAsEngine = (stdout: string, ref: string) => {
    const got = JSON.parse(stdout) as Record<string, unknown>;
    // What was fetched is the registry's alone (incremental by layer: registry-incremental.test.ts).
    assert.ok(got.fetched, 'the registry analysis says what it fetched');
    delete got.fetched;
    assert.deepEqual(
      { ...got, image: { ...(got.image as object), ref: null } },
      {
        ...engine,
        image: { ...(engine.image as object), ref: null },
      },
    );
    assert.equal((got.image as { ref: string }).ref, ref);
  };

  for (const host of [OPEN, BASIC, TOKEN]) {
    it(`${host}: the same layers, waste and efficiency as the engine's own analysis`, async () => {
      const ref = `${host}/${tag}`;
      const r = await dfsizeAsync(['analyze', ref, '--json'], env());
      assert.equal(r.code, 0, r.stderr);
      sameAsEngine(r.stdout, ref);
    });
  }

  it('without credentials: one line naming the registry and `docker login`, exit 2, no secret printed', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dfsize-no-config-'));
    for (const host of [BASIC, TOKEN]) {
      const r = await dfsizeAsync(['analyze', `${host}/${tag}`], env({ DOCKER_CONFIG: empty }));
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^dfsize: ${host.replace(/\./g, '\\.')}: .*docker login ${host}`));
    }
    const wrong = mkdtempSync(join(tmpdir(), 'dfsize-wrong-config-'));
    const secret = 'not-the-password-' + randomBytes(4).toString('hex');
    const auth = Buffer.from(`${registryUser().user}:${secret}`).toString('base64');
    writeFileSync(join(wrong, 'config.json'), JSON.stringify({ auths: { [BASIC]: { auth } } }));
    const r = await dfsizeAsync(['analyze', `${BASIC}/${tag}`], env({ DOCKER_CONFIG: wrong }));
    assert.equal(r.code, 2, r.stderr);
    assert.ok(!r.stderr.includes(secret) && !r.stderr.includes(auth), r.stderr);
  });

  it('a token the registry refuses as expired is fetched again, once, and the analysis goes on', async () => {
    tokens.expireNext = true;
    const before = tokens.issued;
    const r = await dfsizeAsync(['analyze', `${TOKEN}/${tag}`, '--json'], env());
    assert.equal(r.code, 0, r.stderr);
    sameAsEngine(r.stdout, `${TOKEN}/${tag}`);
    assert.equal(tokens.issued - before, 2, 'the expired token, then a fresh one');
  });

  it('report --image REGISTRY/REPO:TAG: with no engine, the same layer sizes and analysis as from the engine', async () => {
    const dockerfile = join(ws, 'Dockerfile');
    const viaRegistry = await dfsizeAsync(['report', dockerfile, '--image', `${OPEN}/${tag}`, '--json'], {
      ...env(),
      ...NO_ENGINE,
    });
    assert.equal(viaRegistry.code, 0, viaRegistry.stderr);
    const viaEngine = await dfsizeAsync(['report', dockerfile, '--image', tag, '--json'], env());
    assert.equal(viaEngine.code, 0, viaEngine.stderr);
    type Report = {
      image: { ref: string; id: string; source: string };
      instructions: Array<{ line: number; layerBytes: number | null; status: string }>;
      analysis: object | null;
    };
    const [r, e] = [viaRegistry, viaEngine].map((x) => JSON.parse(x.stdout) as Report);
    assert.deepEqual([r?.image.ref, r?.image.source], [`${OPEN}/${tag}`, 'registry']);
    assert.equal(r?.image.id, e?.image.id);
    const sizes = (x: Report | undefined) =>
      x?.instructions.filter((i) => i.status === 'matched').map((i) => [i.line, i.layerBytes]);
    assert.ok(sizes(r)?.length, 'the registry image’s layers are matched to lines');
    assert.deepEqual(sizes(r), sizes(e));
    assert.ok(r?.analysis, 'the layer analysis is there');
    assert.deepEqual(r.analysis, e?.analysis);
  });

  describe('faults between the client and the open registry', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await FaultProxy.startTcp(OPEN);
    });
    after(() => proxy?.close());
    beforeEach(() => {
      proxy.rules = [];
    });

    it('429 with Retry-After: waited out, then the analysis is the engine’s', async () => {
      proxy.rules = [
        {
          path: /\/manifests\/v1$/,
          fault: { kind: 'answer', status: 429, body: '{}', headers: { 'Retry-After': '0' } },
          times: 1,
        },
      ];
      const seen = proxy.seen.length;
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${tag}`, '--json'], env());
      assert.equal(r.code, 0, r.stderr);
      sameAsEngine(r.stdout, `${proxy.url}/${tag}`);
      assert.equal(proxy.seen.slice(seen).filter((p) => p.endsWith('/manifests/v1')).length, 2);
    });

    it('a layer byte altered on the way: "does not match its digest", exit 2, nothing cached', async () => {
      proxy.rules = [{ path: /\/blobs\/sha256:/, fault: { kind: 'flip', at: 100 } }];
      const e = env();
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${tag}`], e);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^dfsize: .*blob sha256:[0-9a-f]{64} does not match its digest/);
      assert.deepEqual(cachedImages(e.DFSIZE_CACHE_DIR), []);
    });

    it('the connection cut mid-blob: one line with the bytes that came, exit 3, nothing cached', async () => {
      const m = (await (
        await fetch(`http://${OPEN}/v2/${REPO}/manifests/v1`, {
          headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        })
      ).json()) as { layers: Array<{ digest: string; size: number }> };
      const largest = [...m.layers].sort((a, b) => b.size - a.size)[0];
      assert.ok(largest, 'the image has layers');
      proxy.rules = [{ path: new RegExp(`/blobs/${largest.digest}$`), fault: { kind: 'cut', bytes: 20000 } }];
      const e = env();
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${tag}`], e);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /cut blob sha256:[0-9a-f]{64} (after \d+ of \d+ bytes|before its first byte)/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.deepEqual(cachedImages(e.DFSIZE_CACHE_DIR), []);
    });

    it('a manifest naming a blob the registry does not have: that blob is named, exit 2', async () => {
      const missing = `sha256:${createHash('sha256').update(randomBytes(32)).digest('hex')}`;
      proxy.rules = [
        {
          path: /\/manifests\/v1$/,
          fault: {
            kind: 'edit',
            edit: (m) => {
              const doc = m as { layers: Array<{ digest: string }> };
              const last = doc.layers[doc.layers.length - 1];
              if (last) last.digest = missing;
              return doc;
            },
          },
        },
      ];
      const e = env();
      const r = await dfsizeAsync(['analyze', `${proxy.url}/${tag}`], e);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`has no blob ${missing}`));
      assert.deepEqual(cachedImages(e.DFSIZE_CACHE_DIR), []);
    });
  });

  describe('a two-platform image with zstd layers, made by buildx on the current engine', () => {
    const layout = join(mkdtempSync(join(tmpdir(), 'dfsize-registry-mp-')), 'mp.tar');
    const ref = `${OPEN}/dfsize-test/registry-mp:v1`;

    before(async function () {
      await needEngine(this, 'modern');
      await build('modern-buildx', join(BUILDS_DIR, 'multi-platform'), 'dfsize-test/registry-mp', {
        platforms: ['linux/amd64', 'linux/arm64'],
        output: `type=oci,dest=${layout},compression=zstd,force-compression=true`,
      });
      await pushLayout(`http://${OPEN}`, 'dfsize-test/registry-mp', 'v1', layout);
    });

    for (const platform of ['linux/amd64', 'linux/arm64']) {
      it(`--platform ${platform}: the same analysis as the buildx archive's for that platform`, async () => {
        const fromRegistry = await dfsizeAsync(['analyze', ref, '--platform', platform, '--json'], env());
        assert.equal(fromRegistry.code, 0, fromRegistry.stderr);
        const fromArchive = await dfsizeAsync(
          ['analyze', '--archive', layout, '--platform', platform, '--json'],
          env(),
        );
        assert.equal(fromArchive.code, 0, fromArchive.stderr);
        const strip = (out: string) => {
          const j = JSON.parse(out) as { image: object; fetched?: object };
          return { ...j, image: { ...j.image, ref: null }, fetched: null };
        };
        assert.deepEqual(strip(fromRegistry.stdout), strip(fromArchive.stdout));
      });
    }

    it("no --platform: this machine's; a platform the index lacks is named with those it has, exit 2", async () => {
      const mine = await dfsizeAsync(['analyze', ref, '--json'], env());
      const host = await dfsizeAsync(['analyze', ref, '--platform', hostPlatform(), '--json'], env());
      assert.equal(mine.code, 0, mine.stderr);
      assert.equal(host.code, 0, host.stderr);
      assert.equal(mine.stdout, host.stdout);
      const none = await dfsizeAsync(['analyze', ref, '--platform', 'linux/s390x'], env());
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /has no linux\/s390x image \(it has linux\/amd64, linux\/arm64\): pass --platform/);
    });
  });
});
