// The model and the matcher over every Dockerfile the tests have and over mutated and truncated copies of them:
// they never throw, and every range they give lies inside the text.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { matchHistory } from '../../server/src/core/match';
import { buildReport } from '../../server/src/core/report';
import { corpus, mutations } from '../support/corpus';
import { assertModelRanges, lineLengths } from '../support/ranges';
import { allRecordings } from '../support/recorded';

describe('robustness: model and matcher on every Dockerfile and mutated copies', function () {
  this.timeout(120000);
  const histories = allRecordings()
    .filter((r) => r.case === 'forms' || r.case === 'multistage-chain')
    .map((r) => r.info);
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
        assertModelRanges(model, what);
        for (const info of histories) {
          const match = matchHistory(model, info);
          assert.equal(match.instructions.length, model.instructions.length, what);
          const report = buildReport({ dockerfile: name, model, image: { info, ref: 'x', source: 'engine' }, match });
          for (const i of report.instructions)
            assert.ok(i.line >= 1 && i.endLine >= i.line && i.endLine <= lineLengths(v).length, what);
        }
      });
    });
  });
});
