// `dfsize build` on the real engine: the build's timings on stdout (and kept for `dfsize report`), bad input in one
// line with exit 2, an engine that does not answer with exit 3.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox } from '../support/baseImage';
import { BUILDS_DIR } from '../support/builds';
import { dfsize, NO_ENGINE } from '../support/cli';
import { needEngine } from '../support/engine';

const ENGINE = { DOCKER_HOST: 'unix:///var/run/docker.sock' };
const DOCKERFILE = join(BUILDS_DIR, 'timed', 'Dockerfile');
const SLOW_LINE =
  readFileSync(DOCKERFILE, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('while')) + 1;

describe('engine: dfsize build', function () {
  this.timeout(240000);

  it('bad input: one line that says what to do, exit 2; no engine: exit 3', () => {
    const builder = dfsize(['build', DOCKERFILE, '--builder', 'kaniko'], NO_ENGINE);
    assert.deepEqual([builder.code, builder.stderr], [2, 'dfsize: --builder kaniko: say buildkit or legacy\n']);
    const tag = dfsize(['build', DOCKERFILE, '--tag', 'x; rm -rf /'], NO_ENGINE);
    assert.deepEqual(
      [tag.code, tag.stderr],
      [2, 'dfsize: --tag "x; rm -rf /" is not an image reference (name[:tag], name@sha256:…, or an image id)\n'],
    );
    const missing = dfsize(['build', join(BUILDS_DIR, 'timed', 'nothing.Dockerfile')], NO_ENGINE);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.split('\n').length, 2, missing.stderr);
    assert.equal(dfsize(['build', DOCKERFILE, '--builder', 'legacy'], NO_ENGINE).code, 3);
  });

  describe('on the engine', () => {
    before(async function () {
      await needEngine(this, 'docker');
      await ensureBusybox();
    });

    it('--json: each line it built with its time, the slow one the longest; report --json reads them back', () => {
      const cache = mkdtempSync(join(tmpdir(), 'dfsize-cli-build-'));
      // A copy with a NONCE of its own: the RUNs after it run, whatever an earlier run left in the cache.
      const dir = mkdtempSync(join(tmpdir(), 'dfsize-cli-build-ctx-'));
      cpSync(join(BUILDS_DIR, 'timed'), dir, { recursive: true });
      const file = join(dir, 'Dockerfile');
      writeFileSync(file, readFileSync(DOCKERFILE, 'utf8').replace('ARG NONCE=0', `ARG NONCE=${dir.slice(-6)}`));
      const tag = 'dfsize-test/timing-cli-build:latest';
      const r = dfsize(['build', file, '--tag', tag, '--builder', 'buildkit', '--json'], {
        ...ENGINE,
        DFSIZE_CACHE_DIR: cache,
      });
      assert.equal(r.code, 0, r.stderr);
      const built = JSON.parse(r.stdout) as {
        imageId: string;
        builder: string;
        instructions: Array<{ line: number; buildMs: number; cached: boolean }>;
      };
      assert.equal(built.builder, 'buildkit');
      const slow = built.instructions.find((i) => i.line === SLOW_LINE);
      assert.ok(slow, r.stdout);
      // Built now or earlier (the cache): either it ran and took time, or it says it came from the cache.
      assert.ok(slow.cached || slow.buildMs > 0, r.stdout);
      if (!slow.cached)
        assert.ok(
          built.instructions.every((i) => i.buildMs <= slow.buildMs),
          r.stdout,
        );
      const report = dfsize(['report', DOCKERFILE, '--image', built.imageId, '--json', '--no-analyze'], {
        ...ENGINE,
        DFSIZE_CACHE_DIR: cache,
      });
      assert.equal(report.code, 0, report.stderr);
      const line = (
        JSON.parse(report.stdout) as { instructions: Array<{ line: number; buildMs: number | null }> }
      ).instructions.find((i) => i.line === SLOW_LINE);
      assert.equal(line?.buildMs, slow.buildMs);
    });
  });
});
