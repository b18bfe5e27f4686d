// Conformance with real dive 0.13.1: the same image through `dive --json` / `dive --ci` and `dfsize analyze --json` /
// `dfsize analyze --ci` gives the same efficiency, wasted bytes, user-wasted percent (as dive prints it), the same
// inefficient files with their counts and bytes, in dive's order where dive's order is fixed, and the same CI verdict
// for the same `.dive-ci`; `dfsize analyze --dive-json FILE` writes what `dive --json FILE` writes. The images: dive's
// own test archives (DFSIZE_DIVE_FIXTURES), and the fixture images the engine suites build, built here with the
// legacy builder and BuildKit on dockerd 20.10 and through BuildKit on Docker 28 with the containerd store, each read
// by both tools from the engine and from a `docker save` file.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxFor } from '../support/baseImage';
import { build, BUILDS_DIR, engineOf, hostEnv, removeImages, runCommand, type Builder } from '../support/builds';
import { dfsize } from '../support/cli';
import { DIVE_FIXTURES, diveCi, diveExport, needDive, type DiveExport, type DiveTarget } from '../support/dive';
import { needEngine } from '../support/engine';
import { WASTE_DOCKERFILE } from '../support/wasteImage';

interface Ours {
  dive: {
    efficiencyScore: number;
    inefficientBytes: number;
    sizeBytes: number;
    userWastedPercent: number | null;
    fileReference: Array<{ file: string; count: number; sizeBytes: number }>;
  };
}

interface Source {
  /** dfsize's arguments naming the image (`--image REF` or `--archive FILE`) and the engine it talks to. */
  readonly ours: { readonly args: readonly string[]; readonly env: Record<string, string> };
  readonly dive: DiveTarget;
}

const byFile = <T extends { file: string }>(list: readonly T[]) =>
  [...list].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

/** `dfsize analyze --json --dive-json FILE`: our figures, and our export in dive's shape. */
function analyze(src: Source): { ours: Ours; exported: DiveExport } {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-dive-export-'));
  const file = join(dir, 'dive.json');
  const r = dfsize(['analyze', ...src.ours.args, '--json', '--dive-json', file, '--no-cache'], src.ours.env);
  assert.equal(r.code, 0, r.stderr);
  return { ours: JSON.parse(r.stdout) as Ours, exported: JSON.parse(readFileSync(file, 'utf8')) as DiveExport };
}

/**
 * What a script written for dive's file reads from it: every layer with its files, the image's figures, and the
 * inefficient files sorted by path (dive's order of files of equal size is not fixed, see sameFigures).
 */
function consumer(e: DiveExport) {
  return { layers: e.layer, image: { ...e.image, fileReference: byFile(e.image.fileReference) } };
}

function sameFigures(ours: Ours, theirs: DiveExport, userWastedPercent: string): void {
  const d = ours.dive;
  assert.equal(d.efficiencyScore, theirs.image.efficiencyScore, 'efficiency');
  assert.equal(d.inefficientBytes, theirs.image.inefficientBytes, 'wasted bytes');
  assert.equal(d.sizeBytes, theirs.image.sizeBytes, 'image size (dive counts tar header sizes)');
  // dive prints the fraction ×100 as %2.4f; JSON has no NaN (no user bytes, nothing wasted) nor +Inf (no user bytes).
  const printed =
    d.userWastedPercent === null ? (d.inefficientBytes === 0 ? 'NaN' : '+Inf') : (d.userWastedPercent * 100).toFixed(4);
  assert.equal(printed, userWastedPercent, 'user-wasted percent as dive prints it');
  assert.deepEqual(byFile(d.fileReference), byFile(theirs.image.fileReference), 'inefficient files (as a multiset)');
  // dive lists them after Go's unstable sort by size over its map's (random) order: the sizes' order is fixed, the
  // order of files of equal size is not.
  assert.deepEqual(
    d.fileReference.map((f) => f.sizeBytes),
    theirs.image.fileReference.map((f) => f.sizeBytes),
    "inefficient files in dive's order",
  );
}

/** .dive-ci files for an image: dive's defaults, every threshold at the image's own figure (all pass, dive's rules
 * fail only past it), and every threshold just past it (each fails where the figure leaves room). */
function ciConfigs(ours: Ours): Array<{ name: string; text: string | null }> {
  const d = ours.dive;
  const eff = d.efficiencyScore;
  const uwp = d.userWastedPercent;
  const wasted = d.inefficientBytes;
  const at = [
    `lowestEfficiency: ${String(eff)}`,
    `highestWastedBytes: ${String(wasted)}`,
    `highestUserWastedPercent: ${uwp === null || uwp > 1 ? 'disabled' : String(uwp)}`,
  ];
  const past = [
    `lowestEfficiency: ${String(Math.min(1, eff + 1e-9))}`,
    `highestWastedBytes: ${wasted > 0 ? `${String(wasted - 1)}B` : 'disabled'}`,
    `highestUserWastedPercent: ${uwp !== null && uwp > 0 && uwp <= 1 ? String(uwp - 1e-9) : '0'}`,
  ];
  const rules = (lines: string[]) => `rules:\n${lines.map((l) => `  ${l}\n`).join('')}`;
  return [
    { name: "dive's defaults", text: null },
    { name: 'thresholds at the figures', text: rules(at) },
    { name: 'thresholds just past the figures', text: rules(past) },
    { name: 'sizes in kB, a rule disabled', text: rules(['highestWastedBytes: 1kB', 'lowestEfficiency: disabled']) },
  ];
}

const OUR_RULE = /^\s+(PASS|FAIL|SKIP)\s+(\w+) \(/gm;

function sameVerdicts(src: Source, ours: Ours): void {
  for (const c of ciConfigs(ours)) {
    const cwd = mkdtempSync(join(tmpdir(), 'dfsize-dive-ci-'));
    const file = c.text === null ? null : join(cwd, 'dive-ci.yaml');
    if (file && c.text !== null) writeFileSync(file, c.text);
    const theirs = diveCi(src.dive, file, cwd);
    const r = dfsize(['analyze', ...src.ours.args, '--ci', ...(file ? ['--ci-config', file] : []), '--no-cache'], {
      ...src.ours.env,
    });
    const rules = Object.fromEntries([...r.stdout.matchAll(OUR_RULE)].map((m) => [m[2] ?? '', m[1] ?? '']));
    assert.deepEqual(rules, theirs.rules, `${c.name}: each rule\n${theirs.output}\n${r.stdout}${r.stderr}`);
    assert.equal(r.code, theirs.code, `${c.name}: the exit code (dive ${String(theirs.code)})\n${r.stdout}${r.stderr}`);
  }
}

function compare(src: Source, verdicts: boolean): void {
  const theirs = diveExport(src.dive);
  if ('refused' in theirs) {
    // Not an image (a bare layer tar): dive stops with "could not find image manifest"; dfsize says what to name.
    const r = dfsize(['analyze', ...src.ours.args, '--json', '--no-cache'], src.ours.env);
    assert.equal(r.code, 2, `dive refused it:\n${theirs.refused}\ndfsize:\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /not a docker save archive or an OCI image layout/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    return;
  }
  const { ours, exported } = analyze(src);
  const cwd = mkdtempSync(join(tmpdir(), 'dfsize-dive-ci-'));
  sameFigures(ours, theirs, diveCi(src.dive, null, cwd).userWastedPercent);
  assert.deepEqual(consumer(exported), consumer(theirs), "--dive-json: dive's own export");
  if (verdicts) sameVerdicts(src, ours);
}

const archive = (file: string): Source => ({
  ours: { args: ['--archive', file], env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } },
  dive: { source: 'docker-archive', target: file },
});

describe('conformance: real dive beside dfsize analyze', function () {
  this.timeout(600000);
  before(function () {
    needDive(this);
  });

  describe("dive's own test archives", () => {
    const files = DIVE_FIXTURES ? readdirSync(DIVE_FIXTURES).filter((f) => f.endsWith('.tar')) : [];
    if (!files.length) {
      it("dive's test archives (skipped without DFSIZE_DIVE_FIXTURES)", function () {
        console.log(
          `      SKIPPED: dive's test archives: ${DIVE_FIXTURES ? `no .tar in ${DIVE_FIXTURES}` : 'DFSIZE_DIVE_FIXTURES is not set'} (scripts/parts/dive.sh install prints it)`,
        );
        this.skip();
      });
    }
    for (const f of files) {
      it(f, () => {
        compare(archive(join(DIVE_FIXTURES ?? '', f)), true);
      });
    }
  });

  const ALL: Builder[] = ['legacy', 'buildkit', 'modern-buildkit'];
  const CASES: Record<string, { dir: string | null; builders: Builder[] }> = {
    waste: { dir: null, builders: ALL },
    forms: { dir: 'forms', builders: ALL },
    'multistage-chain': { dir: 'multistage-chain', builders: ALL },
    'multistage-copy': { dir: 'multistage-copy', builders: ALL },
    vars: { dir: 'vars', builders: ALL },
    'buildkit-flags': { dir: 'buildkit-flags', builders: ['buildkit', 'modern-buildkit'] },
    'modern-forms': { dir: 'modern-forms', builders: ['modern-buildkit'] },
  };

  for (const builder of ALL) {
    describe(`images the engine suites build (${builder})`, () => {
      const work = mkdtempSync(join(tmpdir(), `dfsize-dive-${builder}-`));
      const tag = (name: string) => `dfsize-test/dive-${name}:${builder}`;
      const tags: string[] = [];
      let host: Record<string, string> = {};

      before(async function () {
        await needEngine(this, 'docker');
        if (engineOf(builder) !== 'docker') await needEngine(this, engineOf(builder));
        host = hostEnv(builder);
        await ensureBusyboxFor(builder);
        writeFileSync(join(work, 'Dockerfile'), WASTE_DOCKERFILE);
      });
      after(() => removeImages(tags, builder));

      for (const [name, c] of Object.entries(CASES)) {
        if (!c.builders.includes(builder)) continue;
        it(`${name}: from the engine and from docker save, the same as dive`, async () => {
          const t = tag(name);
          tags.push(t);
          await build(builder, c.dir ? join(BUILDS_DIR, c.dir) : work, t);
          // The verdicts depend on the figures alone: compared once, on the saved archive.
          compare(
            { ours: { args: ['--image', t], env: host }, dive: { source: 'docker', target: t, env: host } },
            false,
          );
          const saved = join(work, `${name}.tar`);
          await runCommand('/usr/bin/docker', ['save', '-o', saved, t], host);
          compare(archive(saved), true);
        });
      }
    });
  }
});
