// The stdio language server in real non-VS-Code clients, driven headless by scripts in test/editors: Debian's Neovim
// (0.7, its built-in LSP client) and Emacs 28 with eglot. Each script starts dfsize-langserver, opens a Dockerfile
// whose image was built on the engine, waits for the editor to hold its diagnostics, asks for inlay hints, hovers the
// finding's line, applies its quick fix with the editor's own workspace-edit code and writes the file. This suite
// checks what the script reports against the engine's own history, and the file on disk.
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

const SERVER = join(ROOT, 'server', 'out', 'server.js');
const DRIVERS = join(ROOT, 'test', 'editors');

interface Editor {
  readonly name: string;
  readonly binary: string;
  /** The command line that runs the editor's driver on `file`. */
  args(file: string): string[];
  readonly install: string;
}

const EDITORS: readonly Editor[] = [
  {
    name: 'Neovim',
    binary: process.env.DFSIZE_NVIM ?? 'nvim',
    args: (file) => ['--headless', '--clean', '-c', `luafile ${join(DRIVERS, 'neovim.lua')}`, file],
    install: 'scripts/parts/editors.sh install',
  },
  {
    name: 'Emacs eglot',
    binary: process.env.DFSIZE_EMACS ?? 'emacs',
    args: (file) => ['--batch', '-l', join(DRIVERS, 'eglot.el'), file],
    install: 'scripts/parts/editors.sh install',
  },
];

interface Report {
  steps: string[];
  error?: string;
  diagnostics: Array<{ line: number; code: string; message: string }>;
  hints: Array<{ line: number; label: string }>;
  hover: { line: number; value: string };
  action: string;
}

function missing(editor: Editor): string | null {
  const r = spawnSync(editor.binary, ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `no ${editor.name} at ${editor.binary} (${editor.install})` : null;
}

/** Runs the editor's driver on `file`; the report it wrote, checked to have run to the end. */
async function drive(editor: Editor, file: string, dir: string, builder: Builder): Promise<Report> {
  const out = join(mkdtempSync(join(tmpdir(), 'dfsize-editor-')), 'report.json');
  const env = {
    DFSIZE_DRIVE_SERVER: SERVER,
    DFSIZE_DRIVE_NODE: process.execPath,
    DFSIZE_DRIVE_CODE: 'cleanup-in-later-layer',
    DFSIZE_DRIVE_REPORT: out,
    DFSIZE_DRIVE_STORAGE: join(dir, '..', 'storage'),
    DOCKER_HOST: hostEnv(builder).DOCKER_HOST,
  };
  const exited = await runCommand(editor.binary, editor.args(file), env).then(
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

const CASES = EDITORS.flatMap((editor) => (['legacy', 'buildkit'] as const).map((builder) => ({ editor, builder })));

for (const { editor, builder } of CASES) {
  describe(`editors: the language server in ${editor.name} (${builder} build)`, function () {
    this.timeout(180000);
    const ws = workspaceCopy(join(ROOT, 'examples', 'hello'));
    const tag = `dfsize-test/editor-hello:${builder}`;
    const lines = ws.text.split('\n');
    const rm = lines.findIndex((l) => l.startsWith('RUN rm -f /tmp/build-scratch.bin'));
    const scratch = lines.findIndex((l) => l.startsWith('RUN head -c 1500000'));
    let report: Report;

    before(async function () {
      needPart(this, missing(editor));
      await needEngine(this, 'docker');
      await ensureBusybox();
      await build(builder, ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
      report = await drive(editor, ws.file, ws.dir, builder);
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
      assert.match(report.hover.value, /\*\*0 B\*\* · 0\.0% of `dfsize-test\/editor-hello/);
      assert.match(report.hover.value, /rm -f \/tmp\/build-scratch\.bin/);
      assert.match(report.hover.value, builder === 'buildkit' ? /BuildKit/ : /legacy builder/);
    });

    it('the quick fix the editor applied and wrote moves the deletion into the RUN that made the file', () => {
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
