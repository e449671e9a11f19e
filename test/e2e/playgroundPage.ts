/**
 * One Agents Playground page, driven like a person would: pick the chat, type, read cards, click.
 * The page has no test ids and its class names change between releases, so everything is found by
 * role and visible text; `.ac-adaptiveCard` is the Adaptive Cards renderer's own class.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';

export const UI_TIMEOUT_MS = 20_000;

/** The Playground's header, compose box and the card's own margins, around a card in the chat. */
const CHAT_CHROME_PX = 230;

export class PlaygroundPage {
  private constructor(
    readonly page: Page,
    /** Folder for screenshots, or undefined when none are wanted. */
    private readonly screenshotDir: string | undefined,
  ) {}

  /**
   * Opens the page, waits until it is connected to the bot and opens Personal Chat. Loading the page
   * sends installationUpdate and conversationUpdate to the bot; a reload starts with an empty chat.
   */
  static async open(context: BrowserContext, url: string, screenshotDir?: string): Promise<PlaygroundPage> {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(url);
    await page.getByText('Connected.', { exact: true }).waitFor();
    // Hidden before anything is typed: toggling the panel re-renders the cards and empties their inputs.
    await page.getByRole('button', { name: 'Hide log panel' }).click();
    await page.getByRole('treeitem', { name: 'Personal Chat' }).click();
    return new PlaygroundPage(page, screenshotDir);
  }

  /** Types a message into the compose box and sends it. */
  async say(text: string): Promise<void> {
    const editor = this.page.locator('[data-lexical-editor="true"][contenteditable="true"]').first();
    await editor.click();
    await editor.pressSequentially(text);
    await editor.press('Enter');
  }

  /** The last Adaptive Card in the chat whose text contains every one of `texts`. */
  card(...texts: Array<string | RegExp>): Locator {
    let cards = this.page.locator('.ac-adaptiveCard');
    for (const text of texts) cards = cards.filter({ hasText: text });
    return cards.last();
  }

  /** Picks one choice of a single-select Input.ChoiceSet, which the Playground renders as a combobox list. */
  async choose(card: Locator, label: string, choice: string | RegExp): Promise<void> {
    await card.getByRole('combobox', { name: label }).click();
    await this.page.getByRole('option', { name: choice }).click();
  }

  /** Picks choices of a multi-select Input.ChoiceSet, which the Playground renders as a combobox menu. */
  async pick(card: Locator, label: string, choices: string[]): Promise<void> {
    await card.getByRole('combobox', { name: label }).click();
    for (const choice of choices) await this.page.getByRole('menuitemcheckbox', { name: choice }).click();
    await this.page.keyboard.press('Escape');
  }

  /**
   * Saves `<name>.png` when screenshots were asked for, with `focus` scrolled into view. With
   * `wholeCard`, a card taller than the window is shown whole by making the window taller for the
   * picture (the chat scrolls inside the page, so a page screenshot alone would cut it).
   */
  async screenshot(name: string, focus?: Locator, options: { wholeCard?: boolean } = {}): Promise<void> {
    if (!this.screenshotDir) return;
    const viewport = this.page.viewportSize();
    if (focus && options.wholeCard && viewport) {
      const box = await focus.boundingBox();
      const needed = box ? Math.ceil(box.height) + CHAT_CHROME_PX : 0;
      if (needed > viewport.height) await this.page.setViewportSize({ width: viewport.width, height: needed });
    }
    try {
      if (focus) await focus.scrollIntoViewIfNeeded();
      // No caret or half-drawn focus underline in the pictures: blur, then let the transition end.
      await this.page.evaluate('document.activeElement && document.activeElement.blur()');
      await this.page.waitForTimeout(400);
      mkdirSync(this.screenshotDir, { recursive: true });
      await this.page.screenshot({ path: path.join(this.screenshotDir, `${name}.png`) });
    } finally {
      if (viewport) await this.page.setViewportSize(viewport);
    }
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
