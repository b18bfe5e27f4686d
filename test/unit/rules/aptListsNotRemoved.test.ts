// apt-lists-not-removed: fires on installs whose lists stay, never on the ways official images clean up.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'apt-lists-not-removed';

describe(`rule ${CODE}`, () => {
  it('fires on an install after an update in the same RUN', () => {
    assert.deepEqual(found(df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'), {}, CODE), [`${CODE}@2`]);
  });

  it('fires when the update ran in an earlier RUN of the stage chain, and with apt instead of apt-get', () => {
    const t = df('FROM debian:bookworm-slim AS base', 'RUN apt-get update', 'FROM base', 'RUN apt install -y --no-install-recommends curl');
    assert.deepEqual(found(t, {}, CODE), [`${CODE}@4`]);
  });

  it('"apt-get clean" is not enough: it leaves the lists', () => {
    assert.equal(only(df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean'), CODE).length, 1);
  });

  for (const [what, run] of [
    ['rm -rf at the end of a long chain', 'set -eux; apt-get update; apt-get install -y --no-install-recommends curl; rm -rf /var/lib/apt/lists/*'],
    ['apt-get dist-clean', 'apt-get update && apt-get install -y --no-install-recommends curl && apt-get dist-clean'],
    ['a find -delete', 'apt-get update && apt-get install -y --no-install-recommends curl && find /var/lib/apt/lists -type f -delete'],
    ['no update anywhere (the base image\'s empty lists)', 'apt-get install -y --no-install-recommends ./local.deb'],
    ['an install inside an if block', 'apt-get update && if [ -n "$X" ]; then apt-get install -y --no-install-recommends curl; fi'],
    ['a heredoc RUN', '<<EOF\napt-get update\napt-get install -y curl\nEOF'],
  ] as const) {
    it(`stays silent: ${what}`, () => {
      assert.deepEqual(found(df('FROM debian:bookworm-slim', `RUN ${run}`), {}, CODE), []);
    });
  }

  it('stays silent with a cache mount on /var/lib/apt', () => {
    const t = df('FROM debian:bookworm-slim', 'RUN --mount=type=cache,target=/var/lib/apt,sharing=locked \\', '    apt-get update && apt-get install -y --no-install-recommends curl');
    assert.deepEqual(found(t, {}, CODE), []);
  });

  it('stays silent for PowerShell and for exec form', () => {
    assert.deepEqual(found(df('FROM x', 'SHELL ["powershell", "-Command"]', 'RUN apt-get update; apt-get install -y curl'), {}, CODE), []);
    assert.deepEqual(found(df('FROM x', 'RUN ["sh", "-c", "apt-get update && apt-get install -y curl"]'), {}, CODE), []);
  });

  it('appends the removal on the same line of a one-line RUN', () => {
    assert.equal(fixWith(df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'), CODE),
      df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*'));
  });

  it('appends on a new line in the leading-&& style', () => {
    const t = df('FROM debian', 'RUN apt-get update \\', '    && apt-get install -y --no-install-recommends \\', '        curl \\', '        git');
    assert.equal(fixWith(t, CODE), df('FROM debian', 'RUN apt-get update \\', '    && apt-get install -y --no-install-recommends \\', '        curl \\', '        git \\', '    && rm -rf /var/lib/apt/lists/*'));
  });

  it('appends with `;` under set -e, with tabs, after a lone `;` line', () => {
    const t = df('FROM debian', 'RUN set -eux; \\', '\tapt-get update; \\', '\tapt-get install -y --no-install-recommends \\', '\t\tcurl \\', '\t; \\', '\techo done');
    assert.equal(fixWith(t, CODE), df('FROM debian', 'RUN set -eux; \\', '\tapt-get update; \\', '\tapt-get install -y --no-install-recommends \\', '\t\tcurl \\', '\t; \\', '\techo done; \\', '\trm -rf /var/lib/apt/lists/*'));
  });

  it('adds apt-get clean when the analysis shows /var/cache/apt content, and says what was measured', () => {
    const t = df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl');
    const sizes: Record<string, number> = { '/var/lib/apt/lists': 18_400_000, '/var/cache/apt': 30_000_000 };
    const over = {
      match: { builder: 'legacy' as const, chain: [0], base: null, score: 1, instructions: [
        { status: 'base' as const, layerBytes: 1, rebuilds: false, row: null }, { status: 'matched' as const, layerBytes: 60e6, rebuilds: false, row: 1 }] },
      layerOf: (i: number) => (i === 1 ? 3 : null),
      contents: { addedUnder: (layer: number, prefix: string) => (layer === 3 ? sizes[prefix] ?? 0 : 0) },
    };
    const f = only(t, CODE, over)[0]!;
    assert.match(f.message, /\/var\/lib\/apt\/lists adds 18\.4 MB to this layer/);
    assert.equal(f.savingsBytes, 48_400_000);
    assert.equal(f.severity, 'warning');
    assert.equal(fixWith(t, CODE, over), df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean && rm -rf /var/lib/apt/lists/*'));
  });

  it('is not offered a fix when a trailing comment would swallow the continuation; a one-line one goes before the comment', () => {
    const multi = df('FROM debian', 'RUN apt-get update \\', '    && apt-get install -y --no-install-recommends curl # tools');
    assert.equal(only(multi, CODE)[0]!.fixes.length, 0);
    assert.equal(fixWith(df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl # tools'), CODE),
      df('FROM debian', 'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* # tools'));
  });

  it('is idempotent', () => {
    assertIdempotent(df('FROM debian', 'RUN apt-get update \\', '    && apt-get install -y --no-install-recommends curl'), CODE);
  });
});
