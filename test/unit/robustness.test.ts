// The model and the matcher over every Dockerfile the tests have and over mutated and truncated copies of them:
// they never throw, and every range they give lies inside the text.
import { strict as assert } from 'node:assert';
import type { Range } from 'vscode-languageserver-types';
import { parseDockerfile, type DockerfileModel } from '../../server/src/core/dockerfile';
import { matchHistory } from '../../server/src/core/match';
import { buildReport } from '../../server/src/core/report';
import { corpus, mutations } from '../support/corpus';
import { allRecordings } from '../support/recorded';

function lineLengths(text: string): number[] {
  return text.split(/\r\n|\n|\r/).map((l) => l.length);
}

function assertInside(r: Range, lens: number[], what: string): void {
  const ok = (p: { line: number; character: number }) => p.line >= 0 && p.line < lens.length && p.character >= 0 && p.character <= lens[p.line]!;
  assert.ok(ok(r.start) && ok(r.end), `${what}: ${JSON.stringify(r)} outside a text of ${lens.length} lines`);
  assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what}: inverted range`);
}

function check(model: DockerfileModel, what: string): void {
  const lens = lineLengths(model.text);
  for (const i of model.instructions) {
    assertInside(i.range, lens, `${what} ${i.keyword} range`);
    assertInside(i.keywordRange, lens, `${what} ${i.keyword} keyword range`);
    for (const f of i.flags) assertInside(f.range, lens, `${what} ${i.keyword} flag`);
  }
}

describe('robustness: model and matcher on every Dockerfile and mutated copies', function () {
  this.timeout(120000);
  const histories = allRecordings().filter((r) => r.case === 'forms' || r.case === 'multistage-chain').map((r) => r.info);
  const files = corpus();

  it(`the corpus is there (${files.length} files)`, () => {
    assert.ok(files.length >= 25, `${files.length} files`);
  });

  files.forEach(({ name, text }, n) => {
    it(name, () => {
      const variants = [text, ...mutations(text, 1000 + n, 25)];
      variants.forEach((v, k) => {
        const what = `${name} variant ${k}`;
        const model = parseDockerfile(v);
        check(model, what);
        for (const info of histories) {
          const match = matchHistory(model, info);
          assert.equal(match.instructions.length, model.instructions.length, what);
          const report = buildReport({ dockerfile: name, model, image: { info, ref: 'x', source: 'engine' }, match });
          for (const i of report.instructions) assert.ok(i.line >= 1 && i.endLine >= i.line && i.endLine <= lineLengths(v).length, what);
        }
      });
    });
  });
});
