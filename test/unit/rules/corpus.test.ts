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
const read = (sub: string) => readdirSync(join(DIR, sub)).map((f) => ({ f, text: readFileSync(join(DIR, sub, f), 'utf8') }));

function inside(f: Finding, text: string): boolean {
  const lens = text.split(/\r\n|\n|\r/).map((l) => l.length);
  const ok = (p: { line: number; character: number }) => p.line >= 0 && p.line < lens.length && p.character >= 0 && p.character <= lens[p.line]!;
  return ok(f.range.start) && ok(f.range.end);
}

describe('rules: precision on the corpus', () => {
  for (const { f, text } of read('clean')) {
    it(`clean/${f}: no finding at all`, () => assert.deepEqual(lint(text).map((x) => `${x.severity} ${x.code}@${x.range.start.line + 1}`), []));
  }
  for (const { f, text } of read('windows')) {
    it(`windows/${f}: no finding`, () => assert.deepEqual(lint(text).map((x) => x.code), []));
  }
  for (const { f, text } of read('smelly')) {
    it(`smelly/${f}: exactly the header's findings`, () => {
      const header = /^# smells: (.*)$/m.exec(text)![1]!;
      const want = header.split(', ').map((s) => /^(\S+) \(line (\d+)\)$/.exec(s)!).map((m) => `${m[1]}@${m[2]}`).sort();
      const got = lint(text).map((x) => `${x.code}@${x.range.start.line + 1}`).sort();
      assert.deepEqual(got, want);
      assert.ok(lint(text).every((x) => x.severity === 'warning' || x.severity === 'info'), 'smells of the image are not hints');
    });
  }
});

describe('rules: robustness on every Dockerfile and mutated copies', function () {
  this.timeout(120000);
  corpus().forEach(({ name, text }, n) => {
    it(name, () => {
      for (const v of [text, ...mutations(text, 5000 + n, 12)]) {
        const model = parseDockerfile(v);
        const ctx = staticContext(model, { buildContext: { files: [{ path: '.git/x', bytes: 5e6 }, { path: 'package-lock.json', bytes: 10 }], dockerignore: null } });
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
