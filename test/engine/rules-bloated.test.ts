// The promise of the rules, end to end on the real engine: a bloated Dockerfile (update alone, install with
// recommends and no cleanup, the cleanup in a later layer, consecutive RUNs, `COPY . .` before the dependencies)
// → `dfsize fix --write` (the bundled CLI, against the image it built) → rebuild: at least half of the bytes above
// the base are gone, and the image still runs its command.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, engineOf, hostEnv, imageSize, removeImages, runImage, type Builder } from '../support/builds';
import { dfsize } from '../support/cli';
import { DEBIAN, ensureDebian } from '../support/debianBase';
import { needEngine } from '../support/engine';
import { copyToEngine } from '../support/baseImage';
import { tempTree } from '../support/tempDirs';

const BLOATED = [
  `FROM ${DEBIAN}`,
  'RUN apt-get update',
  'RUN apt-get install -y python3-pip python3-venv',
  'RUN rm -rf /var/lib/apt/lists/*',
  'WORKDIR /app',
  'COPY . .',
  'RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt',
  'CMD ["/opt/venv/bin/python", "app.py"]',
  '',
].join('\n');

describe('engine: dfsize fix --write on a bloated Dockerfile', function () {
  this.timeout(900000);
  const tags: string[] = [];

  before(async function () {
    await needEngine(this, 'docker');
    await ensureDebian();
  });

  after(async () => {
    await removeImages(tags);
    await removeImages(modernTags, 'modern-buildkit');
  });
  const modernTags: string[] = [];

  for (const builder of ['legacy', 'buildkit', 'modern-buildkit'] as Builder[]) {
    it(`${builder}: at least half of the bytes above the base are gone, and the app still runs`, async function () {
      if (engineOf(builder) === 'modern') await needEngine(this, 'modern');
      await copyToEngine(DEBIAN, builder);
      const dir = tempTree({
        Dockerfile: BLOATED,
        'requirements.txt': '# no third-party packages yet\n',
        'app.py': 'print("hello from the app")\n',
      });
      const before = `dfsize-test/rules-bloated:${builder}`;
      const after = `dfsize-test/rules-bloated-fixed:${builder}`;
      (engineOf(builder) === 'modern' ? modernTags : tags).push(before, after);
      await build(builder, dir, before);

      const r = dfsize(['fix', join(dir, 'Dockerfile'), '--image', before, '--write'], hostEnv(builder));
      assert.equal(r.code, 0, r.stderr);
      const fixed = readFileSync(join(dir, 'Dockerfile'), 'utf8');
      for (const code of [
        'apt-update-alone',
        'apt-lists-not-removed',
        'apt-install-recommends',
        'copy-all-before-deps',
        'pip-cache',
      ])
        assert.match(r.stdout, new RegExp(code));
      assert.equal(
        fixed,
        [
          `FROM ${DEBIAN}`,
          // Measured (fix analyses the image by itself): the downloaded .debs stay too, so the cleanup cleans them.
          'RUN apt-get update && apt-get install -y --no-install-recommends python3-pip python3-venv && apt-get clean && rm -rf /var/lib/apt/lists/*',
          'WORKDIR /app',
          'COPY requirements.txt ./',
          'RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt',
          'COPY . .',
          'CMD ["/opt/venv/bin/python", "app.py"]',
          '',
        ].join('\n'),
      );

      await build(builder, dir, after);
      const [base, a, b] = [
        await imageSize(DEBIAN, builder),
        await imageSize(before, builder),
        await imageSize(after, builder),
      ];
      console.log(
        `      ${builder}: base ${base} B; before ${a} B (+${a - base}); after ${b} B (+${b - base}); ${Math.round((1 - (b - base) / (a - base)) * 100)}% of the added bytes gone`,
      );
      assert.ok(b - base <= (a - base) / 2, `after: ${b - base} B above the base, before: ${a - base} B`);
      assert.equal(await runImage(after, [], builder), 'hello from the app\n');
      // Nothing left to fix, statically: a second run changes nothing.
      const again = dfsize(['fix', join(dir, 'Dockerfile'), '--image', after], hostEnv(builder));
      assert.equal(again.stdout, '');
    });
  }
});
