import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BatchRow, BatchRowCounts, BatchRowPatch, NewBatchRow } from '../requests/batches/model';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job, RequestState } from '../requests/model';
import { checkLeaseMs, checkLimit, isoTimestamp, normalizeEmail } from './codecs';
import { migrate } from './sqliteMigrations';
// The one row mapping, shared with the other store: only the SQL below is this dialect's own.
import {
  auditFor,
  auditRecord,
  cardMessageRecord,
  cursorRecord,
  guestCardMessageRecord,
  leaseEnd,
  missing,
  outboxRecord,
  batchCounts,
  batchRowPatchColumns,
  batchRowRecord,
  requestRecord,
  stepRecord,
  transitionPatch,
  type ColumnValue,
} from './rows';
import {
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
} from './rows';
import { sqliteRows as rows } from './sqliteRows';
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
} from '../lifecycle/model';

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

/** Addresses looked up per query. */
const ADDRESS_CHUNK = 500;
/** Named parameters: a column record from rows.ts, or the values of one statement. */
type Params = Record<string, ColumnValue>;

/** Every statement the store runs, prepared once per connection. */
function prepareStatements(db: Db) {
  return {
    insertRequest: db.prepare<Params>(`
      INSERT INTO requests (id, kind, state, version, requester_id, requester_name, tenant_id, email,
                            details, context, decision, outcome, created_at, updated_at, approval)
      VALUES (@id, @kind, @state, @version, @requester_id, @requester_name, @tenant_id, @email,
              @details, @context, @decision, @outcome, @created_at, @updated_at, @approval)`),
    getRequest: db.prepare<[string]>('SELECT * FROM requests WHERE id = ?'),
    insertBatchRow: db.prepare<Params>(`
      INSERT INTO batch_rows (request_id, row_no, line, email, display_name, message, groups, access_until, state, progress, error, updated_at)
      VALUES (@request_id, @row_no, @line, @email, @display_name, @message, @groups, @access_until, @state, @progress, @error, @updated_at)`),
    listBatchRows: db.prepare<[string]>('SELECT * FROM batch_rows WHERE request_id = ? ORDER BY row_no'),
    getBatchRow: db.prepare<[string, number]>('SELECT * FROM batch_rows WHERE request_id = ? AND row_no = ?'),
    // A row that ended stays ended: a job re-claimed after its lease lapsed cannot undo it.
    saveBatchRow: db.prepare<{ request_id: string; row_no: number; state: string; progress: string; error: string | null; updated_at: string }>(`
      UPDATE batch_rows SET state = @state, progress = @progress, error = @error, updated_at = @updated_at
      WHERE request_id = @request_id AND row_no = @row_no AND state = 'queued'`),
    countBatchRows: db.prepare<[string], { state: string; count: number }>(
      'SELECT state, count(*) AS count FROM batch_rows WHERE request_id = ? GROUP BY state',
    ),
    enqueueBatchRowJobs: db.prepare<{ request_id: string; at: string }>(`
      INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at)
      SELECT lower(hex(randomblob(16))), 'guest', json_object('order', 'batchRow', 'requestId', request_id, 'row', row_no), 'queued', 0, @at, @at
      FROM batch_rows WHERE request_id = @request_id AND state = 'queued' ORDER BY row_no`),
    findOpenAddresses: db.prepare<{ emails: string; states: string }, { email: string; request_id: string }>(`
      SELECT email, id AS request_id FROM requests
      WHERE email IN (SELECT value FROM json_each(@emails)) AND state IN (SELECT value FROM json_each(@states))
      UNION ALL
      SELECT b.email, b.request_id FROM batch_rows b JOIN requests r ON r.id = b.request_id
      WHERE b.email IN (SELECT value FROM json_each(@emails)) AND b.state <> 'failed' AND r.state IN (SELECT value FROM json_each(@states))`),
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
      approval: string | null;
      updated_at: string;
    }>(`
      UPDATE requests
      SET state = @to, version = version + 1,
          decision = COALESCE(@decision, decision), outcome = COALESCE(@outcome, outcome),
          approval = COALESCE(@approval, approval),
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
        -- Requests and admins' writes first: lifecycle work never holds up an approval.
        ORDER BY (kind = 'lifecycle'), created_at, rowid
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
      INSERT INTO card_messages (request_id, role, conversation_key, activity_id, stage)
      VALUES (@request_id, @role, @conversation_key, @activity_id, @stage)
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

    insertGrant: db.prepare<Params>(`
      INSERT INTO grants (id, request_id, guest_id, kind, target_id, target_name, assignment_id, given, state,
                          ends_at, noticed_for, ended_at, end_reason, created_at, version)
      VALUES (@id, @request_id, @guest_id, @kind, @target_id, @target_name, @assignment_id, @given, @state,
              @ends_at, @noticed_for, @ended_at, @end_reason, @created_at, @version)
      ON CONFLICT (request_id, guest_id, kind, target_id) DO NOTHING`),
    getGrant: db.prepare<[string]>('SELECT * FROM grants WHERE id = ?'),
    listGrantsOfGuest: db.prepare<[string]>('SELECT * FROM grants WHERE guest_id = ? ORDER BY created_at, rowid'),
    listGrantsOfRequest: db.prepare<[string]>('SELECT * FROM grants WHERE request_id = ? ORDER BY created_at, rowid'),
    // A grant is noticed once per end date: a new end date (an extension) is told about again.
    listGrantsForNotice: db.prepare<{ before: string; limit: number }>(`
      SELECT * FROM grants
      WHERE state = 'active' AND ends_at IS NOT NULL AND ends_at <= @before AND (noticed_for IS NULL OR noticed_for <> ends_at)
      ORDER BY ends_at, rowid LIMIT @limit`),
    listGrantsDue: db.prepare<{ now: string; limit: number }>(`
      SELECT * FROM grants WHERE state = 'active' AND ends_at IS NOT NULL AND ends_at <= @now
      ORDER BY ends_at, rowid LIMIT @limit`),
    countLiveGrants: db.prepare<[string], { live: number; total: number }>(`
      SELECT COALESCE(SUM(CASE WHEN state IN ('active', 'ending') THEN 1 ELSE 0 END), 0) AS live, COUNT(*) AS total
      FROM grants WHERE guest_id = ?`),

    insertManagedGuest: db.prepare<Params>(`
      INSERT INTO managed_guests (guest_id, email, display_name, sponsor_kind, sponsor_id, sponsor_name, created_by_request,
                                  end_state, ended_at, created_at, updated_at, version)
      VALUES (@guest_id, @email, @display_name, @sponsor_kind, @sponsor_id, @sponsor_name, @created_by_request,
              @end_state, @ended_at, @created_at, @updated_at, @version)
      ON CONFLICT (guest_id) DO NOTHING`),
    getManagedGuest: db.prepare<[string]>('SELECT * FROM managed_guests WHERE guest_id = ?'),
    listManagedGuests: db.prepare<[string]>('SELECT * FROM managed_guests WHERE guest_id IN (SELECT value FROM json_each(?))'),
    listActiveManagedGuests: db.prepare<{ sponsor: string | null; after: string; limit: number }>(`
      SELECT * FROM managed_guests
      WHERE end_state IS NULL AND (@sponsor IS NULL OR sponsor_id = @sponsor) AND guest_id > @after
      ORDER BY guest_id LIMIT @limit`),
    listActiveSponsorIds: db.prepare<{ after: string; limit: number }, { sponsor_id: string }>(`
      SELECT DISTINCT sponsor_id FROM managed_guests
      WHERE end_state IS NULL AND sponsor_kind = 'user' AND sponsor_id > @after
      ORDER BY sponsor_id LIMIT @limit`),
    startGuestEnd: db.prepare<{ guest_id: string; at: string }>(`
      UPDATE managed_guests SET end_state = 'ending', updated_at = @at, version = version + 1
      WHERE guest_id = @guest_id AND end_state IS NULL`),

    insertCampaign: db.prepare<Params>(`
      INSERT INTO campaigns (id, kind, state, started_by_id, started_by_name, started_at, filter, due_at, conversation, note, updated_at, version)
      VALUES (@id, @kind, @state, @started_by_id, @started_by_name, @started_at, @filter, @due_at, @conversation, @note, @updated_at, @version)`),
    getCampaign: db.prepare<[string]>('SELECT * FROM campaigns WHERE id = ?'),
    listCampaigns: db.prepare<{ kind: string | null; states: string | null; limit: number }>(`
      SELECT * FROM campaigns
      WHERE (@kind IS NULL OR kind = @kind) AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
      ORDER BY started_at DESC, rowid DESC LIMIT @limit`),
    insertCampaignItem: db.prepare<Params>(`
      INSERT INTO campaign_items (campaign_id, guest_id, guest_name, guest_email, sponsor_kind, sponsor_id, sponsor_name, detail,
                                  decision, decided_by_id, decided_by_name, decided_at, escalated, outcome)
      VALUES (@campaign_id, @guest_id, @guest_name, @guest_email, @sponsor_kind, @sponsor_id, @sponsor_name, @detail,
              @decision, @decided_by_id, @decided_by_name, @decided_at, @escalated, @outcome)
      ON CONFLICT (campaign_id, guest_id) DO NOTHING`),
    saveCampaignItemDetail: db.prepare<{ campaign_id: string; guest_id: string; detail: string }>(`
      UPDATE campaign_items SET detail = @detail WHERE campaign_id = @campaign_id AND guest_id = @guest_id`),
    getCampaignItem: db.prepare<{ campaign_id: string; guest_id: string }>(
      'SELECT * FROM campaign_items WHERE campaign_id = @campaign_id AND guest_id = @guest_id',
    ),
    listCampaignItems: db.prepare<{
      campaign_id: string;
      sponsor: string | null;
      undecided: number;
      escalated: number | null;
      without_outcome: number;
      after: string;
      limit: number;
    }>(`
      SELECT * FROM campaign_items
      WHERE campaign_id = @campaign_id AND (@sponsor IS NULL OR sponsor_id = @sponsor) AND (@undecided = 0 OR decision IS NULL)
        AND (@escalated IS NULL OR escalated = @escalated) AND (@without_outcome = 0 OR outcome IS NULL) AND guest_id > @after
      ORDER BY guest_id LIMIT @limit`),
    listCampaignSponsors: db.prepare<[string], { sponsor_kind: string; sponsor_id: string; sponsor_name: string; items: number }>(`
      SELECT sponsor_kind, sponsor_id, MIN(sponsor_name) AS sponsor_name, COUNT(*) AS items FROM campaign_items
      WHERE campaign_id = ? AND sponsor_id IS NOT NULL GROUP BY sponsor_kind, sponsor_id ORDER BY sponsor_id`),
    countCampaignItems: db.prepare<[string], Record<keyof CampaignCounts, number | null>>(`
      SELECT COUNT(*) AS items,
             SUM(CASE WHEN decision = 'keep' THEN 1 ELSE 0 END) AS kept,
             SUM(CASE WHEN decision = 'remove' THEN 1 ELSE 0 END) AS removed,
             SUM(CASE WHEN decision IS NULL THEN 1 ELSE 0 END) AS undecided,
             SUM(escalated) AS escalated,
             SUM(CASE WHEN outcome IS NOT NULL THEN 1 ELSE 0 END) AS done
      FROM campaign_items WHERE campaign_id = ?`),
    insertLifecycleJob: db.prepare<{ id: string; payload: string; run_after: string; created_at: string }>(`
      INSERT INTO jobs (id, kind, payload, state, attempts, run_after, created_at)
      VALUES (@id, 'lifecycle', @payload, 'queued', 0, @run_after, @created_at)`),

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
  private readonly dynamicStatements = new Map<string, Database.Statement<Params>>();

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
    return this.statements.findRequestsByEmail.all({ email: normalizeEmail(email), states: JSON.stringify(states) }).map(rows.request);
  }

  async listRequestsByRequester(aadObjectId: string, limit: number): Promise<AccessRequest[]> {
    return this.statements.listRequestsByRequester.all({ requester_id: aadObjectId, limit: checkLimit(limit) }).map(rows.request);
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
      for (const grant of input.grants ?? []) this.statements.insertGrant.run(grantRecord(grant));
      if (input.managedGuest) this.statements.insertManagedGuest.run(managedGuestRecord(input.managedGuest));
      if (input.batchRowJobs === true) this.statements.enqueueBatchRowJobs.run({ request_id: input.id, at });
      return { ok: true, request: rows.request(row) };
    });
  }

  async createBatchRequest(request: NewRequest, batchRows: readonly NewBatchRow[], audit: AuditEntry): Promise<AccessRequest> {
    const createdAt = isoTimestamp(request.createdAt, 'createdAt');
    const stored: AccessRequest = { ...request, state: 'pending', version: 1, createdAt, updatedAt: createdAt };
    const audited = auditRecord(auditFor(request.id, audit));
    return this.write(() => {
      this.statements.insertRequest.run(requestRecord(stored));
      for (const row of batchRows) this.statements.insertBatchRow.run(batchRowRecord(request.id, row, createdAt));
      this.statements.appendAudit.run(audited);
      return this.readRequest(request.id) ?? missing('request', request.id);
    });
  }

  async listBatchRows(requestId: string): Promise<BatchRow[]> {
    return this.statements.listBatchRows.all(requestId).map(rows.batchRow);
  }

  async getBatchRow(requestId: string, row: number): Promise<BatchRow | undefined> {
    const found = this.statements.getBatchRow.get(requestId, row);
    return found === undefined ? undefined : rows.batchRow(found);
  }

  async saveBatchRow(requestId: string, row: number, patch: BatchRowPatch): Promise<boolean> {
    const columns = batchRowPatchColumns(patch, this.timestamp());
    return this.write(() => {
      if (this.statements.saveBatchRow.run({ request_id: requestId, row_no: row, ...columns }).changes === 0) return false;
      for (const grant of patch.grants ?? []) this.statements.insertGrant.run(grantRecord(grant));
      if (patch.managedGuest) this.statements.insertManagedGuest.run(managedGuestRecord(patch.managedGuest));
      return true;
    });
  }

  async countBatchRows(requestId: string): Promise<BatchRowCounts> {
    return batchCounts(this.statements.countBatchRows.all(requestId));
  }

  async findOpenAddresses(emails: readonly string[], states: readonly RequestState[]): Promise<{ email: string; requestId: string }[]> {
    if (emails.length === 0 || states.length === 0) return [];
    const found: { email: string; requestId: string }[] = [];
    for (let i = 0; i < emails.length; i += ADDRESS_CHUNK) {
      const chunk = emails.slice(i, i + ADDRESS_CHUNK).map(normalizeEmail);
      for (const row of this.statements.findOpenAddresses.all({ emails: JSON.stringify(chunk), states: JSON.stringify(states) })) {
        found.push({ email: row.email, requestId: row.request_id });
      }
    }
    return found;
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
    return this.write(() => this.statements.claimPeriodicTask.get({ name, owner, now: nowIso, lease_until: leaseUntil }) !== undefined);
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

  async listGrants(filter: { guestId: string } | { requestId: string }): Promise<Grant[]> {
    const found =
      'guestId' in filter ? this.statements.listGrantsOfGuest.all(filter.guestId.toLowerCase()) : this.statements.listGrantsOfRequest.all(filter.requestId);
    return found.map(rows.grant);
  }

  async getGrant(id: string): Promise<Grant | undefined> {
    const row = this.statements.getGrant.get(id);
    return row === undefined ? undefined : rows.grant(row);
  }

  async listGrantsForNotice(endsBefore: Date, limit: number): Promise<Grant[]> {
    return this.statements.listGrantsForNotice.all({ before: isoTimestamp(endsBefore, 'endsBefore'), limit: checkLimit(limit) }).map(rows.grant);
  }

  async listGrantsDue(now: Date, limit: number): Promise<Grant[]> {
    return this.statements.listGrantsDue.all({ now: isoTimestamp(now, 'now'), limit: checkLimit(limit) }).map(rows.grant);
  }

  async getManagedGuest(guestId: string): Promise<ManagedGuest | undefined> {
    const row = this.statements.getManagedGuest.get(guestId.toLowerCase());
    return row === undefined ? undefined : rows.managedGuest(row);
  }

  async listManagedGuests(guestIds: readonly string[]): Promise<ManagedGuest[]> {
    if (guestIds.length === 0) return [];
    return this.statements.listManagedGuests.all(JSON.stringify(guestIds.map((id) => id.toLowerCase()))).map(rows.managedGuest);
  }

  async listActiveManagedGuests(filter: { sponsorId?: string; afterGuestId?: string }, limit: number): Promise<ManagedGuest[]> {
    return this.statements.listActiveManagedGuests
      .all({ sponsor: filter.sponsorId ?? null, after: filter.afterGuestId?.toLowerCase() ?? '', limit: checkLimit(limit) })
      .map(rows.managedGuest);
  }

  async listActiveSponsorIds(afterId: string, limit: number): Promise<string[]> {
    return this.statements.listActiveSponsorIds.all({ after: afterId, limit: checkLimit(limit) }).map((r) => r.sponsor_id);
  }

  async applyLifecycleChange(change: LifecycleChange): Promise<LifecycleChangeResult> {
    const audits = change.audit.map(auditRecord);
    const at = change.at !== undefined ? isoTimestamp(change.at, 'change.at') : (audits[0]?.at ?? this.timestamp());
    try {
      return this.write((): LifecycleChangeResult => {
        for (const grant of change.grants ?? []) {
          this.updateWithVersion('grants', 'id', grant.id, grant.expectedVersion, grantPatchColumns(grant.set), `grant ${grant.id}`);
        }
        for (const guest of change.guests ?? []) {
          if ('insert' in guest) {
            if (this.statements.insertManagedGuest.run(managedGuestRecord(guest.insert)).changes === 0)
              throw new LifecycleConflict(`guest ${guest.insert.guestId} exists already`);
          } else {
            const columns = { ...managedGuestPatchColumns(guest.set), updated_at: at };
            this.updateWithVersion('managed_guests', 'guest_id', guest.guestId.toLowerCase(), guest.expectedVersion, columns, `guest ${guest.guestId}`);
          }
        }
        if (change.campaign && 'insert' in change.campaign) this.statements.insertCampaign.run(campaignRecord(change.campaign.insert));
        else if (change.campaign) {
          const columns = { ...campaignPatchColumns(change.campaign.set), updated_at: at };
          this.updateWithVersion('campaigns', 'id', change.campaign.id, change.campaign.expectedVersion, columns, `campaign ${change.campaign.id}`);
        }
        for (const item of change.items ?? []) {
          const columns = campaignItemPatchColumns(item.set);
          const names = Object.keys(columns);
          const sql = `UPDATE campaign_items SET ${names.map((c) => `${c} = @${c}`).join(', ')}
            WHERE campaign_id = @where_campaign AND guest_id = @where_guest${item.onlyIfUndecided ? ' AND decision IS NULL' : ''}`;
          const result = this.dynamic(sql).run({ ...columns, where_campaign: item.campaignId, where_guest: item.guestId.toLowerCase() });
          if (result.changes === 0) throw new LifecycleConflict(`campaign item ${item.campaignId}/${item.guestId}`);
        }
        let guestEndStarted = false;
        if (change.guestEnd) {
          const guestId = change.guestEnd.guestId.toLowerCase();
          const guest = this.statements.getManagedGuest.get(guestId);
          const counts = this.statements.countLiveGrants.get(guestId);
          const created = guest !== undefined && rows.managedGuest(guest).createdByRequest !== undefined;
          if (created && counts && counts.total > 0 && counts.live === 0 && this.statements.startGuestEnd.run({ guest_id: guestId, at }).changes > 0) {
            guestEndStarted = true;
            this.statements.appendAudit.run(auditRecord(change.guestEnd.audit));
            this.insertLifecycleJobs([change.guestEnd.job], at);
            this.insertOutbox(change.guestEnd.outbox, at);
          }
        }
        for (const audit of audits) this.statements.appendAudit.run(audit);
        this.insertOutbox(change.outbox, at);
        this.insertLifecycleJobs(change.jobs, at);
        return { ok: true, guestEndStarted };
      });
    } catch (error) {
      if (error instanceof LifecycleConflict) return { ok: false, conflict: error.conflict };
      throw error;
    }
  }

  async getCampaign(id: string): Promise<Campaign | undefined> {
    const row = this.statements.getCampaign.get(id);
    return row === undefined ? undefined : rows.campaign(row);
  }

  async listCampaigns(filter: { kind?: CampaignKind; states?: readonly CampaignState[] }, limit: number): Promise<Campaign[]> {
    return this.statements.listCampaigns
      .all({ kind: filter.kind ?? null, states: filter.states ? JSON.stringify(filter.states) : null, limit: checkLimit(limit) })
      .map(rows.campaign);
  }

  async insertCampaignItems(items: readonly NewCampaignItem[]): Promise<void> {
    this.write(() => {
      for (const item of items) this.statements.insertCampaignItem.run(campaignItemRecord(item));
    });
  }

  async saveCampaignItemDetails(campaignId: string, details: readonly { guestId: string; detail: CampaignItemDetail }[]): Promise<void> {
    this.write(() => {
      for (const { guestId, detail } of details) {
        this.statements.saveCampaignItemDetail.run({ campaign_id: campaignId, guest_id: guestId.toLowerCase(), detail: JSON.stringify(detail) });
      }
    });
  }

  async getCampaignItem(campaignId: string, guestId: string): Promise<CampaignItem | undefined> {
    const row = this.statements.getCampaignItem.get({ campaign_id: campaignId, guest_id: guestId.toLowerCase() });
    return row === undefined ? undefined : rows.campaignItem(row);
  }

  async listCampaignItems(campaignId: string, query: CampaignItemQuery, limit: number): Promise<CampaignItem[]> {
    return this.statements.listCampaignItems
      .all({
        campaign_id: campaignId,
        sponsor: query.sponsorId ?? null,
        undecided: query.undecided ? 1 : 0,
        escalated: query.escalated === undefined ? null : query.escalated ? 1 : 0,
        without_outcome: query.withoutOutcome ? 1 : 0,
        after: query.afterGuestId?.toLowerCase() ?? '',
        limit: checkLimit(limit),
      })
      .map(rows.campaignItem);
  }

  async listCampaignSponsors(campaignId: string): Promise<CampaignSponsor[]> {
    return this.statements.listCampaignSponsors.all(campaignId).map((row) => ({
      sponsor: { kind: row.sponsor_kind === 'group' ? 'group' : 'user', id: row.sponsor_id, name: row.sponsor_name },
      items: row.items,
    }));
  }

  async countCampaignItems(campaignId: string): Promise<CampaignCounts> {
    const row = this.statements.countCampaignItems.get(campaignId);
    return {
      items: row?.items ?? 0,
      kept: row?.kept ?? 0,
      removed: row?.removed ?? 0,
      undecided: row?.undecided ?? 0,
      escalated: row?.escalated ?? 0,
      done: row?.done ?? 0,
    };
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

  /** Lifecycle jobs queued inside the caller's transaction. */
  private insertLifecycleJobs(jobs: readonly NewLifecycleJob[] | undefined, at: string): void {
    for (const job of jobs ?? []) this.statements.insertLifecycleJob.run(lifecycleJobRecord(randomUUID(), job, at));
  }

  /** A statement whose text depends on which fields a change sets, prepared once per text. */
  private dynamic(sql: string): Database.Statement<Params> {
    let statement = this.dynamicStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<Params>(sql);
      this.dynamicStatements.set(sql, statement);
    }
    return statement;
  }

  /** A compare-and-set on a row's version, setting `columns` and the next version; a lost one throws LifecycleConflict. */
  private updateWithVersion(
    table: string,
    key: string,
    id: string,
    expectedVersion: number,
    columns: Record<string, ColumnValue | undefined>,
    what: string,
  ): void {
    const names = Object.keys(columns).filter((c) => columns[c] !== undefined);
    const sets = [...names.map((c) => `${c} = @${c}`), 'version = version + 1'].join(', ');
    const values: Params = { where_key: id, where_version: expectedVersion };
    for (const name of names) values[name] = columns[name] ?? null;
    const result = this.dynamic(`UPDATE ${table} SET ${sets} WHERE ${key} = @where_key AND version = @where_version`).run(values);
    if (result.changes === 0) throw new LifecycleConflict(what);
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
