// apt-install-recommends: the flag is added where official images put it; variables that may hold it silence the rule.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, lint } from '../../support/rules';

const CODE = 'apt-install-recommends';

describe(`rule ${CODE}`, () => {
  it('fires on apt-get install and apt install without the flag, once per RUN', () => {
    assert.deepEqual(found(df('FROM debian', 'RUN apt-get install -y curl && apt install -y git'), {}, CODE), [
      `${CODE}@2`,
    ]);
  });

  for (const [what, run] of [
    ['the flag after the packages', 'apt-get install -y curl --no-install-recommends'],
    ['-o APT::Install-Recommends=false', 'apt-get install -y -o APT::Install-Recommends=false curl'],
    ['an install inside a for loop', 'for p in a b; do apt-get install -y "$p"; done'],
    ['a variable that may hold the flag', 'apt-get install -y $APT_FLAGS curl'],
    ['apt-get update alone', 'apt-get update'],
  ] as const) {
    it(`stays silent: ${what}`, () => assert.deepEqual(found(df('FROM debian', `RUN ${run}`), {}, CODE), []));
  }

  it('stays silent when an earlier RUN configures apt, and reads a variable the file defines', () => {
    assert.deepEqual(
      found(
        df(
          'FROM debian',
          `RUN echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/99norecommends`,
          'RUN apt-get install -y curl',
        ),
        {},
        CODE,
      ),
      [],
    );
    assert.deepEqual(
      found(df('FROM debian', 'ENV FLAGS="-y --no-install-recommends"', 'RUN apt-get install $FLAGS curl'), {}, CODE),
      [],
    );
    assert.deepEqual(found(df('FROM debian', 'ENV PKGS="curl git"', 'RUN apt-get install -y $PKGS'), {}, CODE), [
      `${CODE}@3`,
    ]);
  });

  it('puts the flag after install and the options that follow it on the same line', () => {
    assert.equal(
      fixWith(df('FROM debian', 'RUN apt-get -qq install -y curl'), CODE),
      df('FROM debian', 'RUN apt-get -qq install -y --no-install-recommends curl'),
    );
    assert.equal(
      fixWith(df('FROM debian', 'RUN DEBIAN_FRONTEND=noninteractive apt-get install \\', '    -y curl'), CODE),
      df('FROM debian', 'RUN DEBIAN_FRONTEND=noninteractive apt-get install --no-install-recommends \\', '    -y curl'),
    );
  });

  it('fixes every install of the RUN in one fix', () => {
    assert.equal(
      fixWith(
        df('FROM debian', 'RUN apt-get install -y a && apt-get install -y --no-install-recommends b && apt install c'),
        CODE,
      ),
      df(
        'FROM debian',
        'RUN apt-get install -y --no-install-recommends a && apt-get install -y --no-install-recommends b && apt install --no-install-recommends c',
      ),
    );
  });

  it('is a hint in a stage that does not reach the image', () => {
    const t = df(
      'FROM debian AS tools',
      'RUN apt-get install -y curl',
      'FROM debian',
      'COPY --from=tools /usr/bin/curl /usr/bin/',
    );
    const f = lint(t).find((x) => x.code === CODE)!;
    assert.equal(f.range.start.line + 1, 2);
    assert.equal(f.severity, 'hint');
  });

  it('is idempotent', () => assertIdempotent(df('FROM debian', 'RUN apt-get install -y curl'), CODE));
});
