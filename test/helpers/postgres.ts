/**
 * PostgreSQL for tests: every test file (or every store in a contract run) gets a schema of its
 * own on the server named by TEST_DATABASE_URL, so files can run in parallel and start empty.
 * test/globalSetup.ts sets TEST_DATABASE_URL for the run when it is not set (the server at the
 * default address, or an embedded one; see postgresServer.ts). An unreachable server fails the
 * test rather than skipping it: CI refuses skipped tests, and a silent skip would hide that the
 * PostgreSQL store went untested.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function testDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_DATABASE_URL?.trim() || DEFAULT_TEST_DATABASE_URL;
}

/** The same server and database, with every connection's search_path set to `schema`. */
export function urlWithSchema(baseUrl: string, schema: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** The URL without its password, for messages. */
export function redacted(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

async function adminClient(baseUrl: string): Promise<Client> {
  const client = new Client({ connectionString: baseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL is not reachable at ${redacted(baseUrl)} (${reason}). These tests need it: start that server, ` +
        'point TEST_DATABASE_URL at one where the user may create schemas, or leave TEST_DATABASE_URL unset ' +
        'so that the test run starts a server of its own.',
      { cause: error },
    );
  }
  return client;
}

export interface TestSchema {
  name: string;
  /** Connection URL whose search_path is this schema. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Creates an empty schema with a random name (`test_<hex>`). */
export async function createTestSchema(baseUrl: string = testDatabaseUrl()): Promise<TestSchema> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = await adminClient(baseUrl);
  try {
    await client.query(`CREATE SCHEMA ${name}`);
  } finally {
    await client.end();
  }
  return {
    name,
    url: urlWithSchema(baseUrl, name),
    async drop() {
      const dropper = await adminClient(baseUrl);
      try {
        await dropper.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Runs one statement on the schema with a fresh connection (to inspect or tamper with what a store wrote). */
export async function querySchema<R extends Record<string, unknown>>(schema: TestSchema, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: schema.url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
