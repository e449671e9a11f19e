import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describeDatabaseUrl, openStore } from '../../../services/store/openStore';
import { PostgresStore } from '../../../services/store/postgresStore';
import { SqliteStore } from '../../../services/store/sqliteStore';
import { createTestSchema } from '../../helpers/postgres';

const silent = pino({ level: 'silent' });

describe('openStore', () => {
  it('describes a PostgreSQL URL by host, port, database and schema, never its credentials', () => {
    const text = describeDatabaseUrl('postgresql://bot:s3cret@db.internal:6432/guest_access?options=-c%20search_path%3Dbot_prod&sslmode=require');
    expect(text).toBe('PostgreSQL at db.internal:6432/guest_access (schema bot_prod)');
    expect(describeDatabaseUrl('postgres://db.internal/guest_access')).toBe('PostgreSQL at db.internal:5432/guest_access');
  });

  it('opens PostgreSQL when DATABASE_URL is set, with the schema migrated', async () => {
    const schema = await createTestSchema();
    const opened = await openStore({ databaseUrl: schema.url, sqlitePath: '' }, silent);
    try {
      expect(opened.store).toBeInstanceOf(PostgresStore);
      expect(opened.description).toMatch(new RegExp(`^PostgreSQL at .+ \\(schema ${schema.name}\\)$`));
      await expect(opened.store.ping()).resolves.toBeUndefined();
      expect(await opened.store.claimPeriodicTask('probe', 'me', 1_000, new Date())).toBe(true);
    } finally {
      await opened.store.close();
      await schema.drop();
    }
  });

  it('opens the SQLite file otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-store-'));
    const path = join(dir, 'bot.db');
    const opened = await openStore({ databaseUrl: '', sqlitePath: path }, silent);
    try {
      expect(opened.store).toBeInstanceOf(SqliteStore);
      expect(opened.description).toBe(`SQLite at ${path}`);
      await expect(opened.store.ping()).resolves.toBeUndefined();
    } finally {
      await opened.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
