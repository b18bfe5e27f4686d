// How a registry asks for credentials, and where the docker CLI keeps them: the challenge header as registries send
// it, and the config file's credHelpers / credsStore / auths in the docker CLI's order, with the repository's test
// credential helper spawned for real.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenge } from '../../server/src/registry/challenge';
import { credentialFor, CredentialError, HUB_KEY } from '../../server/src/registry/credentials';
import { isRegistryReference, registryRef } from '../../server/src/registry/reference';
import { ROOT } from '../support/cli';

const HELPERS = join(ROOT, 'test', 'fixtures', 'credential-helper');

/** A docker config, and the files the test credential helper answers from (user `helper-user`). */
function config(doc: unknown): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-cred-'));
  writeFileSync(join(dir, 'config.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
  mkdirSync(join(dir, 'auth'));
  writeFileSync(join(dir, 'auth', 'user'), 'helper-user\n');
  writeFileSync(join(dir, 'auth', 'password'), 'helper-secret\n');
  return { DOCKER_CONFIG: dir, DFSIZE_REGISTRY_DATA: dir, PATH: `${HELPERS}:${process.env.PATH ?? ''}` };
}

const auth = (u: string, p: string) => Buffer.from(`${u}:${p}`).toString('base64');

describe('registry: challenges', () => {
  it("Docker Hub's bearer challenge: realm, service and scope", () => {
    assert.deepEqual(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"',
      ),
      {
        scheme: 'bearer',
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/debian:pull',
      },
    );
  });

  it('a scope with two actions keeps its comma; basic has no realm to follow; others are not answered', () => {
    assert.equal(
      parseChallenge('bearer realm="r",scope="repository:a/b:pull,push"')?.scope,
      'repository:a/b:pull,push',
    );
    assert.deepEqual(parseChallenge('Basic realm="dfsize-test-basic"'), {
      scheme: 'basic',
      realm: 'dfsize-test-basic',
      service: null,
      scope: null,
    });
    assert.equal(parseChallenge('Negotiate abc'), null);
    assert.equal(parseChallenge(null), null);
  });
});

describe('registry: references', () => {
  it('a host (dot, port or localhost) names a registry; Hub names and local tags do not', () => {
    for (const r of ['127.0.0.1:5000/a/b:v1', 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64), 'localhost/app'])
      assert.ok(isRegistryReference(r), r);
    for (const r of ['debian:bookworm', 'acme/app', 'myapp:latest', 'GHCR.io/Acme/App'])
      assert.ok(!isRegistryReference(r), r);
  });

  it("Hub's official images live under library/ on registry-1.docker.io", () => {
    assert.deepEqual(registryRef('debian:bookworm-slim'), {
      host: 'registry-1.docker.io',
      repo: 'library/debian',
      ref: 'bookworm-slim',
    });
    assert.deepEqual(registryRef('127.0.0.1:5000/a/b'), { host: '127.0.0.1:5000', repo: 'a/b', ref: 'latest' });
  });
});

describe('registry: credentials as the docker CLI finds them', () => {
  it('auths: the user and password of the entry for the host; Hub under its historic key', async () => {
    const env = config({
      auths: { 'r.example:5000': { auth: auth('ann', 'pw:with:colons') }, [HUB_KEY]: { auth: auth('hub', 'x') } },
    });
    assert.deepEqual(await credentialFor('r.example:5000', env), {
      username: 'ann',
      secret: 'pw:with:colons',
      from: 'auths',
    });
    assert.equal((await credentialFor('registry-1.docker.io', env))?.username, 'hub');
    assert.equal(await credentialFor('other.example', env), null);
  });

  it('credHelpers before credsStore before auths; the helper is run without a shell and answers "not found" with null', async () => {
    const env = config({
      auths: { '127.0.0.1:5001': { auth: auth('from-auths', 'x') } },
      credHelpers: { '127.0.0.1:5002': 'dfsize-test' },
      credsStore: 'dfsize-test',
    });
    const helper = { username: 'helper-user', secret: 'helper-secret', from: 'docker-credential-dfsize-test' };
    assert.deepEqual(await credentialFor('127.0.0.1:5002', env), helper);
    // With a credsStore, auths only lists registries: the store answers, not the file's entry.
    assert.deepEqual(await credentialFor('127.0.0.1:5001', env), helper);
    assert.equal(await credentialFor('elsewhere.example', env), null, 'the helper has none for it');
  });

  it('a helper that is not installed, or a config that is not JSON: one line saying what to fix', async () => {
    await assert.rejects(
      credentialFor('r.example', config({ credHelpers: { 'r.example': 'nonexistent-helper' } })),
      (e: unknown) => e instanceof CredentialError && /cannot run docker-credential-nonexistent-helper/.test(e.message),
    );
    await assert.rejects(
      credentialFor('r.example', config('{ not json')),
      (e: unknown) =>
        e instanceof CredentialError && /config\.json is not valid JSON: fix or remove it/.test(e.message),
    );
    await assert.rejects(
      credentialFor('r.example', config({ credHelpers: { 'r.example': '../../bin/sh' } })),
      /bad credential helper name/,
    );
  });
});
