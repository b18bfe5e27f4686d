// missing-dockerignore: what the context sends that the Dockerfile provably does not read, and the .dockerignore edit.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBuildContext } from '../../../server/src/context/buildContext';
import { readDockerignore } from '../../../server/src/context/walk';
import type { DockerfileModel } from '../../../server/src/core/dockerfile';
import { applyEdits, fixAll, staticContext } from '../../../server/src/core/rules/index';
import { dockerignoreLine } from '../../../server/src/core/rules/missingDockerignore';
import { expectedAfterFix, HOSTILE_DOCKERFILE, hostileContext, LINE_BREAK } from '../../support/hostileContext';
import { df, found, only } from '../../support/rules';
import { tempTree } from '../../support/tempDirs';

const CODE = 'missing-dockerignore';
const files = (spec: Record<string, number>) => Object.entries(spec).map(([path, bytes]) => ({ path, bytes }));
const CTX = files({
  'package.json': 500,
  'package-lock.json': 90_000,
  'server.js': 2_000,
  '.git/objects/pack/p.pack': 120_000_000,
  '.git/HEAD': 20,
  'node_modules/x/index.js': 40_000_000,
  'data/dump.sql': 30_000_000,
});
const NODE = df(
  'FROM node:20-slim',
  'WORKDIR /app',
  'COPY package*.json ./',
  'RUN npm ci --omit=dev && npm cache clean --force',
  'COPY . .',
  'CMD ["node", "server.js"]',
);

describe(`rule ${CODE}`, () => {
  it('says nothing without a build context, or when no COPY reads the context', () => {
    assert.deepEqual(found(NODE, {}, CODE), []);
    assert.deepEqual(found(df('FROM a', 'RUN echo'), { buildContext: { files: CTX, dockerignore: null } }, CODE), []);
  });

  it('lists what would land in the image, measured, on the COPY that takes it', () => {
    const f = only(NODE, CODE, { buildContext: { files: CTX, dockerignore: null } })[0]!;
    assert.equal(f.range.start.line + 1, 5);
    assert.equal(f.severity, 'warning');
    assert.equal(f.savingsBytes, 160_000_020);
    // data/dump.sql is large, but COPY . . reads it: nothing says the app does not need it.
    assert.match(
      f.message,
      /^No \.dockerignore: the build context sends \.git \(120 MB\), node_modules \(40 MB\), 160 MB this Dockerfile does not need; COPY puts 160 MB of it in the image/,
    );
  });

  it('creates .dockerignore with exactly those entries', () => {
    const f = only(NODE, CODE, { buildContext: { files: CTX, dockerignore: null } })[0]!;
    const fix = f.fixes[0]!;
    assert.equal(fix.preferred, true);
    assert.deepEqual(fix.edits, []);
    assert.equal(fix.files!.length, 1);
    const change = fix.files![0]!;
    assert.equal(change.path, '.dockerignore');
    assert.equal(change.create, true);
    assert.equal(
      applyEdits('', change.edits),
      '# not read by the Dockerfile (dfsize missing-dockerignore)\n.git\n**/node_modules\n',
    );
  });

  it('extends an existing .dockerignore after a blank line, and leaves out what the file reads', () => {
    const readsGit = df('FROM node:20-slim', 'COPY . .', 'RUN git describe > VERSION && npm ci');
    const ctx = {
      files: files({ '.git/x': 5_000_000, 'node_modules/y': 5_000_000, 'dist/app.js': 1_000 }),
      dockerignore: '*.log\n',
    };
    const f = only(readsGit, CODE, { buildContext: ctx })[0]!;
    assert.equal(f.fixes[0]!.files![0]!.create, false);
    assert.equal(
      applyEdits('*.log\n', f.fixes[0]!.files![0]!.edits),
      '*.log\n\n# not read by the Dockerfile (dfsize missing-dockerignore)\n**/node_modules\n',
    );
    // dist is named by a COPY: it stays in the context.
    const copiesDist = df('FROM nginx', 'COPY dist/ /usr/share/nginx/html/', 'COPY . /src');
    assert.deepEqual(
      found(copiesDist, { buildContext: { files: files({ 'dist/a.js': 20_000_000 }), dockerignore: null } }, CODE),
      [],
    );
  });

  it('is a hint when what it would save stays out of the image (only the context transfer)', () => {
    const t = df('FROM a', 'COPY src/ /src/');
    const f = only(t, CODE, {
      buildContext: { files: files({ 'src/a': 10, 'video.mp4': 50_000_000 }), dockerignore: null },
    })[0]!;
    assert.equal(f.severity, 'hint');
    assert.equal(f.savingsBytes, null);
  });

  it('fix-all returns the new .dockerignore and applies it once', () => {
    const r = fixAll(NODE, (m) => staticContext(m, { buildContext: { files: CTX, dockerignore: null } }), {
      only: new Set([CODE]),
    });
    assert.equal(r.text, NODE);
    assert.deepEqual(r.applied, [{ code: CODE, line: 5 }]);
    assert.deepEqual(
      r.files.map((x) => x.path),
      ['.dockerignore'],
    );
  });
});

describe(`rule ${CODE}: file names that are .dockerignore syntax`, () => {
  it('writes each name as a line that matches exactly that name', async () => {
    const cases: Array<[string, string]> = [
      ['!keep.bin', '\\!keep.bin'],
      ['#notes.bin', '\\#notes.bin'],
      ['data[1].bin', 'data\\[1\\].bin'],
      ['star*.bin', 'star\\*.bin'],
      ['q?.bin', 'q\\?.bin'],
      ['back\\slash', 'back\\\\slash'],
      [' lead.bin', '[ ]lead.bin'],
      ['trail.bin  ', 'trail.bin[ ][ ]'],
      ['!**', '\\!\\*\\*'],
      ['a+b(c)|{d}^$.bin', 'a\\+b\\(c\\)\\|\\{d\\}\\^\\$.bin'],
      ['dir/!x#y.bin', 'dir/!x#y.bin'],
    ];
    for (const [name, line] of cases) {
      assert.equal(dockerignoreLine(name), line, name);
      // Read back as Docker reads it (the project's walker, which the engine test holds to Docker's own build).
      const ig = await readDockerignore(tempTree({ '.dockerignore': `${line}\n` }));
      assert.ok(ig?.ignores(name), `${line} does not match ${JSON.stringify(name)}`);
    }
  });

  it('cannot write a name holding a line break: leaves it out and says so', () => {
    assert.equal(dockerignoreLine('huge.bin\n!**'), null);
    assert.equal(dockerignoreLine('x\r.bin'), null);
    const f = only(df('FROM a', 'COPY app /app'), CODE, {
      buildContext: { files: files({ 'huge.bin\n!**': 20_000_000 }), dockerignore: null },
    })[0]!;
    assert.deepEqual(f.fixes, []);
    assert.match(
      f.message,
      /"huge\.bin\\n!\*\*" cannot be listed there \(a line break in the name\): rename or move it\./,
    );
  });

  it('on a real context: the fix leaves out exactly the hostile files, and a second run adds nothing', async () => {
    const dir = hostileContext();
    const make = async () => {
      const bc = await readBuildContext(dir);
      return (m: DockerfileModel) => staticContext(m, { buildContext: bc });
    };
    const first = fixAll(HOSTILE_DOCKERFILE, await make(), { only: new Set([CODE]) });
    assert.deepEqual(
      first.files.map((f) => [f.path, f.omitted]),
      [['.dockerignore', [LINE_BREAK]]],
    );
    writeFileSync(join(dir, '.dockerignore'), first.files[0]!.content);
    const sent = (await readBuildContext(dir))!.files.map((f) => f.path).sort();
    assert.deepEqual(sent, expectedAfterFix(dir));
    const second = fixAll(HOSTILE_DOCKERFILE, await make(), { only: new Set([CODE]) });
    assert.deepEqual(second.applied, []);
    assert.deepEqual(second.files, []);
  });

  it('reads .dockerignore as Docker does: case-sensitive, `#` a comment only as the first character', async () => {
    const dir = tempTree({
      '.dockerignore': '\uFEFFBig.bin\r\n #odd\n# comment\n',
      'Big.bin': 'x',
      'big.bin': 'x',
      '#odd': 'x',
      '# comment': 'x',
    });
    const ig = (await readDockerignore(dir))!;
    assert.deepEqual(
      ['Big.bin', 'big.bin', '#odd', '# comment'].map((p) => ig.ignores(p)),
      [true, false, true, false],
    );
  });

  // Why examples/flask-api gets no finding though it has `COPY . .` and no .dockerignore: its context is the Dockerfile,
  // requirements.txt and app/__init__.py, all small and nothing the rule leaves out (the repository's .git is above the
  // context). The same folder after a local run — a __pycache__ and a .git — gets the finding on that COPY.
  it('examples/flask-api: silent as shipped (nothing to leave out), fires once the context holds what it should not', async () => {
    const example = join(__dirname, '..', '..', '..', 'examples', 'flask-api');
    const text = readFileSync(join(example, 'Dockerfile'), 'utf8');
    const shipped = await readBuildContext(example);
    assert.deepEqual(shipped?.files.map((f) => f.path).sort(), ['Dockerfile', 'app/__init__.py', 'requirements.txt']);
    assert.deepEqual(found(text, { buildContext: shipped }, CODE), []);

    const used = tempTree({
      Dockerfile: text,
      'requirements.txt': readFileSync(join(example, 'requirements.txt'), 'utf8'),
      'app/__init__.py': readFileSync(join(example, 'app', '__init__.py'), 'utf8'),
      'app/__pycache__/__init__.cpython-311.pyc': 'x'.repeat(900),
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    const [f] = only(text, CODE, { buildContext: await readBuildContext(used) });
    assert.equal(f?.range.start.line, text.split('\n').indexOf('COPY . .'));
    assert.match(
      f?.message ?? '',
      /^No \.dockerignore: the build context sends \.git \(\d+ B\), __pycache__ \(900 B\)/,
    );
  });
});
