// Heredoc RUNs are read like any RUN: the body the shell runs is the script, findings land on the RUN, and fixes edit
// inside the body in its own form (a line of its own, its indentation, tabs under <<-), never turning it into a chain.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../../server/src/core/dockerfile';
import { df, fixAllOf, fixWith, found, only } from '../../support/rules';

const DEBIAN = 'FROM debian:bookworm-slim';

describe('rules: heredoc RUN and COPY', () => {
  it('RUN <<EOF: the body is the script, every apt rule reads it', () => {
    const t = df(DEBIAN, 'RUN <<EOF', 'apt-get update', 'apt-get install -y curl', 'EOF');
    assert.deepEqual(found(t), ['apt-lists-not-removed@2', 'apt-install-recommends@2']);
    assert.equal(
      fixAllOf(t).text,
      df(
        DEBIAN,
        'RUN <<EOF',
        'apt-get update',
        'apt-get install -y --no-install-recommends curl',
        'rm -rf /var/lib/apt/lists/*',
        'EOF',
      ),
    );
  });

  it("RUN <<EOT bash: the body is bash's script; the cleanup line takes the body's indentation", () => {
    const t = df(
      DEBIAN,
      'RUN <<EOT bash',
      '  set -ex',
      '  apt-get update',
      '  apt-get install -y --no-install-recommends curl',
      'EOT',
    );
    assert.equal(
      fixWith(t, 'apt-lists-not-removed'),
      df(
        DEBIAN,
        'RUN <<EOT bash',
        '  set -ex',
        '  apt-get update',
        '  apt-get install -y --no-install-recommends curl',
        '  rm -rf /var/lib/apt/lists/*',
        'EOT',
      ),
    );
  });

  it('RUN <<-EOS: tabs are stripped for the shell and kept in the file', () => {
    const t = df(DEBIAN, 'RUN <<-EOS', '\tapt-get update', '\tapt-get install -y curl', '\tEOS');
    assert.equal(
      fixAllOf(t).text,
      df(
        DEBIAN,
        'RUN <<-EOS',
        '\tapt-get update',
        '\tapt-get install -y --no-install-recommends curl',
        '\trm -rf /var/lib/apt/lists/*',
        '\tEOS',
      ),
    );
  });

  it('continuation lines inside a body are one command; the cleanup line is indented like the statement', () => {
    const t = df(DEBIAN, 'RUN <<EOF', 'apt-get update && \\', '    apt-get install -y \\', '        curl', 'EOF');
    assert.deepEqual(found(t), ['apt-lists-not-removed@2', 'apt-install-recommends@2']);
    assert.equal(
      fixAllOf(t).text,
      df(
        DEBIAN,
        'RUN <<EOF',
        'apt-get update && \\',
        '    apt-get install -y --no-install-recommends \\',
        '        curl',
        'rm -rf /var/lib/apt/lists/*',
        'EOF',
      ),
    );
  });

  it('a quoted delimiter reads the same, and the fix ends before the terminator', () => {
    const t = df('FROM python:3.12-slim', "RUN <<'EOF'", 'pip install flask', 'EOF', 'CMD ["flask"]');
    assert.equal(
      fixWith(t, 'pip-cache'),
      df('FROM python:3.12-slim', "RUN <<'EOF'", 'pip install --no-cache-dir flask', 'EOF', 'CMD ["flask"]'),
    );
    assert.equal(parseDockerfile(t).instructions[1]!.heredocs[0]!.quoted, true);
  });

  it('a body given to another program is not shell: python3 <<EOF, a #! line, cat > file', () => {
    assert.deepEqual(
      found(df(DEBIAN, 'RUN python3 <<EOF', 'import os; os.system("apt-get install -y curl")', 'EOF')),
      [],
    );
    assert.deepEqual(
      found(df(DEBIAN, 'RUN <<EOF', '#!/usr/bin/env python3', 'print("apt-get install -y curl")', 'EOF')),
      [],
    );
    assert.deepEqual(found(df(DEBIAN, 'RUN <<EOF cat > /etc/apt/apt.conf.d/x', 'apt-get install -y curl', 'EOF')), []);
  });

  it('several heredocs in one RUN: the command line is the shell, the bodies are files', () => {
    const t = df(
      DEBIAN,
      'RUN <<A cat > /a && <<B cat > /b && apt-get update && apt-get install -y curl',
      'apk add x',
      'A',
      'pip install y',
      'B',
    );
    assert.deepEqual(found(t), ['apt-lists-not-removed@2', 'apt-install-recommends@2']);
    assert.equal(
      fixWith(t, 'apt-install-recommends'),
      t.replace('install -y curl', 'install -y --no-install-recommends curl'),
    );
  });

  it('apk update on a line of its own goes with its line', () => {
    const t = df('FROM alpine:3.20', 'RUN <<EOF', 'set -e', 'apk update', 'apk add curl', 'EOF');
    assert.equal(
      fixWith(t, 'apk-cache'),
      df('FROM alpine:3.20', 'RUN <<EOF', 'set -e', 'apk add --no-cache curl', 'EOF'),
    );
  });

  it('an update alone moves into the heredoc as a line before the install', () => {
    const t = df(
      DEBIAN,
      'RUN apt-get update',
      'RUN <<EOF',
      '    apt-get install -y --no-install-recommends curl',
      '    rm -rf /var/lib/apt/lists/*',
      'EOF',
    );
    assert.equal(
      fixWith(t, 'apt-update-alone'),
      df(
        DEBIAN,
        'RUN <<EOF',
        '    apt-get update',
        '    apt-get install -y --no-install-recommends curl',
        '    rm -rf /var/lib/apt/lists/*',
        'EOF',
      ),
    );
  });

  it('COPY <<EOF is a COPY of inline content: chown -R over it is re-stored, and --chown is added to the COPY', () => {
    const t = df(
      'FROM node:20-slim',
      'WORKDIR /app',
      'COPY <<EOF /app/config.json',
      '{"port": 8080}',
      'EOF',
      'RUN chown -R node:node /app',
    );
    assert.deepEqual(found(t), ['recursive-chown-after-copy@6']);
    assert.equal(
      fixWith(t, 'recursive-chown-after-copy'),
      df(
        'FROM node:20-slim',
        'WORKDIR /app',
        'COPY --chown=node:node <<EOF /app/config.json',
        '{"port": 8080}',
        'EOF',
        'RUN chown node:node /app',
      ),
    );
  });

  it('a fixed heredoc is left alone by a second fix-all', () => {
    const t = df(DEBIAN, 'RUN <<EOF', 'apt-get update', 'apt-get install -y curl', 'EOF');
    const once = fixAllOf(t).text;
    assert.deepEqual(fixAllOf(once).applied, []);
    assert.deepEqual(only(once, 'apt-lists-not-removed'), []);
  });
});
