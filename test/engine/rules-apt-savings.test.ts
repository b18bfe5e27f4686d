// What the findings claim is what the fixes remove, on a real image of a base without Docker's docker-clean apt
// hook (local/debian:bookworm-slim keeps apt's .bin caches and every downloaded .deb): `dfsize analyze` →
// `dfsize report` (the savings claimed) → `dfsize fix --write` (which reads the cached analysis: apt-get clean) →
// rebuild → the bytes really gone. The claims add up to no more than that, and nothing of /var/cache/apt is left.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, imageSize, removeImages, runImage, type Builder } from '../support/builds';
import { dfsize } from '../support/cli';
import { DEBIAN, ensureDebian } from '../support/debianBase';
import { needEngine } from '../support/engine';
import { tempTree } from '../support/tempDirs';

interface Finding {
  code: string;
  line: number;
  message: string;
  savingsBytes: number | null;
  fixable: boolean;
}

describe('engine: savings claimed on an apt Dockerfile are the bytes its fixes remove', function () {
  this.timeout(900000);
  const tags: string[] = [];

  before(async function () {
    await needEngine(this, 'docker');
    await ensureDebian();
  });

  after(() => removeImages(tags));

  for (const builder of ['legacy', 'buildkit'] as Builder[]) {
    it(`${builder}: update alone, then install: claims ≤ bytes saved, and apt-get clean leaves /var/cache/apt empty`, async () => {
      const text = [
        `FROM ${DEBIAN}`,
        'RUN apt-get update',
        'RUN apt-get install -y curl',
        'CMD ["curl", "--version"]',
        '',
      ].join('\n');
      const dir = tempTree({ Dockerfile: text });
      const file = join(dir, 'Dockerfile');
      const env = { DOCKER_HOST: 'unix:///var/run/docker.sock', DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir())) };
      const before = `dfsize-test/rules-apt-savings:${builder}`;
      const after = `dfsize-test/rules-apt-savings-fixed:${builder}`;
      tags.push(before, after);
      await build(builder, dir, before);
      assert.equal(dfsize(['analyze', '--image', before], env).code, 0);

      const r = dfsize(['report', file, '--image', before, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
      assert.deepEqual(
        findings.map((f) => `${f.code}@${f.line}`),
        ['apt-update-alone@2', 'apt-lists-not-removed@3', 'apt-install-recommends@3'],
      );
      const lists = findings.find((f) => f.code === 'apt-lists-not-removed')!;
      // The lists are in the update's layer, not the install's.
      assert.match(
        lists.message,
        /\/var\/lib\/apt\/lists adds \d+(\.\d+)? MB to the layer of line 2\. \/var\/cache\/apt adds \d+(\.\d+)? MB to the layer of line 2 and \d+(\.\d+)? MB to this layer\./,
      );
      const claimed = findings.reduce((s, f) => s + (f.savingsBytes ?? 0), 0);

      const fix = dfsize(['fix', file, '--image', before, '--write'], env);
      assert.equal(fix.code, 0, fix.stderr);
      assert.equal(
        readFileSync(file, 'utf8'),
        [
          `FROM ${DEBIAN}`,
          'RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean && rm -rf /var/lib/apt/lists/*',
          'CMD ["curl", "--version"]',
          '',
        ].join('\n'),
      );
      await build(builder, dir, after);
      const saved = (await imageSize(before)) - (await imageSize(after));
      console.log(
        `      ${builder}: claimed ${claimed} B (${findings.map((f) => `${f.code} ${f.savingsBytes}`).join(', ')}); saved ${saved} B`,
      );
      // Every claimed byte is gone; what is saved beyond is the recommends, which claim nothing measured.
      assert.ok(claimed <= saved, `claimed ${claimed} B, saved ${saved} B`);
      assert.ok(claimed >= saved * 0.9, `claimed ${claimed} B, saved ${saved} B`);
      assert.match(
        await runImage(after, ['sh', '-c', 'du -sb /var/cache/apt; curl --version']),
        /^\d{1,5}\t\/var\/cache\/apt\ncurl \d/,
      );

      // The rebuilt image, analysed: nothing left to claim.
      assert.equal(dfsize(['analyze', '--image', after], env).code, 0);
      const again = JSON.parse(dfsize(['report', file, '--image', after, '--json'], env).stdout) as {
        findings: Finding[];
      };
      assert.deepEqual(again.findings, []);
    });
  }

  it('legacy: the lists removed but the caches kept (the old fix): measured, the rule appends apt-get clean', async () => {
    const text = [
      `FROM ${DEBIAN}`,
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n');
    const dir = tempTree({ Dockerfile: text });
    const file = join(dir, 'Dockerfile');
    const env = { DOCKER_HOST: 'unix:///var/run/docker.sock', DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir())) };
    const before = 'dfsize-test/rules-apt-clean:legacy';
    const after = 'dfsize-test/rules-apt-clean-fixed:legacy';
    tags.push(before, after);
    await build('legacy', dir, before);
    // Statically nothing: official images clean /var/cache/apt through their docker-clean hook.
    assert.deepEqual(
      JSON.parse(dfsize(['report', file, '--image', before, '--json', '--no-analyze'], env).stdout).findings,
      [],
    );
    assert.equal(dfsize(['analyze', '--image', before], env).code, 0);
    const findings = (
      JSON.parse(dfsize(['report', file, '--image', before, '--json'], env).stdout) as { findings: Finding[] }
    ).findings;
    assert.deepEqual(
      findings.map((f) => [f.code, f.line, f.fixable]),
      [['apt-lists-not-removed', 2, true]],
    );
    assert.match(
      findings[0]!.message,
      /^apt-get install leaves downloaded packages and package caches in \/var\/cache\/apt .* \/var\/cache\/apt adds \d+(\.\d+)? MB to this layer\.$/,
    );
    assert.equal(dfsize(['fix', file, '--image', before, '--write'], env).code, 0);
    assert.equal(readFileSync(file, 'utf8'), text.replace('lists/*\n', 'lists/* && apt-get clean\n'));
    await build('legacy', dir, after);
    const saved = (await imageSize(before)) - (await imageSize(after));
    assert.ok(saved >= findings[0]!.savingsBytes!, `claimed ${findings[0]!.savingsBytes} B, saved ${saved} B`);
    assert.match(await runImage(after, ['sh', '-c', 'du -sb /var/cache/apt']), /^\d{1,5}\t\/var\/cache\/apt\n$/);
  });
});
