// pip-cache: --no-cache-dir after `install`, for every spelling of pip.
import { strict as assert } from 'node:assert';
import { analysed, assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'pip-cache';

describe(`rule ${CODE}`, () => {
  it('fires on pip, pip3, a venv pip and python -m pip', () => {
    for (const cmd of [
      'pip install flask',
      'pip3 install -r r.txt',
      '/opt/venv/bin/pip install .',
      'python3 -m pip install --upgrade pip',
    ]) {
      assert.deepEqual(found(df('FROM python:3.12-slim', `RUN ${cmd}`), {}, CODE), [`${CODE}@2`], cmd);
    }
  });

  for (const run of [
    'pip install --no-cache-dir flask',
    'PIP_NO_CACHE_DIR=1 pip install flask',
    'pip install flask && pip cache purge',
    'pip install flask && rm -rf /root/.cache',
    'pip download flask',
    'pip install $PIP_ARGS flask',
  ]) {
    it(`stays silent: ${run}`, () => assert.deepEqual(found(df('FROM python:3.12-slim', `RUN ${run}`), {}, CODE), []));
  }

  it('stays silent with PIP_NO_CACHE_DIR in ENV or a cache mount', () => {
    assert.deepEqual(
      found(df('FROM python:3.12-slim', 'ENV PIP_NO_CACHE_DIR=1', 'RUN pip install flask'), {}, CODE),
      [],
    );
    assert.deepEqual(
      found(df('FROM python:3.12-slim', 'RUN --mount=type=cache,target=/root/.cache/pip pip install flask'), {}, CODE),
      [],
    );
  });

  it('adds the flag after install', () => {
    assert.equal(
      fixWith(df('FROM p', 'RUN python -m venv /v \\', '    && /v/bin/pip install -r requirements.txt'), CODE),
      df('FROM p', 'RUN python -m venv /v \\', '    && /v/bin/pip install --no-cache-dir -r requirements.txt'),
    );
    assert.equal(
      fixWith(df('FROM p', 'RUN python3 -m pip install -U pip && pip install flask'), CODE),
      df('FROM p', 'RUN python3 -m pip install --no-cache-dir -U pip && pip install --no-cache-dir flask'),
    );
  });

  it('measured: names the bytes the cache added; measured at 0 B, claims no saving', () => {
    const text = df('FROM python:3.12-slim', 'RUN pip install flask');
    const [full] = only(text, CODE, analysed(2, { 1: { '/root/.cache/pip/http/a.bin': 4_000_000 } }));
    assert.match(full?.message ?? '', /\/root\/\.cache\/pip adds 4 MB to this layer\./);
    assert.equal(full?.savingsBytes, 4_000_000);
    // The layer was read and the cache is not in it (pip ran as another user, or its config turned the cache off).
    const [empty] = only(text, CODE, analysed(2, {}));
    assert.doesNotMatch(empty?.message ?? '', /adds 0 B/);
    assert.match(empty?.message ?? '', /\/root\/\.cache\/pip holds nothing in this layer: no measurable saving\./);
    assert.equal(empty?.severity, 'hint');
    assert.ok(!empty?.savingsBytes, `a saving claimed: ${String(empty?.savingsBytes)}`);
  });

  it('is idempotent', () => assertIdempotent(df('FROM p', 'RUN pip install flask'), CODE));
});
