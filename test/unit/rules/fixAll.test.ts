// Fix all: one fix at a time with a re-parse between, structural fixes first, bounded, idempotent.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerContents } from '../../../server/src/core/analysis';
import { parseDockerfile, type DockerfileModel } from '../../../server/src/core/dockerfile';
import { layersForImage } from '../../../server/src/core/layers';
import { matchHistory } from '../../../server/src/core/match';
import {
  applyEdits,
  computeFindings,
  fixAll,
  layerOfFromMatch,
  staticContext,
  type RuleContext,
} from '../../../server/src/core/rules/index';
import { ROOT } from '../../support/cli';
import { corpus } from '../../support/corpus';
import { analysed, df } from '../../support/rules';

const all = (text: string, only?: string[]) =>
  fixAll(text, (m) => staticContext(m), only ? { only: new Set(only) } : {});

describe('rules: fix all', () => {
  it('several fixes on the same RUN: update moved, RUNs joined, flags added, lists removed', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      'RUN apt-get update',
      'RUN apt-get install -y python3-pip',
      'RUN rm -rf /tmp/*',
      'RUN pip3 install flask',
      'CMD ["flask", "run"]',
    );
    const r = all(t);
    // The pip RUN stays apart: joining it deletes nothing of the apt RUN, so it would save no byte.
    assert.equal(
      r.text,
      df(
        'FROM debian:bookworm-slim',
        'RUN apt-get update && apt-get install -y --no-install-recommends python3-pip && \\',
        '    rm -rf /tmp/* && \\',
        '    rm -rf /var/lib/apt/lists/*',
        'RUN pip3 install --no-cache-dir flask',
        'CMD ["flask", "run"]',
      ),
    );
    assert.deepEqual(
      r.applied.map((a) => a.code),
      ['apt-update-alone', 'consecutive-run', 'apt-install-recommends', 'apt-lists-not-removed', 'pip-cache'],
    );
    assert.deepEqual(all(r.text).applied, []);
    // What remains offers no fix fix-all applies: the join of the pip RUN, as a suggestion.
    const left = computeFindings(staticContext(parseDockerfile(r.text)), { disabled: new Set() }).findings;
    assert.deepEqual(
      left.map((f) => [f.code, f.severity, f.fixes.some((x) => x.preferred)]),
      [['consecutive-run', 'info', false]],
    );
  });

  it('--only limits the codes, and the others stay', () => {
    const t = df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y curl');
    const r = all(t, ['apt-install-recommends']);
    assert.equal(
      r.text,
      df('FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'),
    );
    assert.deepEqual(
      all(r.text, ['apt-lists-not-removed']).applied.map((a) => a.code),
      ['apt-lists-not-removed'],
    );
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
      assert.ok(
        once.applied.length > 0 || f.startsWith('add-remote') || f.startsWith('go-') || f.startsWith('maven'),
        `${f}: nothing fixed`,
      );
      assert.equal(all(once.text).text, once.text, f);
      // Each fixed text still parses into the same number of stages.
      assert.equal(parseDockerfile(once.text).stages.length, parseDockerfile(text).stages.length, f);
    }
  });

  it('spends no edit on a stage that does not reach the image, unless --only names the code', () => {
    const t = df(
      'FROM debian:bookworm-slim AS tools',
      'RUN apt-get update && apt-get install -y curl',
      'FROM debian:bookworm-slim',
      'COPY --from=tools /usr/bin/curl /usr/bin/curl',
    );
    assert.deepEqual(all(t).applied, []);
    assert.deepEqual(
      all(t, ['apt-install-recommends']).applied.map((a) => a.code),
      ['apt-install-recommends'],
    );
  });

  it('keeps deciding from the measurements after its own edits: the update moved, then apt-get clean still appended', () => {
    // local/debian:bookworm-slim as built by the legacy builder: base rows known, the update and the install measured.
    const row = (createdBy: string, sizeBytes: number) => ({
      createdBy,
      sizeBytes,
      created: null,
      comment: '',
      id: null,
      emptyLayer: null,
    });
    const image = {
      history: [
        row('/bin/sh -c #(nop) ADD file:abc in / ', 116_667_167),
        row('/bin/sh -c #(nop)  CMD ["bash"]', 0),
        row('/bin/sh -c apt-get update', 161_094_931),
        row('/bin/sh -c apt-get install -y curl', 62_447_778),
      ],
      layers: ['sha256:a', 'sha256:b', 'sha256:c'],
    };
    const sizes: Record<number, Record<string, number>> = {
      1: { '/var/lib/apt/lists': 82_923_063, '/var/cache/apt': 78_184_156 },
      2: { '/var/cache/apt': 45_200_000, '/usr': 17_000_000 },
    };
    const contents: LayerContents = { addedUnder: (l, p) => sizes[l]?.[p] ?? 0 };
    const measured = analysed(0).analysis!;
    const make = (model: DockerfileModel): RuleContext => {
      const match = matchHistory(model, image, { baseRows: 2, baseLayers: 1 });
      const layerOf = layerOfFromMatch(match, layersForImage(image, model, match.builder).layerOf);
      return staticContext(model, { match, builder: match.builder, layerOf, contents, analysis: measured });
    };
    const t = df('FROM local/debian:bookworm-slim', 'RUN apt-get update', 'RUN apt-get install -y curl');
    const r = fixAll(t, make);
    assert.equal(
      r.text,
      df(
        'FROM local/debian:bookworm-slim',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean && rm -rf /var/lib/apt/lists/*',
      ),
    );
    assert.deepEqual(
      r.applied.map((a) => a.code),
      ['apt-update-alone', 'apt-install-recommends', 'apt-lists-not-removed'],
    );
    assert.equal(fixAll(r.text, make).text, r.text);
  });

  it('a cleanup appended to the install drops the later removal it makes redundant, and nothing is written twice', () => {
    const rm = 'rm -rf /var/lib/apt/lists/*';
    for (const t of [
      df('FROM debian:bookworm-slim', 'RUN apt-get update', 'RUN apt-get install -y curl', `RUN ${rm}`),
      df('FROM debian:bookworm-slim', 'RUN apt-get update', 'RUN apt-get install -y curl', 'COPY a /a', `RUN ${rm}`),
      df(
        'FROM debian:bookworm-slim',
        'RUN apt-get update && apt-get install -y curl',
        'ENV X=1',
        `RUN ${rm} && echo hi`,
      ),
    ]) {
      const once = all(t);
      assert.equal(once.text.split(rm).length - 1, 1, `one removal of the lists:\n${once.text}`);
      assert.match(
        once.text,
        /apt-get install -y --no-install-recommends curl && (\\\n\s*)?rm -rf \/var\/lib\/apt\/lists\/\*/,
      );
      assert.deepEqual(all(once.text).applied, [], `a second fix changes nothing:\n${once.text}`);
    }
  });

  it('an escaped blank before a continuation (Docker continues the line): fixed once, and a second run changes nothing', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      'RUN apt-get update \\',
      '    && apt-get install -y curl \\  \\',
      '    && echo done',
    );
    const once = all(t);
    assert.deepEqual(
      once.applied.map((a) => `${a.code}@${a.line}`),
      ['apt-install-recommends@2', 'apt-lists-not-removed@2'],
    );
    assert.equal(once.text.split('rm -rf /var/lib/apt/lists/*').length - 1, 1, once.text);
    assert.match(once.text, /&& echo done \\\n {4}&& rm -rf \/var\/lib\/apt\/lists\/\*\n$/);
    assert.equal(all(once.text).text, once.text);
  });

  it('reaches the fixed point in one run however many findings: 250 installs, each fixed, none left', () => {
    const t = df(
      'FROM debian:bookworm-slim',
      ...Array.from({ length: 250 }, (_, k) => `RUN apt-get install -y pkg${k}`),
    );
    const once = all(t);
    assert.equal(once.applied.filter((a) => a.code === 'apt-install-recommends').length, 250);
    assert.equal(once.text.split('--no-install-recommends').length - 1, 250);
    assert.deepEqual(all(once.text).applied, []);
  });

  it('over the whole corpus (heredoc files included), one run is the fixed point: a second run changes nothing', function () {
    this.timeout(60000);
    for (const { name, text } of corpus()) {
      const once = all(text);
      const again = all(once.text);
      assert.deepEqual(
        again.applied,
        [],
        `${name}: a second fix applies ${again.applied.map((a) => a.code).join(', ')}`,
      );
      assert.equal(again.text, once.text, name);
    }
  });

  it('applyEdits refuses overlapping edits', () => {
    const r = (l: number, a: number, b: number) => ({
      start: { line: l, character: a },
      end: { line: l, character: b },
    });
    assert.equal(
      applyEdits('abcdef', [
        { range: r(0, 0, 3), newText: 'x' },
        { range: r(0, 2, 4), newText: 'y' },
      ]),
      null,
    );
    assert.equal(
      applyEdits('abcdef', [
        { range: r(0, 3, 4), newText: 'y' },
        { range: r(0, 0, 3), newText: 'x' },
      ]),
      'xyef',
    );
  });
});
