// apt-update-alone: the update moves into the next RUN that installs, when nothing between uses apt.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'apt-update-alone';

describe(`rule ${CODE}`, () => {
  it('fires on a RUN that only updates', () => {
    assert.deepEqual(
      found(
        df(
          'FROM debian',
          'RUN apt-get update -qq',
          'WORKDIR /x',
          'RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
        ),
        {},
        CODE,
      ),
      [`${CODE}@2`],
    );
  });

  it('stays silent when the same RUN installs, upgrades or removes the lists', () => {
    for (const run of [
      'apt-get update && apt-get install -y x',
      'apt-get update && apt-get -y dist-upgrade',
      'apt-get update && apt-cache policy x && rm -rf /var/lib/apt/lists/*',
    ]) {
      assert.deepEqual(found(df('FROM debian', `RUN ${run}`), {}, CODE), [], run);
    }
  });

  it('moves the update in front of the next install, across metadata instructions', () => {
    const t = df(
      'FROM debian',
      'RUN apt-get update',
      'ENV DEBIAN_FRONTEND=noninteractive',
      'RUN echo hi && apt-get install -y --no-install-recommends curl',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM debian',
        'ENV DEBIAN_FRONTEND=noninteractive',
        'RUN echo hi && apt-get update && apt-get install -y --no-install-recommends curl',
      ),
    );
  });

  it('uses `;` in a set -e RUN that separates with `;`', () => {
    const t = df(
      'FROM debian',
      'RUN apt-get update',
      'RUN set -eux; \\',
      '    apt-get install -y --no-install-recommends curl; \\',
      '    rm -rf /var/lib/apt/lists/*',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM debian',
        'RUN set -eux; \\',
        '    apt-get update; apt-get install -y --no-install-recommends curl; \\',
        '    rm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('only deletes the RUN when the next install updates already', () => {
    const t = df('FROM debian', 'RUN apt-get update', 'RUN apt-get update && apt-get install -y x');
    assert.equal(fixWith(t, CODE), df('FROM debian', 'RUN apt-get update && apt-get install -y x'));
  });

  it('offers no fix when apt runs in between, when there is no later install, or when the RUN does more', () => {
    assert.equal(
      only(
        df(
          'FROM debian',
          'RUN apt-get update',
          'RUN if true; then apt-get install -y x; fi',
          'RUN apt-get install -y y',
        ),
        CODE,
      )[0]!.fixes.length,
      0,
    );
    assert.equal(only(df('FROM debian', 'RUN apt-get update'), CODE)[0]!.fixes.length, 0);
    assert.equal(
      only(df('FROM debian', 'RUN apt-get update && echo ok', 'RUN apt-get install -y y'), CODE)[0]!.fixes.length,
      0,
    );
    assert.equal(
      only(df('FROM debian', 'RUN apt-get update', 'RUN true || apt-get install -y y'), CODE)[0]!.fixes.length,
      0,
    );
  });

  it('is idempotent', () =>
    assertIdempotent(df('FROM debian', 'RUN apt-get update', 'RUN apt-get install -y curl'), CODE));
});
