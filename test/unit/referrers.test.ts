// The image-analysis artifact tied to an image as an OCI 1.1 referrer (registry/referrers.ts): the fallback tag the
// spec's tag schema names, and what a reader takes back from an artifact — the layers' analyses, only when its subject
// is the image asked about (the fallback tag is writable by anyone who can push), entries it cannot check left out.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { ANALYSER_VERSION } from '../../server/src/analysis/compute';
import {
  entriesOfImageAnalysis,
  IMAGE_ARTIFACT_TYPE,
  imageAnalysisManifest,
  referrersTag,
} from '../../server/src/registry/referrers';
import type { SharedEntry } from '../../server/src/registry/sharedIndex';

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const entry = (layer: string): SharedEntry => ({
  diffId: digest(layer),
  version: ANALYSER_VERSION,
  manifest: { digest: digest(`manifest ${layer}`), size: 618 },
  blob: { digest: digest(`blob ${layer}`), size: 1200 + layer.length },
});
const image = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('image'), size: 1234 };

describe('referrers of an image analysis', () => {
  it('names the fallback tag as the tag schema does: <alg>-<hex>', () => {
    assert.equal(referrersTag(image.digest), `sha256-${image.digest.slice(7)}`);
    assert.equal(referrersTag(image.digest).length, 71);
  });

  it('writes one layer per analysis with the image as subject, and reads the same entries back', () => {
    const entries = [entry('base'), entry('app')];
    const doc = JSON.parse(imageAnalysisManifest(image, entries).toString('utf8')) as Record<string, unknown>;
    assert.equal(doc.artifactType, IMAGE_ARTIFACT_TYPE);
    assert.deepEqual(doc.subject, image);
    assert.deepEqual(entriesOfImageAnalysis(doc, image.digest), entries);
  });

  it('takes nothing from an artifact about another image, or of another type', () => {
    const doc = JSON.parse(imageAnalysisManifest(image, [entry('base')]).toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(entriesOfImageAnalysis(doc, digest('another image')), []);
    assert.deepEqual(
      entriesOfImageAnalysis({ ...doc, artifactType: 'application/vnd.example.sbom' }, image.digest),
      [],
    );
  });

  it('leaves out the layers it cannot check (a digest that is not one, no size)', () => {
    const doc = JSON.parse(imageAnalysisManifest(image, [entry('a'), entry('b')]).toString('utf8')) as {
      layers: Array<Record<string, unknown>>;
    };
    doc.layers[0] = { ...doc.layers[0], digest: 'sha256:nothex' };
    assert.deepEqual(entriesOfImageAnalysis(doc, image.digest), [entry('b')]);
    const ok = JSON.parse(imageAnalysisManifest(image, [entry('a'), entry('b')]).toString('utf8')) as typeof doc;
    ok.layers[1] = { ...ok.layers[1], size: 0 };
    assert.deepEqual(entriesOfImageAnalysis(ok, image.digest), [entry('a')]);
  });
});
