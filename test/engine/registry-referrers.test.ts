// Layer analyses tied to their image as OCI 1.1 referrers, against the real registry 2.8 (Debian's docker-registry,
// scripts/parts/registry.sh), which has no referrers API: so the referrers tag schema is what is exercised. An image
// built by the real engine and pushed to the registry is analysed with `--cache-to` its own repository; the fallback
// tag `sha256-<hex>` then holds an OCI index listing the image's analysis artifact (its artifactType, its `subject`
// the image's manifest), merged with what another tool had put there. A fresh empty disk with `--cache-from` naming
// only the image's repository finds the analyses by those referrers — the registry's 404 to the referrers API, then
// the tag — and fetches the config and the analysis blobs, no layer blob (counted by a proxy in front of the registry).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox } from '../support/baseImage';
import { build, runCommand } from '../support/builds';
import { dfsizeAsync, ROOT } from '../support/cli';
import { needEngine, needPart, registryAnswers } from '../support/engine';
import { FaultProxy } from '../support/proxy';
import { pushBlob, pushManifest, sha256 } from '../support/registryPush';

const OPEN = '127.0.0.1:5000';
const RUN = randomBytes(4).toString('hex');
const REPO = `dfsize-test/referrers-${RUN}`;
const IMAGE = `${OPEN}/${REPO}:v1`;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const IMAGE_ANALYSIS = 'application/vnd.dfsize.image-analysis.v1';
const LAYER_BLOB = 'application/vnd.dfsize.layer-analysis.v1.lines+gzip';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const MANIFEST_ACCEPT = [OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX].join(', ');

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}
interface Doc {
  artifactType?: string;
  subject?: Descriptor;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
  rootfs?: { diff_ids: string[] };
}

/** A manifest or index of the repository, as a user would look at it with curl: its digest and its JSON. */
async function manifest(ref: string): Promise<{ digest: string; size: number; doc: Doc }> {
  const r = await fetch(`http://${OPEN}/v2/${REPO}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT } });
  assert.equal(r.status, 200, `manifests/${ref}: HTTP ${r.status}`);
  const bytes = Buffer.from(await r.arrayBuffer());
  return {
    digest: r.headers.get('docker-content-digest') ?? '',
    size: bytes.length,
    doc: JSON.parse(bytes.toString()) as Doc,
  };
}

async function blobJson(digest: string): Promise<Doc> {
  const r = await fetch(`http://${OPEN}/v2/${REPO}/blobs/${digest}`);
  assert.equal(r.status, 200);
  return (await r.json()) as Doc;
}

function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('registry: layer analyses tied to their image as referrers (the tag schema on registry 2.8)', function () {
  this.timeout(300000);
  let registry: FaultProxy;
  let full: string;
  let image: { digest: string; size: number; doc: Doc };
  let diffIds: string[];
  let otherTool: Descriptor;
  const env = () => ({ DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-referrers-cache-')) });
  /** The analysis as `--json` prints it, read through the proxy or not, without what this run fetched. */
  const viaOpen = (out: string) => {
    const doc = JSON.parse(out.replaceAll(registry.url, OPEN)) as { fetched?: unknown };
    delete doc.fetched;
    return JSON.stringify(doc, null, 2);
  };
  /** Layers `analyze` says it fetched blobs of. */
  const layersFetched = (out: string) => (JSON.parse(out) as { fetched?: { layers: number } }).fetched?.layers;
  const analyze = (ref: string, args: string[], e: Record<string, string>) =>
    dfsizeAsync(['analyze', ref, '--json', ...args], e);

  before(async function () {
    await needEngine(this, 'docker');
    needPart(
      this,
      (await registryAnswers(OPEN)) ? null : `no registry answers at ${OPEN} (scripts/parts/registry.sh serve)`,
    );
    await ensureBusybox();
    const ws = mkdtempSync(join(tmpdir(), 'dfsize-referrers-ws-'));
    cpSync(join(ROOT, 'examples', 'hello'), ws, { recursive: true });
    await build('buildkit', ws, IMAGE);
    await runCommand('docker', ['push', IMAGE]);
    image = await manifest('v1');
    diffIds = (await blobJson(image.doc.config?.digest ?? '')).rootfs?.diff_ids ?? [];
    assert.ok(diffIds.length >= 2, `${diffIds.length} layers`);
    registry = await FaultProxy.startTcp(OPEN);
    const r = await analyze(IMAGE, ['--no-cache'], env());
    assert.equal(r.code, 0, r.stderr);
    full = viaOpen(r.stdout);
    // Another tool's referrer of the image (a signature, say), listed at the fallback tag as that tool would list it.
    const empty = await pushBlob(`http://${OPEN}`, REPO, Buffer.from('{}'));
    const sig = await pushBlob(`http://${OPEN}`, REPO, Buffer.from(`signature ${RUN}`));
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.example.signature',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
        layers: [{ mediaType: 'application/octet-stream', ...sig }],
        subject: { mediaType: DOCKER_MANIFEST, digest: image.digest, size: image.size },
      }),
    );
    const m = await pushManifest(`http://${OPEN}`, REPO, sha256(body), OCI_MANIFEST, body);
    otherTool = { mediaType: OCI_MANIFEST, ...m, artifactType: 'application/vnd.example.signature' };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [otherTool] }));
    await pushManifest(`http://${OPEN}`, REPO, image.digest.replace(':', '-'), OCI_INDEX, index);
  });
  after(async () => {
    await registry?.close();
  });
  beforeEach(() => {
    if (registry) registry.rules = [];
  });

  it('--cache-to the image repository lists the analysis at the fallback tag, with its artifactType and subject', async () => {
    const r = await analyze(IMAGE, ['--cache-to', `${OPEN}/${REPO}:analyses`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(viaOpen(r.stdout), full);
    const tag = image.digest.replace(':', '-');
    assert.match(
      r.stderr,
      new RegExp(`layer analyses pushed .*; tied to the image \\(referrers tag ${tag.slice(0, 19)}…\\)\\n$`),
    );

    const listed = (await manifest(tag)).doc.manifests ?? [];
    assert.equal(listed.length, 2, 'ours beside the other tool’s');
    assert.deepEqual(listed[1], otherTool, 'the other tool’s referrer is kept as it was');
    const ours = listed[0];
    assert.equal(ours?.artifactType, IMAGE_ANALYSIS);
    assert.equal(ours?.mediaType, OCI_MANIFEST);
    const artifact = await manifest(ours?.digest ?? '');
    assert.equal(artifact.digest, ours?.digest);
    assert.equal(artifact.doc.artifactType, IMAGE_ANALYSIS);
    assert.deepEqual(artifact.doc.subject, { mediaType: DOCKER_MANIFEST, digest: image.digest, size: image.size });
    assert.deepEqual(ours?.annotations, artifact.doc.annotations, 'the spec: the manifest’s annotations are copied');
    const layers = artifact.doc.layers ?? [];
    assert.deepEqual(
      layers.map((l) => l.annotations?.['vnd.dfsize.diff-id']),
      [...new Set(diffIds)],
      'one analysis per layer of the image, in its order',
    );
    assert.ok(layers.every((l) => l.mediaType === LAYER_BLOB));

    const again = await analyze(IMAGE, ['--cache-to', `${OPEN}/${REPO}:analyses`], env());
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await manifest(tag)).doc.manifests, listed, 'pushing again adds no duplicate');
  });

  it('an empty disk with --cache-from the image repository finds the analyses by referrers: no layer blob', async () => {
    const tag = image.digest.replace(':', '-');
    const artifact = (await manifest(tag)).doc.manifests?.[0]?.digest ?? '';
    const analyses = (await manifest(artifact)).doc.layers?.map((l) => l.digest) ?? [];
    const seen = registry.seen.length;
    const e = env();
    // The cache's own tag (dfsize-analysis) was never pushed: only the referrers can answer.
    const r = await analyze(`${registry.url}/${REPO}:v1`, ['--cache-from', `${registry.url}/${REPO}`], e);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(viaOpen(r.stdout), full, 'the same layers, sizes, waste and efficiency');
    assert.equal(layersFetched(r.stdout), 0, 'no layer blob fetched');
    assert.match(
      r.stderr,
      new RegExp(
        `^dfsize: ${analyses.length} layer analyses from the referrers of ${registry.url}/${REPO}@${image.digest.slice(0, 19)} \\(the referrers tag schema, tag ${tag.slice(0, 19)}…\\) \\(.* fetched\\)\\n$`,
      ),
    );
    const asked = registry.seen.slice(seen);
    assert.ok(
      asked.includes(`/v2/${REPO}/referrers/${image.digest}?artifactType=${encodeURIComponent(IMAGE_ANALYSIS)}`),
    );
    assert.ok(asked.includes(`/v2/${REPO}/manifests/${tag}`), 'the fallback tag was read');
    assert.ok(!asked.some((p) => p.endsWith('/manifests/dfsize-analysis')), 'the index tag was not needed');
    const blobs = asked.filter((p) => p.includes('/blobs/')).map((p) => p.split('/blobs/')[1]);
    const config = image.doc.config?.digest ?? '';
    assert.deepEqual(blobs.sort(), [config, ...analyses].sort(), 'the config and the analyses, no layer blob');
    assert.deepEqual(cacheFiles(e.DFSIZE_CACHE_DIR), [], 'shared results are not cached');
  });

  it('a registry answering the referrers API is asked that, and the fallback tag is not read', async () => {
    // Registry 2.8 has no referrers API: the proxy answers it with the very index the fallback tag holds (the API's
    // answer has the tag schema's shape). This checks the client's API branch, not any registry's implementation.
    const tag = image.digest.replace(':', '-');
    const index = await fetch(`http://${OPEN}/v2/${REPO}/manifests/${tag}`, { headers: { Accept: OCI_INDEX } });
    registry.rules = [
      {
        path: new RegExp(`/v2/${REPO}/referrers/${image.digest}$`),
        fault: { kind: 'answer', status: 200, body: await index.text(), headers: { 'Content-Type': OCI_INDEX } },
      },
    ];
    const seen = registry.seen.length;
    const r = await analyze(`${registry.url}/${REPO}:v1`, ['--cache-from', `${registry.url}/${REPO}`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(viaOpen(r.stdout), full);
    assert.match(
      r.stderr,
      /^dfsize: \d+ layer analyses from the referrers of .* \(the registry's referrers API\) \(.* fetched\)\n$/,
    );
    assert.ok(!registry.seen.slice(seen).includes(`/v2/${REPO}/manifests/${tag}`));
  });

  it('--cache-to another repository ties nothing to the image, and --cache-from still reads its index', async () => {
    const other = `dfsize-test/referrers-cache-${RUN}`;
    const r = await analyze(IMAGE, ['--cache-to', `${OPEN}/${other}`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /tied to the image/);
    const tags = (await (await fetch(`http://${OPEN}/v2/${other}/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['dfsize-analysis']);
    const from = await analyze(`${registry.url}/${REPO}:v1`, ['--cache-from', `${registry.url}/${other}`], env());
    assert.equal(from.code, 0, from.stderr);
    assert.equal(viaOpen(from.stdout), full);
    assert.match(from.stderr, new RegExp(`^dfsize: \\d+ layer analyses from ${registry.url}/${other}:dfsize-analysis`));
  });

  it('a fallback tag that holds something else is not overwritten: one note, and the analyses are still shared', async () => {
    const tag = image.digest.replace(':', '-');
    const before = await manifest(tag);
    // What a registry would answer had someone pushed an image at that tag: the fallback index cannot be merged.
    const imageBytes = await fetch(`http://${OPEN}/v2/${REPO}/manifests/v1`, { headers: { Accept: MANIFEST_ACCEPT } });
    registry.rules = [
      {
        path: new RegExp(`/v2/${REPO}/manifests/${tag}$`),
        fault: {
          kind: 'answer',
          status: 200,
          body: await imageBytes.text(),
          headers: { 'Content-Type': DOCKER_MANIFEST },
        },
      },
    ];
    const r = await analyze(`${registry.url}/${REPO}:v1`, ['--cache-to', `${registry.url}/${REPO}:elsewhere`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /layer analyses pushed .*; not tied to the image \(.*is not a referrers index.*\)\n$/);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.ok((await manifest('elsewhere')).doc.manifests?.length, 'the index tag was pushed');
    assert.deepEqual((await manifest(tag)).doc, before.doc, 'the fallback tag is as it was');
  });
});
