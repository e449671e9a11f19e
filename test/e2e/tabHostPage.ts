/**
 * The local Teams host page with the tab in it, driven like a person would: choose who you are,
 * switch views, read and click in the tab's frame and in a dialog's. Everything is found by role
 * and visible text, as in the Playground pages.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { UI_TIMEOUT_MS } from './playgroundPage';

/** teams-js asks Microsoft's CDN for its list of host origins on every load; offline tests answer for it. */
export const TEAMS_JS_CDN = 'https://res.cdn.office.net/**';

export class TabHostPage {
  /** What the browser refused under the pages' Content-Security-Policy: should stay empty. */
  readonly refusedByPolicy: string[] = [];

  private constructor(
    readonly page: Page,
    private readonly screenshotDir: string | undefined,
  ) {
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) this.refusedByPolicy.push(message.text());
    });
  }

  /** Opens the host page as `personId`, optionally on a view (`toDecide`, `guests`), and waits for the tab. */
  static async open(
    context: BrowserContext,
    hostUrl: string,
    personId: string,
    options: { view?: string; theme?: string; screenshotDir?: string } = {},
  ): Promise<TabHostPage> {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const query = new URLSearchParams({ as: personId, ...(options.theme ? { theme: options.theme } : {}) });
    await page.goto(`${hostUrl}?${query.toString()}${options.view ? `#${options.view}` : ''}`);
    const host = new TabHostPage(page, options.screenshotDir);
    await host.tab.getByRole('tablist', { name: 'Views' }).waitFor();
    return host;
  }

  /** The tab's frame. */
  get tab(): FrameLocator {
    return this.page.frameLocator('#tab');
  }

  /** The open dialog's frame. */
  get dialog(): FrameLocator {
    return this.page.frameLocator('.dialog-body iframe');
  }

  /** Switches to one of the tab's views by its name in the header. */
  async view(name: 'My requests' | 'To decide' | 'Guests'): Promise<void> {
    await this.tab.getByRole('tab', { name }).click();
  }

  /** The request's item in the current view. */
  request(requestId: string): Locator {
    return this.tab.locator(`[data-request-id="${requestId}"]`);
  }

  /** Saves `<name>.png` when screenshots were asked for. */
  async screenshot(name: string): Promise<void> {
    if (!this.screenshotDir) return;
    await this.page.evaluate('document.activeElement && document.activeElement.blur()');
    await this.page.waitForTimeout(300);
    mkdirSync(this.screenshotDir, { recursive: true });
    await this.page.screenshot({ path: path.join(this.screenshotDir, `${name}.png`) });
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
