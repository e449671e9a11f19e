import type { AppConfig } from '../platform/config';
import type { Logger } from '../platform/logger';
import { PostgresStore } from './postgresStore';
import { SqliteStore } from './sqliteStore';
import type { Store } from './store';

export interface OpenedStore {
  store: Store;
  /** Where the data lives, for the start banner: no credentials. */
  description: string;
}

/**
 * Opens the configured store and brings its schema up to date: PostgreSQL when DATABASE_URL is
 * set (several instances may share it), otherwise the embedded SQLite file (one instance).
 */
export async function openStore(config: Pick<AppConfig, 'databaseUrl' | 'sqlitePath'>, logger: Logger): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const store = await PostgresStore.connect(config.databaseUrl, {
      onConnectionError: (error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection failed; it will be replaced'),
    });
    return { store, description: describeDatabaseUrl(config.databaseUrl) };
  }
  return { store: SqliteStore.open(config.sqlitePath), description: `SQLite at ${config.sqlitePath}` };
}

/** `PostgreSQL at host:5432/db (schema s)`: the URL without user or password. */
export function describeDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = url.port || '5432';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const searchPath = /search_path\s*=\s*([^\s]+)/.exec(url.searchParams.get('options') ?? '')?.[1];
  return `PostgreSQL at ${host}:${port}/${database}${searchPath ? ` (schema ${searchPath})` : ''}`;
}
