// `--cache-to` / `--cache-from` against the real registries (Debian's docker-registry, scripts/parts/registry.sh): an
// image built by the real engine is analysed on an empty disk and its layer analyses pushed; a second empty disk then
// analyses it from the shared cache — no export from the engine, only the analysis blobs the index names fetched
// (counted by a proxy in front of the registry) — with the very same figures. An altered blob, an absent tag, a tag
// holding an image and a registry without credentials are each one warning line, and the analysis goes on.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox } from '../support/baseImage';
import { build, runCommand } from '../support/builds';
import { dfsizeAsync, ROOT } from '../support/cli';
import { needEngine, needPart, registryAnswers } from '../support/engine';
import { FaultProxy } from '../support/proxy';
import { registryUser, TokenServer } from '../support/tokenServer';

const OPEN = '127.0.0.1:5000';
const TOKEN = '127.0.0.1:5002';
const HELPERS = join(ROOT, 'test', 'fixtures', 'credential-helper');
const RUN = randomBytes(4).toString('hex');
const IMAGE = `dfsize-test/share-image-${RUN}:v1`;
const CACHE_REPO = `dfsize-test/share-cache-${RUN}`;

/** Every file under the cache folder: what an analysis left on disk. */
function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The index at the cache tag, as a user would look at it with curl. */
async function indexOf(tag: string): Promise<{ manifests: Array<{ annotations: Record<string, string> }> }> {
  const r = await fetch(`http://${OPEN}/v2/${CACHE_REPO}/manifests/${tag}`, {
    headers: { Accept: 'application/vnd.oci.image.index.v1+json' },
  });
  assert.equal(r.status, 200);
  return (await r.json()) as { manifests: Array<{ annotations: Record<string, string> }> };
}

const exports = (engine: FaultProxy, from: number) =>
  engine.seen.slice(from).filter((p) => /^\/(v[\d.]+\/)?images\/[^/]+\/get/.test(p));

describe('registry: a layer-analysis cache shared through the registry (--cache-to, --cache-from)', function () {
  this.timeout(300000);
  const config = mkdtempSync(join(tmpdir(), 'dfsize-share-config-'));
  let tokens: TokenServer;
  let registry: FaultProxy;
  let engine: FaultProxy;
  let full: string;
  const env = (extra: Record<string, string> = {}) => ({
    DOCKER_CONFIG: config,
    PATH: `${HELPERS}:${process.env.PATH ?? ''}`,
    DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-share-cache-')),
    ...extra,
  });
  const analyze = (args: string[], e: Record<string, string>) =>
    dfsizeAsync(['analyze', '--image', IMAGE, '--json', ...args], e);

  before(async function () {
    await needEngine(this, 'docker');
    const down = [];
    for (const a of [OPEN, TOKEN]) if (!(await registryAnswers(a))) down.push(a);
    needPart(this, down.length ? `no registry answers at ${down.join(', ')} (scripts/parts/registry.sh serve)` : null);
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { [TOKEN]: 'dfsize-test' } }));
    await ensureBusybox();
    const ws = mkdtempSync(join(tmpdir(), 'dfsize-share-ws-'));
    cpSync(join(ROOT, 'examples', 'hello'), ws, { recursive: true });
    await build('buildkit', ws, IMAGE);
    tokens = await TokenServer.start();
    registry = await FaultProxy.startTcp(OPEN);
    engine = await FaultProxy.start();
    const r = await analyze(['--no-cache'], env());
    assert.equal(r.code, 0, r.stderr);
    full = r.stdout;
  });
  after(async () => {
    await tokens?.close();
    await registry?.close();
    await engine?.close();
  });
  beforeEach(() => {
    if (registry) registry.rules = [];
  });

  it('an empty disk analyses from the shared cache: no export, only the analysis blobs fetched, same figures', async () => {
    const at = `${OPEN}/${CACHE_REPO}:main`;
    const first = env();
    const pushed = await analyze(['--cache-to', at], first);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout, full);
    const layers = (JSON.parse(full) as { layers: unknown[] }).layers.length;
    const index = await indexOf('main');
    const distinct = new Set(index.manifests.map((m) => m.annotations['vnd.dfsize.diff-id'])).size;
    assert.ok(distinct >= 2 && distinct <= layers, `${distinct} analyses for ${layers} layers`);
    assert.match(pushed.stderr, new RegExp(`${distinct} layer analyses pushed .*, 0 there already`));

    const second = env({ DOCKER_HOST: engine.url });
    const [seen, exported] = [registry.seen.length, engine.seen.length];
    const r = await analyze(['--cache-from', `${registry.url}/${CACHE_REPO}:main`], second);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, full, 'the same layers, sizes, waste and efficiency');
    assert.deepEqual(exports(engine, exported), [], 'the engine exported nothing');
    const blobs = registry.seen.slice(seen).filter((p) => p.includes('/blobs/'));
    const want = index.manifests.map((m) => `/v2/${CACHE_REPO}/blobs/${m.annotations['vnd.dfsize.blob-digest']}`);
    assert.deepEqual(blobs.sort(), want.sort(), 'one GET per analysis blob, no layer blob');
    assert.match(r.stderr, new RegExp(`^dfsize: ${distinct} layer analyses from .* fetched\\)$`, 'm'));
    assert.deepEqual(cacheFiles(second.DFSIZE_CACHE_DIR), [], 'shared results are not cached as trusted');

    const again = await analyze(['--cache-to', at], first);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`0 layer analyses pushed \\(0 B\\), ${distinct} there already`));
  });

  it('an analysis blob altered on the way is refused in one line, and the image is read instead', async () => {
    const at = `${OPEN}/${CACHE_REPO}:flip`;
    assert.equal((await analyze(['--cache-to', at], env())).code, 0);
    const digest = (await indexOf('flip')).manifests[0]?.annotations['vnd.dfsize.blob-digest'];
    assert.ok(digest);
    registry.rules = [{ path: new RegExp(`/blobs/${digest}$`), fault: { kind: 'flip', at: 30 } }];
    const exported = engine.seen.length;
    const e = env({ DOCKER_HOST: engine.url });
    const r = await analyze(['--cache-from', `${registry.url}/${CACHE_REPO}:flip`], e);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, full);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('dfsize: warning:'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0] ?? '', /the analysis of layer [0-9a-f]{12} is refused \(.*does not match its digest/);
    assert.equal(exports(engine, exported).length, 1, 'the image was exported and read');
    assert.ok(cacheFiles(e.DFSIZE_CACHE_DIR).length > 0, 'what the engine gave is cached as usual');
  });

  it('an absent cache tag is one warning line, then the normal analysis', async () => {
    const r = await analyze(['--cache-from', `${OPEN}/${CACHE_REPO}:never-pushed`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, full);
    assert.equal(
      r.stderr,
      `dfsize: warning: --cache-from ${OPEN}/${CACHE_REPO}:never-pushed: no shared cache there yet; reading the layers\n`,
    );
  });

  it('an index the registry cannot serve (HTTP 500) is one warning line, then the normal analysis', async () => {
    registry.rules = [{ path: /\/manifests\/broken$/, fault: { kind: 'answer', status: 500, body: '{}' } }];
    const r = await analyze(['--cache-from', `${registry.url}/${CACHE_REPO}:broken`], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, full);
    assert.match(
      r.stderr,
      /^dfsize: warning: --cache-from .*:broken: .*answered HTTP 500 for manifest broken; reading the layers\n$/,
    );
  });

  it('a tag that holds an image is never overwritten', async () => {
    const ref = `${OPEN}/${CACHE_REPO}:image`;
    await runCommand('docker', ['tag', IMAGE, ref]);
    await runCommand('docker', ['push', ref]);
    const before = await fetch(`http://${OPEN}/v2/${CACHE_REPO}/manifests/image`, { method: 'HEAD' });
    const r = await analyze(['--cache-to', ref], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^dfsize: warning: --cache-to .*:image: .*not a dfsize analysis cache.*: name another tag; the analysis is not shared\n$/,
    );
    const after = await fetch(`http://${OPEN}/v2/${CACHE_REPO}/manifests/image`, { method: 'HEAD' });
    assert.equal(after.headers.get('docker-content-digest'), before.headers.get('docker-content-digest'));
  });

  it('the bearer-token registry: pushed with a pull,push token, read back; without credentials one line', async () => {
    const at = `${TOKEN}/${CACHE_REPO}:main`;
    const before = tokens.issued;
    const pushed = await analyze(['--cache-to', at], env());
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stderr, /layer analyses pushed/);
    assert.ok(tokens.issued > before, 'a token was asked for');
    const r = await analyze(['--cache-from', at], env({ DOCKER_HOST: engine.url }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, full);
    assert.match(r.stderr, /layer analyses from 127\.0\.0\.1:5002/);

    const empty = mkdtempSync(join(tmpdir(), 'dfsize-share-no-config-'));
    const denied = await analyze(['--cache-to', `${TOKEN}/${CACHE_REPO}:nobody`], env({ DOCKER_CONFIG: empty }));
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal(denied.stderr.trim().split('\n').length, 1, denied.stderr);
    assert.match(denied.stderr, new RegExp(`^dfsize: warning: --cache-to .*docker login ${TOKEN}.*not shared`));
    assert.ok(!denied.stderr.includes(registryUser().password));
  });

  it('a cache reference that names no registry is a usage error before any analysis (exit 2)', async () => {
    const r = await analyze(['--cache-from', 'just-a-name'], env());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--cache-from just-a-name: name a registry repository, REGISTRY\/REPO\[:TAG\]/);
  });
});
