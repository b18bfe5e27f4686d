// apk-cache: --no-cache on every apk add, and the apk update it makes unnecessary removed.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'apk-cache';

describe(`rule ${CODE}`, () => {
  it('fires on apk add and apk upgrade without --no-cache', () => {
    assert.deepEqual(found(df('FROM alpine', 'RUN apk add curl', 'RUN apk upgrade'), {}, CODE), [
      `${CODE}@2`,
      `${CODE}@3`,
    ]);
  });

  for (const run of [
    'apk add --no-cache curl',
    'apk --no-cache add curl',
    'apk add curl && rm -rf /var/cache/apk/*',
    'apk add --no-cache --virtual .b gcc && apk del .b',
    'apk del curl',
    'if true; then apk add curl; fi',
  ]) {
    it(`stays silent: ${run}`, () => assert.deepEqual(found(df('FROM alpine', `RUN ${run}`), {}, CODE), []));
  }

  it('stays silent with a cache mount on /var/cache/apk', () => {
    assert.deepEqual(
      found(df('FROM alpine', 'RUN --mount=type=cache,target=/var/cache/apk apk add curl'), {}, CODE),
      [],
    );
  });

  it('drops the apk update joined with && and adds --no-cache after add', () => {
    assert.equal(
      fixWith(df('FROM alpine', 'RUN apk update && apk add curl jq'), CODE),
      df('FROM alpine', 'RUN apk add --no-cache curl jq'),
    );
    assert.equal(
      fixWith(df('FROM alpine', 'RUN apk update \\', '    && apk add --virtual .b gcc \\', '    && apk del .b'), CODE),
      df('FROM alpine', 'RUN apk add --no-cache --virtual .b gcc \\', '    && apk del .b'),
    );
  });

  it('offers no fix when the update cannot go cleanly', () => {
    assert.equal(only(df('FROM alpine', 'RUN apk update || true; apk add curl'), CODE)[0]!.fixes.length, 0);
    assert.equal(
      only(df('FROM alpine', 'RUN apk update \\', '    # index first', '    && apk add curl'), CODE)[0]!.fixes.length,
      0,
    );
  });

  it('is idempotent', () => assertIdempotent(df('FROM alpine', 'RUN apk update && apk add curl'), CODE));
});
