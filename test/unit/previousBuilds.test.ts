// The previous build's sizes, kept on disk: one failed write must not fail the writes after it.
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PreviousBuilds } from '../../server/src/state/previousBuilds';
import { tempTree } from '../support/tempDirs';

const build = (imageId: string) => ({ imageId, ref: 'app:latest', sizeBytes: 1000, lines: new Map([[2, 500]]) });

describe('previous builds', () => {
  it('a write that failed (its folder blocked by a file) does not fail the next one once the cause is gone', async () => {
    const root = tempTree({ store: 'a file where the folder should be' });
    const warnings: string[] = [];
    const builds = PreviousBuilds.inFolder(join(root, 'store'), (m) => warnings.push(m));
    await assert.rejects(
      builds.record('/w/Dockerfile', build('sha256:aaa')),
      (e: NodeJS.ErrnoException) => e.code === 'EEXIST' || e.code === 'ENOTDIR',
    );
    rmSync(join(root, 'store'));
    await builds.record('/w/other.Dockerfile', build('sha256:bbb'));
    const stored = JSON.parse(readFileSync(join(root, 'store', 'previous-builds.json'), 'utf8')) as Record<
      string,
      { imageId: string }
    >;
    assert.deepEqual(
      Object.entries(stored)
        .map(([k, v]) => [k, v.imageId])
        .sort(),
      [
        ['/w/Dockerfile', 'sha256:aaa'],
        ['/w/other.Dockerfile', 'sha256:bbb'],
      ],
    );
    // Reading found a file where the folder should be: said once, at the first use.
    assert.deepEqual(
      warnings.map((w) => /unreadable, starting afresh: ENOTDIR/.test(w)),
      [true],
    );
    // A fresh session reads back what was written.
    assert.equal(
      (await PreviousBuilds.inFolder(join(root, 'store'), (m) => warnings.push(m)).get('/w/Dockerfile'))?.lines.get(2),
      500,
    );
  });

  it('two writers of one file (two editors, the CLI) keep each other’s records', async () => {
    const root = tempTree({});
    const warnings: string[] = [];
    const one = PreviousBuilds.inFolder(root, (m) => warnings.push(m));
    const two = PreviousBuilds.inFolder(root, (m) => warnings.push(m));
    assert.equal(await two.get('/w/a.Dockerfile'), undefined); // `two` has read the file before `one` writes
    await one.record('/w/a.Dockerfile', build('sha256:aaa'));
    await two.record('/w/b.Dockerfile', build('sha256:bbb'));
    const fresh = PreviousBuilds.inFolder(root, (m) => warnings.push(m));
    assert.equal((await fresh.get('/w/a.Dockerfile'))?.imageId, 'sha256:aaa');
    assert.equal((await fresh.get('/w/b.Dockerfile'))?.imageId, 'sha256:bbb');
    assert.deepEqual(warnings, []);
  });

  it('a stored file that is not JSON is said so, and the next record replaces it', async () => {
    const root = tempTree({ 'previous-builds.json': '{not json' });
    const warnings: string[] = [];
    const builds = PreviousBuilds.inFolder(root, (m) => warnings.push(m));
    assert.equal(await builds.get('/w/Dockerfile'), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /previous-builds\.json unreadable, starting afresh: /);
    await builds.record('/w/Dockerfile', build('sha256:ccc'));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(root, 'previous-builds.json'), 'utf8'))), [
      '/w/Dockerfile',
    ]);
  });
});
