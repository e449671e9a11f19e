import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry } from '../../../services/requests/model';
import { StoreDataError } from '../../../services/store/codecs';
import { MIGRATIONS, migrate } from '../../../services/store/sqliteMigrations';
import { SqliteStore } from '../../../services/store/sqliteStore';
import type { NewRequest, Store } from '../../../services/store/store';
import { describeStoreContract, requestOf } from './storeContract';

const tempDirs = new Map<Store, string>();

function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sqlite-store-'));
}

describeStoreContract('SqliteStore in memory', async () => SqliteStore.open(':memory:'));

describeStoreContract(
  'SqliteStore on a temporary file',
  async () => {
    const dir = makeTempDir();
    const store = SqliteStore.open(join(dir, 'nested', 'store.db'));
    tempDirs.set(store, dir);
    return store;
  },
  async (store) => {
    await store.close();
    const dir = tempDirs.get(store);
    tempDirs.delete(store);
    if (dir) rmSync(dir, { recursive: true, force: true });
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
      email: 'gail@example.com',
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

function countRows(db: Database.Database, table: string): number {
  const row: unknown = db.prepare(`SELECT count(*) AS n FROM ${table}`).get();
  if (typeof row !== 'object' || row === null || !('n' in row) || typeof row.n !== 'number') {
    throw new Error('unexpected count row');
  }
  return row.n;
}

function userVersion(db: Database.Database): unknown {
  return db.pragma('user_version', { simple: true });
}

// better-sqlite3's native part keeps the error class of the first test file that loaded it, so
// in later files its errors fail `instanceof Error`; SQLite errors are matched by message instead.
describe('SqliteStore (SQLite specifics)', () => {
  let dir: string;
  const open: Database.Database[] = [];

  /** A raw connection to inspect or tamper with what the store wrote. */
  function connect(file: string): Database.Database {
    const db = new Database(file);
    open.push(db);
    return db;
  }

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('open creates the parent folder and sets WAL, foreign keys and a busy timeout', async () => {
    const file = join(dir, 'a', 'b', 'store.db');
    const store = SqliteStore.open(file);
    try {
      expect(existsSync(file)).toBe(true);
      expect(connect(file).pragma('journal_mode', { simple: true })).toBe('wal');
      // Foreign keys are enforced: a step for a request that does not exist is refused.
      await expect(store.saveStep({ requestId: 'missing', key: 'invite', status: 'done', output: {} })).rejects.toMatchObject({
        message: expect.stringMatching(/FOREIGN KEY/),
      });
    } finally {
      await store.close();
    }

    const db = connect(join(dir, 'configured.db'));
    const configured = new SqliteStore(db, { busyTimeoutMs: 1234 });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    await configured.close();
  });

  it('migrations are idempotent on reopen', async () => {
    const file = join(dir, 'store.db');
    const first = SqliteStore.open(file);
    await first.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'));
    await first.close();

    const raw = connect(file);
    expect(userVersion(raw)).toBe(MIGRATIONS.length);
    const schema = raw.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    expect(migrate(raw)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
    raw.close();

    const second = SqliteStore.open(file);
    const third = SqliteStore.open(file); // a second connection at the same time is fine too
    expect((await second.getRequest('req-1'))?.state).toBe('pending');
    await second.close();
    await third.close();

    const after = connect(file);
    expect(userVersion(after)).toBe(MIGRATIONS.length);
    expect(after.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
  });

  it('keeps the jobs of a database written before job kinds, as request jobs in their order', async () => {
    const file = join(dir, 'store.db');
    const raw = connect(file);
    migrate(raw, MIGRATIONS.slice(0, 4));
    raw.close();
    // Written by the release before: its jobs table has no kind.
    const old = connect(file);
    old.pragma('foreign_keys = ON');
    for (const id of ['req-1', 'req-2']) {
      old
        .prepare(
          `INSERT INTO requests (id, kind, state, version, requester_id, requester_name, tenant_id, email, details, created_at, updated_at)
        VALUES (?, 'invite', 'approved', 2, 'user-1', 'Rita', 't', ?, '{}', ?, ?)`,
        )
        .run(id, `${id}@example.com`, AT, AT);
    }
    old.prepare(`INSERT INTO jobs (id, request_id, state, attempts, run_after, created_at) VALUES ('job-2', 'req-2', 'queued', 0, ?, ?)`).run(AT, AT);
    old.prepare(`INSERT INTO jobs (id, request_id, state, attempts, run_after, created_at) VALUES ('job-1', 'req-1', 'queued', 0, ?, ?)`).run(AT, AT);
    old.close();

    const store = SqliteStore.open(file);
    expect(await store.claimJob('worker-1', 60_000, new Date(AT))).toMatchObject({ id: 'job-2', kind: 'request', requestId: 'req-2' });
    expect(await store.claimJob('worker-1', 60_000, new Date(AT))).toMatchObject({ id: 'job-1', kind: 'request', requestId: 'req-1' });
    await store.close();
  });

  it('keeps a guest job queued before jobs kept their results, and completes it with its result', async () => {
    const file = join(dir, 'store.db');
    const raw = connect(file);
    migrate(
      raw,
      MIGRATIONS.slice(
        0,
        MIGRATIONS.findIndex((m) => m.name === 'guest job results'),
      ),
    );
    // Written by the release before: its jobs table has no result.
    raw
      .prepare(
        `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ('job-1', 'guest', '{"operation":"disable"}', 'queued', 0, ?, ?)`,
      )
      .run(AT, AT);
    raw.close();

    const store = SqliteStore.open(file);
    expect(await store.getGuestJob('job-1')).toEqual({ id: 'job-1', state: 'queued', payload: { operation: 'disable' }, attempts: 0, createdAt: AT });
    expect(await store.claimJob('worker-1', 60_000, new Date(AT))).toMatchObject({ id: 'job-1', kind: 'guest' });
    await store.completeJob('job-1', [], { kind: 'revoked' });
    expect(await store.getGuestJob('job-1')).toMatchObject({ state: 'done', result: { kind: 'revoked' } });
    await store.close();
  });

  it('keeps the grants written before batches recorded theirs, and then holds one grant per guest of a batch for the same group', async () => {
    const file = join(dir, 'grants.db');
    const raw = connect(file);
    // SQLite's steps are one more than PostgreSQL's: the step before this change is 'batch invitations'.
    migrate(raw, MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name === 'batch invitations') + 1));
    raw
      .prepare(
        `INSERT INTO requests (id, kind, state, version, requester_id, requester_name, tenant_id, email, details, created_at, updated_at)
      VALUES ('req-1', 'invite', 'completed', 4, 'user-1', 'Rita', 't', 'gail@example.com', '{}', ?, ?)`,
      )
      .run(AT, AT);
    const insertGrant = (db: Database.Database, id: string, guestId: string): void => {
      db.prepare(
        `INSERT INTO grants (id, request_id, guest_id, kind, target_id, target_name, given, state, ends_at, created_at, version)
         VALUES (?, 'req-1', ?, 'group', 'group-1', 'Project X', 1, 'active', '2025-06-01T00:00:00.000Z', ?, 1)`,
      ).run(id, guestId, AT);
    };
    insertGrant(raw, 'req-1/group/group-1', 'guest-1');
    // Before this step a second guest of the same request and group is refused.
    expect(() => insertGrant(raw, 'req-1/guest-2/group/group-1', 'guest-2')).toThrow(/UNIQUE/);
    raw.close();

    const store = SqliteStore.open(file);
    expect(await store.getGrant('req-1/group/group-1')).toMatchObject({
      requestId: 'req-1',
      guestId: 'guest-1',
      targetId: 'group-1',
      state: 'active',
      version: 1,
    });
    expect((await store.listGrantsDue(new Date('2025-06-02T00:00:00.000Z'), 10)).map((g) => g.id)).toEqual(['req-1/group/group-1']);
    await store.close();
    const after = connect(file);
    expect(MIGRATIONS.at(-1)?.name).toBe('grants per guest of a batch');
    expect(userVersion(after)).toBe(MIGRATIONS.length);
    insertGrant(after, 'req-1/guest-2/group/group-1', 'guest-2');
    expect(() => insertGrant(after, 'req-1/guest-2/group/group-1-again', 'guest-2')).toThrow(/UNIQUE/);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'grants' AND sql IS NOT NULL ORDER BY name").all()).toEqual([
      { name: 'grants_guest' },
      { name: 'grants_state_ends_at' },
    ]);
    after.close();
  });

  it('keeps every column, row and index of the jobs table when it widens the job kinds for lifecycle jobs', async () => {
    const file = join(dir, 'lifecycle.db');
    const before = MIGRATIONS.findIndex((m) => m.name === 'guest lifecycle');
    const raw = connect(file);
    migrate(raw, MIGRATIONS.slice(0, before));
    // A column a later step of another change might have added by the time this step runs.
    raw.exec('ALTER TABLE jobs ADD COLUMN note TEXT');
    raw
      .prepare(
        `INSERT INTO requests (id, kind, state, version, requester_id, requester_name, tenant_id, email, details, created_at, updated_at)
      VALUES ('req-1', 'invite', 'approved', 2, 'user-1', 'Rita', 't', 'req-1@example.com', '{}', ?, ?)`,
      )
      .run(AT, AT);
    raw
      .prepare(
        `INSERT INTO jobs (id, kind, request_id, state, attempts, run_after, created_at, note) VALUES ('job-1', 'request', 'req-1', 'queued', 0, ?, ?, 'kept')`,
      )
      .run(AT, AT);
    raw
      .prepare(
        `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ('job-2', 'guest', '{"operation":"disable"}', 'queued', 0, ?, ?)`,
      )
      .run(AT, AT);
    const indexesBefore = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name").all();
    expect(() =>
      raw
        .prepare(`INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ('x', 'lifecycle', '{}', 'queued', 0, ?, ?)`)
        .run(AT, AT),
    ).toThrow(/CHECK/);
    raw.close();

    const store = SqliteStore.open(file);
    await store.applyLifecycleChange({ audit: [], jobs: [{ payload: { op: 'endGrant' }, runAfter: '2025-03-01T10:00:00.000Z' }] });
    expect(await store.claimJob('worker-1', 60_000, new Date('2025-03-01T10:00:00.000Z'))).toMatchObject({ id: 'job-1', kind: 'request', requestId: 'req-1' });
    expect(await store.claimJob('worker-1', 60_000, new Date('2025-03-01T10:00:00.000Z'))).toMatchObject({
      id: 'job-2',
      kind: 'guest',
      payload: { operation: 'disable' },
    });
    expect(await store.claimJob('worker-1', 60_000, new Date('2025-03-01T10:00:00.000Z'))).toMatchObject({ kind: 'lifecycle', payload: { op: 'endGrant' } });
    await store.close();
    const after = connect(file);
    expect(after.prepare("SELECT note FROM jobs WHERE id = 'job-1'").get()).toEqual({ note: 'kept' });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name").all()).toEqual(
      indexesBefore,
    );
    // A guest job still needs its payload, and a request job its request.
    expect(() =>
      after.prepare(`INSERT INTO jobs (id, kind, state, attempts, run_after, created_at) VALUES ('y', 'lifecycle', 'queued', 0, ?, ?)`).run(AT, AT),
    ).toThrow(/CHECK/);
    after.close();
  });

  it('runs pending migrations in one transaction and keeps the schema unchanged when one fails', () => {
    const db = connect(':memory:');
    const steps = [
      { name: 'one', sql: 'CREATE TABLE one (x INTEGER);' },
      { name: 'two', sql: 'CREATE TABLE two (x INTEGER); THIS IS NOT SQL;' },
    ];
    expect(() => migrate(db, steps)).toThrow();
    expect(userVersion(db)).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('one', 'two')").all()).toEqual([]);

    expect(migrate(db, steps.slice(0, 1))).toEqual({ from: 0, to: 1 });
    expect(migrate(db, [steps[0], { name: 'two', sql: 'CREATE TABLE two (x INTEGER);' }])).toEqual({ from: 1, to: 2 });
    expect(userVersion(db)).toBe(2);
  });

  it('refuses a database written by a newer release', () => {
    const file = join(dir, 'future.db');
    const db = connect(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteStore.open(file)).toThrow(/newer/);
  });

  it('data persists across reopen', async () => {
    const file = join(dir, 'store.db');
    const first = SqliteStore.open(file, { now: () => new Date(AT) });
    const request = await first.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'));
    await first.transition({
      id: 'req-1',
      from: 'pending',
      expectedVersion: 1,
      to: 'approved',
      patch: { decision: { outcome: 'approved', by: { aadObjectId: 'approver-1', name: 'Ada' }, at: AT } },
      audit: audit('request.approved', 'req-1'),
      enqueueJob: true,
    });
    await first.saveStep({ requestId: 'req-1', key: 'invite', status: 'done', output: { guestId: 'guest-1' } });
    await first.saveConversation('conv-1', { conversation: { id: 'a:1' } });
    await first.setSetting('approvalsChannel', '19:abc@thread.tacv2', audit('setting.changed'));
    await first.saveCardMessage({ requestId: 'req-1', role: 'requester', conversationKey: 'conv-1', activityId: 'act-1' });
    await first.close();

    const second = SqliteStore.open(file);
    try {
      expect(await second.getRequest('req-1')).toMatchObject({ ...request, state: 'approved', version: 2 });
      expect(await second.getSteps('req-1')).toEqual([{ requestId: 'req-1', key: 'invite', status: 'done', output: { guestId: 'guest-1' }, updatedAt: AT }]);
      expect(await second.getConversation('conv-1')).toEqual({
        key: 'conv-1',
        reference: { conversation: { id: 'a:1' } },
        updatedAt: AT,
      });
      expect(await second.getSetting('approvalsChannel')).toBe('19:abc@thread.tacv2');
      expect(await second.listCardMessages('req-1')).toHaveLength(1);
      expect((await second.listAudit('req-1')).map((e) => e.action)).toEqual(['request.created', 'request.approved']);
      expect(requestOf(await second.claimJob('worker-1', 60_000, new Date(AT)))).toBe('req-1');
    } finally {
      await second.close();
    }
  });

  it('audit_log refuses UPDATE and DELETE', async () => {
    const file = join(dir, 'store.db');
    const store = SqliteStore.open(file);
    await store.appendAudit(audit('something'));
    await store.close();

    const db = connect(file);
    expect(() => db.prepare("UPDATE audit_log SET action = 'rewritten'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(countRows(db, 'audit_log')).toBe(1);
  });

  it('setSetting appends its audit entry, and a failed write appends none', async () => {
    const db = connect(':memory:');
    const store = new SqliteStore(db);
    await store.setSetting('approvalsChannel', '19:abc', { ...audit('setting.changed'), detail: { key: 'approvalsChannel' } });
    expect(db.prepare('SELECT request_id, action, detail FROM audit_log').all()).toEqual([
      { request_id: null, action: 'setting.changed', detail: '{"key":"approvalsChannel"}' },
    ]);

    await store.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'));
    await expect(store.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'))).rejects.toMatchObject({
      message: expect.stringMatching(/UNIQUE/),
    });
    expect(countRows(db, 'requests')).toBe(1);
    expect(countRows(db, 'audit_log')).toBe(2);
    await store.close();
  });

  it('stores the address lower-cased for lookup and keeps timestamps canonical', async () => {
    const db = connect(':memory:');
    const store = new SqliteStore(db);
    const request = newRequest({ id: 'req-1', createdAt: '2025-03-01T10:00:00+01:00' });
    request.details.email = '  Gail@Example.COM ';
    const created = await store.createRequest(request, audit('request.created'));
    expect(created.createdAt).toBe(AT);
    expect(db.prepare('SELECT email FROM requests').get()).toEqual({ email: 'gail@example.com' });
    expect((await store.findRequestsByEmail('GAIL@example.com', ['pending'])).map((r) => r.id)).toEqual(['req-1']);
    await expect(store.createRequest(newRequest({ createdAt: 'yesterday' }), audit('x'))).rejects.toThrow(RangeError);
    await store.close();
  });

  it('refuses an audit entry that names another request', async () => {
    const store = SqliteStore.open(':memory:');
    await expect(store.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-2'))).rejects.toThrow(/req-2/);
    expect(await store.getRequest('req-1')).toBeUndefined();
    await store.close();
  });

  it('reports stored JSON that does not match its type without echoing it', async () => {
    const db = connect(':memory:');
    const store = new SqliteStore(db);
    await store.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'));

    db.prepare(`UPDATE requests SET details = json_set(details, '$.email', 42) WHERE id = 'req-1'`).run();
    const bad = store.getRequest('req-1');
    await expect(bad).rejects.toBeInstanceOf(StoreDataError);
    await expect(bad).rejects.toThrow(/requests\[req-1\]\.details.*email/);

    db.prepare(`UPDATE requests SET details = '{"email":"secret@example.com"}', state = 'limbo' WHERE id = 'req-1'`).run();
    const error: unknown = await store.getRequest('req-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreDataError);
    expect(String(error)).toMatch(/state/);
    expect(String(error)).not.toMatch(/secret@example\.com|limbo/);
    await store.close();
  });

  it('completing or releasing an unknown job rejects', async () => {
    const store = SqliteStore.open(':memory:');
    await expect(store.completeJob('missing')).rejects.toThrow(/job missing not found/);
    await expect(store.releaseJob('missing', new Date(AT), 'x')).rejects.toThrow(/job missing not found/);
    await expect(store.claimJob('worker-1', 0, new Date(AT))).rejects.toThrow(RangeError);
    await store.close();
  });

  it('queues a finished job afresh when a retry enqueues it again, and not while it runs', async () => {
    const store = SqliteStore.open(':memory:');
    const decision = { outcome: 'approved' as const, by: { aadObjectId: 'approver-1', name: 'Ada' }, at: AT };
    await store.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'));
    await store.transition({
      id: 'req-1',
      from: 'pending',
      expectedVersion: 1,
      to: 'approved',
      patch: { decision },
      audit: audit('request.approved', 'req-1'),
      enqueueJob: true,
    });
    const job = await store.claimJob('worker-1', 60_000, new Date(AT));
    await store.transition({
      id: 'req-1',
      from: 'approved',
      expectedVersion: 2,
      to: 'failed',
      audit: audit('request.failed', 'req-1'),
      enqueueJob: true, // ignored: the job is running
    });
    expect(await store.claimJob('worker-2', 60_000, new Date(AT))).toBeUndefined();
    await store.completeJob(job!.id);

    const retried = await store.transition({
      id: 'req-1',
      from: 'failed',
      expectedVersion: 3,
      to: 'approved',
      audit: { ...audit('request.retried', 'req-1'), at: '2025-03-01T10:00:00.000Z' },
      enqueueJob: true,
    });
    expect(retried.ok).toBe(true);
    expect(await store.claimJob('worker-2', 60_000, new Date(AT))).toBeUndefined();
    expect(await store.claimJob('worker-2', 60_000, new Date('2025-03-01T10:00:00.000Z'))).toEqual({
      id: job!.id,
      kind: 'request',
      requestId: 'req-1',
      attempts: 1,
      leaseUntil: '2025-03-01T10:01:00.000Z',
    });
    await store.close();
  });

  it('two connections to one file claim a job once', async () => {
    const file = join(dir, 'store.db');
    const a = SqliteStore.open(file);
    const b = SqliteStore.open(file);
    try {
      await a.createRequest(newRequest({ id: 'req-1' }), audit('request.created', 'req-1'));
      const won = await b.transition({
        id: 'req-1',
        from: 'pending',
        expectedVersion: 1,
        to: 'approved',
        audit: audit('request.approved', 'req-1'),
        enqueueJob: true,
      });
      const lost = await a.transition({
        id: 'req-1',
        from: 'pending',
        expectedVersion: 1,
        to: 'denied',
        audit: audit('request.denied', 'req-1'),
      });
      expect([won.ok, lost.ok]).toEqual([true, false]);
      const claims = await Promise.all([a.claimJob('worker-a', 60_000, new Date(AT)), b.claimJob('worker-b', 60_000, new Date(AT))]);
      expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rejects calls after close, and closing twice is harmless', async () => {
    const store = SqliteStore.open(':memory:');
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.ping()).rejects.toThrow();
    await expect(store.getRequest('req-1')).rejects.toThrow();
  });
});
