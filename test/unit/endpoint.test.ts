// Which engine: the setting, DOCKER_HOST, DOCKER_CONTEXT, the current docker context, the local socket, Podman's.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEndpoint, resolveEndpointWithSource } from '../../server/src/engine/endpoint';
import { EngineError } from '../../server/src/engine/source';

/** A docker config folder with contexts, as `docker context create` writes it. */
function dockerConfig(current: string | null, contexts: Record<string, { host: string; tls?: boolean }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-docker-config-'));
  if (current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: current }));
  for (const [name, c] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(join(dir, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      join(dir, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: false } } }),
    );
    if (c.tls) {
      const tls = join(dir, 'contexts', 'tls', id, 'docker');
      mkdirSync(tls, { recursive: true });
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(tls, f), `${name} ${f}`);
    }
  }
  return dir;
}

const none = dockerConfig(null, {});
const exists = (paths: string[]) => (p: string) => paths.includes(p);

describe('engine endpoint', () => {
  it('defaults to the local socket (npipe on Windows)', () => {
    assert.deepEqual(
      resolveEndpoint({ env: {}, platform: 'linux', dockerConfigDir: none, exists: exists(['/var/run/docker.sock']) }),
      { kind: 'socket', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' },
    );
    assert.equal(
      resolveEndpoint({ env: {}, platform: 'win32', dockerConfigDir: none }).url,
      'npipe:////./pipe/docker_engine',
    );
  });

  it("Podman's socket when there is no Docker socket", () => {
    const r = resolveEndpointWithSource({
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      platform: 'linux',
      dockerConfigDir: none,
      exists: exists(['/run/user/1000/podman/podman.sock']),
    });
    assert.equal(r.endpoint.url, 'unix:///run/user/1000/podman/podman.sock');
    assert.match(r.source, /Podman/);
  });

  it('the setting wins over DOCKER_HOST, which wins over contexts', () => {
    const cfg = dockerConfig('remote', { remote: { host: 'tcp://10.9.9.9:2375' } });
    const e = resolveEndpoint({
      setting: 'unix:///run/podman/podman.sock',
      env: { DOCKER_HOST: 'tcp://10.0.0.1:2375' },
      dockerConfigDir: cfg,
    });
    assert.deepEqual(e, {
      kind: 'socket',
      url: 'unix:///run/podman/podman.sock',
      socketPath: '/run/podman/podman.sock',
    });
    assert.equal(
      resolveEndpoint({ env: { DOCKER_HOST: 'tcp://10.0.0.1:2375' }, dockerConfigDir: cfg }).url,
      'tcp://10.0.0.1:2375',
    );
  });

  it("the current docker context, and DOCKER_CONTEXT over it, with the context's TLS material", () => {
    const cfg = dockerConfig('remote', {
      remote: { host: 'tcp://10.9.9.9:2376', tls: true },
      other: { host: 'ssh://deploy@build-box' },
    });
    const current = resolveEndpointWithSource({ env: {}, dockerConfigDir: cfg });
    assert.equal(current.source, 'docker context remote');
    assert.equal(current.endpoint.kind === 'tcp' && current.endpoint.tls?.cert?.toString(), 'remote cert.pem');
    const chosen = resolveEndpointWithSource({ env: { DOCKER_CONTEXT: 'other' }, dockerConfigDir: cfg });
    assert.deepEqual(chosen.endpoint, {
      kind: 'ssh',
      url: 'ssh://deploy@build-box',
      host: 'build-box',
      port: 22,
      username: 'deploy',
    });
    assert.match(chosen.source, /DOCKER_CONTEXT/);
    assert.equal(
      resolveEndpoint({
        env: { DOCKER_CONTEXT: 'default' },
        dockerConfigDir: cfg,
        exists: exists(['/var/run/docker.sock']),
      }).url,
      'unix:///var/run/docker.sock',
    );
  });

  it('tcp:// with the default ports, and TLS from DOCKER_TLS_VERIFY + DOCKER_CERT_PATH', () => {
    assert.deepEqual(resolveEndpoint({ env: { DOCKER_HOST: 'tcp://build-host' } }), {
      kind: 'tcp',
      url: 'tcp://build-host',
      host: 'build-host',
      port: 2375,
      tls: null,
    });
    const dir = mkdtempSync(join(tmpdir(), 'dfsize-certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `${f} contents`);
    const e = resolveEndpoint({
      env: { DOCKER_HOST: 'tcp://10.1.2.3', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
    });
    assert.equal(e.kind === 'tcp' && e.port, 2376);
    assert.equal(e.kind === 'tcp' && e.tls?.cert?.toString(), 'cert.pem contents');
  });

  it('ssh:// with user and port', () => {
    assert.deepEqual(resolveEndpoint({ env: { DOCKER_HOST: 'ssh://me@host.example:2222' } }), {
      kind: 'ssh',
      url: 'ssh://me@host.example:2222',
      host: 'host.example',
      port: 2222,
      username: 'me',
    });
  });

  it('bad addresses and unknown contexts say what is wrong', () => {
    const bad = (env: Record<string, string>, re: RegExp) =>
      assert.throws(
        () => resolveEndpoint({ env, dockerConfigDir: none }),
        (e: unknown) => e instanceof EngineError && e.kind === 'bad-endpoint' && re.test(e.message),
      );
    bad({ DOCKER_HOST: 'localhost:2375' }, /not understood/);
    bad({ DOCKER_HOST: 'unix://' }, /names no socket/);
    bad({ DOCKER_HOST: 'fd://' }, /not supported/);
    bad(
      { DOCKER_HOST: 'tcp://h:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' },
      /no cert\.pem and key\.pem/,
    );
    bad({ DOCKER_CONTEXT: 'nope' }, /docker context "nope" is not defined/);
  });

  it('a config.json or a TLS file that is there but cannot be read says so, instead of falling back unseen', () => {
    // Docker's own config, cut short by an editor: which context it names is not known, so the default is no answer.
    const broken = dockerConfig(null, {});
    writeFileSync(join(broken, 'config.json'), '{"currentContext": "remote-bu');
    assert.throws(
      () => resolveEndpoint({ env: {}, platform: 'linux', dockerConfigDir: broken }),
      (e: unknown) =>
        e instanceof EngineError &&
        e.kind === 'bad-endpoint' &&
        /config\.json is not JSON.*DOCKER_HOST/.test(e.message),
    );
    // A ca.pem that is a folder: the connection would go on without the CA the user set up.
    const certs = mkdtempSync(join(tmpdir(), 'dfsize-certs-'));
    for (const f of ['cert.pem', 'key.pem']) writeFileSync(join(certs, f), `${f} contents`);
    mkdirSync(join(certs, 'ca.pem'));
    assert.throws(
      () => resolveEndpoint({ env: { DOCKER_HOST: 'tcp://h:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } }),
      (e: unknown) => e instanceof EngineError && e.kind === 'bad-endpoint' && /ca\.pem cannot be read/.test(e.message),
    );
    // Absent is not broken: no config.json is docker's default, and ca.pem is optional.
    rmSync(join(certs, 'ca.pem'), { recursive: true });
    const e = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://h:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    assert.equal(e.kind === 'tcp' && e.tls?.ca, undefined);
  });
});
