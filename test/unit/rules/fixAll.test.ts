// Fix all: one fix at a time with a re-parse between, structural fixes first, bounded, idempotent.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../../server/src/core/dockerfile';
import { applyEdits, computeFindings, fixAll, staticContext } from '../../../server/src/core/rules/index';
import { ROOT } from '../../support/cli';
import { df } from '../../support/rules';

const all = (text: string, only?: string[]) => fixAll(text, (m) => staticContext(m), only ? { only: new Set(only) } : {});

describe('rules: fix all', () => {
  it('several fixes on the same RUN: update moved, RUNs joined, flags added, lists removed', () => {
    const t = df('FROM debian:bookworm-slim', 'RUN apt-get update', 'RUN apt-get install -y python3-pip', 'RUN pip3 install flask', 'CMD ["flask", "run"]');
    const r = all(t);
    assert.equal(r.text, df('FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends python3-pip && \\',
      '    pip3 install --no-cache-dir flask && \\',
      '    rm -rf /var/lib/apt/lists/*',
      'CMD ["flask", "run"]'));
    assert.deepEqual(r.applied.map((a) => a.code), ['apt-update-alone', 'consecutive-run', 'apt-install-recommends', 'apt-lists-not-removed', 'pip-cache']);
    assert.deepEqual(all(r.text).applied, []);
    assert.deepEqual(computeFindings(staticContext(parseDockerfile(r.text)), { disabled: new Set() }).map((f) => f.code), []);
  });

  it('--only limits the codes, and the others stay', () => {
    const t = df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y curl');
    const r = all(t, ['apt-install-recommends']);
    assert.equal(r.text, df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'));
    assert.deepEqual(all(r.text, ['apt-lists-not-removed']).applied.map((a) => a.code), ['apt-lists-not-removed']);
  });

  it('leaves non-preferred fixes to the user', () => {
    const t = df('FROM golang:1.22', 'COPY . .', 'RUN CGO_ENABLED=0 go build -o /a .', 'CMD ["/a"]');
    assert.equal(all(t).text, t);
  });

  it('every smelly fixture converges to a fixed point, and a second run changes nothing', () => {
    const dir = join(ROOT, 'test', 'fixtures', 'dockerfiles', 'smelly');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      const once = all(text);
      assert.ok(once.applied.length > 0 || f.startsWith('add-remote') || f.startsWith('go-') || f.startsWith('maven'), `${f}: nothing fixed`);
      assert.equal(all(once.text).text, once.text, f);
      // Each fixed text still parses into the same number of stages.
      assert.equal(parseDockerfile(once.text).stages.length, parseDockerfile(text).stages.length, f);
    }
  });

  it('applyEdits refuses overlapping edits', () => {
    const r = (l: number, a: number, b: number) => ({ start: { line: l, character: a }, end: { line: l, character: b } });
    assert.equal(applyEdits('abcdef', [{ range: r(0, 0, 3), newText: 'x' }, { range: r(0, 2, 4), newText: 'y' }]), null);
    assert.equal(applyEdits('abcdef', [{ range: r(0, 3, 4), newText: 'y' }, { range: r(0, 0, 3), newText: 'x' }]), 'xyef');
  });
});
