/** Runs once after a jest run: stops the embedded PostgreSQL server, if one was started. */
import { TEST_RUN_STATE, type TestRunState } from './helpers/testRunState';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<symbol, unknown>)[TEST_RUN_STATE] as TestRunState | undefined;
  if (!state) return;
  await state.stopEmbeddedPostgres?.();
  // A watch-mode rerun chooses again, from what the developer set.
  if (state.originalDatabaseUrl === undefined) delete process.env.TEST_DATABASE_URL;
  else process.env.TEST_DATABASE_URL = state.originalDatabaseUrl;
  delete (globalThis as Record<symbol, unknown>)[TEST_RUN_STATE];
}
