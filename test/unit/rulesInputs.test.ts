// The IO side of the rules: the build context on disk with Docker's .dockerignore semantics (bounded), and base
// image sizes from an engine (a stub ImageSource here; the registry path runs against a real one in test/engine).
import { strict as assert } from 'node:assert';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { readBuildContext } from '../../server/src/context/buildContext';
import { EngineError, type ImageDetails, type ImageSource } from '../../server/src/engine/source';
import { baseImageSizes } from '../../server/src/images/baseSizes';
import { tempTree } from '../support/tempDirs';

describe('rules inputs: build context', () => {
  it('lists every file with its size when there is no .dockerignore', async () => {
    const dir = tempTree({ 'a.txt': 'abc', 'src/b.js': 'x'.repeat(10), '.git/HEAD': 'ref' });
    const c = (await readBuildContext(dir))!;
    assert.equal(c.dockerignore, null);
    assert.equal(c.truncated, false);
    assert.deepEqual(c.files.map((f) => [f.path, f.bytes]).sort(), [
      ['.git/HEAD', 3],
      ['a.txt', 3],
      ['src/b.js', 10],
    ]);
  });

  it("applies Docker's matching: root-anchored names, **, and exceptions inside excluded folders", async () => {
    const dir = tempTree({
      '.dockerignore': '# comment\nnode_modules\n**/*.log\ndocs\n!docs/keep.md\n',
      'node_modules/x.js': '1',
      'pkg/node_modules/y.js': '2',
      'a.log': '3',
      'deep/b.log': '4',
      'docs/drop.md': '5',
      'docs/keep.md': '6',
      'ok.js': '7',
    });
    const c = (await readBuildContext(dir))!;
    assert.equal(c.dockerignore, '# comment\nnode_modules\n**/*.log\ndocs\n!docs/keep.md\n');
    // `node_modules` is anchored at the root in .dockerignore (unlike .gitignore): pkg/node_modules stays.
    assert.deepEqual(c.files.map((f) => f.path).sort(), [
      '.dockerignore',
      'docs/keep.md',
      'ok.js',
      'pkg/node_modules/y.js',
    ]);
  });

  it('stops at its bound and says so; does not follow symlinks', async () => {
    const files: Record<string, string> = {};
    for (let k = 0; k < 50; k++) files[`f${k}`] = 'x';
    const dir = tempTree(files);
    symlinkSync('/etc', join(dir, 'link'));
    const c = (await readBuildContext(dir, { maxFiles: 10 }))!;
    assert.equal(c.truncated, true);
    assert.equal(c.files.length, 10);
    const all = (await readBuildContext(dir))!;
    assert.ok(all.files.some((f) => f.path === 'link'));
    assert.ok(!all.files.some((f) => f.path.startsWith('link/')));
  });

  it('is null for a folder it cannot read', async () => {
    assert.equal(await readBuildContext('/nonexistent/dir'), null);
  });
});

function stubSource(sizes: Record<string, number>): ImageSource {
  const fail = () => Promise.reject(new Error('not used'));
  return {
    endpoint: 'stub',
    version: fail,
    list: fail,
    history: fail,
    export: fail,
    inspect: (ref: string) =>
      ref in sizes
        ? Promise.resolve({ sizeBytes: sizes[ref]! } as unknown as ImageDetails)
        : Promise.reject(new EngineError('not-found', `${ref}: no such image`)),
  };
}

describe('rules inputs: base image sizes', () => {
  const model = parseDockerfile('FROM node:20\nCMD ["node"]\n');

  it('takes both sizes from the engine when it has the base and a variant', async () => {
    const r = await baseImageSizes(model, {
      source: stubSource({ 'node:20': 1_100e6, 'node:20-slim': 210e6 }),
      registry: null,
    });
    assert.equal(r.from, 'engine');
    assert.deepEqual(
      [...r.sizes],
      [
        ['node:20', 1_100e6],
        ['node:20-slim', 210e6],
      ],
    );
  });

  it('takes nothing when the engine has only one side (never mixes sources)', async () => {
    const r = await baseImageSizes(model, { source: stubSource({ 'node:20': 1_100e6 }), registry: null });
    assert.equal(r.from, null);
    assert.equal(r.sizes.size, 0);
  });

  it('asks nothing for a base without a smaller variant', async () => {
    const r = await baseImageSizes(parseDockerfile('FROM alpine:3.20\n'), {
      source: stubSource({}),
      registry: { mirror: '127.0.0.1:1', env: {}, cache: null },
    });
    assert.equal(r.sizes.size, 0);
  });
});
