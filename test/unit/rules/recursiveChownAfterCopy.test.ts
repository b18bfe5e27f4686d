// recursive-chown-after-copy: COPY --chown where every file under the path came from these COPYs.
import { strict as assert } from 'node:assert';
import { analysed, assertIdempotent, df, fixWith, found, only, overwritten } from '../../support/rules';

const CODE = 'recursive-chown-after-copy';

describe(`rule ${CODE}`, () => {
  it('fires on chown -R / chmod -R over a copied path, not on other paths or non-recursive ones', () => {
    assert.deepEqual(found(df('FROM n', 'WORKDIR /app', 'COPY . .', 'RUN chown -R node:node /app'), {}, CODE), [
      `${CODE}@4`,
    ]);
    assert.deepEqual(found(df('FROM n', 'COPY a /app/a', 'RUN chmod -R 755 /app'), {}, CODE), [`${CODE}@3`]);
    assert.deepEqual(found(df('FROM n', 'COPY a /app/a', 'RUN chown -R node /data'), {}, CODE), []);
    assert.deepEqual(found(df('FROM n', 'COPY a /app/a', 'RUN chown node /app'), {}, CODE), []);
    assert.deepEqual(found(df('FROM n', 'RUN mkdir /data && chown -R node /data'), {}, CODE), []);
  });

  it('moves the owner onto each COPY, after its other flags, and keeps a non-recursive chown of the folder', () => {
    const t = df(
      'FROM n',
      'WORKDIR /app',
      'COPY --from=build /src/dist ./dist',
      'COPY package.json ./',
      'RUN chown -R node:node /app',
      'USER node',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM n',
        'WORKDIR /app',
        'COPY --from=build --chown=node:node /src/dist ./dist',
        'COPY --chown=node:node package.json ./',
        'RUN chown node:node /app',
        'USER node',
      ),
    );
  });

  it('keeps other options of the command', () => {
    assert.equal(
      fixWith(df('FROM n', 'COPY a /app', 'RUN chown -hR 1000:1000 /app && echo ok'), CODE),
      df('FROM n', 'COPY --chown=1000:1000 a /app', 'RUN chown -h 1000:1000 /app && echo ok'),
    );
  });

  it('offers --chmod only with BuildKit (or buildah), octal modes only', () => {
    const t = df('FROM n', 'COPY bin/ /opt/bin/', 'RUN chmod -R 755 /opt/bin');
    assert.equal(only(t, CODE)[0]!.fixes.length, 0);
    assert.match(only(t, CODE)[0]!.message, /needs BuildKit/);
    assert.equal(only(t, CODE, { builder: 'legacy' })[0]!.fixes.length, 0);
    assert.equal(
      fixWith(t, CODE, { builder: 'buildkit' }),
      df('FROM n', 'COPY --chmod=755 bin/ /opt/bin/', 'RUN chmod 755 /opt/bin'),
    );
    assert.equal(
      only(df('FROM n', 'COPY bin/ /opt/bin/', 'RUN chmod -R u+x /opt/bin'), CODE, { builder: 'buildkit' })[0]!.fixes
        .length,
      0,
    );
  });

  for (const [why, lines] of [
    [
      'a RUN between may have created files there',
      ['WORKDIR /app', 'COPY . .', 'RUN npm install', 'RUN chown -R node /app'],
    ],
    ['the base may have files there', ['COPY site/ /var/www/html/', 'RUN chown -R www-data /var/www']],
    ['the chown is not the first command', ['WORKDIR /app', 'COPY . .', 'RUN npm ci && chown -R node /app']],
    ['a COPY already has another owner', ['WORKDIR /app', 'COPY --chown=root a .', 'RUN chown -R node /app']],
    ['the owner is a variable', ['WORKDIR /app', 'COPY a .', 'RUN chown -R "$APP_USER" /app']],
  ] as const) {
    it(`offers no fix when ${why}`, () => assert.equal(only(df('FROM n', ...lines), CODE)[0]!.fixes.length, 0));
  }

  describe('a RUN between the COPY and the chown', () => {
    // The user's file: the COPY, an unrelated RUN, then the chown of what was copied (200 kB stored again).
    const T = df(
      'FROM node:20-slim',
      'COPY app /app',
      'RUN npm install -g pm2 && npm cache clean --force',
      'RUN chown -R node:node /app',
      'USER node',
    );
    const image = (underApp: number) =>
      analysed(
        5,
        {
          1: { '/app/index.js': 150_000, '/app/lib/util.js': 50_000 },
          2: {
            '/usr/local/lib/node_modules/pm2/index.js': 30_000_000,
            ...(underApp ? { '/app/node_modules/x.js': underApp } : {}),
          },
          3: { '/app/index.js': 150_000, '/app/lib/util.js': 50_000 },
        },
        [overwritten('/app/index.js', 150_000, 1, 3), overwritten('/app/lib/util.js', 50_000, 1, 3)],
      );

    it('statically may have written there: no fix', () => assert.equal(only(T, CODE)[0]!.fixes.length, 0));

    it('measured to add nothing under the path: COPY --chown is offered, and claims the re-stored copies', () => {
      const f = only(T, CODE, image(0))[0]!;
      assert.equal(f.savingsBytes, 200_000);
      assert.match(f.message, /stores them all again in this layer \(200 kB\): use COPY --chown\.$/);
      assert.equal(
        fixWith(T, CODE, image(0)),
        df(
          'FROM node:20-slim',
          'COPY --chown=node:node app /app',
          'RUN npm install -g pm2 && npm cache clean --force',
          'RUN chown node:node /app',
          'USER node',
        ),
      );
      assertIdempotent(T, CODE, image(0));
    });

    it('measured to add files under the path: no fix (they need the chown too)', () => {
      assert.equal(only(T, CODE, image(4096))[0]!.fixes.length, 0);
    });

    it('a WORKDIR made the path before the RUN: the same measured check', () => {
      const t = df(
        'FROM node:20-slim',
        'WORKDIR /app',
        'RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*',
        'COPY . .',
        'RUN chown -R node:node /app',
      );
      assert.equal(only(t, CODE)[0]!.fixes.length, 0);
      const over = analysed(5, { 2: { '/usr/bin/tini': 800_000 }, 3: { '/app/a.js': 10 }, 4: { '/app/a.js': 10 } }, [
        overwritten('/app/a.js', 10, 3, 4),
      ]);
      assert.equal(
        fixWith(t, CODE, over),
        t.replace('COPY . .', 'COPY --chown=node:node . .').replace('chown -R node:node /app', 'chown node:node /app'),
      );
    });
  });

  it('is idempotent', () =>
    assertIdempotent(df('FROM n', 'WORKDIR /app', 'COPY . .', 'RUN chown -R node:node /app'), CODE));
});
