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
/** How long the workbench may take to load (code-server serves several MB of scripts; the machine may be busy). */
const LOAD_TIMEOUT_MS = 240000;

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
    const wb = new Workbench(await browser.newPage({ viewport: { width: 1500, height: 900 } }), browser, pid);
    try {
      await wb.load(url, opts.restricted);
    } catch (e) {
      // Nobody else holds the server or the browser: stop them, or they keep the port and the test run alive.
      await wb.stop();
      throw e;
    }
    return wb;
  }

  private async load(url: string, restricted: boolean): Promise<void> {
    const page = this.page;
    // A busy machine can take minutes to serve the workbench's scripts: wait for the page, then for the workbench.
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: LOAD_TIMEOUT_MS });
    await page.waitForSelector('.monaco-workbench', { timeout: LOAD_TIMEOUT_MS });
    if (restricted) {
      // Workspace trust is on: the folder opens in Restricted Mode (VS Code may first ask; a user who does not trust says no).
      const first = await page.waitForSelector(
        '.monaco-dialog-box .monaco-button:has-text("No"), .statusbar-item:has-text("Restricted Mode")',
        { timeout: 60000 },
      );
      if (await first.evaluate((e) => e.classList.contains('monaco-button'))) await first.click();
      await page.waitForSelector('.statusbar-item:has-text("Restricted Mode")', { timeout: 60000 });
    }
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
    // Quick Open lists files once the workbench has searched the folder: slow on a busy machine.
    await this.page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: LOAD_TIMEOUT_MS });
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

  /** Drags the sash beside the side bar until the side bar is `px` wide; answers the width it got. */
  async sideBarWidth(px: number): Promise<number> {
    const width = async () => (await this.page.locator('.part.sidebar').boundingBox())?.width ?? 0;
    for (let i = 0; i < 3 && Math.abs((await width()) - px) > 1; i++) {
      const bar = await this.page.locator('.part.sidebar').boundingBox();
      if (!bar) throw new Error('the side bar is not open');
      const edge = bar.x + bar.width;
      await this.page.mouse.move(edge, bar.y + bar.height / 2);
      await this.page.mouse.down();
      await this.page.mouse.move(bar.x + px, bar.y + bar.height / 2, { steps: 5 });
      await this.page.mouse.up();
    }
    return width();
  }

  /**
   * The part of a tree row's label a person can read: the characters that end inside the box that clips the label,
   * less the ellipsis that covers its end (the row holding `text` anywhere in its label).
   */
  async visibleLabel(text: string): Promise<string> {
    const row = this.page.locator('.monaco-list-row', { hasText: text }).first();
    return row.locator('.label-name').evaluate((name) => {
      let clip: Element = name;
      for (let p = name.parentElement; p; p = p.parentElement) {
        if (getComputedStyle(p).overflowX === 'hidden') {
          clip = p;
          break;
        }
      }
      const ellipsis = parseFloat(getComputedStyle(name).fontSize);
      const right = clip.getBoundingClientRect().right - ellipsis;
      const walker = document.createTreeWalker(name, NodeFilter.SHOW_TEXT);
      let seen = '';
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const chars = n.textContent ?? '';
        for (let i = 0; i < chars.length; i++) {
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + 1);
          if (r.getBoundingClientRect().right > right) return seen;
          seen += chars[i] ?? '';
        }
      }
      return seen;
    });
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(SHOTS, `${name}.png`) });
  }
}
