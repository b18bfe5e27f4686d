// The one check every robustness suite makes: a range lies inside the text it was computed for.
import { strict as assert } from 'node:assert';
import type { Range } from 'vscode-languageserver-types';
import type { DockerfileModel } from '../../server/src/core/dockerfile';

/** The length of each line, split the way LSP positions count lines (\r\n, \n and \r). */
export function lineLengths(text: string): number[] {
  return text.split(/\r\n|\n|\r/).map((l) => l.length);
}

export function assertInside(r: Range, lens: readonly number[], what: string): void {
  const ok = (p: { line: number; character: number }) =>
    p.line >= 0 && p.line < lens.length && p.character >= 0 && p.character <= lens[p.line]!;
  assert.ok(ok(r.start) && ok(r.end), `${what}: ${JSON.stringify(r)} outside a text of ${lens.length} lines`);
  assert.ok(
    r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character),
    `${what}: inverted range`,
  );
}

/** Every range of the model (instructions, keywords, flags) inside its text. */
export function assertModelRanges(
  model: DockerfileModel,
  what: string,
  lens: readonly number[] = lineLengths(model.text),
): void {
  for (const i of model.instructions) {
    assertInside(i.range, lens, `${what} ${i.keyword} range`);
    assertInside(i.keywordRange, lens, `${what} ${i.keyword} keyword range`);
    for (const f of i.flags) assertInside(f.range, lens, `${what} ${i.keyword} flag`);
  }
}
