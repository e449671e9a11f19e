import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { AuditEntry } from '../../../services/requests/model';
import { StoreDataError } from '../../../services/store/codecs';
import { POSTGRES_MIGRATIONS, migratePostgres } from '../../../services/store/postgresMigrations';
import { PostgresStore } from '../../../services/store/postgresStore';
import type { NewRequest, Store } from '../../../services/store/store';
import { createTestSchema, querySchema, type TestSchema } from '../../helpers/postgres';
import { describeStoreContract, requestOf } from './storeContract';

const schemas = new Map<Store, TestSchema>();

describeStoreContract(
  'PostgresStore',
  async () => {
    const schema = await createTestSchema();
    const store = await PostgresStore.connect(schema.url, { maxConnections: 4 });
    schemas.set(store, schema);
    return store;
  },
  async (store) => {
    await store.close();
    await schemas.get(store)?.drop();
    schemas.delete(store);
  },
);

const AT = '2025-03-01T09:00:00.000Z';

function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  return {
    id: `req-${randomUUID()}`,
    kind: 'invite',
    requester: { aadObjectId: 'user-1', name: 'Rita Requester' },
    tenantId: 'tenant-1',
    details: {
      email: `gail-${randomUUID()}@example.com`,
      displayName: 'Gail Guest',
      message: 'Welcome',
      groups: [{ id: 'group-1', displayName: 'Project X' }],
      justification: 'Project X',
    },
    createdAt: AT,
    ...overrides,
  };
}

function audit(action: string, requestId?: string): AuditEntry {
  return { ...(requestId === undefined ? {} : { requestId }), actor: 'user-1', action, at: AT };
}

describe('PostgresStore (PostgreSQL specifics)', () => {
  let schema: TestSchema;
  const open: Store[] = [];

  async function connect(): Promise<PostgresStore> {
    const store = await PostgresStore.connect(schema.url, { maxConnections: 12 });
    open.push(store);
    return store;
  }

  beforeEach(async () => {
    schema = await createTestSchema();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await schema.drop();
  });

  it('records each migration once, also when several instances start on an empty schema at once', async () => {
    await Promise.all([connect(), connect(), connect(), connect()]);
    const rows = await querySchema<{ version: number; name: string }>(schema, 'SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })));

    const pool = new Pool({ connectionString: schema.url });
    try {
      const client = await pool.connect();
      try {
        expect(await migratePostgres(client)).toEqual({ from: POSTGRES_MIGRATIONS.length, to: POSTGRES_MIGRATIONS.length, applied: [] });
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('refuses a schema written by a newer release and leaves it untouched', async () => {
    await connect();
    await querySchema(schema, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", [POSTGRES_MIGRATIONS.length + 1]);
    await expect(PostgresStore.connect(schema.url)).rejects.toThrow(/newer than this release knows/);
    const rows = await querySchema<{ n: number }>(schema, 'SELECT count(*)::integer AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(POSTGRES_MIGRATIONS.length + 1);
  });

  it('rolls a failing migration back whole, recording nothing', async () => {
    const pool = new Pool({ connectionString: schema.url });
    try {
      const client = await pool.connect();
      try {
        const broken = [
          { version: 1, name: 'good', sql: 'CREATE TABLE t1 (id integer)' },
          { version: 2, name: 'bad', sql: 'CREATE TABLE t2 (id no_such_type)' },
        ];
        await expect(migratePostgres(client, broken)).rejects.toThrow(/no_such_type/);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    const tables = await querySchema<{ n: number }>(
      schema,
      "SELECT count(*)::integer AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('t1', 'schema_migrations')",
    );
    expect(tables[0]?.n).toBe(0);
  });

  it('keeps a guest job queued before jobs kept their results, and completes it with its result', async () => {
    const pool = new Pool({ connectionString: schema.url });
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(
          client,
          POSTGRES_MIGRATIONS.slice(
            0,
            POSTGRES_MIGRATIONS.findIndex((m) => m.name === 'guest job results'),
          ),
        );
        // Written by the release before: its jobs table has no result.
        await client.query(
          `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ('job-1', 'guest', '{"operation":"disable"}', 'queued', 0, $1, $1)`,
          [AT],
        );
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }

    const store = await connect();
    expect(await store.getGuestJob('job-1')).toEqual({ id: 'job-1', state: 'queued', payload: { operation: 'disable' }, attempts: 0, createdAt: AT });
    expect(await store.claimJob('worker-1', 60_000, new Date(AT))).toMatchObject({ id: 'job-1', kind: 'guest' });
    await store.completeJob('job-1', [], { kind: 'revoked' });
    expect(await store.getGuestJob('job-1')).toMatchObject({ state: 'done', result: { kind: 'revoked' } });
  });

  it('keeps the grants written before batches recorded theirs, and then holds one grant per guest of a batch for the same group', async () => {
    const insertGrant = (id: string, guestId: string) =>
      querySchema(
        schema,
        `INSERT INTO grants (id, request_id, guest_id, kind, target_id, target_name, given, state, ends_at, created_at, version)
         VALUES ($1, 'req-1', $2, 'group', 'group-1', 'Project X', 1, 'active', '2025-06-01T00:00:00.000Z', $3, 1)`,
        [id, guestId, AT],
      );
    const pool = new Pool({ connectionString: schema.url });
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client, POSTGRES_MIGRATIONS.slice(0, 8));
        await client.query(
          `INSERT INTO requests (id, kind, state, version, requester_id, requester_name, tenant_id, email, details, created_at, updated_at)
           VALUES ('req-1', 'invite', 'completed', 4, 'user-1', 'Rita', 't', 'gail@example.com', '{}', $1, $1)`,
          [AT],
        );
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    await insertGrant('req-1/group/group-1', 'guest-1');
    await expect(insertGrant('req-1/guest-2/group/group-1', 'guest-2')).rejects.toThrow(/unique/i);

    const store = await connect();
    expect(await store.getGrant('req-1/group/group-1')).toMatchObject({
      requestId: 'req-1',
      guestId: 'guest-1',
      targetId: 'group-1',
      state: 'active',
      version: 1,
    });
    expect((await store.listGrantsDue(new Date('2025-06-02T00:00:00.000Z'), 10)).map((g) => g.id)).toEqual(['req-1/group/group-1']);
    await insertGrant('req-1/guest-2/group/group-1', 'guest-2');
    await expect(insertGrant('req-1/guest-2/group/group-1-again', 'guest-2')).rejects.toThrow(/unique/i);
    expect((await store.listGrants({ requestId: 'req-1' })).map((g) => g.guestId)).toEqual(['guest-1', 'guest-2']);
  });

  it('explains a search_path that names no schema', async () => {
    const url = new URL(schema.url);
    url.searchParams.set('options', '-c search_path=no_such_schema_here');
    await expect(PostgresStore.connect(url.toString())).rejects.toThrow(/search_path names no existing schema/);
  });

  it('fails fast with the driver error when the server cannot be reached', async () => {
    await expect(PostgresStore.connect('postgres://postgres@127.0.0.1:1/test', { connectionTimeoutMs: 2_000 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('keeps the audit log append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const store = await connect();
    const request = newRequest();
    await store.createRequest(request, audit('request.created', request.id));
    await expect(querySchema(schema, "UPDATE audit_log SET action = 'forged'")).rejects.toThrow(/append-only/);
    await expect(querySchema(schema, 'DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(querySchema(schema, 'TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await store.listAudit(request.id)).map((e) => e.action)).toEqual(['request.created']);
  });

  it('stores JSON as jsonb and timestamps as timestamptz, and reads them back as the domain types', async () => {
    const store = await connect();
    const request = newRequest({ details: { ...newRequest().details, email: '  Gail.Guest@Example.COM ' } });
    await store.createRequest(request, audit('request.created', request.id));
    const [row] = await querySchema<{ email: string; details_type: string; created_type: string; group_name: string }>(
      schema,
      `SELECT email, pg_typeof(details)::text AS details_type, pg_typeof(created_at)::text AS created_type,
              details->'groups'->0->>'displayName' AS group_name
       FROM requests WHERE id = $1`,
      [request.id],
    );
    expect(row).toEqual({ email: 'gail.guest@example.com', details_type: 'jsonb', created_type: 'timestamp with time zone', group_name: 'Project X' });
    expect((await store.getRequest(request.id))?.createdAt).toBe(AT);
  });

  it('reports stored JSON that does not match its type without echoing it', async () => {
    const store = await connect();
    const request = newRequest();
    await store.createRequest(request, audit('request.created', request.id));
    await querySchema(schema, `UPDATE requests SET details = '{"email": "secret@example.com"}'::jsonb WHERE id = $1`, [request.id]);
    const read = store.getRequest(request.id);
    await expect(read).rejects.toBeInstanceOf(StoreDataError);
    await expect(store.getRequest(request.id)).rejects.not.toThrow(/secret@example\.com/);
  });

  it('two instances deciding the same requests at once: exactly one transition wins each time', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const requests = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const request = newRequest();
        return a.createRequest(request, audit('request.created', request.id));
      }),
    );
    const approve = (store: Store, id: string, actor: string) =>
      store.transition({
        id,
        from: 'pending',
        expectedVersion: 1,
        to: 'approved',
        patch: { decision: { outcome: 'approved', by: { aadObjectId: actor, name: actor }, at: AT } },
        audit: { requestId: id, actor, action: 'request.approved', at: AT },
        enqueueJob: true,
      });
    const results = await Promise.all(requests.flatMap((r) => [approve(a, r.id, 'approver-a'), approve(b, r.id, 'approver-b')]));
    expect(results.filter((r) => r.ok)).toHaveLength(requests.length);
    for (const request of requests) {
      const approvals = (await a.listAudit(request.id)).filter((e) => e.action === 'request.approved');
      expect(approvals).toHaveLength(1);
    }
    const jobs = await querySchema<{ n: number }>(schema, 'SELECT count(*)::integer AS n FROM jobs');
    expect(jobs[0]?.n).toBe(requests.length);
  });

  it('instances claiming at once take different jobs (SKIP LOCKED), each job exactly once', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    const count = 30;
    for (let i = 0; i < count; i += 1) {
      const request = newRequest();
      await a.createRequest(request, audit('request.created', request.id));
      await a.transition({
        id: request.id,
        from: 'pending',
        expectedVersion: 1,
        to: 'approved',
        audit: { requestId: request.id, actor: 'approver', action: 'request.approved', at: AT },
        enqueueJob: true,
      });
    }
    const now = new Date('2025-03-01T10:00:00.000Z');
    const claimAll = async (store: Store, worker: string): Promise<string[]> => {
      const claimed: string[] = [];
      for (;;) {
        const job = await store.claimJob(worker, 60_000, now);
        if (!job) return claimed;
        claimed.push(requestOf(job)!);
      }
    };
    const claims = await Promise.all([claimAll(a, 'w-a'), claimAll(b, 'w-b'), claimAll(c, 'w-c'), claimAll(a, 'w-a2'), claimAll(b, 'w-b2')]);
    const all = claims.flat();
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    // More than one claimer got work: they did not queue behind one locked row.
    expect(claims.filter((c) => c.length > 0).length).toBeGreaterThan(1);
  });

  it('of two instances claiming a periodic task at once only one runs it', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    for (let round = 0; round < 20; round += 1) {
      const name = `task-${round}`;
      const now = new Date(Date.parse(AT) + round * 1000);
      const results = await Promise.all([
        a.claimPeriodicTask(name, 'instance-a', 60_000, now),
        b.claimPeriodicTask(name, 'instance-b', 60_000, now),
        a.claimPeriodicTask(name, 'instance-a2', 60_000, now),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });
});
