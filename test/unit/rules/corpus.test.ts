// Precision and robustness over the corpus: official-image style files raise nothing, smelly files raise exactly
// their header's findings, and no file — nor any mutated copy — makes a rule throw, put a range outside the text,
// or offer a fix whose edits overlap or break the parse.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../../server/src/core/dockerfile';
import { applyEdits, RULES, staticContext, type Finding } from '../../../server/src/core/rules/index';
import { ROOT } from '../../support/cli';
import { corpus, mutations } from '../../support/corpus';
import { lint } from '../../support/rules';

const DIR = join(ROOT, 'test', 'fixtures', 'dockerfiles');
const HEADER = /^# smells: (.*)$/m;
const read = (sub: string) =>
  readdirSync(join(DIR, sub)).map((f) => ({ f, text: readFileSync(join(DIR, sub, f), 'utf8') }));

function inside(f: Finding, text: string): boolean {
  const lens = text.split(/\r\n|\n|\r/).map((l) => l.length);
  const ok = (p: { line: number; character: number }) =>
    p.line >= 0 && p.line < lens.length && p.character >= 0 && p.character <= lens[p.line]!;
  return ok(f.range.start) && ok(f.range.end);
}

describe('rules: precision on the corpus', () => {
  for (const { f, text } of read('clean')) {
    it(`clean/${f}: no finding at all`, () =>
      assert.deepEqual(
        lint(text).map((x) => `${x.severity} ${x.code}@${x.range.start.line + 1}`),
        [],
      ));
  }
  for (const { f, text } of read('windows')) {
    it(`windows/${f}: no finding`, () =>
      assert.deepEqual(
        lint(text).map((x) => x.code),
        [],
      ));
  }
  for (const { f, text } of read('smelly')) {
    it(`smelly/${f}: exactly the header's findings`, () => {
      const want = expected(text);
      const got = lint(text)
        .map((x) => `${x.code}@${x.range.start.line + 1}`)
        .sort();
      assert.deepEqual(got, want);
      assert.ok(
        lint(text).every((x) => x.severity === 'warning' || x.severity === 'info'),
        'smells of the image are not hints',
      );
    });
  }
});

/** `code@line` of every finding the file's header lists (none for a file without one). */
function expected(text: string): string[] {
  const header = HEADER.exec(text)?.[1];
  return header
    ? header
        .split(', ')
        .map((s) => /^(\S+) \(line (\d+)\)$/.exec(s)!)
        .map((m) => `${m[1]}@${m[2]}`)
        .sort()
    : [];
}

describe('rules: precision and recall over the corpus', () => {
  it('every listed smell is found (recall) and every finding is listed (precision); the counts are printed', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const files = ['clean', 'smelly', 'windows'].flatMap((sub) => read(sub));
    for (const { text } of files) {
      const want = expected(text);
      const got = lint(text).map((x) => `${x.code}@${x.range.start.line + 1}`);
      const hit = got.filter((g) => want.includes(g)).length;
      tp += hit;
      fp += got.length - hit;
      fn += want.filter((w) => !got.includes(w)).length;
    }
    const heredocs = files.filter(({ text }) => /^(RUN|COPY)\b.*<<-?["']?[A-Za-z_]/im.test(text)).length;
    console.log(
      `      corpus: ${files.length} files (${heredocs} with heredocs), ${tp} findings expected and found, ${fp} unexpected, ${fn} missed: ` +
        `precision ${(tp / (tp + fp)).toFixed(3)}, recall ${(tp / (tp + fn)).toFixed(3)}`,
    );
    assert.equal(fp, 0, 'findings the headers do not list');
    assert.equal(fn, 0, 'smells the rules miss');
  });
});

describe('rules: robustness on every Dockerfile and mutated copies', function () {
  this.timeout(120000);
  corpus().forEach(({ name, text }, n) => {
    it(name, () => {
      for (const v of [text, ...mutations(text, 5000 + n, 12)]) {
        const model = parseDockerfile(v);
        const ctx = staticContext(model, {
          buildContext: {
            files: [
              { path: '.git/x', bytes: 5e6 },
              { path: 'package-lock.json', bytes: 10 },
            ],
            dockerignore: null,
          },
        });
        for (const rule of RULES) {
          const found = rule.evaluate(ctx); // no try: a throw fails the test
          for (const f of found) {
            assert.equal(f.code, rule.code);
            assert.ok(inside(f, v), `${rule.code}: range outside the text`);
            for (const fix of f.fixes) {
              const out = applyEdits(v, fix.edits);
              assert.ok(out !== null, `${rule.code}: overlapping edits in "${fix.title}"`);
              parseDockerfile(out);
            }
          }
        }
      }
    });
  });
});
