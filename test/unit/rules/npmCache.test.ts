// npm-cache: the cache cleaned in the same RUN; npm ci --omit=dev offered only with a lockfile copied in before.
import { strict as assert } from 'node:assert';
import { analysed, assertIdempotent, claimed, deleted, df, fixWith, found, lint, only } from '../../support/rules';

const CODE = 'npm-cache';

describe(`rule ${CODE}`, () => {
  it('fires on npm install, npm i and npm ci', () => {
    for (const cmd of ['npm install', 'npm i express', 'npm ci --omit=dev', 'npm install -g pnpm']) {
      assert.deepEqual(found(df('FROM node:20-slim', `RUN ${cmd}`), {}, CODE), [`${CODE}@2`], cmd);
    }
  });

  for (const run of [
    'npm ci && npm cache clean --force',
    'npm install && rm -rf /root/.npm',
    'npm run build',
    'npm --version',
  ]) {
    it(`stays silent: ${run}`, () => assert.deepEqual(found(df('FROM node:20-slim', `RUN ${run}`), {}, CODE), []));
  }

  it('stays silent with a cache mount on ~/.npm', () => {
    assert.deepEqual(found(df('FROM node:20-slim', 'RUN --mount=type=cache,target=/root/.npm npm ci'), {}, CODE), []);
  });

  it('appends npm cache clean --force (preferred)', () => {
    assert.equal(
      fixWith(df('FROM node:20-slim', 'RUN npm ci'), CODE),
      df('FROM node:20-slim', 'RUN npm ci && npm cache clean --force'),
    );
  });

  it('offers npm ci --omit=dev only when a lockfile reaches the working directory first', () => {
    const withLock = df(
      'FROM node:20-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm install',
    );
    const f = only(withLock, CODE)[0]!;
    assert.equal(f.fixes.length, 2);
    assert.equal(f.fixes[1]!.preferred, false);
    assert.equal(
      fixWith(withLock, CODE, {}, 1),
      df(
        'FROM node:20-slim',
        'WORKDIR /app',
        'COPY package.json package-lock.json ./',
        'RUN npm ci --omit=dev && npm cache clean --force',
      ),
    );
    assert.equal(
      only(df('FROM node:20-slim', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm install'), CODE)[0]!.fixes.length,
      2,
    );
    // No lockfile named, and no build context to look in: `npm ci` could fail.
    assert.equal(
      only(df('FROM node:20-slim', 'WORKDIR /app', 'COPY . .', 'RUN npm install'), CODE)[0]!.fixes.length,
      1,
    );
    // The lockfile went elsewhere.
    assert.equal(
      only(df('FROM node:20-slim', 'WORKDIR /app', 'COPY package-lock.json /tmp/', 'RUN npm install'), CODE)[0]!.fixes
        .length,
      1,
    );
    // npm install with package names is not what npm ci does.
    assert.equal(
      only(df('FROM node:20-slim', 'COPY package-lock.json ./', 'RUN npm install express'), CODE)[0]!.fixes.length,
      1,
    );
  });

  it('finds the lockfile of a COPY . . in the build context', () => {
    const t = df('FROM node:20-slim', 'WORKDIR /app', 'COPY . .', 'RUN npm install');
    const buildContext = {
      files: [
        { path: 'package.json', bytes: 300 },
        { path: 'package-lock.json', bytes: 9000 },
      ],
      dockerignore: '.git\n',
    };
    assert.equal(only(t, CODE, { buildContext })[0]!.fixes.length, 2);
  });

  it("claims only the cache no later layer deletes: a clean in the next RUN is cleanup-in-later-layer's to claim", () => {
    const t = df('FROM node:20-slim', 'COPY package*.json ./', 'RUN npm ci', 'RUN npm cache clean --force');
    const over = analysed(4, { 2: { '/root/.npm/_cacache/a': 50_000_000, '/node_modules/a.js': 9_000_000 } }, [
      deleted('/root/.npm/_cacache/a', 50_000_000, 2, 3),
    ]);
    const f = only(t, CODE, over)[0]!;
    assert.match(f.message, /\/root\/\.npm adds 50 MB to this layer/);
    assert.equal(f.savingsBytes, 0);
    assert.deepEqual(
      lint(t, over)
        .filter((x) => x.savingsBytes)
        .map((x) => [x.code, x.savingsBytes]),
      [['cleanup-in-later-layer', 50_000_000]],
    );
    assert.equal(claimed(t, over), 50_000_000);
    // Cleaned nowhere: the bytes are this rule's.
    assert.equal(
      only(
        df('FROM node:20-slim', 'COPY package*.json ./', 'RUN npm ci'),
        CODE,
        analysed(3, { 2: { '/root/.npm/_cacache/a': 50_000_000 } }),
      )[0]!.savingsBytes,
      50_000_000,
    );
  });

  it('is idempotent', () => assertIdempotent(df('FROM node:20-slim', 'RUN npm install'), CODE));
});
