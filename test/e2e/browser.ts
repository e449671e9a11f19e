/**
 * Headless Chromium for the end-to-end tests, driven by playwright-core, which never downloads a
 * browser by itself: Debian's `chromium` package, the browser CHROMIUM_PATH names, or one that
 * `npx playwright-core install chromium` downloaded.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian's package installs it. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where this playwright-core version keeps the Chromium it downloads, if it has that platform. */
function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/** The Chromium to drive: CHROMIUM_PATH when set, else Debian's, else Playwright's download. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) return existsSync(configured) ? configured : undefined;
  return [DEBIAN_CHROMIUM, playwrightChromium()].find((candidate) => candidate !== undefined && existsSync(candidate));
}

/** What to do when there is no Chromium: printed once at the top of a run, and CI's failure message. */
export function chromiumMissingHelp(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH?.trim();
  const looked = configured
    ? `CHROMIUM_PATH is ${configured}, which does not exist`
    : `none at ${DEBIAN_CHROMIUM}${playwrightChromium() ? ` or ${playwrightChromium()}` : ''}`;
  return [
    `No Chromium for the browser tests (test/e2e): ${looked}. To run them, do one of these:`,
    "  - apt-get install -y chromium                       (Debian's package; other systems have their own)",
    '  - export CHROMIUM_PATH=/path/to/chromium            (a Chromium or Chrome already installed)',
    "  - npx playwright-core install --with-deps chromium  (downloads Playwright's Chromium; needs internet access)",
  ].join('\n');
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with a fresh profile, removed again on close. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(chromiumMissingHelp());
  const profile = mkdtempSync(path.join(tmpdir(), 'guest-access-e2e-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      timezoneId: 'UTC',
      locale: 'en-US',
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
