// Which image references are put into an engine's API path: docker's grammar, and its case rule — capitals are fine
// in a registry and a tag, never in the repository path ("repository name must be lowercase").
import { strict as assert } from 'node:assert';
import { isImageReference, referenceProblem } from '../../server/src/engine/source';
import { isRegistryReference, registryRef } from '../../server/src/registry/reference';

describe('image references', () => {
  it('takes what docker takes, capitals in the registry and the tag included', () => {
    for (const ref of [
      'busybox',
      'local/busybox:latest',
      'Registry.Example.com:5000/team/app:V1.2-RC',
      'localhost:5000/app',
      'app@sha256:' + 'a'.repeat(64),
      'sha256:' + 'b'.repeat(64),
      'abcdef123456',
    ])
      assert.equal(isImageReference(ref), true, ref);
  });

  it('refuses capitals in the repository path, saying so and what docker would take', () => {
    assert.equal(referenceProblem('BusyBox'), '"BusyBox": repository name must be lowercase (busybox?)');
    // Without a dot or a port the first component is part of the repository, as docker reads it.
    assert.equal(referenceProblem('Team/app:V1'), '"Team/app:V1": repository name must be lowercase (team/app:V1?)');
    assert.equal(
      referenceProblem('Registry.Example.com/Team/App@sha256:' + 'c'.repeat(64)),
      `"Registry.Example.com/Team/App@sha256:${'c'.repeat(64)}": repository name must be lowercase (Registry.Example.com/team/app@sha256:${'c'.repeat(64)}?)`,
    );
    assert.equal(isImageReference('localhost/App'), false);
  });

  it('says what a reference looks like when capitals are not the only fault', () => {
    assert.match(referenceProblem('Not An Image?') ?? '', /^"Not An Image\?" is not an image reference \(name\[:tag\]/);
    assert.equal(referenceProblem('busybox:latest'), null);
  });

  it('reads a registry only where docker would: a path like ../../x names no registry host', () => {
    for (const ref of ['localhost:5000/app', '127.0.0.1:5000/team/app:1', 'ghcr.io/org/app@sha256:' + 'd'.repeat(64)])
      assert.equal(isRegistryReference(ref), true, ref);
    for (const ref of ['../../x', './app/image.tar', 'ghcr.io/Org/app', 'ghcr.io/org//app', 'debian:12'])
      assert.equal(isRegistryReference(ref), false, ref);
    assert.equal(registryRef('../../x'), null);
    assert.deepEqual(registryRef('debian:12'), { host: 'registry-1.docker.io', repo: 'library/debian', ref: '12' });
  });
});
