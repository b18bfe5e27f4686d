// "Analyse Registry Image…" as a user meets it, in the real VS Code (code-server in Chromium) with the packaged .vsix:
// an image built by the real engine and pushed to the loopback registry (127.0.0.1:5000) is typed into the command's
// input box, and the layer explorer lists its layers with the sizes the engine's own analysis gives; a FROM line's
// hover link "Analyse this base image" does the same for the image the line names.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../../server/src/core/format';
import { ensureBusybox } from '../support/baseImage';
import { build, runCommand } from '../support/builds';
import { dfsizeAsync } from '../support/cli';
import { needEngine, needPart, registryAnswers } from '../support/engine';
import { SHOTS, Workbench } from './workbench';

const OPEN = '127.0.0.1:5000';

interface EngineLayer {
  sizeBytes: number;
  command: string;
}

describe('e2e: Analyse Registry Image', function () {
  this.timeout(900000);
  const dir = join(mkdtempSync(join(tmpdir(), 'dfsize-e2e-')), 'shop-api');
  cpSync(join(__dirname, 'workspace'), dir, { recursive: true });
  const ref = `${OPEN}/dfsize-e2e/registry:${randomBytes(4).toString('hex')}`;
  let layers: EngineLayer[];
  let wb: Workbench;

  before(async function () {
    await needEngine(this, 'docker');
    const up = await registryAnswers(OPEN);
    needPart(this, up ? null : `no registry answers at ${OPEN} (scripts/parts/registry.sh serve)`);
    await ensureBusybox();
    mkdirSync(SHOTS, { recursive: true });
    // Built under a local name and pushed under the registry's, which the engine then forgets: the explorer can only
    // label an image with the registry reference when it came from the registry.
    const local = 'dfsize-e2e/registry-local:latest';
    await build('buildkit', dir, local);
    await runCommand('docker', ['tag', local, ref]);
    await runCommand('docker', ['push', ref]);
    await runCommand('docker', ['rmi', ref]);
    // The engine's own analysis of the image (its export, not the registry's blobs): the sizes to expect.
    const r = await dfsizeAsync(['analyze', '--image', local, '--json'], {
      DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-cache-')),
    });
    assert.equal(r.code, 0, r.stderr);
    layers = (JSON.parse(r.stdout) as { layers: EngineLayer[] }).layers;
    writeFileSync(join(dir, 'Dockerfile.base'), `FROM ${ref}\nRUN true\n`);
    wb = await Workbench.start(dir, { restricted: false, port: 8779 });
    await wb.openFile('Dockerfile');
  });
  after(async () => {
    await wb?.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await wb?.screenshot(`failed-registry-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  /** Waits for the explorer to show the image `ref` with a row per layer as big as the engine says. */
  async function explorerShowsImage(): Promise<void> {
    await wb.page.waitForSelector(`.monaco-list-row:has-text(${JSON.stringify(ref)})`, { timeout: 300000 });
    for (const needle of ['head -c 2000000', 'head -c 1500000']) {
      const layer = layers.find((l) => l.command.includes(needle));
      assert.ok(layer, `the engine's analysis has a layer for ${needle}`);
      const row = await wb.page.waitForSelector(`.monaco-list-row:has-text(${JSON.stringify(needle)})`);
      const label = (await row.$eval('.label-name', (e) => e.textContent)) ?? '';
      assert.ok(label.startsWith(`${formatBytes(layer.sizeBytes)} · RUN`), `${needle}: ${label}`);
    }
  }

  it('typing a reference shows the image in the explorer, each layer with the engine’s size', async () => {
    await wb.runCommand('Dockerfile Size: Analyse Registry Image…');
    await wb.page.waitForSelector('.quick-input-widget .quick-input-title:has-text("Analyse Registry Image")');
    await wb.page.keyboard.type('not a reference');
    await wb.page.waitForSelector('.quick-input-widget .quick-input-message:has-text("is not an image reference")');
    await wb.page.fill('.quick-input-widget input', ref);
    await wb.page.keyboard.press('Enter');
    await explorerShowsImage();
    await wb.screenshot('registry-1-command');
  });

  it('a FROM line’s hover link “Analyse this base image” shows the image that line names', async () => {
    // Quick Open lists the recent `Dockerfile` first until its search is done: wait for the row of this file.
    await wb.page.keyboard.press('Control+P');
    await wb.page.waitForSelector('.quick-input-widget input');
    await wb.page.keyboard.type('Dockerfile.base');
    await wb.page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="Dockerfile.base"]', {
      timeout: 120000,
    });
    await wb.page.keyboard.press('Enter');
    await wb.page.waitForSelector('.tab.active:has-text("Dockerfile.base")');
    // Opening a Dockerfile brings the explorer back to it: the registry image's row goes.
    await wb.page.waitForSelector(`.monaco-list-row:has-text(${JSON.stringify(ref)})`, {
      state: 'detached',
      timeout: 60000,
    });
    await wb.hoverLine(`FROM ${ref}`, /Analyse this base image/);
    await wb.page.click('.monaco-hover a:has-text("Analyse this base image")');
    await explorerShowsImage();
    await wb.screenshot('registry-2-hover');
  });
});

describe('e2e: Analyse Registry Image in Restricted Mode', function () {
  this.timeout(600000);
  const dir = join(mkdtempSync(join(tmpdir(), 'dfsize-e2e-')), 'shop-api');
  cpSync(join(__dirname, 'workspace'), dir, { recursive: true });
  let wb: Workbench;

  before(async function () {
    await needEngine(this, 'docker');
    wb = await Workbench.start(dir, { restricted: true, port: 8780 });
    await wb.openFile('Dockerfile');
  });
  after(async () => {
    await wb?.stop();
  });

  it('fetches nothing: an image not cached is refused with the reason and the way to trust the folder', async () => {
    const ref = `${OPEN}/dfsize-e2e/registry:never-fetched`;
    await wb.runCommand('Dockerfile Size: Analyse Registry Image…');
    await wb.page.waitForSelector('.quick-input-widget .quick-input-title:has-text("Analyse Registry Image")');
    await wb.page.keyboard.type(ref);
    await wb.page.keyboard.press('Enter');
    const message = await wb.notification(/Restricted Mode/);
    assert.match(
      message,
      /not fetched from registries in an untrusted workspace.*no analysis of .*never-fetched is cached/,
    );
    await wb.page.waitForSelector('.notification-toast .monaco-button:has-text("Manage Workspace Trust")');
    await wb.screenshot('registry-3-restricted');
  });
});
