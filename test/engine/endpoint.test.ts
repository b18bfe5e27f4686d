// The engine reached other ways than the default socket: DOCKER_HOST over tcp, and an engine that accepts the
// connection but never answers (the deadline turns it into exit 3 instead of a hang).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ensureBusybox, BUSYBOX } from '../support/baseImage';
import { BUILDS_DIR } from '../support/builds';
import { dfsizeAsync } from '../support/cli';
import { needEngine, REQUIRE_ENGINE } from '../support/engine';
import { EngineProxy } from '../support/proxy';
import { existsSync } from 'node:fs';
import { SSHD, startSsh } from '../support/sshd';

describe('engine: endpoints', function () {
  this.timeout(60000);
  const dockerfile = join(BUILDS_DIR, 'forms', 'Dockerfile');
  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
  });

  it('DOCKER_HOST=tcp://… reaches the engine', async () => {
    const proxy = await EngineProxy.start('tcp');
    try {
      const r = await dfsizeAsync(['report', dockerfile, '--image', BUSYBOX, '--json'], { DOCKER_HOST: proxy.url });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).image.ref, BUSYBOX);
    } finally {
      await proxy.close();
    }
  });

  it('DOCKER_HOST=ssh://… reaches the engine through ssh (docker system dial-stdio on the other side)', async function () {
    if (!existsSync(SSHD)) {
      if (REQUIRE_ENGINE) throw new Error(`${SSHD} is missing (apt-get install openssh-server)`);
      console.log(`      SKIPPED: no ${SSHD} here (apt-get install openssh-server)`);
      this.skip();
    }
    const ssh = await startSsh(22000 + (process.pid % 1000));
    try {
      const r = await dfsizeAsync(['report', dockerfile, '--image', BUSYBOX, '--json'], {
        DOCKER_HOST: ssh.url,
        ...ssh.env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).image.ref, BUSYBOX);
    } finally {
      ssh.stop();
    }
  });

  it('an engine that never answers: exit 3 after the deadline, with what to do', async () => {
    const proxy = await EngineProxy.start('unix');
    proxy.mode = 'hang';
    try {
      const r = await dfsizeAsync(['report', dockerfile, '--image', BUSYBOX], {
        DOCKER_HOST: proxy.url,
        DFSIZE_ENGINE_TIMEOUT_MS: '700',
      });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /did not answer within 700 ms/);
    } finally {
      await proxy.close();
    }
  });
});
