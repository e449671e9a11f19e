import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job, RequestState } from '../requests/model';
import { checkLeaseMs, checkLimit, isoTimestamp, normalizeEmail } from './codecs';
import { migratePostgres, type PostgresMigrationResult } from './postgresMigrations';
import { postgresRows as rows } from './postgresRows';
import type { BatchRow, BatchRowCounts, BatchRowPatch, NewBatchRow } from '../requests/batches/model';
import { BATCH_ROW_COLUMNS, batchCounts, batchRowPatchColumns, batchRowRecord } from './rows';
import { AUDIT_COLUMNS, CARD_MESSAGE_COLUMNS, CURSOR_COLUMNS, GUEST_CARD_MESSAGE_COLUMNS, OUTBOX_COLUMNS, REQUEST_COLUMNS, STEP_COLUMNS } from './rows';
import {
  CAMPAIGN_COLUMNS,
  CAMPAIGN_ITEM_COLUMNS,
  GRANT_COLUMNS,
  MANAGED_GUEST_COLUMNS,
  campaignItemPatchColumns,
  campaignItemRecord,
  campaignPatchColumns,
  campaignRecord,
  grantPatchColumns,
  grantRecord,
  lifecycleJobRecord,
  LifecycleConflict,
  managedGuestPatchColumns,
  managedGuestRecord,
  type ColumnValue,
} from './rows';
import type {
  Campaign,
  CampaignCounts,
  CampaignItem,
  CampaignItemDetail,
  CampaignKind,
  CampaignSponsor,
  CampaignState,
  Grant,
  ManagedGuest,
  NewCampaignItem,
  NewGrant,
  NewManagedGuest,
} from '../lifecycle/model';
// The one row mapping, shared with the other store: only the SQL below is this dialect's own.
import {
  auditFor,
  auditRecord,
  cardMessageRecord,
  cursorRecord,
  guestCardMessageRecord,
  inOrder,
  leaseEnd,
  missing,
  outboxRecord,
  requestRecord,
  stepRecord,
  transitionPatch,
  type Row,
} from './rows';
import type {
  CampaignItemQuery,
  GuestJobStatus,
  LifecycleChange,
  LifecycleChangeResult,
  NewLifecycleJob,
  NewOutboxEntry,
  NewRequest,
  OutboxItem,
  OutboxStatus,
  PageCursor,
  Store,
  StoredConversation,
  TransitionInput,
  TransitionResult,
} from './store';

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

/** One request row, single or batch; the placeholders follow REQUEST_COLUMNS. */
const INSERT_REQUEST = `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14, $15::jsonb)
  RETURNING *`;

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
      const inserted = await query(client, INSERT_REQUEST, inOrder(requestRecord(stored), REQUEST_COLUMNS));
      await query(client, INSERT_AUDIT, auditValues);
      return rows.request(inserted.rows[0] ?? missing('request', request.id));
    });
  }

  async getRequest(id: string): Promise<AccessRequest | undefined> {
    return this.readRequest(this.pool, id);
  }

  async createBatchRequest(request: NewRequest, batchRows: readonly NewBatchRow[], audit: AuditEntry): Promise<AccessRequest> {
    const createdAt = isoTimestamp(request.createdAt, 'createdAt');
    const stored: AccessRequest = { ...request, state: 'pending', version: 1, createdAt, updatedAt: createdAt };
    const auditValues = inOrder(auditRecord(auditFor(request.id, audit)), AUDIT_COLUMNS);
    return this.transaction(async (client) => {
      const inserted = await query(client, INSERT_REQUEST, inOrder(requestRecord(stored), REQUEST_COLUMNS));
      // Rows go in chunks, each one statement, well under the protocol's limit of parameters.
      for (let i = 0; i < batchRows.length; i += BATCH_ROW_INSERT_CHUNK) {
        const chunk = batchRows.slice(i, i + BATCH_ROW_INSERT_CHUNK);
        const width = BATCH_ROW_COLUMNS.length;
        const placeholders = chunk.map((_, r) => `(${BATCH_ROW_COLUMNS.map((_c, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');
        await query(
          client,
          `INSERT INTO batch_rows (${BATCH_ROW_COLUMNS.join(', ')}) VALUES ${placeholders}`,
          chunk.flatMap((row) => inOrder(batchRowRecord(request.id, row, createdAt), BATCH_ROW_COLUMNS)),
        );
      }
      await query(client, INSERT_AUDIT, auditValues);
      return rows.request(inserted.rows[0] ?? missing('request', request.id));
    });
  }

  async listBatchRows(requestId: string): Promise<BatchRow[]> {
    const result = await query(this.pool, 'SELECT * FROM batch_rows WHERE request_id = $1 ORDER BY row_no', [requestId]);
    return result.rows.map(rows.batchRow);
  }

  async getBatchRow(requestId: string, row: number): Promise<BatchRow | undefined> {
    const result = await query(this.pool, 'SELECT * FROM batch_rows WHERE request_id = $1 AND row_no = $2', [requestId, row]);
    const found = result.rows[0];
    return found === undefined ? undefined : rows.batchRow(found);
  }

  async saveBatchRow(requestId: string, row: number, patch: BatchRowPatch): Promise<boolean> {
    const columns = batchRowPatchColumns(patch, this.timestamp());
    const save = async (db: Queryable): Promise<boolean> => {
      // A row that ended stays ended: a job re-claimed after its lease lapsed cannot undo it.
      const result = await query(
        db,
        `UPDATE batch_rows SET state = $3, progress = $4::jsonb, error = $5, updated_at = $6
         WHERE request_id = $1 AND row_no = $2 AND state = 'queued'`,
        [requestId, row, columns.state, columns.progress, columns.error, columns.updated_at],
      );
      return (result.rowCount ?? 0) > 0;
    };
    // Progress alone is one statement; a row's end with what it gave is one transaction.
    if (!patch.grants?.length && !patch.managedGuest) return save(this.pool);
    return this.transaction(async (client) => {
      if (!(await save(client))) return false;
      for (const grant of patch.grants ?? []) await insertGrant(client, grant);
      if (patch.managedGuest) await insertManagedGuest(client, patch.managedGuest);
      return true;
    });
  }

  async countBatchRows(requestId: string): Promise<BatchRowCounts> {
    const result = await query(this.pool, 'SELECT state, count(*)::integer AS count FROM batch_rows WHERE request_id = $1 GROUP BY state', [requestId]);
    return batchCounts(result.rows.map((r) => ({ state: r['state'], count: r['count'] })));
  }

  async findOpenAddresses(emails: readonly string[], states: readonly RequestState[]): Promise<{ email: string; requestId: string }[]> {
    if (emails.length === 0 || states.length === 0) return [];
    const result = await query(
      this.pool,
      `SELECT email, id AS request_id FROM requests WHERE email = ANY($1::text[]) AND state = ANY($2::text[])
       UNION ALL
       SELECT b.email, b.request_id FROM batch_rows b JOIN requests r ON r.id = b.request_id
       WHERE b.email = ANY($1::text[]) AND b.state <> 'failed' AND r.state = ANY($2::text[])`,
      [emails.map(normalizeEmail), [...states]],
    );
    return result.rows.map((r) => ({ email: String(r['email']), requestId: String(r['request_id']) }));
  }

  async findRequestsByEmail(email: string, states: readonly RequestState[]): Promise<AccessRequest[]> {
    if (states.length === 0) return [];
    const result = await query(this.pool, 'SELECT * FROM requests WHERE email = $1 AND state = ANY($2::text[]) ORDER BY created_at, seq', [
      normalizeEmail(email),
      [...states],
    ]);
    return result.rows.map(rows.request);
  }

  async listRequestsByRequester(aadObjectId: string, limit: number): Promise<AccessRequest[]> {
    const result = await query(this.pool, 'SELECT * FROM requests WHERE requester_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2', [
      aadObjectId,
      checkLimit(limit),
    ]);
    return result.rows.map(rows.request);
  }

  async listRequestsByState(states: readonly RequestState[], limit: number): Promise<AccessRequest[]> {
    checkLimit(limit);
    if (states.length === 0) return [];
    const result = await query(this.pool, 'SELECT * FROM requests WHERE state = ANY($1::text[]) ORDER BY created_at, seq LIMIT $2', [[...states], limit]);
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
             approval = COALESCE($8::jsonb, approval), updated_at = $7
         WHERE id = $1 AND state = $2 AND version = $3
         RETURNING *`,
        [input.id, input.from, input.expectedVersion, input.to, patch.decision, patch.outcome, at, patch.approval],
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
      for (const grant of input.grants ?? []) await insertGrant(client, grant);
      if (input.managedGuest) await insertManagedGuest(client, input.managedGuest);
      if (input.batchRowJobs === true) {
        await query(
          client,
          `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at)
           SELECT gen_random_uuid()::text, 'guest', jsonb_build_object('order', 'batchRow', 'requestId', request_id, 'row', row_no), 'queued', 0, $2, $2
           FROM batch_rows WHERE request_id = $1 AND state = 'queued' ORDER BY row_no`,
          [input.id, at],
        );
      }
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
    // Someone waits on a request or an admin's write; lifecycle work (thousands of digests in a
    // campaign) goes after them, so a campaign never holds up an approval.
    const result = await query(
      this.pool,
      `UPDATE jobs
       SET state = 'running', lease_owner = $1, lease_until = $3, attempts = attempts + 1
       WHERE id = (
         SELECT id FROM jobs
         WHERE (state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2)
         ORDER BY (kind = 'lifecycle'), created_at, seq
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
      await query(client, `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ($1, 'guest', $2::jsonb, 'queued', 0, $3, $3)`, [
        id,
        JSON.stringify(payload),
        audited.at,
      ]);
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
    const result = await query(this.pool, `UPDATE jobs SET lease_until = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2`, [
      jobId,
      workerId,
      leaseUntil,
    ]);
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
      `INSERT INTO card_messages (request_id, role, conversation_key, activity_id, stage) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      inOrder(cardMessageRecord(card), CARD_MESSAGE_COLUMNS),
    );
  }

  async listCardMessages(requestId: string): Promise<CardMessage[]> {
    const result = await query(this.pool, 'SELECT * FROM card_messages WHERE request_id = $1 ORDER BY seq', [requestId]);
    return result.rows.map(rows.cardMessage);
  }

  async findCardMessage(conversationKey: string, activityId: string): Promise<CardMessage | undefined> {
    const result = await query(this.pool, 'SELECT * FROM card_messages WHERE conversation_key = $1 AND activity_id = $2 ORDER BY seq LIMIT 1', [
      conversationKey,
      activityId,
    ]);
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
    const result = await query(this.pool, 'SELECT * FROM guest_card_messages WHERE conversation_key = $1 AND activity_id = $2', [conversationKey, activityId]);
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

  async listGrants(filter: { guestId: string } | { requestId: string }): Promise<Grant[]> {
    const [column, value] = 'guestId' in filter ? ['guest_id', filter.guestId.toLowerCase()] : ['request_id', filter.requestId];
    const result = await query(this.pool, `SELECT * FROM grants WHERE ${column} = $1 ORDER BY created_at, seq`, [value]);
    return result.rows.map(rows.grant);
  }

  async getGrant(id: string): Promise<Grant | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM grants WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : rows.grant(row);
  }

  async listGrantsForNotice(endsBefore: Date, limit: number): Promise<Grant[]> {
    // A grant is noticed once per end date: a new end date (an extension) is told about again.
    const result = await query(
      this.pool,
      `SELECT * FROM grants
       WHERE state = 'active' AND ends_at IS NOT NULL AND ends_at <= $1 AND noticed_for IS DISTINCT FROM ends_at
       ORDER BY ends_at, seq LIMIT $2`,
      [isoTimestamp(endsBefore, 'endsBefore'), checkLimit(limit)],
    );
    return result.rows.map(rows.grant);
  }

  async listGrantsDue(now: Date, limit: number): Promise<Grant[]> {
    const result = await query(
      this.pool,
      `SELECT * FROM grants WHERE state = 'active' AND ends_at IS NOT NULL AND ends_at <= $1 ORDER BY ends_at, seq LIMIT $2`,
      [isoTimestamp(now, 'now'), checkLimit(limit)],
    );
    return result.rows.map(rows.grant);
  }

  async getManagedGuest(guestId: string): Promise<ManagedGuest | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM managed_guests WHERE guest_id = $1', [guestId.toLowerCase()])).rows[0];
    return row === undefined ? undefined : rows.managedGuest(row);
  }

  async listManagedGuests(guestIds: readonly string[]): Promise<ManagedGuest[]> {
    if (guestIds.length === 0) return [];
    const result = await query(this.pool, 'SELECT * FROM managed_guests WHERE guest_id = ANY($1::text[])', [guestIds.map((id) => id.toLowerCase())]);
    return result.rows.map(rows.managedGuest);
  }

  async listActiveManagedGuests(filter: { sponsorId?: string; afterGuestId?: string }, limit: number): Promise<ManagedGuest[]> {
    const result = await query(
      this.pool,
      `SELECT * FROM managed_guests
       WHERE end_state IS NULL AND ($1::text IS NULL OR sponsor_id = $1) AND guest_id > $2
       ORDER BY guest_id LIMIT $3`,
      [filter.sponsorId ?? null, filter.afterGuestId?.toLowerCase() ?? '', checkLimit(limit)],
    );
    return result.rows.map(rows.managedGuest);
  }

  async listActiveSponsorIds(afterId: string, limit: number): Promise<string[]> {
    const result = await query(
      this.pool,
      `SELECT DISTINCT sponsor_id FROM managed_guests WHERE end_state IS NULL AND sponsor_kind = 'user' AND sponsor_id > $1
       ORDER BY sponsor_id LIMIT $2`,
      [afterId, checkLimit(limit)],
    );
    return result.rows.map((row) => String(row['sponsor_id']));
  }

  async applyLifecycleChange(change: LifecycleChange): Promise<LifecycleChangeResult> {
    const audits = change.audit.map(auditRecord);
    const at = change.at !== undefined ? isoTimestamp(change.at, 'change.at') : (audits[0]?.at ?? this.timestamp());
    try {
      return await this.transaction(async (client): Promise<LifecycleChangeResult> => {
        // Locks the guest first: two grants of one guest ending at once then check what is left one
        // after the other, and exactly one of them starts the guest's end.
        const endGuestId = change.guestEnd?.guestId.toLowerCase();
        if (endGuestId) await query(client, 'SELECT guest_id FROM managed_guests WHERE guest_id = $1 FOR UPDATE', [endGuestId]);
        for (const grant of change.grants ?? []) {
          await updateWithVersion(client, 'grants', 'id', grant.id, grant.expectedVersion, grantPatchColumns(grant.set), `grant ${grant.id}`);
        }
        for (const guest of change.guests ?? []) {
          if ('insert' in guest) {
            if ((await insertManagedGuest(client, guest.insert)) === 0) throw new LifecycleConflict(`guest ${guest.insert.guestId} exists already`);
          } else {
            const columns = { ...managedGuestPatchColumns(guest.set), updated_at: at };
            await updateWithVersion(
              client,
              'managed_guests',
              'guest_id',
              guest.guestId.toLowerCase(),
              guest.expectedVersion,
              columns,
              `guest ${guest.guestId}`,
            );
          }
        }
        if (change.campaign && 'insert' in change.campaign) {
          await query(
            client,
            `INSERT INTO campaigns (${CAMPAIGN_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12)`,
            inOrder(campaignRecord(change.campaign.insert), CAMPAIGN_COLUMNS),
          );
        } else if (change.campaign) {
          const columns = { ...campaignPatchColumns(change.campaign.set), updated_at: at };
          await updateWithVersion(client, 'campaigns', 'id', change.campaign.id, change.campaign.expectedVersion, columns, `campaign ${change.campaign.id}`);
        }
        for (const item of change.items ?? []) {
          const columns = campaignItemPatchColumns(item.set);
          const names = Object.keys(columns) as (keyof typeof columns)[];
          const sets = names.map((name, i) => `${name} = $${i + 3}${name === 'detail' ? '::jsonb' : ''}`).join(', ');
          const result = await query(
            client,
            `UPDATE campaign_items SET ${sets} WHERE campaign_id = $1 AND guest_id = $2${item.onlyIfUndecided ? ' AND decision IS NULL' : ''}`,
            [item.campaignId, item.guestId.toLowerCase(), ...names.map((name) => columns[name] ?? null)],
          );
          if (result.rowCount === 0) throw new LifecycleConflict(`campaign item ${item.campaignId}/${item.guestId}`);
        }
        let guestEndStarted = false;
        if (change.guestEnd && endGuestId) {
          const counted = await query(
            client,
            `SELECT count(*) FILTER (WHERE state IN ('active', 'ending'))::integer AS live, count(*)::integer AS total FROM grants WHERE guest_id = $1`,
            [endGuestId],
          );
          const live = Number(counted.rows[0]?.['live'] ?? 0);
          const total = Number(counted.rows[0]?.['total'] ?? 0);
          if (total > 0 && live === 0) {
            const started = await query(
              client,
              `UPDATE managed_guests SET end_state = 'ending', updated_at = $2, version = version + 1
               WHERE guest_id = $1 AND end_state IS NULL AND created_by_request IS NOT NULL`,
              [endGuestId, at],
            );
            if ((started.rowCount ?? 0) > 0) {
              guestEndStarted = true;
              await query(client, INSERT_AUDIT, inOrder(auditRecord(change.guestEnd.audit), AUDIT_COLUMNS));
              await insertLifecycleJobs(client, [change.guestEnd.job], at);
              await insertOutbox(client, change.guestEnd.outbox, at);
            }
          }
        }
        for (const audit of audits) await query(client, INSERT_AUDIT, inOrder(audit, AUDIT_COLUMNS));
        await insertOutbox(client, change.outbox, at);
        await insertLifecycleJobs(client, change.jobs, at);
        return { ok: true, guestEndStarted };
      });
    } catch (error) {
      if (error instanceof LifecycleConflict) return { ok: false, conflict: error.conflict };
      throw error;
    }
  }

  async getCampaign(id: string): Promise<Campaign | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM campaigns WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : rows.campaign(row);
  }

  async listCampaigns(filter: { kind?: CampaignKind; states?: readonly CampaignState[] }, limit: number): Promise<Campaign[]> {
    const result = await query(
      this.pool,
      `SELECT * FROM campaigns WHERE ($1::text IS NULL OR kind = $1) AND ($2::text[] IS NULL OR state = ANY($2::text[]))
       ORDER BY started_at DESC, seq DESC LIMIT $3`,
      [filter.kind ?? null, filter.states ? [...filter.states] : null, checkLimit(limit)],
    );
    return result.rows.map(rows.campaign);
  }

  async insertCampaignItems(items: readonly NewCampaignItem[]): Promise<void> {
    // Many rows a statement: a campaign over tens of thousands of guests is written in a few round trips.
    const perStatement = 500;
    await this.transaction(async (client) => {
      for (let i = 0; i < items.length; i += perStatement) {
        const chunk = items.slice(i, i + perStatement);
        const width = CAMPAIGN_ITEM_COLUMNS.length;
        const placeholders = chunk
          .map((_, r) => `(${CAMPAIGN_ITEM_COLUMNS.map((c, k) => `$${r * width + k + 1}${c === 'detail' ? '::jsonb' : ''}`).join(', ')})`)
          .join(', ');
        await query(
          client,
          `INSERT INTO campaign_items (${CAMPAIGN_ITEM_COLUMNS.join(', ')}) VALUES ${placeholders} ON CONFLICT (campaign_id, guest_id) DO NOTHING`,
          chunk.flatMap((item) => inOrder(campaignItemRecord(item), CAMPAIGN_ITEM_COLUMNS)),
        );
      }
    });
  }

  async saveCampaignItemDetails(campaignId: string, details: readonly { guestId: string; detail: CampaignItemDetail }[]): Promise<void> {
    if (details.length === 0) return;
    await query(
      this.pool,
      `UPDATE campaign_items AS item SET detail = given.detail
       FROM (SELECT unnest($2::text[]) AS guest_id, unnest($3::jsonb[]) AS detail) AS given
       WHERE item.campaign_id = $1 AND item.guest_id = given.guest_id`,
      [campaignId, details.map((d) => d.guestId.toLowerCase()), details.map((d) => JSON.stringify(d.detail))],
    );
  }

  async getCampaignItem(campaignId: string, guestId: string): Promise<CampaignItem | undefined> {
    const row = (await query(this.pool, 'SELECT * FROM campaign_items WHERE campaign_id = $1 AND guest_id = $2', [campaignId, guestId.toLowerCase()])).rows[0];
    return row === undefined ? undefined : rows.campaignItem(row);
  }

  async listCampaignItems(campaignId: string, itemQuery: CampaignItemQuery, limit: number): Promise<CampaignItem[]> {
    const result = await query(
      this.pool,
      `SELECT * FROM campaign_items
       WHERE campaign_id = $1 AND ($2::text IS NULL OR sponsor_id = $2) AND (NOT $3::boolean OR decision IS NULL)
         AND ($4::integer IS NULL OR escalated = $4) AND (NOT $5::boolean OR outcome IS NULL) AND guest_id > $6
       ORDER BY guest_id LIMIT $7`,
      [
        campaignId,
        itemQuery.sponsorId ?? null,
        itemQuery.undecided === true,
        itemQuery.escalated === undefined ? null : itemQuery.escalated ? 1 : 0,
        itemQuery.withoutOutcome === true,
        itemQuery.afterGuestId?.toLowerCase() ?? '',
        checkLimit(limit),
      ],
    );
    return result.rows.map(rows.campaignItem);
  }

  async listCampaignSponsors(campaignId: string): Promise<CampaignSponsor[]> {
    const result = await query(
      this.pool,
      `SELECT sponsor_kind, sponsor_id, min(sponsor_name) AS sponsor_name, count(*)::integer AS items FROM campaign_items
       WHERE campaign_id = $1 AND sponsor_id IS NOT NULL GROUP BY sponsor_kind, sponsor_id ORDER BY sponsor_id`,
      [campaignId],
    );
    return result.rows.map((row) => ({
      sponsor: { kind: row['sponsor_kind'] === 'group' ? 'group' : 'user', id: String(row['sponsor_id']), name: String(row['sponsor_name']) },
      items: Number(row['items']),
    }));
  }

  async countCampaignItems(campaignId: string): Promise<CampaignCounts> {
    const result = await query(
      this.pool,
      `SELECT count(*)::integer AS items,
              count(*) FILTER (WHERE decision = 'keep')::integer AS kept,
              count(*) FILTER (WHERE decision = 'remove')::integer AS removed,
              count(*) FILTER (WHERE decision IS NULL)::integer AS undecided,
              count(*) FILTER (WHERE escalated = 1)::integer AS escalated,
              count(*) FILTER (WHERE outcome IS NOT NULL)::integer AS done
       FROM campaign_items WHERE campaign_id = $1`,
      [campaignId],
    );
    const row = result.rows[0] ?? {};
    const n = (name: string) => Number(row[name] ?? 0);
    return { items: n('items'), kept: n('kept'), removed: n('removed'), undecided: n('undecided'), escalated: n('escalated'), done: n('done') };
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
/** Batch rows inserted per statement (12 parameters each). */
const BATCH_ROW_INSERT_CHUNK = 500;

function query(db: Queryable, text: string, values?: unknown[]): Promise<QueryResult<Row>> {
  return db.query<Row>(text, values);
}

/** A new grant; one already recorded for the same request and target is kept. */
async function insertGrant(client: PoolClient, grant: NewGrant): Promise<void> {
  const jsonless = GRANT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
  await query(
    client,
    `INSERT INTO grants (${GRANT_COLUMNS.join(', ')}) VALUES (${jsonless}) ON CONFLICT (request_id, guest_id, kind, target_id) DO NOTHING`,
    inOrder(grantRecord(grant), GRANT_COLUMNS),
  );
}

/** A guest the bot starts to look after; one it looks after already is kept as it is. Returns the rows written. */
async function insertManagedGuest(client: PoolClient, guest: NewManagedGuest): Promise<number> {
  const placeholders = MANAGED_GUEST_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
  const result = await query(
    client,
    `INSERT INTO managed_guests (${MANAGED_GUEST_COLUMNS.join(', ')}) VALUES (${placeholders}) ON CONFLICT (guest_id) DO NOTHING`,
    inOrder(managedGuestRecord(guest), MANAGED_GUEST_COLUMNS),
  );
  return result.rowCount ?? 0;
}

/** Lifecycle jobs queued inside the caller's transaction. */
async function insertLifecycleJobs(client: PoolClient, jobs: readonly NewLifecycleJob[] | undefined, at: string): Promise<void> {
  for (const job of jobs ?? []) {
    const record = lifecycleJobRecord(randomUUID(), job, at);
    await query(
      client,
      `INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at) VALUES ($1, 'lifecycle', $2::jsonb, 'queued', 0, $3, $4)`,
      [record.id, record.payload, record.run_after, record.created_at],
    );
  }
}

/** A compare-and-set on a row's version, setting `columns` and the next version; a lost one throws LifecycleConflict. */
async function updateWithVersion(
  client: PoolClient,
  table: string,
  key: string,
  id: string,
  expectedVersion: number,
  columns: Record<string, ColumnValue | undefined>,
  what: string,
): Promise<void> {
  const names = Object.keys(columns).filter((c) => columns[c] !== undefined);
  const sets = [...names.map((name, i) => `${name} = $${i + 3}`), 'version = version + 1'].join(', ');
  const result = await query(client, `UPDATE ${table} SET ${sets} WHERE ${key} = $1 AND version = $2`, [
    id,
    expectedVersion,
    ...names.map((name) => columns[name] ?? null),
  ]);
  if ((result.rowCount ?? 0) === 0) throw new LifecycleConflict(what);
}

/** Writes outbox entries inside the caller's transaction, due at `at`. */
async function insertOutbox(client: PoolClient, entries: readonly NewOutboxEntry[] | undefined, at: string): Promise<void> {
  for (const entry of entries ?? []) await query(client, INSERT_OUTBOX, inOrder(outboxRecord(randomUUID(), entry, at), OUTBOX_COLUMNS));
}
