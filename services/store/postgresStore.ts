import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job, RequestState } from '../requests/model';
import { checkLeaseMs, checkLimit, isoTimestamp, normalizeEmail } from './codecs';
import { migratePostgres, type PostgresMigrationResult } from './postgresMigrations';
import {
  REQUEST_COLUMNS,
  auditFromRow,
  auditParams,
  cardMessageFromRow,
  cardMessageParams,
  conversationFromRow,
  cursorFromRow,
  cursorParams,
  guestCardMessageFromRow,
  jobFromRow,
  requestFromRow,
  requestParams,
  settingValueFromRow,
  stepFromRow,
  stepParams,
  type PgRow,
} from './postgresRows';
import type { NewRequest, PageCursor, Store, StoredConversation, TransitionInput, TransitionResult } from './store';

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
  query<R extends PgRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

const INSERT_AUDIT = `
  INSERT INTO audit_log (request_id, actor, action, source, detail, at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`;

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
    const auditValues = auditParams(auditFor(request.id, audit));
    return this.transaction(async (client) => {
      const inserted = await query(
        client,
        `INSERT INTO requests (${REQUEST_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14)
         RETURNING *`,
        requestParams(stored),
      );
      await query(client, INSERT_AUDIT, auditValues);
      return requestFromRow(inserted.rows[0] ?? missing('request', request.id));
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
    return result.rows.map(requestFromRow);
  }

  async listRequestsByRequester(aadObjectId: string, limit: number): Promise<AccessRequest[]> {
    const result = await query(
      this.pool,
      'SELECT * FROM requests WHERE requester_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [aadObjectId, checkLimit(limit)],
    );
    return result.rows.map(requestFromRow);
  }

  async listRequestsByState(states: readonly RequestState[], limit: number): Promise<AccessRequest[]> {
    checkLimit(limit);
    if (states.length === 0) return [];
    const result = await query(
      this.pool,
      'SELECT * FROM requests WHERE state = ANY($1::text[]) ORDER BY created_at, seq LIMIT $2',
      [[...states], limit],
    );
    return result.rows.map(requestFromRow);
  }

  async transition(input: TransitionInput): Promise<TransitionResult> {
    const auditValues = auditParams(auditFor(input.id, input.audit));
    // The transition happens when its audit entry says it did; the job becomes runnable then too.
    const at = isoTimestamp(input.audit.at, 'audit.at');
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
          input.patch?.decision === undefined ? null : JSON.stringify(input.patch.decision),
          input.patch?.outcome === undefined ? null : JSON.stringify(input.patch.outcome),
          at,
        ],
      );
      const row = updated.rows[0];
      if (row === undefined) {
        return { ok: false, current: await this.readRequest(client, input.id) };
      }
      await query(client, INSERT_AUDIT, auditValues);
      if (input.enqueueJob === true) {
        // One job per request. Enqueueing again while a job is queued or running changes nothing;
        // enqueueing after it finished (an admin retry) queues it afresh.
        await query(
          client,
          `INSERT INTO jobs (id, request_id, state, attempts, run_after, created_at)
           VALUES ($1, $2, 'queued', 0, $3, $3)
           ON CONFLICT (request_id) DO UPDATE
           SET state = 'queued', attempts = 0, run_after = excluded.run_after, created_at = excluded.created_at,
               lease_owner = NULL, lease_until = NULL, last_error = NULL
           WHERE jobs.state = 'done'`,
          [randomUUID(), input.id, at],
        );
      }
      return { ok: true, request: requestFromRow(row) };
    });
  }

  async getSteps(requestId: string): Promise<ExecutionStep[]> {
    const result = await query(this.pool, 'SELECT * FROM execution_steps WHERE request_id = $1 ORDER BY seq', [requestId]);
    return result.rows.map(stepFromRow);
  }

  async saveStep(step: Omit<ExecutionStep, 'updatedAt'>): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO execution_steps (request_id, step_key, status, output, error, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (request_id, step_key) DO UPDATE
       SET status = excluded.status, output = excluded.output, error = excluded.error, updated_at = excluded.updated_at`,
      stepParams({ ...step, updatedAt: this.timestamp() }),
    );
  }

  async claimJob(workerId: string, leaseMs: number, now: Date): Promise<Job | undefined> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = isoTimestamp(new Date(now.getTime() + checkLeaseMs(leaseMs)), 'lease end');
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
       RETURNING id, request_id, attempts, lease_until`,
      [workerId, nowIso, leaseUntil],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : jobFromRow(row);
  }

  async completeJob(jobId: string): Promise<void> {
    const result = await query(this.pool, `UPDATE jobs SET state = 'done', lease_until = NULL WHERE id = $1`, [jobId]);
    if (result.rowCount === 0) missing('job', jobId);
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
    const leaseUntil = isoTimestamp(new Date(now.getTime() + checkLeaseMs(leaseMs)), 'lease end');
    const result = await query(
      this.pool,
      `UPDATE jobs SET lease_until = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2`,
      [jobId, workerId, leaseUntil],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async claimPeriodicTask(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const nowIso = isoTimestamp(now, 'now');
    const leaseUntil = isoTimestamp(new Date(now.getTime() + checkLeaseMs(leaseMs)), 'lease end');
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
    return row === undefined ? undefined : conversationFromRow(row);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = (await query(this.pool, 'SELECT value FROM settings WHERE key = $1', [key])).rows[0];
    return row === undefined ? undefined : settingValueFromRow(row);
  }

  async setSetting(key: string, value: string, audit: AuditEntry): Promise<void> {
    const auditValues = auditParams(audit);
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
      cardMessageParams(card),
    );
  }

  async listCardMessages(requestId: string): Promise<CardMessage[]> {
    const result = await query(this.pool, 'SELECT * FROM card_messages WHERE request_id = $1 ORDER BY seq', [requestId]);
    return result.rows.map(cardMessageFromRow);
  }

  async findCardMessage(conversationKey: string, activityId: string): Promise<CardMessage | undefined> {
    const result = await query(
      this.pool,
      'SELECT * FROM card_messages WHERE conversation_key = $1 AND activity_id = $2 ORDER BY seq LIMIT 1',
      [conversationKey, activityId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : cardMessageFromRow(row);
  }

  async saveGuestCardMessage(card: GuestCardMessage): Promise<void> {
    await query(
      this.pool,
      'INSERT INTO guest_card_messages (guest_id, conversation_key, activity_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [card.guestId, card.conversationKey, card.activityId],
    );
  }

  async findGuestCardMessage(conversationKey: string, activityId: string): Promise<GuestCardMessage | undefined> {
    const result = await query(this.pool, 'SELECT * FROM guest_card_messages WHERE conversation_key = $1 AND activity_id = $2', [
      conversationKey,
      activityId,
    ]);
    const row = result.rows[0];
    return row === undefined ? undefined : guestCardMessageFromRow(row);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await query(this.pool, INSERT_AUDIT, auditParams(entry));
  }

  async listAudit(requestId: string): Promise<AuditEntry[]> {
    const result = await query(this.pool, 'SELECT * FROM audit_log WHERE request_id = $1 ORDER BY id', [requestId]);
    return result.rows.map(auditFromRow);
  }

  async createCursor(cursor: PageCursor): Promise<boolean> {
    // An existing cursor is never overwritten: the first writer of an id wins.
    const result = await query(
      this.pool,
      `INSERT INTO page_cursors (id, owner_id, kind, state, created_at, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (id) DO NOTHING`,
      cursorParams(cursor),
    );
    return result.rowCount === 1;
  }

  async getCursor(id: string): Promise<PageCursor | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM page_cursors WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : cursorFromRow(row);
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
    return row === undefined ? undefined : requestFromRow(row);
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
function query(db: Queryable, text: string, values?: unknown[]): Promise<QueryResult<PgRow>> {
  return db.query<PgRow>(text, values);
}

/** The audit entry of a request write is about that request. */
function auditFor(requestId: string, audit: AuditEntry): AuditEntry {
  if (audit.requestId !== undefined && audit.requestId !== requestId) {
    throw new Error(`audit entry names request ${audit.requestId} but the write is to request ${requestId}`);
  }
  return { ...audit, requestId };
}

function missing(what: string, id: string): never {
  throw new Error(`${what} ${id} not found`);
}
