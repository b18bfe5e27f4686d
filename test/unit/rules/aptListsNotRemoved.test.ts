// apt-lists-not-removed: fires on installs whose lists stay, never on the ways official images clean up.
import { strict as assert } from 'node:assert';
import { analysed, assertIdempotent, claimed, df, fixWith, found, lint, only, overwritten } from '../../support/rules';

const CODE = 'apt-lists-not-removed';

describe(`rule ${CODE}`, () => {
  it('fires on an install after an update in the same RUN', () => {
    assert.deepEqual(
      found(
        df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'),
        {},
        CODE,
      ),
      [`${CODE}@2`],
    );
  });

  it('fires when the update ran in an earlier RUN of the stage chain, and with apt instead of apt-get', () => {
    const t = df(
      'FROM debian:bookworm-slim AS base',
      'RUN apt-get update',
      'FROM base',
      'RUN apt install -y --no-install-recommends curl',
    );
    assert.deepEqual(found(t, {}, CODE), [`${CODE}@4`]);
  });

  it('"apt-get clean" is not enough: it leaves the lists', () => {
    assert.equal(
      only(
        df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean'),
        CODE,
      ).length,
      1,
    );
  });

  for (const [what, run] of [
    [
      'rm -rf at the end of a long chain',
      'set -eux; apt-get update; apt-get install -y --no-install-recommends curl; rm -rf /var/lib/apt/lists/*',
    ],
    ['apt-get dist-clean', 'apt-get update && apt-get install -y --no-install-recommends curl && apt-get dist-clean'],
    [
      'a find -delete',
      'apt-get update && apt-get install -y --no-install-recommends curl && find /var/lib/apt/lists -type f -delete',
    ],
    ["no update anywhere (the base image's empty lists)", 'apt-get install -y --no-install-recommends ./local.deb'],
    [
      'an install inside an if block',
      'apt-get update && if [ -n "$X" ]; then apt-get install -y --no-install-recommends curl; fi',
    ],
    [
      'a heredoc RUN that removes them',
      '<<EOF\napt-get update\napt-get install -y --no-install-recommends curl\nrm -rf /var/lib/apt/lists/*\nEOF',
    ],
    ['a python heredoc that names apt', 'python3 <<EOF\nprint("apt-get update; apt-get install -y curl")\nEOF'],
  ] as const) {
    it(`stays silent: ${what}`, () => {
      assert.deepEqual(found(df('FROM debian:bookworm-slim', `RUN ${run}`), {}, CODE), []);
    });
  }

  it('stays silent with a cache mount on /var/lib/apt', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      'RUN --mount=type=cache,target=/var/lib/apt,sharing=locked \\',
      '    apt-get update && apt-get install -y --no-install-recommends curl',
    );
    assert.deepEqual(found(t, {}, CODE), []);
  });

  it('stays silent for PowerShell and for exec form', () => {
    assert.deepEqual(
      found(df('FROM x', 'SHELL ["powershell", "-Command"]', 'RUN apt-get update; apt-get install -y curl'), {}, CODE),
      [],
    );
    assert.deepEqual(
      found(df('FROM x', 'RUN ["sh", "-c", "apt-get update && apt-get install -y curl"]'), {}, CODE),
      [],
    );
  });

  it('appends the removal on the same line of a one-line RUN', () => {
    assert.equal(
      fixWith(df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'), CODE),
      df(
        'FROM debian',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('appends on a new line in the leading-&& style', () => {
    const t = df(
      'FROM debian',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends \\',
      '        curl \\',
      '        git',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM debian',
        'RUN apt-get update \\',
        '    && apt-get install -y --no-install-recommends \\',
        '        curl \\',
        '        git \\',
        '    && rm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('appends with `;` under set -e, with tabs, after a lone `;` line', () => {
    const t = df(
      'FROM debian',
      'RUN set -eux; \\',
      '\tapt-get update; \\',
      '\tapt-get install -y --no-install-recommends \\',
      '\t\tcurl \\',
      '\t; \\',
      '\techo done',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM debian',
        'RUN set -eux; \\',
        '\tapt-get update; \\',
        '\tapt-get install -y --no-install-recommends \\',
        '\t\tcurl \\',
        '\t; \\',
        '\techo done; \\',
        '\trm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('adds apt-get clean when the analysis shows /var/cache/apt content, and says what was measured', () => {
    const t = df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl');
    const sizes: Record<string, number> = { '/var/lib/apt/lists': 18_400_000, '/var/cache/apt': 30_000_000 };
    const over = {
      match: {
        builder: 'legacy' as const,
        chain: [0],
        base: null,
        score: 1,
        instructions: [
          { status: 'base' as const, layerBytes: 1, rebuilds: false, row: null },
          { status: 'matched' as const, layerBytes: 60e6, rebuilds: false, row: 1 },
        ],
      },
      layerOf: (i: number) => (i === 1 ? 3 : null),
      contents: { addedUnder: (layer: number, prefix: string) => (layer === 3 ? (sizes[prefix] ?? 0) : 0) },
    };
    const f = only(t, CODE, over)[0]!;
    assert.match(f.message, /\/var\/lib\/apt\/lists adds 18\.4 MB to this layer/);
    assert.equal(f.savingsBytes, 48_400_000);
    assert.equal(f.severity, 'warning');
    assert.equal(
      fixWith(t, CODE, over),
      df(
        'FROM debian',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean && rm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('is not offered a fix when a trailing comment would swallow the continuation; a one-line one goes before the comment', () => {
    const multi = df(
      'FROM debian',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends curl # tools',
    );
    assert.equal(only(multi, CODE)[0]!.fixes.length, 0);
    assert.equal(
      fixWith(df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl # tools'), CODE),
      df(
        'FROM debian',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* # tools',
      ),
    );
  });

  // The user's example on local/debian:bookworm-slim (no docker-clean hook), with the bytes its image measured.
  const SPLIT = df('FROM local/debian:bookworm-slim', 'RUN apt-get update', 'RUN apt-get install -y curl');
  const splitImage = analysed(
    3,
    {
      1: {
        '/var/lib/apt/lists/deb.debian.org_Packages': 82_900_000,
        '/var/cache/apt/pkgcache.bin': 39_100_000,
        '/var/cache/apt/srcpkgcache.bin': 39_100_000,
      },
      2: {
        '/var/cache/apt/pkgcache.bin': 39_100_000,
        '/var/cache/apt/archives/curl.deb': 6_100_000,
        '/usr/bin/curl': 17_000_000,
      },
    },
    [overwritten('/var/cache/apt/pkgcache.bin', 39_100_000, 1, 2)],
  );

  it("names the layer that holds the lists: the update's, when it ran in an earlier RUN", () => {
    const f = only(SPLIT, CODE, splitImage)[0]!;
    assert.equal(
      f.message,
      'apt-get install uses the package lists of apt-get update on line 2: they stay in the image unless the update, ' +
        'the install and the removal of /var/lib/apt/lists/* run in one RUN. /var/lib/apt/lists adds 82.9 MB to the layer of line 2. ' +
        '/var/cache/apt adds 78.2 MB to the layer of line 2 and 45.2 MB to this layer.',
    );
    assert.equal(f.severity, 'warning');
    assert.equal(
      fixWith(SPLIT, CODE, splitImage),
      df(
        'FROM local/debian:bookworm-slim',
        'RUN apt-get update',
        'RUN apt-get install -y curl && apt-get clean && rm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('claims only what its cleanup removes once the update is moved here: the move claims what this RUN rewrites', () => {
    const byCode = new Map(lint(SPLIT, splitImage).map((f) => [f.code, f.savingsBytes]));
    // The join of lines 2 and 3 is the update's move: reported (and claimed) once, by apt-update-alone.
    assert.deepEqual([...byCode.keys()], ['apt-update-alone', CODE, 'apt-install-recommends']);
    // 82.9 MB of lists + one copy of each package cache + the downloaded .deb: 82.9 + 39.1 + 39.1 + 6.1 MB.
    assert.equal(byCode.get(CODE), 167_200_000);
    assert.equal(byCode.get('apt-update-alone'), 39_100_000);
    // Together: every byte under /var/lib/apt/lists and /var/cache/apt of both layers, once (206.3 MB), no more.
    assert.equal(claimed(SPLIT, splitImage), 82_900_000 + 78_200_000 + 45_200_000);
  });

  it("when nothing merges the update's layer into this one, it claims only this layer's bytes and says the rest stays", () => {
    // An update RUN that does more cannot move, and an ENV between them leaves nothing to join.
    const t = df(
      'FROM local/debian:bookworm-slim',
      'RUN apt-get update && echo updated',
      'ENV X=1',
      'RUN apt-get install -y curl',
    );
    const image = analysed(
      4,
      {
        1: { '/var/lib/apt/lists/a_Packages': 82_900_000, '/var/cache/apt/pkgcache.bin': 39_100_000 },
        3: { '/var/cache/apt/pkgcache.bin': 39_100_000, '/var/cache/apt/archives/curl.deb': 6_100_000 },
      },
      [overwritten('/var/cache/apt/pkgcache.bin', 39_100_000, 1, 3)],
    );
    const f = only(t, CODE, image)[0]!;
    assert.equal(f.savingsBytes, 45_200_000);
    assert.match(
      f.message,
      /\/var\/lib\/apt\/lists adds 82\.9 MB to the layer of line 2\. .* Removing them here cannot shrink the layer of line 2: move the update into this RUN\.$/,
    );
  });

  it('is reported on the last RUN that uses the lists, never where removing them breaks a later install', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'COPY a /a',
      'RUN apt-get install -y --no-install-recommends git',
    );
    assert.deepEqual(found(t, {}, CODE), [`${CODE}@4`]);
    // A stage built FROM this one installs from the same lists.
    const staged = df(
      'FROM debian:bookworm-slim AS base',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'FROM base',
      'RUN apt-get install -y --no-install-recommends git',
    );
    assert.deepEqual(found(staged, {}, CODE), [`${CODE}@4`]);
    // A later RUN that updates first starts from fresh lists: both are reported.
    const fresh = df(
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'COPY a /a',
      'RUN apt-get update && apt-get install -y --no-install-recommends git',
    );
    assert.deepEqual(found(fresh, {}, CODE), [`${CODE}@2`, `${CODE}@4`]);
  });

  it('fires on measured /var/cache/apt content even when the lists are removed, and appends apt-get clean', () => {
    const t = df(
      'FROM local/debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    );
    const over = analysed(2, {
      1: {
        '/var/cache/apt/pkgcache.bin': 39_100_000,
        '/var/cache/apt/srcpkgcache.bin': 39_100_000,
        '/var/cache/apt/archives/curl.deb': 300_000,
      },
    });
    const f = only(t, CODE, over)[0]!;
    assert.equal(
      f.message,
      'apt-get install leaves downloaded packages and package caches in /var/cache/apt (this base has no docker-clean apt hook): ' +
        'run apt-get clean in the same RUN. /var/cache/apt adds 78.5 MB to this layer.',
    );
    assert.equal(f.savingsBytes, 78_500_000);
    assert.equal(f.fixes[0]!.title, 'Clean the apt cache in the same RUN (apt-get clean)');
    assert.equal(
      fixWith(t, CODE, over),
      df(
        'FROM local/debian:bookworm-slim',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* && apt-get clean',
      ),
    );
    assertIdempotent(t, CODE, over);
    // Statically (official images clean through their docker-clean hook) and once cleaned: nothing.
    assert.deepEqual(found(t, {}, CODE), []);
    assert.deepEqual(found(t.replace('lists/*', 'lists/* && apt-get clean'), over, CODE), []);
    assert.deepEqual(found(t, analysed(2, { 1: { '/var/cache/apt/archives/lock': 0 } }), CODE), []);
  });

  it('is idempotent', () => {
    assertIdempotent(
      df('FROM debian', 'RUN apt-get update \\', '    && apt-get install -y --no-install-recommends curl'),
      CODE,
    );
  });
});
