// The extension as a user meets it, in the real VS Code (code-server 1.139 in Chromium) with the packaged .vsix,
// against the real engine: sizes on the lines, a quick fix from the light bulb, the layer explorer tied to the editor,
// Build Image with progress and the hints' change, and Restricted Mode refusing to build while sizes still show.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../../server/src/core/format';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { ensureBusybox } from '../support/baseImage';
import { build, dockerFor } from '../support/builds';
import { needEngine } from '../support/engine';
import { SHOTS, Workbench } from './workbench';

/** The size the engine reports for the row whose CreatedBy contains `needle`. */
async function engineSize(tag: string, needle: string): Promise<number> {
  const rows = (await dockerFor('buildkit').getImage(tag).history()) as Array<{ CreatedBy: string; Size: number }>;
  const row = rows.find((r) => r.CreatedBy.includes(needle));
  if (!row) throw new Error(`no row of ${tag} names ${needle}`);
  return row.Size;
}

function workspace(): { dir: string; file: string } {
  const dir = join(mkdtempSync(join(tmpdir(), 'dfsize-e2e-')), 'shop-api');
  cpSync(join(__dirname, 'workspace'), dir, { recursive: true });
  return { dir, file: join(dir, 'Dockerfile') };
}

describe('e2e: the extension in the real VS Code', function () {
  this.timeout(900000);
  const ws = workspace();
  const tag = 'dfsize-e2e/shop-api:latest';
  let wb: Workbench;

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    mkdirSync(SHOTS, { recursive: true });
    await build('buildkit', ws.dir, tag, { labels: { [LABEL_DOCKERFILE]: ws.file } });
    wb = await Workbench.start(ws.dir, { restricted: false, port: 8765 });
    await wb.openFile('Dockerfile');
  });
  after(async () => {
    await wb?.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await wb?.screenshot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  it('the inlay hints on the RUN and COPY lines show the sizes the engine reports', async () => {
    for (const [needle, size] of [
      ['head -c 2000000', await engineSize(tag, 'head -c 2000000')],
      ['COPY app.sh', await engineSize(tag, 'COPY app.sh')],
      ['head -c 1500000', await engineSize(tag, 'head -c 1500000')],
    ] as const) {
      const line = await wb.waitForLine(needle, new RegExp(`${formatBytes(size).replace('.', '\\.')}\\s*$`));
      assert.ok(line.trimEnd().endsWith(formatBytes(size)), line);
    }
    assert.match(await wb.waitForLine('FROM local/busybox', /base 1\.98 MB · 1 layer/), /base 1\.98 MB/);
    await wb.screenshot('1-hints');
  });

  it('the layer explorer lists the layers; clicking one moves the cursor to its line', async () => {
    await wb.page.click('.activitybar .action-item a[aria-label^="Dockerfile Size"]');
    const row = await wb.page.waitForSelector('.monaco-list-row:has-text("RUN head -c 2000000")', { timeout: 120000 });
    await wb.page.waitForSelector('.monaco-list-row:has-text("FROM local/busybox:latest")');
    await wb.page.waitForSelector('.monaco-list-row:has-text("COPY app.sh /app/")');
    await row.click();
    const line =
      readFileSync(ws.file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('head -c 2000000')) + 1;
    await wb.waitForCursorLine(line);
    await wb.screenshot('2-explorer');
  });

  it('at 300 px the explorer still shows each size before its command; "Largest files" marks the scratch file removable', async () => {
    assert.ok(Math.abs((await wb.sideBarWidth(300)) - 300) <= 1, 'the side bar is 300 px wide');
    for (const needle of ['RUN head -c 2000000', 'COPY app.sh', 'RUN head -c 1500000']) {
      const size = formatBytes(await engineSize(tag, needle.replace(/^RUN /, '')));
      // What a reader sees: the size and the keyword, then as much of the command as fits.
      const seen = await wb.visibleLabel(needle);
      assert.ok(seen.startsWith(`${size} · ${needle.split(' ')[0] ?? ''}`), `${needle}: ${seen}`);
    }
    const long = await wb.visibleLabel('RUN head -c 1500000');
    assert.ok(!long.includes('/tmp/scratch.bin'), `at 300 px the command is cut (${long}), not the size`);
    await wb.screenshot('2-explorer-300px');
    // Once the background analysis is done the image says its efficiency; then the image's largest files are known.
    await wb.page.waitForSelector('.monaco-list-row:has-text("efficiency")', { timeout: 300000 });
    await wb.page.click('.monaco-list-row:has-text("Largest files")');
    const bytes = Number(
      /head -c (\d+)/.exec(
        readFileSync(ws.file, 'utf8')
          .split('\n')
          .find((l) => l.includes('scratch.bin')) ?? '',
      )?.[1],
    );
    // The layer rows name the file too: this row's label is the size, then the path.
    const label = `${formatBytes(bytes)} · /tmp/scratch.bin`;
    const row = await wb.page.waitForSelector(`.monaco-list-row:has-text(${JSON.stringify(label)})`, {
      timeout: 60000,
    });
    assert.equal(await wb.visibleLabel(label), label);
    assert.match((await row.$eval('.label-description', (e) => e.textContent)) ?? '', /^removable · layer \d+ · RUN$/);
    await wb.screenshot('2-largest-files-300px');
  });

  it('the light bulb on a smelly line offers the fix, and applying it changes the text', async () => {
    const lines = readFileSync(ws.file, 'utf8').split('\n');
    const rm = lines.findIndex((l) => l.startsWith('RUN rm -f /tmp/scratch.bin')) + 1;
    // The measured finding (a warning: 1.5 MB) comes once the background analysis is done.
    await wb.page.waitForSelector('.squiggly-warning', { timeout: 300000 });
    await wb.goToLine(rm);
    const fix = await wb.quickFix('where the files are created');
    await wb.screenshot('3-quick-fix');
    await fix.click();
    await wb.page.waitForFunction(
      () =>
        ![...document.querySelectorAll('.view-line')].some((e) =>
          (e.textContent ?? '').startsWith('RUN rm -f /tmp/scratch.bin'),
        ),
      undefined,
      { timeout: 30000 },
    );
    assert.ok(
      (await wb.lines()).some((l) =>
        /head -c 1500000 .*&& rm -f \/tmp\/scratch\.bin|^\s*&& rm -f \/tmp\/scratch\.bin/.test(l),
      ),
    );
  });

  it('Build Image shows its progress, then the hints show the new sizes and their change, and which builder ran', async () => {
    // Change a size, save, build.
    const line = (await wb.lines()).findIndex((l) => l.includes('head -c 2000000')) + 1;
    await wb.replaceLine(line, 'RUN head -c 3000000 /dev/urandom > /app/data.bin');
    await wb.page.keyboard.press('Control+S');
    await wb.runCommand('Dockerfile Size: Build Image');
    // First build of this file: the tag prompt (default from the folder), then build arguments.
    await wb.page.waitForSelector('.quick-input-widget .quick-input-title:has-text("Build Image (1/3): tag")');
    assert.equal(await wb.page.inputValue('.quick-input-widget input'), 'shop-api:latest');
    await wb.page.keyboard.press('Enter');
    await wb.page.waitForSelector('.quick-input-widget .quick-input-title:has-text("Build arguments")');
    await wb.page.keyboard.press('Enter');
    await wb.notification(/Building shop-api:latest/);
    await wb.screenshot('4-building');
    const hint = await wb.waitForLine('head -c 3000000', /3 MB \(\+1 MB\)\s*$/, 300000);
    assert.match(hint, /3 MB \(\+1 MB\)/);
    const hover = await wb.hoverLine('head -c 3000000', /BuildKit/);
    assert.match(hover, /was 2 MB/);
    await wb.screenshot('5-rebuilt');
  });
});

describe('e2e: Restricted Mode', function () {
  this.timeout(600000);
  const ws = workspace();
  let wb: Workbench;

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    writeFileSync(ws.file, readFileSync(ws.file, 'utf8').replace('head -c 2000000', 'head -c 2100000'));
    await build('buildkit', ws.dir, 'dfsize-e2e/restricted:latest', { labels: { [LABEL_DOCKERFILE]: ws.file } });
    wb = await Workbench.start(ws.dir, { restricted: true, port: 8766 });
    await wb.openFile('Dockerfile');
  });
  after(async () => {
    await wb?.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await wb?.screenshot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  it('Build Image is refused with its reason, while the hints still work', async () => {
    await wb.waitForLine('head -c 2100000', /2\.1 MB\s*$/);
    await wb.runCommand('Dockerfile Size: Build Image');
    const message = await wb.notification(/Restricted Mode/);
    assert.match(message, /Building runs the Dockerfile's commands/);
    await wb.screenshot('6-restricted');
  });
});
