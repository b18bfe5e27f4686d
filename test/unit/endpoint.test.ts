// Which engine: the setting, else DOCKER_HOST, else the local socket; the forms the docker CLI accepts.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEndpoint } from '../../server/src/engine/endpoint';
import { EngineError } from '../../server/src/engine/source';

describe('engine endpoint', () => {
  it('defaults to the local socket (npipe on Windows)', () => {
    assert.deepEqual(resolveEndpoint({ env: {}, platform: 'linux' }), { kind: 'socket', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' });
    assert.equal(resolveEndpoint({ env: {}, platform: 'win32' }).url, 'npipe:////./pipe/docker_engine');
  });

  it('the setting wins over DOCKER_HOST', () => {
    const e = resolveEndpoint({ setting: 'unix:///run/podman/podman.sock', env: { DOCKER_HOST: 'tcp://10.0.0.1:2375' } });
    assert.deepEqual(e, { kind: 'socket', url: 'unix:///run/podman/podman.sock', socketPath: '/run/podman/podman.sock' });
  });

  it('tcp:// with the default ports, and TLS from DOCKER_TLS_VERIFY + DOCKER_CERT_PATH', () => {
    assert.deepEqual(resolveEndpoint({ env: { DOCKER_HOST: 'tcp://build-host' } }), { kind: 'tcp', url: 'tcp://build-host', host: 'build-host', port: 2375, tls: null });
    const dir = mkdtempSync(join(tmpdir(), 'dfsize-certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `${f} contents`);
    const e = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://10.1.2.3', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
    assert.equal(e.kind === 'tcp' && e.port, 2376);
    assert.equal(e.kind === 'tcp' && e.tls?.cert?.toString(), 'cert.pem contents');
  });

  it('bad addresses say what is wrong', () => {
    const bad = (host: string, re: RegExp) => assert.throws(() => resolveEndpoint({ env: { DOCKER_HOST: host } }), (e: unknown) => e instanceof EngineError && e.kind === 'bad-endpoint' && re.test(e.message));
    bad('localhost:2375', /not understood/);
    bad('unix://', /names no socket/);
    bad('fd://', /not supported/);
    assert.throws(() => resolveEndpoint({ env: { DOCKER_HOST: 'tcp://h:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' } }), /no cert\.pem and key\.pem/);
  });
});
