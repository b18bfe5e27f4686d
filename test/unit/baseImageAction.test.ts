// A FROM line's "Analyse this base image" link: which image it asks for (the one docker would pull, ARGs expanded),
// where that image is fetched from, and the lines that offer nothing (a stage, scratch, an unset variable).
import { strict as assert } from 'node:assert';
import { baseImageAction, baseImageAt } from '../../server/src/core/baseImageAction';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { ANALYSE_REGISTRY_COMMAND, toSettings } from '../../server/src/protocol';
import { registryRef } from '../../server/src/registry/reference';

const TEXT = [
  'ARG VERSION=12',
  'FROM debian:${VERSION} AS build',
  'FROM build',
  'FROM scratch',
  'FROM ghcr.io/org/app@sha256:' + 'a'.repeat(64),
  'FROM ${UNSET}/app',
  'RUN true',
].join('\n');

describe('the FROM line’s "Analyse this base image" link', () => {
  const model = parseDockerfile(TEXT);

  it('names the image the line pulls, ARGs expanded; Docker Hub names go to registry-1.docker.io/library', () => {
    assert.equal(baseImageAt(model, 1), 'debian:12');
    assert.deepEqual(registryRef('debian:12'), { host: 'registry-1.docker.io', repo: 'library/debian', ref: '12' });
    assert.equal(baseImageAt(model, 4), `ghcr.io/org/app@sha256:${'a'.repeat(64)}`);
  });

  it('offers nothing on a stage, scratch, a reference with an unset variable, or another instruction', () => {
    assert.deepEqual(
      [2, 3, 5, 6, 0].map((line) => baseImageAt(model, line)),
      [null, null, null, null, null],
    );
  });

  it('is a command link whose one argument, decoded, is { ref, uri }', () => {
    const link = baseImageAction(model, 1, 'file:///w/Dockerfile', ANALYSE_REGISTRY_COMMAND)!;
    const m = /\]\(command:dockerfileSize\.analyseRegistryImage\?([^ )]+) "/.exec(link);
    assert.ok(m, link);
    assert.deepEqual(JSON.parse(decodeURIComponent(m[1]!)), [{ ref: 'debian:12', uri: 'file:///w/Dockerfile' }]);
  });
});

describe('dockerfileSize.registry.insecure', () => {
  it('keeps the strings of a list, and is empty when unset or not a list', () => {
    assert.deepEqual(toSettings({ registry: { insecure: ['10.0.0.5:5000', 7, null] } }).registry.insecure, [
      '10.0.0.5:5000',
    ]);
    assert.deepEqual(toSettings({}).registry.insecure, []);
    assert.deepEqual(toSettings({ registry: { insecure: 'x' } }).registry.insecure, []);
  });
});
