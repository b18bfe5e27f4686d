// cache-in-layer on a real image: a RUN that leaves a download under ~/.cache and an archive in /tmp. `dfsize report`
// names both with the bytes the Dockerfile wrote; `dfsize fix --write` applies the preferred fix (/tmp's) only; the
// rebuilt image is smaller by at least what that finding claimed, still runs, and only the ~/.cache finding is left.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, ensureBusybox } from '../support/baseImage';
import { build, imageSize, removeImages, runImage } from '../support/builds';
import { dfsize } from '../support/cli';
import { needEngine } from '../support/engine';
import { tempTree } from '../support/tempDirs';

const CACHED = 3_000_000;
const SCRATCH = 2_000_000;
const RUN = `RUN mkdir -p /root/.cache/dl /app && head -c ${String(CACHED)} /dev/urandom > /root/.cache/dl/index.bin && head -c ${String(SCRATCH)} /dev/urandom > /tmp/pkg.tar && echo ready > /app/state`;

interface Finding {
  code: string;
  line: number;
  savingsBytes: number | null;
  message: string;
}

describe('engine: cache-in-layer measures what a RUN leaves in cache folders, and its fix removes it', function () {
  this.timeout(600000);
  const tags = ['dfsize-test/rules-cache:before', 'dfsize-test/rules-cache:after'] as const;

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
  });

  after(() => removeImages(tags));

  it('reports both folders with their bytes; fix --write cleans /tmp; the image shrinks by the claim', async () => {
    const dir = tempTree({ Dockerfile: [`FROM ${BUSYBOX}`, RUN, 'CMD ["cat", "/app/state"]', ''].join('\n') });
    const file = join(dir, 'Dockerfile');
    const env = {
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-')),
    };
    const [before, after] = tags;
    await build('buildkit', dir, before);
    const report = (image: string): Finding[] => {
      const r = dfsize(['report', file, '--image', image, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { findings: Finding[] }).findings.filter((f) => f.code === 'cache-in-layer');
    };
    assert.equal(dfsize(['analyze', '--image', before], env).code, 0);
    const found = report(before);
    assert.deepEqual(
      found.map((f) => [f.line, f.savingsBytes, /under (\S+)/.exec(f.message)?.[1]]),
      [
        [2, CACHED, '/root/.cache'],
        [2, SCRATCH, '/tmp'],
      ],
    );

    const fix = dfsize(['fix', file, '--image', before, '--write'], env);
    assert.equal(fix.code, 0, fix.stderr);
    assert.equal(readFileSync(file, 'utf8').split('\n')[1], `${RUN} && rm -rf /tmp/*`);
    await build('buildkit', dir, after);
    const saved = (await imageSize(before)) - (await imageSize(after));
    console.log(`      claimed ${String(SCRATCH)} B for /tmp; the rebuilt image is ${String(saved)} B smaller`);
    assert.ok(saved >= SCRATCH, `saved ${String(saved)} B, claimed ${String(SCRATCH)} B`);
    assert.equal(await runImage(after), 'ready\n');
    assert.equal(dfsize(['analyze', '--image', after], env).code, 0);
    assert.deepEqual(
      report(after).map((f) => [f.line, f.savingsBytes]),
      [[2, CACHED]],
    );
  });
});
