// The matcher on histories recorded from real engines (legacy builder, BuildKit, Podman): every layer-making line
// gets the size of the row that names its marker, base rows collapse onto the FROM, edits make lines stale.
import { strict as assert } from 'node:assert';
import { makesLayer, parseDockerfile, stageChain, type DockerfileModel } from '../../server/src/core/dockerfile';
import { matchHistory, type MatchOptions, type MatchResult } from '../../server/src/core/match';
import { markerOf, rowOfMarker } from '../support/markers';
import { allRecordings, loadRecording, type Recording } from '../support/recorded';
import { MODERN_BUILDERS, type Builder } from '../support/builds';

function instructionText(model: DockerfileModel, k: number): string {
  const r = model.instructions[k]!.range;
  return model.text
    .split('\n')
    .slice(r.start.line, r.end.line + 1)
    .join('\n');
}

/** Asserts the size of every layer-making line of the built chain against the row that names its marker. */
function assertSizesByMarker(rec: Recording, model: DockerfileModel, result: MatchResult): number {
  const rows = rec.info.history;
  const createdBys = rows.map((r) => r.createdBy);
  const inChain = new Set(result.chain);
  let checked = 0;
  model.instructions.forEach((inst, k) => {
    if (!makesLayer(inst.keyword) || !inChain.has(inst.stage)) return;
    const marker = markerOf(inst.keyword, instructionText(model, k), rec.dockerfile);
    if (!marker) return;
    const row = rowOfMarker(createdBys, marker, inst.args);
    const m = result.instructions[k]!;
    assert.equal(m.status, 'matched', `${rec.builder}/${rec.case} line ${inst.range.start.line + 1}`);
    assert.equal(
      m.layerBytes,
      rows[row]!.sizeBytes,
      `${rec.builder}/${rec.case} line ${inst.range.start.line + 1} (${marker})`,
    );
    checked++;
  });
  return checked;
}

describe('match: recorded histories of real builds', () => {
  for (const rec of allRecordings()) {
    describe(`${rec.builder} / ${rec.case}`, () => {
      const model = parseDockerfile(rec.dockerfile);
      const variants: Array<[string, MatchOptions, boolean]> = [
        ['history only (base unknown)', {}, false],
        ['base known', { baseRows: rec.base.historyRows, baseLayers: rec.base.layers }, false],
        ['with empty_layer from the config', {}, true],
      ];
      for (const [what, opts, withConfig] of variants) {
        it(`sizes every layer-making line from its own row — ${what}`, () => {
          const info = withConfig ? rec.infoWithConfig : rec.info;
          const result = matchHistory(model, info, opts);
          assert.equal(result.builder, rec.kind);
          assert.equal(result.score, 1);
          const checked = assertSizesByMarker(rec, model, result);
          const expected = model.instructions.filter(
            (i) => makesLayer(i.keyword) && result.chain.includes(i.stage) && /\/m-|\$\{DEST\}/.test(i.args),
          ).length;
          assert.equal(checked, expected);
          assert.ok(checked > 0);
        });
      }

      it('collapses the base image onto the root FROM line', () => {
        const result = matchHistory(model, rec.info, { baseRows: rec.base.historyRows, baseLayers: rec.base.layers });
        const root = model.stages[result.chain[0]!]!;
        assert.ok(result.base);
        assert.equal(result.base.instruction, root.from.index);
        assert.equal(result.base.layers, rec.base.layers);
        const baseRowsBytes = rec.info.history.slice(0, rec.base.historyRows).reduce((s, r) => s + r.sizeBytes, 0);
        assert.equal(result.base.sizeBytes, baseRowsBytes);
        // dockerd 20.10: the base rows add up to the base image's size; not on Podman, nor on the containerd store
        // (its rows are snapshot disk usage, its image size something else again)
        if (rec.builder === 'legacy' || rec.builder === 'buildkit')
          assert.equal(result.base.sizeBytes, rec.base.sizeBytes, 'docker: base rows add up to the base image size');
        assert.equal(result.instructions[root.from.index]!.status, 'base');
        // Σ of what the lines show is the whole image (ONBUILD trigger rows are on the FROM line).
        const shown = result.instructions.reduce((s, m) => s + (m.layerBytes ?? 0), 0);
        assert.equal(
          shown,
          rec.info.history.reduce((s, r) => s + r.sizeBytes, 0),
        );
      });

      it('marks lines outside the built chain not-built, and nothing stale or rebuilding', () => {
        const result = matchHistory(model, rec.info);
        const chain = new Set(stageChain(model, model.stages.length - 1));
        model.instructions.forEach((inst, k) => {
          const m = result.instructions[k]!;
          if (inst.stage >= 0 && !chain.has(inst.stage)) assert.equal(m.status, 'not-built');
          assert.notEqual(m.status, 'stale', `line ${inst.range.start.line + 1} ${inst.keyword} ${inst.args}`);
          assert.equal(m.rebuilds, false);
        });
      });
    });
  }
});

describe('match: what the next build redoes', () => {
  const rec = loadRecording('buildkit', 'forms');
  const lines = rec.dockerfile.split('\n');
  const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle));

  function edited(
    needle: string,
    replace: (l: string) => string,
  ): { model: DockerfileModel; result: MatchResult; line: number } {
    const copy = [...lines];
    const line = lineOf(needle);
    copy[line] = replace(copy[line]!);
    const model = parseDockerfile(copy.join('\n'));
    return { model, result: matchHistory(model, rec.info), line };
  }

  it('an edited RUN is stale with its old size, everything after it rebuilds, nothing before', () => {
    const { model, result, line } = edited('/m-run-lower', (l) => l.replace('3000', '3001'));
    model.instructions.forEach((inst, k) => {
      const m = result.instructions[k]!;
      const at = inst.range.start.line;
      if (at === line) {
        assert.equal(m.status, 'stale');
        assert.equal(m.layerBytes, 3000);
      } else if (at < line) {
        assert.equal(m.rebuilds, false, `line ${at + 1}`);
        assert.notEqual(m.status, 'stale');
      } else {
        assert.equal(m.rebuilds, true, `line ${at + 1}`);
        if (makesLayer(inst.keyword))
          assert.equal(m.status, 'matched', 'unchanged lines after the edit keep their sizes');
      }
    });
  });

  it('a changed ENV is stale (a metadata line edited) and later lines rebuild', () => {
    const { model, result, line } = edited('MODE=prod', (l) => l.replace('prod', 'dev'));
    const k = model.instructions.findIndex((i) => i.keyword === 'ENV');
    assert.equal(result.instructions[k]!.status, 'stale');
    const after = model.instructions.filter((i) => i.range.start.line > line && i.stage === 0);
    assert.ok(after.every((i) => result.instructions[i.index]!.rebuilds));
  });

  it('a new line is stale with no size and makes the rest rebuild', () => {
    const copy = [...lines];
    copy.splice(lineOf('/m-run-lower'), 0, 'RUN echo new > /m-new-line');
    const model = parseDockerfile(copy.join('\n'));
    const result = matchHistory(model, rec.info);
    const k = model.instructions.findIndex((i) => i.args.includes('/m-new-line'));
    assert.deepEqual({ ...result.instructions[k]! }, { status: 'stale', layerBytes: null, rebuilds: true, row: null });
    const lower = model.instructions.findIndex((i) => i.args.includes('/m-run-lower'));
    assert.equal(result.instructions[lower]!.status, 'matched');
    assert.equal(result.instructions[lower]!.layerBytes, 3000);
    assert.equal(result.instructions[lower]!.rebuilds, true);
  });

  it('a deleted line leaves its row unexplained: the lines after it rebuild', () => {
    const copy = lines.filter((l) => !l.includes('/m-run-lower'));
    const model = parseDockerfile(copy.join('\n'));
    const result = matchHistory(model, rec.info);
    const multi = model.instructions.findIndex((i) => i.args.includes('/m-run-multi-1'));
    const before = model.instructions.findIndex((i) => i.args.includes('/m-add-archive'));
    assert.equal(result.instructions[multi]!.status, 'matched');
    assert.equal(result.instructions[multi]!.rebuilds, true);
    assert.equal(result.instructions[before]!.rebuilds, false);
  });

  it('two RUNs merged into one pair with the row the new text resembles, not an arbitrary one', () => {
    // The lower RUN (3 kB) and the multi-line RUN after it (9 kB) become one RUN that is mostly the first.
    const lower = lineOf('/m-run-lower');
    const copy = lines.filter((_, k) => k < lower || k > lineOf('/m-run-multi-2'));
    copy.splice(lower, 0, 'run head -c 3000 /dev/zero > /m-run-lower; echo merged');
    const model = parseDockerfile(copy.join('\n'));
    const result = matchHistory(model, rec.info);
    const k = model.instructions.findIndex((i) => i.args.includes('echo merged'));
    assert.equal(result.instructions[k]!.status, 'stale');
    assert.equal(result.instructions[k]!.layerBytes, 3000, 'the old size of the RUN it mostly is');
  });

  it('a base that is no longer the one built on makes the FROM stale and everything rebuild', () => {
    const model = parseDockerfile(rec.dockerfile);
    const result = matchHistory(model, rec.info, { baseChanged: true });
    const from = model.stages[0]!.from.index;
    assert.equal(result.instructions[from]!.status, 'stale');
    assert.ok(model.instructions.filter((i) => i.stage === 0).every((i) => result.instructions[i.index]!.rebuilds));
  });

  it('in a stage chain, an edit in the parent stage rebuilds the child stage', () => {
    const chain = loadRecording('legacy', 'multistage-chain');
    const text = chain.dockerfile.replace('head -c 11000', 'head -c 11001');
    const model = parseDockerfile(text);
    const result = matchHistory(model, chain.info);
    const final = model.instructions.findIndex((i) => i.args.includes('/m-final') && i.keyword === 'RUN');
    const deps = model.instructions.findIndex((i) => i.args.includes('/m-deps'));
    const unused = model.instructions.findIndex((i) => i.args.includes('/m-unused'));
    assert.equal(result.instructions[deps]!.status, 'stale');
    assert.equal(result.instructions[final]!.rebuilds, true);
    assert.equal(result.instructions[unused]!.status, 'not-built');
  });
});

describe('match: ONBUILD triggers of the base', () => {
  for (const builder of ['legacy', 'buildkit', 'podman', ...MODERN_BUILDERS] as Builder[]) {
    it(`${builder}: the trigger's row goes on the FROM line, not on any line of the child`, () => {
      const rec = loadRecording(builder, 'onbuild-child');
      const model = parseDockerfile(rec.dockerfile);
      const result = matchHistory(model, rec.info, { baseRows: rec.base.historyRows, baseLayers: rec.base.layers });
      const trigger =
        rowOfMarker(rec.info.history.map((r) => r.createdBy).slice(rec.base.historyRows), '/m-onbuild-trigger') +
        rec.base.historyRows;
      assert.deepEqual(result.base!.triggerRows, [trigger]);
      const from = result.instructions[model.stages[0]!.from.index]!;
      assert.equal(from.layerBytes, result.base!.sizeBytes + rec.info.history[trigger]!.sizeBytes);
      assert.equal(result.score, 1);
    });
  }
});

describe('match: a Dockerfile against an image it did not build', () => {
  it('scores low, so discovery passes it by', () => {
    const forms = loadRecording('legacy', 'forms');
    const other = parseDockerfile(loadRecording('legacy', 'multistage-copy').dockerfile);
    assert.ok(matchHistory(other, forms.info).score < 0.6);
  });
});
