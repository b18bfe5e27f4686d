// Malformed history payloads, generated from the recorded answers of real engines by a seeded PRNG: every one either
// converts to rows the rest of the product can use (strings without control characters, sizes ≥ 0, dates a Date can
// hold) and goes through the matcher and the report without a throw, or is refused with one ApiShapeError line.
// A failure names its seed and writes its payload to test-results/fuzz/.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { matchHistory } from '../../server/src/core/match';
import { buildReport } from '../../server/src/core/report';
import { ApiShapeError, historyFromApi } from '../../server/src/engine/apiJson';
import { prng } from '../support/corpus';
import { fuzzFailure } from '../support/fuzz';
import { allRecordings } from '../support/recorded';

const PAYLOADS = 1000;
const HOSTILE = [
  null,
  true,
  0,
  -1,
  1e20,
  -1e20,
  1.5,
  2 ** 53 + 1,
  '',
  '\u001b[2J\u001b[Hcleared',
  'a\u0000b',
  'x'.repeat(100_000),
  [],
  {},
  [null],
  { Id: 1 },
  '<missing>',
  '1970-01-01T00:00:00Z',
  'RUN \u009b31m red',
  '/bin/sh -c #(nop) \r\n LABEL a=b',
];
const FIELDS = ['Id', 'Created', 'CreatedBy', 'Size', 'Comment', 'Tags'];
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** One malformed payload: a recorded history with fields replaced, dropped or retyped, rows broken or the whole retyped. */
function payload(rnd: Rnd, rows: readonly object[]): unknown {
  const out: unknown[] = rows.map((r) => ({ ...r }));
  const edits = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < edits; k++) {
    const i = Math.floor(rnd() * out.length);
    const r = rnd();
    if (r < 0.5 && out[i] && typeof out[i] === 'object')
      (out[i] as Record<string, unknown>)[pick(rnd, FIELDS)] = pick(rnd, HOSTILE);
    else if (r < 0.65 && out[i] && typeof out[i] === 'object')
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a random field goes missing: the point
      delete (out[i] as Record<string, unknown>)[pick(rnd, FIELDS)];
    else if (r < 0.8) out[i] = pick(rnd, HOSTILE);
    else if (r < 0.9) out.splice(i, Math.floor(rnd() * 3));
    else out.push(...out.slice(0, 1 + Math.floor(rnd() * 3)));
  }
  const whole = rnd();
  if (whole < 0.04) return pick(rnd, HOSTILE);
  if (whole < 0.06) return { history: out };
  return out;
}

describe('fuzz: malformed history payloads', function () {
  this.timeout(60000);
  const recordings = allRecordings().filter((r) => r.rawHistory.length > 0);

  it(`${PAYLOADS} payloads: usable rows or one ApiShapeError line, never anything else`, () => {
    let refused = 0;
    let failures = 0;
    const first: string[] = [];
    for (let seed = 1; seed <= PAYLOADS; seed++) {
      const rnd = prng(seed);
      const rec = recordings[seed % recordings.length]!;
      const raw = payload(rnd, rec.rawHistory);
      try {
        let rows;
        try {
          rows = historyFromApi(raw);
        } catch (e) {
          if (!(e instanceof ApiShapeError)) throw e;
          assert.ok(
            !e.message.includes('\n') && !CONTROL.test(e.message),
            `not one clean line: ${JSON.stringify(e.message)}`,
          );
          refused++;
          continue;
        }
        for (const row of rows) {
          assert.ok(
            !CONTROL.test(row.createdBy.replace(/[\n\t]/g, '')) && !CONTROL.test(row.comment),
            'a control character got through',
          );
          assert.ok(Number.isFinite(row.sizeBytes) && row.sizeBytes >= 0, `size ${row.sizeBytes}`);
          assert.ok(row.created === null || !Number.isNaN(Date.parse(row.created)), `date ${row.created}`);
        }
        const model = parseDockerfile(rec.dockerfile);
        const info = { ...rec.info, history: rows };
        const match = matchHistory(model, info);
        buildReport({ dockerfile: 'Dockerfile', model, image: { info, ref: 'fuzz', source: 'engine' }, match });
      } catch (e) {
        failures++;
        if (first.length < 3) first.push(fuzzFailure('history', seed, JSON.stringify(raw), e));
      }
    }
    console.log(`      fuzz: ${PAYLOADS} history payloads, ${refused} refused with one line, ${failures} failures`);
    assert.equal(failures, 0, first.join('\n'));
    assert.ok(refused > 0 && refused < PAYLOADS, `${refused} refused: the generator must make both kinds`);
  });
});
