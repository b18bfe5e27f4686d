// add-remote-url: the download moves into the RUN that uses it, with a tool the image shows.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'add-remote-url';
const CURL =
  'RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*';

describe(`rule ${CODE}`, () => {
  it('fires on ADD of http(s) URLs, not on git URLs, local files or COPY', () => {
    assert.deepEqual(
      found(
        df(
          'FROM x',
          'ADD https://e.com/a.tgz /tmp/',
          'ADD http://e.com/b /b',
          'ADD https://github.com/a/b.git#v1 /src',
          'ADD a.tgz /',
          'COPY c /c',
        ),
        {},
        CODE,
      ),
      [`${CODE}@2`, `${CODE}@3`],
    );
  });

  it('without a download tool in sight: the finding, no fix, and the message says why', () => {
    const f = only(
      df('FROM debian:bookworm-slim', 'ADD https://e.com/a.tgz /tmp/', 'RUN tar -xzf /tmp/a.tgz -C /opt'),
      CODE,
    )[0]!;
    assert.equal(f.fixes.length, 0);
    assert.match(f.message, /no curl or wget/);
  });

  it('downloads in the RUN that unpacks it and deletes it there', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      CURL,
      'ADD https://e.com/releases/${V}/tool.tar.gz /tmp/',
      'WORKDIR /opt',
      'RUN tar -xzf /tmp/tool.tar.gz -C /usr/local/bin',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM debian:bookworm-slim',
        CURL,
        'WORKDIR /opt',
        'RUN curl -fsSL -o /tmp/tool.tar.gz "https://e.com/releases/${V}/tool.tar.gz" && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin && rm -f /tmp/tool.tar.gz',
      ),
    );
  });

  it('keeps a file a later instruction names, goes after set -e, and uses wget on alpine', () => {
    const t = df(
      'FROM alpine:3.20',
      'ADD https://e.com/tini /usr/local/bin/tini',
      'RUN set -eux; \\',
      '    chmod +x /usr/local/bin/tini',
      'ENTRYPOINT ["/usr/local/bin/tini", "--"]',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM alpine:3.20',
        'RUN set -eux; \\',
        '    wget -q -O /usr/local/bin/tini "https://e.com/tini"; chmod +x /usr/local/bin/tini',
        'ENTRYPOINT ["/usr/local/bin/tini", "--"]',
      ),
    );
  });

  it('replaces the ADD with a RUN when no RUN uses the file (not preferred), keeping --chown and making the folder', () => {
    const t = df(
      'FROM node:20',
      'ADD --chown=node:node https://e.com/agent.jar /opt/otel/',
      'CMD ["node", "-r", "/opt/otel/agent.jar"]',
    );
    const f = only(t, CODE)[0]!;
    assert.equal(f.fixes[0]!.preferred, false);
    assert.equal(
      fixWith(t, CODE, {}, 0),
      df(
        'FROM node:20',
        'RUN mkdir -p /opt/otel && curl -fsSL -o /opt/otel/agent.jar "https://e.com/agent.jar" && chown node:node /opt/otel/agent.jar',
        'CMD ["node", "-r", "/opt/otel/agent.jar"]',
      ),
    );
  });

  it('sees curl in the analysed layers before the ADD', () => {
    const t = df('FROM debian:bookworm-slim', 'ADD https://e.com/a.tgz /tmp/', 'RUN tar -xzf /tmp/a.tgz');
    const over = {
      layerOf: (i: number) => (i === 1 ? 2 : null),
      contents: { addedUnder: (l: number, p: string) => (l === 1 && p === '/usr/bin/curl' ? 250_000 : 0) },
    };
    assert.equal(only(t, CODE, over)[0]!.fixes.length, 1);
  });

  it('offers no fix for flags it cannot carry over (--checksum), nor across a USER change', () => {
    assert.equal(only(df('FROM node:20', 'ADD --checksum=sha256:abc https://e.com/a /a'), CODE)[0]!.fixes.length, 0);
    const t = df('FROM node:20', 'ADD https://e.com/a.tgz /tmp/', 'USER node', 'RUN tar -xzf /tmp/a.tgz');
    assert.equal(only(t, CODE)[0]!.fixes[0]!.preferred, false);
  });

  it('is idempotent', () =>
    assertIdempotent(df('FROM node:20', 'ADD https://e.com/a.tgz /tmp/', 'RUN tar -xzf /tmp/a.tgz -C /opt'), CODE));
});
