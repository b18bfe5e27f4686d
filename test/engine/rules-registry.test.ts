// Base image sizes from a real registry (Debian's docker-registry on 127.0.0.1:5000, scripts/parts/registry.sh,
// started here when it does not answer), asked as the configured mirror of Docker Hub through the registry client:
// real images pushed by the 20.10 engine under the names large-base-image asks for give their compressed sizes from
// the manifests, and their uncompressed sizes once `dfsize analyze` has cached their layer analyses; a mirror that
// does not answer gives the dated table and one line saying why. A multi-platform index is sized by this machine's
// platform. Through the bearer-token registry, the sizes are asked with no credentials: an anonymous token, as Docker
// Hub gives one. Test data lives under its own path prefixes (dfsize-test-rules/…, dfsize-test-bases/…).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { computeFindings, staticContext } from '../../server/src/core/rules/index';
import { baseImageSizes } from '../../server/src/images/baseSizes';
import { BASE_MIRROR, manifestBytes, pushBaseMirror, pushBases, serveOpenRegistry } from '../support/baseMirror';
import { dfsizeAsync, NO_ENGINE } from '../support/cli';
import { needEngine, needPart, REGISTRY, registryAnswers } from '../support/engine';
import { registryUser, TokenServer } from '../support/tokenServer';
import { pushBlob as pushBlobTo, pushManifest as pushManifestTo, sha256 as digest } from '../support/registryPush';

const pushBlob = (repo: string, body: Buffer) => pushBlobTo(REGISTRY, repo, body);
const pushManifest = (repo: string, ref: string, type: string, m: unknown) =>
  pushManifestTo(REGISTRY, repo, ref, type, Buffer.from(JSON.stringify(m)));

const MIRROR = '127.0.0.1:5000/dfsize-test-rules';
const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';

async function image(repo: string, layerBytes: number[]): Promise<{ digest: string; size: number; total: number }> {
  const layers = [];
  for (const n of layerBytes) layers.push(await pushBlob(repo, randomBytes(n)));
  const config = await pushBlob(
    repo,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    ),
  );
  const m = await pushManifest(repo, digest(randomBytes(8)).slice(7, 19), MANIFEST, {
    schemaVersion: 2,
    mediaType: MANIFEST,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.size, digest: config.digest },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: l.size,
      digest: l.digest,
    })),
  });
  return { ...m, total: layers.reduce((s, l) => s + l.size, 0) + config.size };
}

describe('engine: base image sizes from a registry', function () {
  this.timeout(120000);
  let full = 0;
  let slim = 0;

  before(async function () {
    needPart(
      this,
      (await serveOpenRegistry()) ? null : `no registry answers at ${REGISTRY} (scripts/parts/registry.sh serve)`,
    );
    const repo = 'dfsize-test-rules/library/node';
    // node:20 as a multi-platform index (the amd64 entry is the one sized), node:20-slim as a plain manifest.
    const amd64 = await image(repo, [2_000_000, 1_000_000]);
    const arm64 = await image(repo, [500_000]);
    await pushManifest(repo, '20', INDEX, {
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [
        {
          mediaType: MANIFEST,
          size: arm64.size,
          digest: arm64.digest,
          platform: { os: 'linux', architecture: 'arm64' },
        },
        {
          mediaType: MANIFEST,
          size: amd64.size,
          digest: amd64.digest,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    });
    const small = await image(repo, [600_000]);
    const m = await fetch(`${REGISTRY}/v2/${repo}/manifests/${small.digest}`, { headers: { Accept: MANIFEST } });
    await pushManifest(repo, '20-slim', MANIFEST, await m.json());
    full = amd64.total;
    slim = small.total;
  });

  it("sizes an index by the manifest of this machine's platform, and a plain manifest by its layers", async () => {
    const model = parseDockerfile('FROM node:20\nCMD ["node", "server.js"]\n');
    const sizes = await baseImageSizes(model, { source: null, registry: { mirror: MIRROR, env: {}, cache: null } });
    assert.equal(sizes.from, 'registry');
    assert.equal(sizes.registry, '127.0.0.1:5000');
    assert.equal(sizes.problem, null);
    assert.equal(sizes.sizes.get('node:20'), full);
    assert.equal(sizes.sizes.get('node:20-slim'), slim);
    assert.equal(sizes.sizes.has('node:20-alpine'), false, 'a tag the mirror does not have has no size');
    const f = computeFindings(
      staticContext(model, {
        imageSizes: sizes.sizes,
        imageSizesFrom: 'registry',
        imageSizesRegistry: '127.0.0.1:5000',
      }),
      { disabled: new Set() },
    ).findings.find((x) => x.code === 'large-base-image')!;
    assert.equal(f.savingsBytes, full - slim);
    assert.match(
      f.message,
      /node:20 \(3 MB\) is a large base image: node:20-slim \(60\d kB\) is smaller; sizes compressed, from 127\.0\.0\.1:5000\./,
    );
  });
});

/** A loopback port nothing listens on (one just given up by a server of this process). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('engine: large-base-image with real images in a registry mirror (dfsize report)', function () {
  this.timeout(300000);
  const ws = mkdtempSync(join(tmpdir(), 'dfsize-bases-'));
  const dockerfile = join(ws, 'Dockerfile');
  let full = 0;
  let slim = 0;
  const report = (env: Record<string, string>, ...args: string[]) =>
    dfsizeAsync(['report', dockerfile, '--json', ...args], { ...NO_ENGINE, ...env });
  /** What stderr says beyond the one line about the engine that is not there (no engine is needed here). */
  const said = (stderr: string) => stderr.replace(/^dfsize: no image: no engine answers at .*\n/m, '');
  const finding = (stdout: string) => {
    const r = JSON.parse(stdout) as { findings: Array<{ code: string; message: string; savingsBytes: number | null }> };
    const f = r.findings.find((x) => x.code === 'large-base-image');
    assert.ok(f, 'large-base-image fires on FROM debian:bookworm');
    return f;
  };

  before(async function () {
    await needEngine(this, 'docker');
    const sizes = await pushBaseMirror();
    needPart(this, sizes ? null : `no registry answers at ${REGISTRY} (scripts/parts/registry.sh serve)`);
    if (sizes) ({ full, slim } = sizes);
    writeFileSync(dockerfile, 'FROM debian:bookworm\nCMD ["bash"]\n');
  });

  it('names the compressed sizes from the mirror, and their difference as the saving', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'dfsize-bases-cache-'));
    const r = await report({ DFSIZE_REGISTRY_MIRROR: BASE_MIRROR, DFSIZE_CACHE_DIR: cache });
    assert.equal(r.code, 0, r.stderr);
    const f = finding(r.stdout);
    assert.equal(f.savingsBytes, full - slim);
    assert.match(f.message, /; sizes compressed, from 127\.0\.0\.1:5000\./);
    assert.equal(said(r.stderr), '');
  });

  it('names the uncompressed sizes once both images were analysed from the registry', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'dfsize-bases-cache-'));
    const analysed: number[] = [];
    for (const tag of ['bookworm', 'bookworm-slim']) {
      const a = await dfsizeAsync(['analyze', `${BASE_MIRROR}/library/debian:${tag}`, '--json'], {
        DFSIZE_CACHE_DIR: cache,
      });
      assert.equal(a.code, 0, a.stderr);
      analysed.push((JSON.parse(a.stdout) as { image: { sizeBytes: number } }).image.sizeBytes);
    }
    const [big = 0, small = 0] = analysed;
    assert.ok(big > full, `uncompressed ${big} B > compressed ${full} B`);
    const r = await report({ DFSIZE_REGISTRY_MIRROR: BASE_MIRROR, DFSIZE_CACHE_DIR: cache });
    assert.equal(r.code, 0, r.stderr);
    const f = finding(r.stdout);
    assert.equal(f.savingsBytes, big - small);
    assert.match(f.message, /; sizes uncompressed, from the cached layer analyses of 127\.0\.0\.1:5000's images\./);
  });

  it('falls back to the dated table, saying why, when the mirror does not answer', async () => {
    const port = await closedPort();
    const r = await report({
      DFSIZE_REGISTRY_MIRROR: `127.0.0.1:${port}`,
      DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'c-')),
    });
    assert.equal(r.code, 0, r.stderr);
    const f = finding(r.stdout);
    assert.equal(f.savingsBytes, null);
    assert.match(f.message, /; sizes from the table of 2024-06 \(Docker Hub, linux\/amd64\)\./);
    assert.equal(
      said(r.stderr),
      `dfsize: base image sizes: 127.0.0.1:${port}: does not answer (connect ECONNREFUSED 127.0.0.1:${port}): ` +
        'check the name, the network and TLS; the table of 2024-06 is used\n',
    );
  });

  it('asks no registry with DFSIZE_REGISTRY_MIRROR=off', async () => {
    const r = await report({ DFSIZE_REGISTRY_MIRROR: 'off', DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'c-')) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(finding(r.stdout).message, /sizes from the table of 2024-06/);
    assert.equal(said(r.stderr), '');
  });
});

describe("engine: base image sizes through a registry's anonymous token dance (as Docker Hub's)", function () {
  this.timeout(300000);
  const TOKEN = '127.0.0.1:5002';
  const repo = 'dfsize-test-bases/library/debian';
  let tokens: TokenServer;

  before(async function () {
    await needEngine(this, 'docker');
    const answers = await registryAnswers(TOKEN);
    needPart(this, answers ? null : `no token registry answers at ${TOKEN} (scripts/parts/registry.sh serve)`);
    tokens = await TokenServer.start();
    // The images are pushed with the test user's credentials; the sizes are then asked with none.
    const config = mkdtempSync(join(tmpdir(), 'dfsize-bases-config-'));
    const { user, password } = registryUser();
    const auth = Buffer.from(`${user}:${password}`).toString('base64');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [TOKEN]: { auth } } }));
    await pushBases(`${TOKEN}/dfsize-test-bases`, config);
  });
  after(() => tokens?.close());

  it('asks for a token with no credentials, and sizes both images by their manifests', async () => {
    tokens.anonymousPull = true;
    const before = tokens.issued;
    const model = parseDockerfile('FROM debian:bookworm\nCMD ["bash"]\n');
    const none = mkdtempSync(join(tmpdir(), 'dfsize-no-config-'));
    const sizes = await baseImageSizes(model, {
      source: null,
      registry: { mirror: `${TOKEN}/dfsize-test-bases`, env: { DOCKER_CONFIG: none }, cache: null },
    });
    assert.equal(sizes.problem, null);
    assert.equal(sizes.from, 'registry');
    assert.ok(tokens.issued > before, 'an anonymous token was issued');
    // What the registry's manifests say, read with a token the test user was given.
    const { user, password } = registryUser();
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    const token = (await fetch(
      `http://127.0.0.1:5003/token?service=dfsize-test-registry&scope=repository:${repo}:pull`,
      { headers: { Authorization: `Basic ${basic}` } },
    ).then((r) => r.json())) as { token: string };
    const headers = { Authorization: `Bearer ${token.token}` };
    assert.equal(sizes.sizes.get('debian:bookworm'), await manifestBytes(repo, 'bookworm', `http://${TOKEN}`, headers));
    assert.equal(
      sizes.sizes.get('debian:bookworm-slim'),
      await manifestBytes(repo, 'bookworm-slim', `http://${TOKEN}`, headers),
    );
  });

  it('a token service that refuses anonymous access: no sizes, and why', async () => {
    tokens.anonymousPull = false;
    const sizes = await baseImageSizes(parseDockerfile('FROM debian:bookworm\n'), {
      source: null,
      registry: {
        mirror: `${TOKEN}/dfsize-test-bases`,
        env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'dfsize-no-config-')) },
        cache: null,
      },
    });
    assert.equal(sizes.from, null);
    assert.equal(sizes.sizes.size, 0);
    assert.match(sizes.problem ?? '', /^127\.0\.0\.1:5002: its token service gives no anonymous access \(HTTP 401\)/);
  });
});
