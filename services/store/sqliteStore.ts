import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job, RequestState } from '../requests/model';
import { checkLeaseMs, checkLimit, isoTimestamp, normalizeEmail } from './codecs';
import { migrate } from './sqliteMigrations';
// The one row mapping, shared with the other store: only the SQL below is this dialect's own.
import { auditFor, auditRecord, cardMessageRecord, cursorRecord, guestCardMessageRecord, leaseEnd, missing, outboxRecord, requestRecord, stepRecord, transitionPatch, type ColumnValue } from './rows';
import { sqliteRows as rows } from './sqliteRows';
import type { GuestJobStatus, NewOutboxEntry, NewRequest, OutboxItem, OutboxStatus, PageCursor, Store, StoredConversation, TransitionInput, TransitionResult } from './store';

export interface SqliteStoreOptions {
  /**
   * Clock for timestamps the caller does not supply (steps, conversations, settings). Request
   * and job times come from the caller: `createdAt`, and the audit entry's `at` for transitions.
   */
  now?: () => Date;
  /** How long a statement waits for another connection's write lock before failing. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

type Db = Database.Database;
/** Named parameters: a column record from rows.ts, or the values of one statement. */
type Params = Record<string, ColumnValue>;

/** Every statement the store runs, prepared once per connection. */
function prepareStatements(db: Db) {
  return {
    insertRequest: db.prepare<Params>(`
      INSERT INTO requests (id, kind, state, version, requester_id, requester_name, tenant_id, email,
                            details, context, decision, outcome, created_at, updated_at)
      VALUES (@id, @kind, @state, @version, @requester_id, @requester_name, @tenant_id, @email,
              @details, @context, @decision, @outcome, @created_at, @updated_at)`),
    getRequest: db.prepare<[string]>('SELECT * FROM requests WHERE id = ?'),
    findRequestsByEmail: db.prepare<{ email: string; states: string }>(`
      SELECT * FROM requests
      WHERE email = @email AND state IN (SELECT value FROM json_each(@states))
      ORDER BY created_at, rowid`),
    listRequestsByRequester: db.prepare<{ requester_id: string; limit: number }>(`
      SELECT * FROM requests WHERE requester_id = @requester_id
      ORDER BY created_at DESC, rowid DESC LIMIT @limit`),
    listRequestsByState: db.prepare<{ states: string; limit: number }>(`
      SELECT * FROM requests WHERE state IN (SELECT value FROM json_each(@states))
      ORDER BY created_at, rowid LIMIT @limit`),
    // The compare-and-set: changes the row only if nobody changed it since the caller read it.
    transition: db.prepare<{
      id: string;
      from: string;
      version: number;
      to: string;
      decision: string | null;
      outcome: string | null;
      updated_at: string;
    }>(`
      UPDATE requests
      SET state = @to, version = version + 1,
          decision = COALESCE(@decision, decision), outcome = COALESCE(@outcome, outcome),
          updated_at = @updated_at
      WHERE id = @id AND state = @from AND version = @version
      RETURNING *`),

    getSteps: db.prepare<[string]>('SELECT * FROM execution_steps WHERE request_id = ? ORDER BY rowid'),
    saveStep: db.prepare<Params>(`
      INSERT INTO execution_steps (request_id, step_key, status, output, error, updated_at)
      VALUES (@request_id, @step_key, @status, @output, @error, @updated_at)
      ON CONFLICT (request_id, step_key) DO UPDATE
      SET status = excluded.status, output = excluded.output, error = excluded.error,
          updated_at = excluded.updated_at`),

    // One job per request. Enqueueing again while a job is queued or running changes nothing;
    // enqueueing after it finished (an admin retry) queues it afresh.
    enqueueJob: db.prepare<{ id: string; request_id: string; at: string }>(`
      INSERT INTO jobs (id, kind, request_id, state, attempts, run_after, created_at)
      VALUES (@id, 'request', @request_id, 'queued', 0, @at, @at)
      ON CONFLICT (request_id) DO UPDATE
      SET state = 'queued', attempts = 0, run_after = excluded.run_after, created_at = excluded.created_at,
          lease_owner = NULL, lease_until = NULL, last_error = NULL
      WHERE jobs.state = 'done'`),
    enqueueGuestJob: db.prepare<{ id: string; payload: string; at: string }>(`
      INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at)
      VALUES (@id, 'guest', @payload, 'queued', 0, @at, @at)`),
    claimJob: db.prepare<{ worker: string; now: string; lease_until: string }>(`
      UPDATE jobs
      SET state = 'running', lease_owner = @worker, lease_until = @lease_until, attempts = attempts + 1
      WHERE id = (
        SELECT id FROM jobs
        WHERE (state = 'queued' AND run_after <= @now) OR (state = 'running' AND lease_until < @now)
        ORDER BY created_at, rowid
        LIMIT 1)
      RETURNING id, kind, request_id, payload, attempts, lease_until`),
    completeJob: db.prepare<{ id: string; result: string | null }>(`UPDATE jobs SET state = 'done', lease_until = NULL, result = @result WHERE id = @id`),
    getGuestJob: db.prepare<[string]>(`SELECT * FROM jobs WHERE id = ? AND kind = 'guest'`),
    // A finished job stays finished: a worker whose lease lapsed cannot re-queue another's work.
    releaseJob: db.prepare<{ id: string; run_after: string; last_error: string; refund: number }>(`
      UPDATE jobs
      SET state = 'queued', run_after = @run_after, last_error = @last_error,
          lease_owner = NULL, lease_until = NULL, attempts = MAX(0, attempts - @refund)
      WHERE id = @id AND state <> 'done'`),
    jobExists: db.prepare<[string]>('SELECT 1 FROM jobs WHERE id = ?'),
    extendJobLease: db.prepare<{ id: string; worker: string; lease_until: string }>(`
      UPDATE jobs SET lease_until = @lease_until
      WHERE id = @id AND state = 'running' AND lease_owner = @worker`),

    // A key already written is announced already: the first entry stands.
    insertOutbox: db.prepare<Params>(`
      INSERT INTO outbox (id, key, kind, request_id, payload, state, attempts, run_after, created_at)
      VALUES (@id, @key, @kind, @request_id, @payload, 'queued', 0, @run_after, @created_at)
      ON CONFLICT (key) DO NOTHING`),
    // Delivered or abandoned entries are never claimed again; a running one whose lease lapsed is.
    claimOutbox: db.prepare<{ owner: string; now: string; lease_until: string }>(`
      UPDATE outbox
      SET state = 'running', lease_owner = @owner, lease_until = @lease_until, attempts = attempts + 1
      WHERE id = (
        SELECT id FROM outbox
        WHERE (state = 'queued' AND run_after <= @now) OR (state = 'running' AND lease_until < @now)
        ORDER BY run_after, rowid
        LIMIT 1)
      RETURNING *`),
    completeOutbox: db.prepare<{ id: string; owner: string; now: string }>(`
      UPDATE outbox SET state = 'done', lease_until = NULL, delivered_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner`),
    releaseOutbox: db.prepare<{ id: string; owner: string; state: string; run_after: string | null; last_error: string }>(`
      UPDATE outbox
      SET state = @state, run_after = COALESCE(@run_after, run_after), last_error = @last_error,
          lease_owner = NULL, lease_until = NULL
      WHERE id = @id AND state = 'running' AND lease_owner = @owner`),
    listOutbox: db.prepare<[string]>('SELECT * FROM outbox WHERE request_id = ? ORDER BY rowid'),

    // Inserting the row claims a task never run before; otherwise the update happens only when
    // the task is due and no lease is live, so of two callers at once only one gets a row back.
    claimPeriodicTask: db.prepare<{ name: string; owner: string; now: string; lease_until: string }>(`
      INSERT INTO periodic_tasks (name, next_run_at, lease_owner, lease_until)
      VALUES (@name, @now, @owner, @lease_until)
      ON CONFLICT (name) DO UPDATE
      SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
      WHERE periodic_tasks.next_run_at <= @now
        AND (periodic_tasks.lease_until IS NULL OR periodic_tasks.lease_until <= @now)
      RETURNING name`),
    finishPeriodicTask: db.prepare<{ name: string; owner: string; next_run_at: string }>(`
      UPDATE periodic_tasks SET next_run_at = @next_run_at, lease_owner = NULL, lease_until = NULL
      WHERE name = @name AND lease_owner = @owner`),

    saveConversation: db.prepare<{ key: string; reference: string; updated_at: string }>(`
      INSERT INTO conversations (key, reference, updated_at) VALUES (@key, @reference, @updated_at)
      ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at`),
    getConversation: db.prepare<[string]>('SELECT * FROM conversations WHERE key = ?'),

    getSetting: db.prepare<[string]>('SELECT value FROM settings WHERE key = ?'),
    setSetting: db.prepare<{ key: string; value: string; updated_at: string }>(`
      INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @updated_at)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),

    saveCardMessage: db.prepare<Params>(`
      INSERT INTO card_messages (request_id, role, conversation_key, activity_id)
      VALUES (@request_id, @role, @conversation_key, @activity_id)
      ON CONFLICT DO NOTHING`),
    listCardMessages: db.prepare<[string]>('SELECT * FROM card_messages WHERE request_id = ? ORDER BY rowid'),
    findCardMessage: db.prepare<{ conversation_key: string; activity_id: string }>(`
      SELECT * FROM card_messages WHERE conversation_key = @conversation_key AND activity_id = @activity_id
      ORDER BY rowid LIMIT 1`),

    saveGuestCardMessage: db.prepare<Params>(`
      INSERT INTO guest_card_messages (guest_id, conversation_key, activity_id)
      VALUES (@guest_id, @conversation_key, @activity_id)
      ON CONFLICT DO NOTHING`),
    findGuestCardMessage: db.prepare<{ conversation_key: string; activity_id: string }>(`
      SELECT * FROM guest_card_messages WHERE conversation_key = @conversation_key AND activity_id = @activity_id`),

    appendAudit: db.prepare<Params>(`
      INSERT INTO audit_log (request_id, actor, action, source, detail, at)
      VALUES (@request_id, @actor, @action, @source, @detail, @at)`),
    listAudit: db.prepare<[string]>('SELECT * FROM audit_log WHERE request_id = ? ORDER BY id'),

    // An existing cursor is never overwritten: the first writer of an id wins.
    createCursor: db.prepare<Params>(`
      INSERT INTO page_cursors (id, owner_id, kind, state, created_at, expires_at)
      VALUES (@id, @owner_id, @kind, @state, @created_at, @expires_at)
      ON CONFLICT (id) DO NOTHING`),
    getCursor: db.prepare<[string]>('SELECT * FROM page_cursors WHERE id = ?'),
    deleteExpiredCursors: db.prepare<[string]>('DELETE FROM page_cursors WHERE expires_at <= ?'),

    ping: db.prepare('SELECT 1'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The Store on one SQLite file (one instance of the bot). better-sqlite3 is synchronous; the
 * methods still return promises so callers are written for the asynchronous PostgreSQL store.
 * Every multi-statement write runs in one IMMEDIATE transaction (takes the write lock up front, so
 * two connections to the same file cannot deadlock upgrading read locks).
 */
export class SqliteStore implements Store {
  private readonly db: Db;
  private readonly statements: Statements;
  private readonly now: () => Date;

  /** Opens (creating if needed) the database file; `':memory:'` gives a private in-memory store. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (path !== ':memory:' && path !== '') {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    }
    const db = new Database(path);
    try {
      return new SqliteStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Configures the connection (WAL, busy timeout, foreign keys) and brings the schema up to date. */
  constructor(db: Db, options: SqliteStoreOptions = {}) {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError('busyTimeoutMs must be a non-negative integer');
    }
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL'); // an in-memory database stays in 'memory' mode
    db.pragma('foreign_keys = ON');
    migrate(db);
    this.db = db;
    this.statements = prepareStatements(db);
    this.now = options.now ?? (() => new Date());
  }

  async createRequest(request: NewRequest, audit: AuditEntry): Promise<AccessRequest> {
    const createdAt = isoTimestamp(request.createdAt, 'createdAt');
    const stored: AccessRequest = { ...request, state: 'pending', version: 1, createdAt, updatedAt: createdAt };
    const audited = auditRecord(auditFor(request.id, audit));
    return this.write(() => {
      this.statements.insertRequest.run(requestRecord(stored));
      this.statements.appendAudit.run(audited);
      return this.readRequest(request.id) ?? missing('request', request.id);
    });
  }

  async getRequest(id: string): Promise<AccessRequest | undefined> {
    return this.readRequest(id);
  }

  async findRequestsByEmail(email: string, states: readonly RequestState[]): Promise<AccessRequest[]> {
    if (states.length === 0) return [];
    return this.statements.findRequestsByEmail
      .all({ email: normalizeEmail(email), states: JSON.stringify(states) })
      .map(rows.request);
  }

  async listRequestsByRequester(aadObjectId: string, limit: number): Promise<AccessRequest[]> {
    return this.statements.listRequestsByRequester
      .all({ requester_id: aadObjectId, limit: checkLimit(limit) })
      .map(rows.request);
  }

  async listRequestsByState(states: readonly RequestState[], limit: number): Promise<AccessRequest[]> {
    checkLimit(limit);
    if (states.length === 0) return [];
    return this.statements.listRequestsByState.all({ states: JSON.stringify(states), limit }).map(rows.request);
  }

  async transition(input: TransitionInput): Promise<TransitionResult> {
    const audited = auditRecord(auditFor(input.id, input.audit));
    // The transition happens when its audit entry says it did; the job and the notices are due then too.
    const at = audited.at;
    return this.write((): TransitionResult => {
      const row = this.statements.transition.get({
        id: input.id,
        from: input.from,
        version: input.expectedVersion,
        to: input.to,
        ...transitionPatch(input.patch),
        updated_at: at,
      });
      if (row === undefined) {
        return { ok: false, current: this.readRequest(input.id) };
      }
      this.statements.appendAudit.run(audited);
      if (input.enqueueJob === true) {
        this.statements.enqueueJob.run({ id: randomUUID(), request_id: input.id, at });
      }
      this.insertOutbox(input.outbox, at);
      return { ok: true, request: rows.request(row) };
    });
  }

  async getSteps(requestId: string): Promise<ExecutionStep[]> {
    return this.statements.getSteps.all(requestId).map(rows.step);
  }

  async saveStep(step: Omit<ExecutionStep, 'updatedAt'>): Promise<void> {
    this.statements.saveStep.run(stepRecord({ ...step, updatedAt: this.timestamp() }));
  }

  async claimJob(workerId: string, leaseMs: number, now: Date): Promise<Job | undefined> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    return this.write(() => {
      const row = this.statements.claimJob.get({ worker: workerId, now: nowIso, lease_until: leaseUntil });
      return row === undefined ? undefined : rows.job(row);
    });
  }

  async enqueueGuestJob(payload: Record<string, unknown>, audit: AuditEntry): Promise<string> {
    const audited = auditRecord(audit);
    const id = randomUUID();
    this.write(() => {
      this.statements.enqueueGuestJob.run({ id, payload: JSON.stringify(payload), at: audited.at });
      this.statements.appendAudit.run(audited);
    });
    return id;
  }

  async completeJob(jobId: string, outbox?: readonly NewOutboxEntry[], result?: Record<string, unknown>): Promise<void> {
    const at = this.timestamp();
    this.write(() => {
      if (this.statements.completeJob.run({ id: jobId, result: result === undefined ? null : JSON.stringify(result) }).changes === 0) missing('job', jobId);
      this.insertOutbox(outbox, at);
    });
  }

  async getGuestJob(jobId: string): Promise<GuestJobStatus | undefined> {
    const row = this.statements.getGuestJob.get(jobId);
    return row === undefined ? undefined : rows.guestJob(row);
  }

  async releaseJob(jobId: string, runAfter: Date, lastError: string, refundAttempt = false): Promise<void> {
    const runAfterIso = isoTimestamp(runAfter, 'runAfter');
    this.write(() => {
      const { changes } = this.statements.releaseJob.run({ id: jobId, run_after: runAfterIso, last_error: lastError, refund: refundAttempt ? 1 : 0 });
      if (changes === 0 && this.statements.jobExists.get(jobId) === undefined) missing('job', jobId);
    });
  }

  async extendJobLease(jobId: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    return this.statements.extendJobLease.run({ id: jobId, worker: workerId, lease_until: leaseUntil }).changes > 0;
  }

  async claimOutbox(owner: string, leaseMs: number, now: Date): Promise<OutboxItem | undefined> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    return this.write(() => {
      const row = this.statements.claimOutbox.get({ owner, now: nowIso, lease_until: leaseUntil });
      return row === undefined ? undefined : rows.outboxItem(row);
    });
  }

  async completeOutbox(id: string, owner: string, now: Date): Promise<boolean> {
    return this.statements.completeOutbox.run({ id, owner, now: isoTimestamp(now, 'now') }).changes > 0;
  }

  async releaseOutbox(id: string, owner: string, lastError: string, retryAt?: Date): Promise<void> {
    const runAfter = retryAt === undefined ? null : isoTimestamp(retryAt, 'retryAt');
    this.statements.releaseOutbox.run({ id, owner, state: runAfter === null ? 'failed' : 'queued', run_after: runAfter, last_error: lastError });
  }

  async listOutbox(requestId: string): Promise<OutboxStatus[]> {
    return this.statements.listOutbox.all(requestId).map(rows.outboxStatus);
  }

  async claimPeriodicTask(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    return this.write(
      () => this.statements.claimPeriodicTask.get({ name, owner, now: nowIso, lease_until: leaseUntil }) !== undefined,
    );
  }

  async finishPeriodicTask(name: string, owner: string, nextRunAt: Date): Promise<void> {
    this.statements.finishPeriodicTask.run({ name, owner, next_run_at: isoTimestamp(nextRunAt, 'nextRunAt') });
  }

  async saveConversation(key: string, reference: Record<string, unknown>): Promise<void> {
    this.statements.saveConversation.run({ key, reference: JSON.stringify(reference), updated_at: this.timestamp() });
  }

  async getConversation(key: string): Promise<StoredConversation | undefined> {
    const row = this.statements.getConversation.get(key);
    return row === undefined ? undefined : rows.conversation(row);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = this.statements.getSetting.get(key);
    return row === undefined ? undefined : rows.settingValue(row);
  }

  async setSetting(key: string, value: string, audit: AuditEntry): Promise<void> {
    const audited = auditRecord(audit);
    const updatedAt = this.timestamp();
    this.write(() => {
      this.statements.setSetting.run({ key, value, updated_at: updatedAt });
      this.statements.appendAudit.run(audited);
    });
  }

  async saveCardMessage(card: CardMessage): Promise<void> {
    this.statements.saveCardMessage.run(cardMessageRecord(card));
  }

  async listCardMessages(requestId: string): Promise<CardMessage[]> {
    return this.statements.listCardMessages.all(requestId).map(rows.cardMessage);
  }

  async findCardMessage(conversationKey: string, activityId: string): Promise<CardMessage | undefined> {
    const row = this.statements.findCardMessage.get({ conversation_key: conversationKey, activity_id: activityId });
    return row === undefined ? undefined : rows.cardMessage(row);
  }

  async saveGuestCardMessage(card: GuestCardMessage): Promise<void> {
    this.statements.saveGuestCardMessage.run(guestCardMessageRecord(card));
  }

  async findGuestCardMessage(conversationKey: string, activityId: string): Promise<GuestCardMessage | undefined> {
    const row = this.statements.findGuestCardMessage.get({ conversation_key: conversationKey, activity_id: activityId });
    return row === undefined ? undefined : rows.guestCardMessage(row);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.statements.appendAudit.run(auditRecord(entry));
  }

  async listAudit(requestId: string): Promise<AuditEntry[]> {
    return this.statements.listAudit.all(requestId).map(rows.audit);
  }

  async createCursor(cursor: PageCursor): Promise<boolean> {
    return this.statements.createCursor.run(cursorRecord(cursor)).changes === 1;
  }

  async getCursor(id: string): Promise<PageCursor | undefined> {
    const row = this.statements.getCursor.get(id);
    return row === undefined ? undefined : rows.cursor(row);
  }

  async deleteExpiredCursors(now: Date): Promise<number> {
    return this.statements.deleteExpiredCursors.run(isoTimestamp(now, 'now')).changes;
  }

  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  /** Closes the connection; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private readRequest(id: string): AccessRequest | undefined {
    const row = this.statements.getRequest.get(id);
    return row === undefined ? undefined : rows.request(row);
  }

  /** Writes outbox entries inside the caller's transaction, due at `at`. */
  private insertOutbox(entries: readonly NewOutboxEntry[] | undefined, at: string): void {
    for (const entry of entries ?? []) this.statements.insertOutbox.run(outboxRecord(randomUUID(), entry, at));
  }

  /** Runs `fn` in an IMMEDIATE transaction; any throw rolls everything back. */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private timestamp(): string {
    return isoTimestamp(this.now(), 'clock');
  }
}
