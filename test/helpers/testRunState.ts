/**
 * What test/globalSetup.ts leaves for test/globalTeardown.ts. Jest runs both in its own process and
 * documents the global object as the way to pass things between them.
 */
export const TEST_RUN_STATE = Symbol.for('guest-access.testRunState');

export interface TestRunState {
  /** TEST_DATABASE_URL as the run found it, restored at the end. */
  originalDatabaseUrl: string | undefined;
  stopEmbeddedPostgres?: () => Promise<void>;
}
