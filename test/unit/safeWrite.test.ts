// The one writer of users' files: temp file + rename in the same folder, never through a link.
import { strict as assert } from 'node:assert';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { UnsafeWriteError, writeFileSafely } from '../../server/src/files/safeWrite';
import { tempTree } from '../support/tempDirs';

describe('writeFileSafely', () => {
  it('replaces a file whole, keeps its permission bits, and leaves no temporary file', async () => {
    const dir = tempTree({ 'run.sh': 'old\n' });
    chmodSync(join(dir, 'run.sh'), 0o751);
    await writeFileSafely(join(dir, 'run.sh'), 'new\n');
    assert.equal(readFileSync(join(dir, 'run.sh'), 'utf8'), 'new\n');
    assert.equal(statSync(join(dir, 'run.sh')).mode & 0o7777, 0o751);
    await writeFileSafely(join(dir, '.dockerignore'), '.git\n');
    assert.equal(readFileSync(join(dir, '.dockerignore'), 'utf8'), '.git\n');
    assert.deepEqual(readdirSync(dir).sort(), ['.dockerignore', 'run.sh']);
  });

  it('refuses a link, dangling or not, and writes nothing anywhere', async () => {
    const outside = tempTree({ '.bashrc': 'export PS1=x\n' });
    const dir = tempTree({});
    symlinkSync(join(outside, '.bashrc'), join(dir, '.dockerignore'));
    symlinkSync(join(outside, 'nothing-yet'), join(dir, 'Dockerfile'));
    for (const name of ['.dockerignore', 'Dockerfile']) {
      await assert.rejects(
        writeFileSafely(join(dir, name), 'touch PWNED\n'),
        (e: unknown) =>
          e instanceof UnsafeWriteError &&
          e.reason === 'symlink' &&
          /is a symbolic link: dfsize does not write through links/.test(e.message),
      );
      assert.ok(lstatSync(join(dir, name)).isSymbolicLink());
    }
    assert.equal(readlinkSync(join(dir, '.dockerignore')), join(outside, '.bashrc'));
    assert.equal(readFileSync(join(outside, '.bashrc'), 'utf8'), 'export PS1=x\n');
    assert.deepEqual(readdirSync(outside), ['.bashrc']);
    assert.deepEqual(readdirSync(dir).sort(), ['.dockerignore', 'Dockerfile']);
  });

  it('refuses what is not a regular file', async () => {
    const dir = tempTree({});
    mkdirSync(join(dir, '.dockerignore'));
    await assert.rejects(
      writeFileSafely(join(dir, '.dockerignore'), 'x'),
      (e: unknown) => e instanceof UnsafeWriteError && e.reason === 'not-a-file',
    );
    assert.deepEqual(readdirSync(dir), ['.dockerignore']);
    assert.deepEqual(readdirSync(join(dir, '.dockerignore')), []);
  });
});
