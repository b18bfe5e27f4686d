// Fixes keep the file's style: escape character (backtick too), aligned backslashes, operator position,
// indentation (tabs), comments inside continuations, CRLF line ends.
import { strict as assert } from 'node:assert';
import { df, fixWith } from '../../support/rules';

describe("rules: fixes keep the file's style", () => {
  it('uses the backtick when the file declares it, and leaves backslashes in commands alone', () => {
    const t = df(
      '# escape=`',
      'FROM debian:bookworm-slim',
      'RUN apt-get update `',
      '    && apt-get install -y --no-install-recommends curl `',
      '    # the CA bundle',
      '    ca-certificates',
      'RUN echo C:\\x > /tmp/a',
    );
    assert.equal(
      fixWith(t, 'apt-lists-not-removed'),
      df(
        '# escape=`',
        'FROM debian:bookworm-slim',
        'RUN apt-get update `',
        '    && apt-get install -y --no-install-recommends curl `',
        '    # the CA bundle',
        '    ca-certificates `',
        '    && rm -rf /var/lib/apt/lists/*',
        'RUN echo C:\\x > /tmp/a',
      ),
    );
    assert.equal(
      fixWith(t, 'consecutive-run', {}, 0),
      df(
        '# escape=`',
        'FROM debian:bookworm-slim',
        'RUN apt-get update `',
        '    && apt-get install -y --no-install-recommends curl `',
        '    # the CA bundle',
        '    ca-certificates `',
        '    && echo C:\\x > /tmp/a',
      ),
    );
  });

  it('keeps backslashes aligned in their column', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      'RUN apt-get update                                   \\',
      ' &&  apt-get install -y --no-install-recommends curl \\',
      ' &&  apt-get clean',
    );
    assert.equal(
      fixWith(t, 'apt-lists-not-removed'),
      df(
        'FROM debian:bookworm-slim',
        'RUN apt-get update                                   \\',
        ' &&  apt-get install -y --no-install-recommends curl \\',
        ' &&  apt-get clean                                   \\',
        ' && rm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('keeps trailing operators and tab indentation', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      'RUN apt-get update && \\',
      '\tapt-get install -y --no-install-recommends curl',
    );
    assert.equal(
      fixWith(t, 'apt-lists-not-removed'),
      df(
        'FROM debian:bookworm-slim',
        'RUN apt-get update && \\',
        '\tapt-get install -y --no-install-recommends curl && \\',
        '\trm -rf /var/lib/apt/lists/*',
      ),
    );
  });

  it('keeps CRLF line ends', () => {
    const t =
      'FROM debian:bookworm-slim\r\nRUN apt-get update && \\\r\n    apt-get install -y --no-install-recommends curl\r\nRUN rm -rf /tmp/*\r\n';
    assert.equal(
      fixWith(t, 'apt-lists-not-removed'),
      'FROM debian:bookworm-slim\r\nRUN apt-get update && \\\r\n    apt-get install -y --no-install-recommends curl && \\\r\n    rm -rf /var/lib/apt/lists/*\r\nRUN rm -rf /tmp/*\r\n',
    );
    assert.equal(
      fixWith(t, 'consecutive-run'),
      'FROM debian:bookworm-slim\r\nRUN apt-get update && \\\r\n    apt-get install -y --no-install-recommends curl && \\\r\n    rm -rf /tmp/*\r\n',
    );
  });

  it('takes the operator style from the rest of the file for a one-line RUN that must grow', () => {
    const t = df('FROM debian:bookworm-slim', 'RUN set -e \\', '  && echo a', 'RUN echo b', 'RUN echo c');
    assert.equal(
      fixWith(t, 'consecutive-run', {}, 0),
      df('FROM debian:bookworm-slim', 'RUN set -e \\', '  && echo a \\', '  && echo b', 'RUN echo c'),
    );
  });

  it('keeps lower-case keywords', () => {
    assert.equal(
      fixWith(df('from node:20', 'add https://e.com/a /a', 'cmd ["node"]'), 'add-remote-url', {}, 0),
      df('from node:20', 'run curl -fsSL -o /a "https://e.com/a"', 'cmd ["node"]'),
    );
  });
});
