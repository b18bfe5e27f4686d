// The real VS Code workbench for the e2e suite: code-server (scripts/parts/vscode-web.sh) with the packaged .vsix
// installed into a fresh extensions folder, driven in Debian's Chromium by playwright-core. Every wait is on a
// condition in the page (a selector, a text), never a fixed pause.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { RECIPES, ROOT } from '../support/cli';

const RECIPE = process.env.DFSIZE_VSCODE_WEB ?? join(RECIPES, 'vscode-web.sh');
const VSIX = process.env.DFSIZE_VSIX ?? join(ROOT, 'dockerfile-size-insights.vsix');
export const SHOTS = join(ROOT, 'test-results', 'e2e');

function recipe(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync('bash', [RECIPE, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`vscode-web.sh ${args[0]} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly pid: number,
  ) {}

  static async start(folder: string, opts: { restricted: boolean; port: number }): Promise<Workbench> {
    const extDir = mkdtempSync(join(tmpdir(), 'dfsize-e2e-ext-'));
    recipe(['install-vsix', extDir, VSIX]);
    const out = recipe(['serve', extDir, folder, String(opts.port)], opts.restricted ? { TRUST: 'on' } : {});
    const url = /url=(\S+)/.exec(out)?.[1];
    const pid = Number(/pid=(\d+)/.exec(out)?.[1]);
    if (!url || !pid) throw new Error(`vscode-web.sh serve printed no url/pid:\n${out}`);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 120000 });
    if (opts.restricted) {
      // Workspace trust is on: the folder opens in Restricted Mode (VS Code may first ask; a user who does not trust says no).
      const first = await page.waitForSelector(
        '.monaco-dialog-box .monaco-button:has-text("No"), .statusbar-item:has-text("Restricted Mode")',
        { timeout: 60000 },
      );
      if (await first.evaluate((e) => e.classList.contains('monaco-button'))) await first.click();
      await page.waitForSelector('.statusbar-item:has-text("Restricted Mode")', { timeout: 60000 });
    }
    return new Workbench(page, browser, pid);
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    // code-server's launcher starts the server (and its extension hosts) as children: stop them first.
    spawnSync('pkill', ['-TERM', '-P', String(this.pid)]);
    try {
      process.kill(this.pid);
    } catch {
      /* already gone */
    }
  }

  async openFile(name: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    await this.page.waitForSelector('.quick-input-widget input');
    await this.page.keyboard.type(name);
    await this.page.waitForSelector('.quick-input-list .monaco-list-row');
    await this.page.keyboard.press('Enter');
    await this.page.waitForSelector('.editor-instance .monaco-editor .view-lines');
  }

  /** The editor's visible lines in order, inlay hints included (as the user reads them). */
  async lines(): Promise<string[]> {
    return this.page.$$eval('.editor-instance .monaco-editor .view-lines .view-line', (els) =>
      els
        .map((e) => ({
          top: parseFloat((e as HTMLElement).style.top),
          text: (e.textContent ?? '').replace(/\u00a0/g, ' '),
        }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
  }

  /** Waits until the line holding `needle` also shows `expected` (a hint at its end). */
  async waitForLine(needle: string, expected: RegExp, timeout = 120000): Promise<string> {
    await this.page.waitForFunction(
      ([n, src, flags]) => {
        const re = new RegExp(src, flags);
        return [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')].some((e) => {
          const t = (e.textContent ?? '').replace(/\u00a0/g, ' ');
          return t.includes(n) && re.test(t);
        });
      },
      [needle, expected.source, expected.flags] as const,
      { timeout },
    );
    return (await this.lines()).find((l) => l.includes(needle))!;
  }

  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.page.waitForSelector('.quick-input-widget input');
    await this.page.keyboard.type(title);
    await this.page.waitForSelector(
      `.quick-input-list .monaco-list-row[aria-label*="${title.split(':').pop()!.trim()}"]`,
    );
    await this.page.keyboard.press('Enter');
  }

  async goToLine(line: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    await this.page.waitForSelector('.quick-input-widget input');
    await this.page.keyboard.type(String(line));
    await this.page.keyboard.press('Enter');
    await this.waitForCursorLine(line);
  }

  async waitForCursorLine(line: number, timeout = 30000): Promise<void> {
    await this.page.waitForFunction(
      (l) => [...document.querySelectorAll('.statusbar-item')].some((e) => (e.textContent ?? '').includes(`Ln ${l},`)),
      line,
      { timeout },
    );
  }

  async notification(re: RegExp, timeout = 120000): Promise<string> {
    const h = await this.page.waitForFunction(
      ([src, flags]) => {
        const r = new RegExp(src, flags);
        return (
          [...document.querySelectorAll('.notification-toast, .notifications-toasts .monaco-list-row')]
            .map((e) => e.textContent ?? '')
            .find((t) => r.test(t)) ?? null
        );
      },
      [re.source, re.flags] as const,
      { timeout },
    );
    return (await h.jsonValue()) as string;
  }

  /**
   * Opens the quick fix menu (Ctrl+.) until it lists an action saying `text` (the editor may still be asking the
   * server when the key is pressed the first time), and returns that row.
   */
  async quickFix(text: string, attempts = 6): Promise<import('playwright-core').ElementHandle> {
    for (let i = 1; ; i++) {
      await this.page.keyboard.press('Control+.');
      const row = await this.page
        .waitForSelector(`.action-widget .monaco-list-row:has-text(${JSON.stringify(text)})`, { timeout: 10000 })
        .catch(() => null);
      if (row) return row;
      if (i >= attempts) throw new Error(`the quick fix menu never listed "${text}"`);
      await this.page.keyboard.press('Escape');
    }
  }

  /** Replaces the text of a line, as typing it would. */
  async replaceLine(line: number, text: string): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('Home');
    await this.page.keyboard.press('Shift+End');
    await this.page.keyboard.type(text);
  }

  /** Rests the mouse on the first characters of the line holding `needle`, and waits for a hover saying `re`. */
  async hoverLine(needle: string, re: RegExp, timeout = 60000): Promise<string> {
    const line = await this.page.waitForSelector(`.editor-instance .view-line:has-text(${JSON.stringify(needle)})`);
    const box = (await line.boundingBox())!;
    await this.page.mouse.move(box.x + 30, box.y + box.height / 2);
    const h = await this.page.waitForFunction(
      ([src, flags]) => {
        const r = new RegExp(src, flags);
        const t = document.querySelector('.monaco-hover')?.textContent ?? '';
        return r.test(t) ? t : null;
      },
      [re.source, re.flags] as const,
      { timeout },
    );
    return (await h.jsonValue()) as string;
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(SHOTS, `${name}.png`) });
  }
}
