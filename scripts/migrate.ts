/**
 * `npm run migrate`: brings the configured store's schema up to date, says what it did and exits.
 * The bot migrates at start too (under a lock, so instances starting together do not race); running
 * this first lets a deployment fail on a schema problem before any instance is replaced.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { describeDatabaseUrl } from '../services/store/openStore';
import { PostgresStore } from '../services/store/postgresStore';
import { migrate as migrateSqlite } from '../services/store/sqliteMigrations';
import { configurationOrExit } from './configuration';

async function migratePostgres(databaseUrl: string): Promise<string> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 10_000 });
  try {
    const result = await PostgresStore.migrate(pool);
    const did = result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'nothing to apply';
    return `${describeDatabaseUrl(databaseUrl)}: schema at version ${result.to} (${did}).`;
  } finally {
    await pool.end();
  }
}

function migrateSqliteFile(path: string): string {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  try {
    const result = migrateSqlite(db);
    const did = result.to > result.from ? `applied ${result.from + 1}..${result.to}` : 'nothing to apply';
    return `SQLite at ${path}: schema at version ${result.to} (${did}).`;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const config = configurationOrExit('Not migrated.');
  try {
    const line = config.databaseUrl ? await migratePostgres(config.databaseUrl) : migrateSqliteFile(config.sqlitePath);
    process.stdout.write(`${line}\n`);
  } catch (error) {
    process.stderr.write(`Not migrated: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

void main();
