import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job, RequestState } from '../requests/model';
import { checkLeaseMs, checkLimit, isoTimestamp, normalizeEmail } from './codecs';
import { migratePostgres, type PostgresMigrationResult } from './postgresMigrations';
import { postgresRows as rows } from './postgresRows';
import { AUDIT_COLUMNS, CARD_MESSAGE_COLUMNS, CURSOR_COLUMNS, GUEST_CARD_MESSAGE_COLUMNS, OUTBOX_COLUMNS, REQUEST_COLUMNS, STEP_COLUMNS } from './rows';
// The one row mapping, shared with the other store: only the SQL below is this dialect's own.
import { auditFor, auditRecord, cardMessageRecord, cursorRecord, guestCardMessageRecord, inOrder, leaseEnd, missing, outboxRecord, requestRecord, stepRecord, transitionPatch, type Row } from './rows';
import type { GuestJobStatus, NewOutboxEntry, NewRequest, OutboxItem, OutboxStatus, PageCursor, Store, StoredConversation, TransitionInput, TransitionResult } from './store';

export interface PostgresStoreOptions {
  /** Clock for timestamps the caller does not supply (steps, conversations, settings). */
  now?: () => Date;
  /** Connections this instance keeps at most (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before failing (default 10 s), so an unreachable server fails fast. */
  connectionTimeoutMs?: number;
  /**
   * Told about errors on idle connections (the server restarted, the network dropped). The pool
   * drops such a connection and opens another when needed; unreported, the error would crash the process.
   */
  onConnectionError?: (error: Error) => void;
}

/** Something that runs one statement: the pool (its own transaction) or a client inside one. */
interface Queryable {
  query<R extends Row>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

const INSERT_AUDIT = `
  INSERT INTO audit_log (request_id, actor, action, source, detail, at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`;

// A key already written is announced already: the first entry stands.
const INSERT_OUTBOX = `
  INSERT INTO outbox (id, key, kind, request_id, payload, run_after, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
  ON CONFLICT (key) DO NOTHING`;

/**
 * The Store on PostgreSQL, for several bot instances sharing one database. Every multi-statement
 * write is one transaction; request transitions are a compare-and-set on (id, state, version), so
 * of two instances deciding at once exactly one wins; jobs are claimed with `FOR UPDATE SKIP
 * LOCKED` under a lease that lapses when an instance dies. The schema is chosen by the connection's
 * search_path (e.g. `?options=-c%20search_path%3Dguest_access` in the URL).
 */
export class PostgresStore implements Store {
  private readonly now: () => Date;
  private closed = false;

  /**
   * Opens a pool on the URL and brings the schema up to date (under an advisory lock, so instances
   * starting together do not race). Fails, closing the pool, when the server cannot be reached.
   */
  static async connect(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    });
    pool.on('error', (error) => options.onConnectionError?.(error));
    try {
      await PostgresStore.migrate(pool);
      return new PostgresStore(pool, options);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /** Applies the migrations this release knows to the pool's schema. */
  static async migrate(pool: Pool): Promise<PostgresMigrationResult> {
    const client = await pool.connect();
    try {
      return await migratePostgres(client);
    } finally {
      client.release();
    }
  }

  /** Takes a pool whose schema is already migrated (see `connect`). */
  constructor(
    private readonly pool: Pool,
    options: PostgresStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async createRequest(request: NewRequest, audit: AuditEntry): Promise<AccessRequest> {
    const createdAt = isoTimestamp(request.createdAt, 'createdAt');
    const stored: AccessRequest = { ...request, state: 'pending', version: 1, createdAt, updatedAt: createdAt };
    const auditValues = inOrder(auditRecord(auditFor(request.id, audit)), AUDIT_COLUMNS);
    return this.transaction(async (client) => {
      const inserted = await query(
        client,
        `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14)
         RETURNING *`,
        inOrder(requestRecord(stored), REQUEST_COLUMNS),
      );
      await query(client, INSERT_AUDIT, auditValues);
      return rows.request(inserted.rows[0] ?? missing('request', request.id));
    });
  }

  async getRequest(id: string): Promise<AccessRequest | undefined> {
    return this.readRequest(this.pool, id);
  }

  async findRequestsByEmail(email: string, states: readonly RequestState[]): Promise<AccessRequest[]> {
    if (states.length === 0) return [];
    const result = await query(
      this.pool,
      'SELECT * FROM requests WHERE email = $1 AND state = ANY($2::text[]) ORDER BY created_at, seq',
      [normalizeEmail(email), [...states]],
    );
    return result.rows.map(rows.request);
  }

  async listRequestsByRequester(aadObjectId: string, limit: number): Promise<AccessRequest[]> {
    const result = await query(
      this.pool,
      'SELECT * FROM requests WHERE requester_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [aadObjectId, checkLimit(limit)],
    );
    return result.rows.map(rows.request);
  }

  async listRequestsByState(states: readonly RequestState[], limit: number): Promise<AccessRequest[]> {
    checkLimit(limit);
    if (states.length === 0) return [];
    const result = await query(
      this.pool,
      'SELECT * FROM requests WHERE state = ANY($1::text[]) ORDER BY created_at, seq LIMIT $2',
      [[...states], limit],
    );
    return result.rows.map(rows.request);
  }

  async transition(input: TransitionInput): Promise<TransitionResult> {
    const audited = auditRecord(auditFor(input.id, input.audit));
    // The transition happens when its audit entry says it did; the job and the notices are due then too.
    const at = isoTimestamp(input.audit.at, 'audit.at');
    const patch = transitionPatch(input.patch);
    return this.transaction(async (client): Promise<TransitionResult> => {
      // Under READ COMMITTED a concurrent winner's update makes this one wait, then re-check the
      // WHERE against the committed row and match nothing: the compare-and-set.
      const updated = await query(
        client,
        `UPDATE requests
         SET state = $4, version = version + 1,
             decision = COALESCE($5::jsonb, decision), outcome = COALESCE($6::jsonb, outcome),
             updated_at = $7
         WHERE id = $1 AND state = $2 AND version = $3
         RETURNING *`,
        [
          input.id,
          input.from,
          input.expectedVersion,
          input.to,
          patch.decision,
          patch.outcome,
          at,
        ],
      );
      const row = updated.rows[0];
      if (row === undefined) {
        return { ok: false, current: await this.readRequest(client, input.id) };
      }
      await query(client, INSERT_AUDIT, inOrder(audited, AUDIT_COLUMNS));
      if (input.enqueueJob === true) {
        // One job per request. Enqueueing again while a job is queued or running changes nothing;
        // enqueueing after it finished (an admin retry) queues it afresh.
        await query(
          client,
          `INSERT INTO jobs (id, kind, request_id, state, attempts, run_after, created_at)
           VALUES ($1, 'request', $2, 'queued', 0, $3, $3)
           ON CONFLICT (request_id) DO UPDATE
           SET state = 'queued', attempts = 0, run_after = excluded.run_after, created_at = excluded.created_at,
               lease_owner = NULL, lease_until = NULL, last_error = NULL
           WHERE jobs.state = 'done'`,
          [randomUUID(), input.id, at],
        );
      }
      await insertOutbox(client, input.outbox, at);
      return { ok: true, request: rows.request(row) };
    });
  }

  async getSteps(requestId: string): Promise<ExecutionStep[]> {
    const result = await query(this.pool, 'SELECT * FROM execution_steps WHERE request_id = $1 ORDER BY seq', [requestId]);
    return result.rows.map(rows.step);
  }

  async saveStep(step: Omit<ExecutionStep, 'updatedAt'>): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO execution_steps (request_id, step_key, status, output, error, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (request_id, step_key) DO UPDATE
       SET status = excluded.status, output = excluded.output, error = excluded.error, updated_at = excluded.updated_at`,
      inOrder(stepRecord({ ...step, updatedAt: this.timestamp() }), STEP_COLUMNS),
    );
  }

  async claimJob(workerId: string, leaseMs: number, now: Date): Promise<Job | undefined> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    // SKIP LOCKED: instances claiming at once take different jobs instead of queueing on one row.
    // A row another instance claimed meanwhile is re-checked against the WHERE and skipped.
    const result = await query(
      this.pool,
      `UPDATE jobs
       SET state = 'running', lease_owner = $1, lease_until = $3, attempts = attempts + 1
       WHERE id = (
         SELECT id FROM jobs
         WHERE (state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2)
         ORDER BY created_at, seq
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING id, kind, request_id, payload, attempts, lease_until`,
      [workerId, nowIso, leaseUntil],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : rows.job(row);
  }

  async enqueueGuestJob(payload: Record<string, unknown>, audit: AuditEntry): Promise<string> {
    const audited = auditRecord(audit);
    const id = randomUUID();
    await this.transaction(async (client) => {
      await query(
        client,
        `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ($1, 'guest', $2::jsonb, 'queued', 0, $3, $3)`,
        [id, JSON.stringify(payload), audited.at],
      );
      await query(client, INSERT_AUDIT, inOrder(audited, AUDIT_COLUMNS));
    });
    return id;
  }

  async completeJob(jobId: string, outbox?: readonly NewOutboxEntry[], result?: Record<string, unknown>): Promise<void> {
    const at = this.timestamp();
    await this.transaction(async (client) => {
      const updated = await query(client, `UPDATE jobs SET state = 'done', lease_until = NULL, result = $2::jsonb WHERE id = $1`, [
        jobId,
        result === undefined ? null : JSON.stringify(result),
      ]);
      if (updated.rowCount === 0) missing('job', jobId);
      await insertOutbox(client, outbox, at);
    });
  }

  async getGuestJob(jobId: string): Promise<GuestJobStatus | undefined> {
    const result = await query(this.pool, `SELECT * FROM jobs WHERE id = $1 AND kind = 'guest'`, [jobId]);
    const row = result.rows[0];
    return row === undefined ? undefined : rows.guestJob(row);
  }

  async releaseJob(jobId: string, runAfter: Date, lastError: string, refundAttempt = false): Promise<void> {
    // A finished job stays finished: a worker whose lease lapsed cannot re-queue another's work.
    const result = await query(
      this.pool,
      `UPDATE jobs
       SET state = 'queued', run_after = $2, last_error = $3, lease_owner = NULL, lease_until = NULL,
           attempts = GREATEST(0, attempts - $4)
       WHERE id = $1 AND state <> 'done'`,
      [jobId, isoTimestamp(runAfter, 'runAfter'), lastError, refundAttempt ? 1 : 0],
    );
    if (result.rowCount === 0) {
      const exists = await query(this.pool, 'SELECT 1 FROM jobs WHERE id = $1', [jobId]);
      if (exists.rowCount === 0) missing('job', jobId);
    }
  }

  async extendJobLease(jobId: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    const result = await query(
      this.pool,
      `UPDATE jobs SET lease_until = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2`,
      [jobId, workerId, leaseUntil],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async claimOutbox(owner: string, leaseMs: number, now: Date): Promise<OutboxItem | undefined> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    // As for jobs: instances delivering at once take different entries; delivered or abandoned
    // entries are never claimed again, a running one whose lease lapsed is.
    const result = await query(
      this.pool,
      `UPDATE outbox
       SET state = 'running', lease_owner = $1, lease_until = $3, attempts = attempts + 1
       WHERE id = (
         SELECT id FROM outbox
         WHERE (state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2)
         ORDER BY run_after, seq
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [owner, nowIso, leaseUntil],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : rows.outboxItem(row);
  }

  async completeOutbox(id: string, owner: string, now: Date): Promise<boolean> {
    const result = await query(
      this.pool,
      `UPDATE outbox SET state = 'done', lease_until = NULL, delivered_at = $3
       WHERE id = $1 AND state = 'running' AND lease_owner = $2`,
      [id, owner, isoTimestamp(now, 'now')],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async releaseOutbox(id: string, owner: string, lastError: string, retryAt?: Date): Promise<void> {
    const runAfter = retryAt === undefined ? null : isoTimestamp(retryAt, 'retryAt');
    await query(
      this.pool,
      `UPDATE outbox
       SET state = $3, run_after = COALESCE($4, run_after), last_error = $5, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND state = 'running' AND lease_owner = $2`,
      [id, owner, runAfter === null ? 'failed' : 'queued', runAfter, lastError],
    );
  }

  async listOutbox(requestId: string): Promise<OutboxStatus[]> {
    const result = await query(this.pool, 'SELECT * FROM outbox WHERE request_id = $1 ORDER BY seq', [requestId]);
    return result.rows.map(rows.outboxStatus);
  }

  async claimPeriodicTask(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = leaseEnd(now, checkLeaseMs(leaseMs));
    // The same compare-and-set as transitions: a concurrent claimer waits for the row lock, then
    // finds a live lease in the WHERE and gets no row back.
    const result = await query(
      this.pool,
      `INSERT INTO periodic_tasks (name, next_run_at, lease_owner, lease_until) VALUES ($1, $3, $2, $4)
       ON CONFLICT (name) DO UPDATE
       SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
       WHERE periodic_tasks.next_run_at <= $3
         AND (periodic_tasks.lease_until IS NULL OR periodic_tasks.lease_until <= $3)
       RETURNING name`,
      [name, owner, nowIso, leaseUntil],
    );
    return result.rows.length > 0;
  }

  async finishPeriodicTask(name: string, owner: string, nextRunAt: Date): Promise<void> {
    await query(
      this.pool,
      `UPDATE periodic_tasks SET next_run_at = $3, lease_owner = NULL, lease_until = NULL
       WHERE name = $1 AND lease_owner = $2`,
      [name, owner, isoTimestamp(nextRunAt, 'nextRunAt')],
    );
  }

  async saveConversation(key: string, reference: Record<string, unknown>): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO conversations (key, reference, updated_at) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at`,
      [key, JSON.stringify(reference), this.timestamp()],
    );
  }

  async getConversation(key: string): Promise<StoredConversation | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM conversations WHERE key = $1', [key])).rows[0];
    return row === undefined ? undefined : rows.conversation(row);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = (await query(this.pool, 'SELECT value FROM settings WHERE key = $1', [key])).rows[0];
    return row === undefined ? undefined : rows.settingValue(row);
  }

  async setSetting(key: string, value: string, audit: AuditEntry): Promise<void> {
    const auditValues = inOrder(auditRecord(audit), AUDIT_COLUMNS);
    const updatedAt = this.timestamp();
    await this.transaction(async (client) => {
      await query(
        client,
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [key, value, updatedAt],
      );
      await query(client, INSERT_AUDIT, auditValues);
    });
  }

  async saveCardMessage(card: CardMessage): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO card_messages (request_id, role, conversation_key, activity_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      inOrder(cardMessageRecord(card), CARD_MESSAGE_COLUMNS),
    );
  }

  async listCardMessages(requestId: string): Promise<CardMessage[]> {
    const result = await query(this.pool, 'SELECT * FROM card_messages WHERE request_id = $1 ORDER BY seq', [requestId]);
    return result.rows.map(rows.cardMessage);
  }

  async findCardMessage(conversationKey: string, activityId: string): Promise<CardMessage | undefined> {
    const result = await query(
      this.pool,
      'SELECT * FROM card_messages WHERE conversation_key = $1 AND activity_id = $2 ORDER BY seq LIMIT 1',
      [conversationKey, activityId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : rows.cardMessage(row);
  }

  async saveGuestCardMessage(card: GuestCardMessage): Promise<void> {
    await query(
      this.pool,
      'INSERT INTO guest_card_messages (guest_id, conversation_key, activity_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      inOrder(guestCardMessageRecord(card), GUEST_CARD_MESSAGE_COLUMNS),
    );
  }

  async findGuestCardMessage(conversationKey: string, activityId: string): Promise<GuestCardMessage | undefined> {
    const result = await query(this.pool, 'SELECT * FROM guest_card_messages WHERE conversation_key = $1 AND activity_id = $2', [
      conversationKey,
      activityId,
    ]);
    const row = result.rows[0];
    return row === undefined ? undefined : rows.guestCardMessage(row);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await query(this.pool, INSERT_AUDIT, inOrder(auditRecord(entry), AUDIT_COLUMNS));
  }

  async listAudit(requestId: string): Promise<AuditEntry[]> {
    const result = await query(this.pool, 'SELECT * FROM audit_log WHERE request_id = $1 ORDER BY id', [requestId]);
    return result.rows.map(rows.audit);
  }

  async createCursor(cursor: PageCursor): Promise<boolean> {
    // An existing cursor is never overwritten: the first writer of an id wins.
    const result = await query(
      this.pool,
      `INSERT INTO page_cursors (id, owner_id, kind, state, created_at, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (id) DO NOTHING`,
      inOrder(cursorRecord(cursor), CURSOR_COLUMNS),
    );
    return result.rowCount === 1;
  }

  async getCursor(id: string): Promise<PageCursor | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM page_cursors WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : rows.cursor(row);
  }

  async deleteExpiredCursors(now: Date): Promise<number> {
    const result = await query(this.pool, 'DELETE FROM page_cursors WHERE expires_at <= $1', [isoTimestamp(now, 'now')]);
    return result.rowCount ?? 0;
  }

  async ping(): Promise<void> {
    await query(this.pool, 'SELECT 1');
  }

  /** Closes every connection; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async readRequest(db: Queryable, id: string): Promise<AccessRequest | undefined> {
    const row = (await query(db, 'SELECT * FROM requests WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : rows.request(row);
  }

  /** Runs `fn` in one transaction on one connection; any throw rolls everything back. */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection itself failed: hand it back as broken so the pool does not reuse it.
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private timestamp(): string {
    return isoTimestamp(this.now(), 'clock');
  }
}

/** Runs one statement, typing its rows as untrusted until a row mapper has checked them. */
function query(db: Queryable, text: string, values?: unknown[]): Promise<QueryResult<Row>> {
  return db.query<Row>(text, values);
}

/** Writes outbox entries inside the caller's transaction, due at `at`. */
async function insertOutbox(client: PoolClient, entries: readonly NewOutboxEntry[] | undefined, at: string): Promise<void> {
  for (const entry of entries ?? []) await query(client, INSERT_OUTBOX, inOrder(outboxRecord(randomUUID(), entry, at), OUTBOX_COLUMNS));
}
