// The shared cache's index (registry/sharedIndex.ts): what `--cache-to` writes at the tag and `--cache-from` reads —
// read-modify-write keeps what the tag held, a new analysis of a layer replaces the old one, another analyser version's
// entries stay but are not used, and entries a reader cannot check are left out.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { ANALYSER_VERSION } from '../../server/src/analysis/compute';
import {
  DEFAULT_TAG,
  entriesOf,
  indexDocument,
  parseCacheRef,
  usable,
  type SharedEntry,
} from '../../server/src/registry/sharedIndex';

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const entry = (layer: string, blob: string, version = ANALYSER_VERSION): SharedEntry => ({
  diffId: digest(layer),
  version,
  manifest: { digest: digest(`manifest ${blob}`), size: 600 },
  blob: { digest: digest(blob), size: 1000 + blob.length },
});
const read = (b: Buffer) => entriesOf(JSON.parse(b.toString('utf8')));

describe('shared cache index', () => {
  it('merges: new entries first, old ones kept unless replaced; another version kept but not used', () => {
    const old = [entry('a', 'a1'), entry('b', 'b1'), entry('a', 'a-next', ANALYSER_VERSION + 1)];
    const merged = read(indexDocument([entry('a', 'a2'), entry('c', 'c1')], old));
    assert.deepEqual(merged, [entry('a', 'a2'), entry('c', 'c1'), entry('b', 'b1'), old[2]]);
    const use = usable(merged);
    assert.deepEqual([...use.keys()].sort(), [digest('a'), digest('b'), digest('c')].sort());
    assert.equal(use.get(digest('a'))?.blob.digest, digest('a2'));
  });

  it('leaves out entries it cannot check, and reads nothing from a document that is not its index', () => {
    const doc = JSON.parse(indexDocument([entry('a', 'a1'), entry('b', 'b1')], []).toString('utf8')) as {
      manifests: Array<{ annotations: Record<string, string> }>;
    };
    const [first] = doc.manifests;
    assert.ok(first);
    first.annotations['vnd.dfsize.blob-digest'] = '../../etc/passwd';
    assert.deepEqual(entriesOf(doc), [entry('b', 'b1')]);
    assert.deepEqual(entriesOf({ ...doc, artifactType: 'application/vnd.oci.image.config.v1+json' }), []);
    assert.deepEqual(entriesOf(null), []);
  });

  it('reads REGISTRY/REPO[:TAG] (default tag dfsize-analysis); a digest or no registry is refused', () => {
    assert.deepEqual(parseCacheRef('ghcr.io/acme/cache'), { host: 'ghcr.io', repo: 'acme/cache', tag: DEFAULT_TAG });
    assert.deepEqual(parseCacheRef('127.0.0.1:5000/c:main'), { host: '127.0.0.1:5000', repo: 'c', tag: 'main' });
    assert.equal(parseCacheRef(`ghcr.io/acme/cache@${digest('x')}`), null);
    assert.equal(parseCacheRef('acme/cache'), null);
    assert.deepEqual(parseCacheRef('docker.io/acme/cache:ci'), {
      host: 'registry-1.docker.io',
      repo: 'acme/cache',
      tag: 'ci',
    });
  });
});
