// Base image sizes from a real registry (Debian's docker-registry on 127.0.0.1:5000, scripts/parts/registry.sh,
// started here when it does not answer): manifests (and a multi-platform index) give compressed layer bytes without
// pulling, and large-base-image's message then names both sizes and where they come from. Test data lives under
// its own path prefix (dfsize-test-rules/…), pushed through the registry API: no engine tag is involved.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { computeFindings, staticContext } from '../../server/src/core/rules/index';
import { baseImageSizes, registrySize } from '../../server/src/images/baseSizes';
import { RECIPES } from '../support/cli';
import { REGISTRY, registryAnswers, REQUIRE_ENGINE } from '../support/engine';
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
    if (!(await registryAnswers())) execFileSync('bash', [join(RECIPES, 'registry.sh'), 'serve'], { stdio: 'inherit' });
    if (!(await registryAnswers())) {
      if (REQUIRE_ENGINE) throw new Error(`no registry answers at ${REGISTRY}`);
      console.log(`      SKIPPED: no registry answers at ${REGISTRY} (scripts/parts/registry.sh serve)`);
      this.skip();
    }
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

  it('sizes an index by its linux/amd64 manifest and a plain manifest by its layers', async () => {
    assert.equal(await registrySize(MIRROR, 'node:20'), full);
    assert.equal(await registrySize(MIRROR, 'node:20-slim'), slim);
    assert.equal(await registrySize(MIRROR, 'node:18'), null);
  });

  it('large-base-image names both registry sizes and the saving', async () => {
    const model = parseDockerfile('FROM node:20\nCMD ["node", "server.js"]\n');
    const sizes = await baseImageSizes(model, { source: null, mirror: MIRROR });
    assert.equal(sizes.from, 'registry');
    assert.equal(sizes.sizes.get('node:20'), full);
    const f = computeFindings(staticContext(model, { imageSizes: sizes.sizes, imageSizesFrom: 'registry' }), {
      disabled: new Set(),
    }).findings.find((x) => x.code === 'large-base-image')!;
    assert.equal(f.savingsBytes, full - slim);
    assert.match(
      f.message,
      /node:20 \(3 MB\) is a large base image: node:20-slim \(60\d kB\) is smaller; sizes compressed, from the registry/,
    );
  });
});
