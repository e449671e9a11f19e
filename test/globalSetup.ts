/**
 * Runs once before a jest run: chooses the PostgreSQL server every test file uses (starting an
 * embedded one when needed) and names it, and says once how to get Chromium when the browser tests
 * will be skipped for want of one.
 */
import path from 'node:path';
import type { GlobalConfig } from 'jest';
import { chromiumMissingHelp, findChromium } from './e2e/browser';
import { choosePostgres, describePostgres, probePostgres, startEmbeddedPostgres } from './helpers/postgresServer';
import { TEST_RUN_STATE, type TestRunState } from './helpers/testRunState';

export default async function globalSetup(globalConfig: GlobalConfig): Promise<void> {
  const state: TestRunState = { originalDatabaseUrl: process.env.TEST_DATABASE_URL };
  (globalThis as Record<symbol, unknown>)[TEST_RUN_STATE] = state;

  const choice = await choosePostgres(process.env);
  if (choice.kind === 'embedded') {
    const embedded = await startEmbeddedPostgres();
    state.stopEmbeddedPostgres = () => embedded.stop();
    // Test workers start after this and inherit the environment; so do the bot processes they spawn.
    process.env.TEST_DATABASE_URL = embedded.url;
    announce(describePostgres(choice, { embedded }));
  } else if (choice.kind === 'default') {
    process.env.TEST_DATABASE_URL = choice.url;
    announce(describePostgres(choice, {}));
  } else {
    const found = await probePostgres(choice.url);
    announce(describePostgres(choice, found.reachable ? { version: found.version } : { unreachable: found.reason }));
  }

  // In CI the browser tests fail instead, with the same advice.
  const browserTests = ['playground.test.ts', 'tab.test.ts'].map((file) => path.join(__dirname, 'e2e', file));
  if (!process.env.CI && !findChromium() && browserTests.some((file) => runIncludes(globalConfig, file))) {
    announce(`${chromiumMissingHelp()}\nThe browser tests are skipped in this run.`);
  }
}

/** Whether the run's path patterns (e.g. `npm test -- test/cards`) leave `file` in. */
function runIncludes(globalConfig: GlobalConfig, file: string): boolean {
  const patterns = globalConfig.testPathPatterns;
  return !patterns.isSet() || patterns.toExecutor({ rootDir: globalConfig.rootDir }).isMatch(file);
}

function announce(text: string): void {
  process.stdout.write(`\n${text}\n`);
}
