// The stdio language server in a real non-VS-Code client: Debian's Neovim (0.7), headless, runs test/nvim/drive.lua,
// which starts dfsize-langserver with Neovim's built-in LSP client, opens a Dockerfile whose image was built on the
// engine, waits for its diagnostics, asks for inlay hints, hovers the finding's line, applies its quick fix and
// writes the file. This suite checks what the script reports against the engine's own history, and the file on disk.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../../server/src/core/format';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { ensureBusybox } from '../support/baseImage';
import { build, dockerFor, hostEnv, runCommand, type Builder } from '../support/builds';
import { ROOT } from '../support/cli';
import { needEngine, needPart } from '../support/engine';
import { workspaceCopy } from '../support/tempDirs';

const NVIM = process.env.DFSIZE_NVIM ?? 'nvim';
const DRIVER = join(ROOT, 'test', 'nvim', 'drive.lua');
const SERVER = join(ROOT, 'server', 'out', 'server.js');

interface Report {
  steps: string[];
  error?: string;
  diagnostics: Array<{ line: number; code: string; message: string }>;
  hints: Array<{ line: number; label: string }>;
  hover: { line: number; value: string };
  action: string;
}

function neovimMissing(): string | null {
  const r = spawnSync(NVIM, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `no Neovim at ${NVIM} (scripts/parts/neovim.sh install)`;
  return null;
}

/** Runs the driver in headless Neovim on `file`; the report it wrote, whether Neovim exited 0 or not. */
async function drive(file: string, dir: string, builder: Builder): Promise<Report> {
  const out = join(mkdtempSync(join(tmpdir(), 'dfsize-nvim-')), 'report.json');
  const env = {
    DFSIZE_NVIM_SERVER: SERVER,
    DFSIZE_NVIM_NODE: process.execPath,
    DFSIZE_NVIM_CODE: 'cleanup-in-later-layer',
    DFSIZE_NVIM_REPORT: out,
    DFSIZE_NVIM_STORAGE: join(dir, '..', 'storage'),
    DOCKER_HOST: hostEnv(builder).DOCKER_HOST,
  };
  const exited = await runCommand(NVIM, ['--headless', '--clean', '-c', `luafile ${DRIVER}`, file], env).then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  assert.equal(report.error, undefined, `the driver stopped: ${report.error ?? ''}\n${exited ?? ''}`);
  assert.equal(exited, null);
  return report;
}

/** The size a user checks a line's hint against: `docker history`'s row for the command that starts with `start`. */
async function historySize(builder: Builder, tag: string, start: string): Promise<number> {
  const rows = (await dockerFor(builder).getImage(tag).history()) as Array<{ CreatedBy: string; Size: number }>;
  const row = rows.find((r) => r.CreatedBy.includes(start));
  assert.ok(row, `a history row for ${start}`);
  return row.Size;
}

for (const builder of ['legacy', 'buildkit'] as const) {
  describe(`neovim: the language server in Neovim's own LSP client (${builder} build)`, function () {
    this.timeout(180000);
    const ws = workspaceCopy(join(ROOT, 'examples', 'hello'));
    const tag = `dfsize-test/nvim-hello:${builder}`;
    const lines = ws.text.split('\n');
    const rm = lines.findIndex((l) => l.startsWith('RUN rm -f /tmp/build-scratch.bin'));
    const scratch = lines.findIndex((l) => l.startsWith('RUN head -c 1500000'));
    let report: Report;

    before(async function () {
      needPart(this, neovimMissing());
      await needEngine(this, 'docker');
      await ensureBusybox();
      await build(builder, ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
      report = await drive(ws.file, ws.dir, builder);
    });

    it('ran every step: start, diagnostics, inlay hints, hover, code action, stop', () => {
      assert.deepEqual(report.steps, ['start', 'diagnostics', 'inlayHint', 'hover', 'codeAction', 'stop']);
    });

    it("the finding is on the deleting RUN and names the engine's bytes and the line that made them", async () => {
      const bytes = await historySize(builder, tag, 'head -c 1500000');
      const d = report.diagnostics.find((x) => x.code === 'cleanup-in-later-layer');
      assert.ok(d, JSON.stringify(report.diagnostics));
      assert.equal(d.line, rm);
      assert.ok(d.message.includes(formatBytes(bytes)), d.message);
      assert.ok(d.message.includes(`line ${scratch + 1}`), d.message);
    });

    it('inlay hints: each layer line shows the size docker history gives it, FROM shows the base', async () => {
      const at = new Map(report.hints.map((h) => [h.line, h.label]));
      assert.equal(at.get(scratch), formatBytes(await historySize(builder, tag, 'head -c 1500000')));
      const install = lines.findIndex((l) => l.includes('head -c 800000'));
      assert.equal(at.get(install), formatBytes(await historySize(builder, tag, 'mkdir -p /root/.cache/pkg')));
      const from = lines.findIndex((l) => l.startsWith('FROM '));
      assert.match(at.get(from) ?? '', /^base \d[\d.]* [kM]?B · 1 layer$/);
      assert.equal(at.get(rm), undefined, 'a RUN that adds nothing shows no size');
    });

    it("hover on the finding's line shows the layer, its share and the command", () => {
      assert.equal(report.hover.line, rm);
      assert.match(report.hover.value, /\*\*0 B\*\* · 0\.0% of `dfsize-test\/nvim-hello/);
      assert.match(report.hover.value, /rm -f \/tmp\/build-scratch\.bin/);
      assert.match(report.hover.value, builder === 'buildkit' ? /BuildKit/ : /legacy builder/);
    });

    it('the quick fix Neovim applied and wrote moves the deletion into the RUN that made the file', () => {
      assert.match(report.action, new RegExp(`line ${scratch + 1}`));
      const written = readFileSync(ws.file, 'utf8');
      assert.ok(!written.split('\n').some((l) => l.startsWith('RUN rm -f /tmp/build-scratch.bin')), written);
      assert.match(
        written,
        /head -c 1500000 \/dev\/urandom > \/tmp\/build-scratch\.bin && rm -f \/tmp\/build-scratch\.bin/,
      );
    });
  });
}
