// The missing-dockerignore fix against Docker itself: a context whose file names are .dockerignore syntax, `dfsize fix
// --write` (the bundled CLI), then a build of `COPY . /ctx/` by the docker CLI users run (20.10, which applies the
// .dockerignore on the client side, with the legacy builder and with BuildKit): the files that arrive in the image are
// exactly those the fix did not mean to leave out. The project's own build context (context/contextTar.ts) agrees.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { contextTar } from '../../server/src/context/contextTar';
import { dockerFor, removeImages } from '../support/builds';
import { dfsize, NO_ENGINE } from '../support/cli';
import { needEngine, REQUIRE_ENGINE } from '../support/engine';
import { expectedAfterFix, hostileContext } from '../support/hostileContext';

/** The docker CLI of the engine's own version (the one on PATH may be newer). */
const DOCKER_CLI = '/usr/bin/docker';
const PROBE = 'FROM scratch\nCOPY . /ctx/\n';

/** The names of the regular files in a tar stream, `strip` removed from their front. */
async function tarFiles(stream: NodeJS.ReadableStream, strip = ''): Promise<string[]> {
  const names: string[] = [];
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    if (h.type === 'file' && h.name.startsWith(strip)) names.push(h.name.slice(strip.length));
    body.on('end', () => next());
    body.resume();
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.on('error', reject);
    stream.pipe(ex);
  });
  return names.sort();
}

/** The files under /ctx of an image, read from a container made of it (never started: the image has no shell). */
async function filesInImage(tag: string): Promise<string[]> {
  const docker = dockerFor('legacy');
  const c = await docker.createContainer({ Image: tag, Cmd: ['none'] });
  try {
    return await tarFiles(await c.getArchive({ path: '/ctx' }), 'ctx/');
  } finally {
    await c.remove({ force: true });
  }
}

describe('engine: the missing-dockerignore fix, as Docker sends the context', function () {
  this.timeout(300000);
  const tags: string[] = [];
  let dir = '';

  before(async function () {
    await needEngine(this, 'docker');
    if (!existsSync(DOCKER_CLI)) {
      if (REQUIRE_ENGINE) throw new Error(`DFSIZE_REQUIRE_ENGINE=1 but there is no docker CLI at ${DOCKER_CLI}`);
      console.log(`      SKIPPED: no docker CLI at ${DOCKER_CLI}`);
      this.skip();
    }
    dir = hostileContext();
    writeFileSync(join(dir, 'probe.Dockerfile'), PROBE);
    const r = dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dfsize: fixed 1: missing-dockerignore \(line 2\)$/m);
  });

  after(() => removeImages(tags));

  for (const [builder, buildkit] of [
    ['legacy', '0'],
    ['buildkit', '1'],
  ] as const) {
    it(`${builder}: the image holds exactly the files the fix did not leave out`, async () => {
      const tag = `dfsize-test/fixsafe-dockerignore:${builder}`;
      tags.push(tag);
      // No shell: the context's hostile names never pass through one.
      const b = spawnSync(DOCKER_CLI, ['build', '-q', '-f', join(dir, 'probe.Dockerfile'), '-t', tag, dir], {
        encoding: 'utf8',
        timeout: 240000,
        env: { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_BUILDKIT: buildkit },
      });
      assert.equal(b.status, 0, b.stderr);
      assert.deepEqual(await filesInImage(tag), expectedAfterFix(dir));
    });
  }

  it("the project's own build context sends the same files", async () => {
    const ctx = await contextTar(dir, join(dir, 'probe.Dockerfile'));
    const [files] = await Promise.all([tarFiles(ctx.stream), ctx.done]);
    assert.deepEqual(files, expectedAfterFix(dir));
  });

  it('a second fix --write changes nothing', () => {
    const before = readFileSync(join(dir, '.dockerignore'), 'utf8');
    const r = dfsize(['fix', join(dir, 'Dockerfile'), '--write'], NO_ENGINE);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dfsize: nothing to fix$/m);
    assert.equal(readFileSync(join(dir, '.dockerignore'), 'utf8'), before);
  });
});
