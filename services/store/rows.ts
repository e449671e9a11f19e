/**
 * Row ↔ domain mapping for every store, written once: the only place that knows column names and
 * how domain values are laid out in columns. A dialect says only how its driver hands back each
 * kind of column (a `ColumnReader`); reads narrow `unknown` driver rows column by column and
 * validate JSON values with the codecs; writes produce column records (JSON as text, timestamps as
 * canonical ISO text) that each store binds by name or by position.
 */
import type {
  Campaign,
  CampaignItem,
  CampaignItemPatch,
  CampaignPatch,
  Grant,
  GrantPatch,
  ManagedGuest,
  ManagedGuestPatch,
  NewCampaign,
  NewCampaignItem,
  NewGrant,
  NewManagedGuest,
} from '../lifecycle/model';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job } from '../requests/model';
import type { BatchRow, BatchRowCounts, BatchRowPatch, NewBatchRow } from '../requests/batches/model';
import { StoreDataError, decode, isoTimestamp, normalizeEmail } from './codecs';
import type { GuestJobStatus, NewLifecycleJob, NewOutboxEntry, OutboxItem, OutboxStatus, PageCursor, StoredConversation } from './store';

/** A row as the driver returns it, before any column is trusted. */
export type Row = { readonly [column: string]: unknown };

/** How one SQL dialect's driver returns each kind of column; each throws StoreDataError on a mismatch. */
export interface ColumnReader {
  text(value: unknown, where: string): string;
  integer(value: unknown, where: string): number;
  /** A timestamp column as the canonical ISO text the domain uses. */
  timestamp(value: unknown, where: string): string;
  /** A JSON column's value, parsed (not yet checked against its type). */
  json(value: unknown, where: string): unknown;
}

/** What a value is, for messages that must not repeat the value itself. */
export function describeType(value: unknown): string {
  return value === null ? 'null' : value instanceof Date ? 'Date' : typeof value;
}

/** A text column, the same in every dialect. */
export function textColumn(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new StoreDataError(`${where}: expected text, got ${describeType(value)}`);
  return value;
}

/** A column value bound as a statement parameter. */
export type ColumnValue = string | number | null;

/** A JSON column's text, or NULL for an absent value. */
function jsonText(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Column values in the order of `columns` (for positional parameters). */
export function inOrder<C extends string>(record: Readonly<Record<C, ColumnValue>>, columns: readonly C[]): ColumnValue[] {
  return columns.map((column) => record[column]);
}

export const REQUEST_COLUMNS = [
  'id',
  'kind',
  'state',
  'version',
  'requester_id',
  'requester_name',
  'tenant_id',
  'email',
  'details',
  'context',
  'decision',
  'outcome',
  'created_at',
  'updated_at',
  'approval',
] as const;
export const STEP_COLUMNS = ['request_id', 'step_key', 'status', 'output', 'error', 'updated_at'] as const;
export const CARD_MESSAGE_COLUMNS = ['request_id', 'role', 'conversation_key', 'activity_id', 'stage'] as const;
export const GUEST_CARD_MESSAGE_COLUMNS = ['guest_id', 'conversation_key', 'activity_id'] as const;
export const AUDIT_COLUMNS = ['request_id', 'actor', 'action', 'source', 'detail', 'at'] as const;
export const CURSOR_COLUMNS = ['id', 'owner_id', 'kind', 'state', 'created_at', 'expires_at'] as const;
export const OUTBOX_COLUMNS = ['id', 'key', 'kind', 'request_id', 'payload', 'run_after', 'created_at'] as const;

export const GRANT_COLUMNS = [
  'id',
  'request_id',
  'guest_id',
  'kind',
  'target_id',
  'target_name',
  'assignment_id',
  'given',
  'state',
  'ends_at',
  'noticed_for',
  'ended_at',
  'end_reason',
  'created_at',
  'version',
] as const;
export const MANAGED_GUEST_COLUMNS = [
  'guest_id',
  'email',
  'display_name',
  'sponsor_kind',
  'sponsor_id',
  'sponsor_name',
  'created_by_request',
  'end_state',
  'ended_at',
  'created_at',
  'updated_at',
  'version',
] as const;
export const CAMPAIGN_COLUMNS = [
  'id',
  'kind',
  'state',
  'started_by_id',
  'started_by_name',
  'started_at',
  'filter',
  'due_at',
  'conversation',
  'note',
  'updated_at',
  'version',
] as const;
export const CAMPAIGN_ITEM_COLUMNS = [
  'campaign_id',
  'guest_id',
  'guest_name',
  'guest_email',
  'sponsor_kind',
  'sponsor_id',
  'sponsor_name',
  'detail',
  'decision',
  'decided_by_id',
  'decided_by_name',
  'decided_at',
  'escalated',
  'outcome',
] as const;

/** One value per column of a table, as a statement binds them. */
type Columns<C extends readonly string[]> = Record<C[number], ColumnValue>;

export const BATCH_ROW_COLUMNS = [
  'request_id',
  'row_no',
  'line',
  'email',
  'display_name',
  'message',
  'groups',
  'access_until',
  'state',
  'progress',
  'error',
  'updated_at',
] as const;

/** A batch row as filed: queued, nothing done yet. */
export function batchRowRecord(requestId: string, row: NewBatchRow, at: string): Columns<typeof BATCH_ROW_COLUMNS> {
  return {
    request_id: requestId,
    row_no: row.row,
    line: row.line,
    email: normalizeEmail(row.email),
    display_name: row.displayName,
    message: row.message,
    groups: JSON.stringify(row.groups),
    access_until: row.accessUntil ?? null,
    state: 'queued',
    progress: '{}',
    error: null,
    updated_at: isoTimestamp(at, 'batch row updatedAt'),
  };
}

/** A batch's rows counted by state, from `SELECT state, count(*) ... GROUP BY state`. */
export function batchCounts(byState: readonly { state: unknown; count: unknown }[]): BatchRowCounts {
  const counts: BatchRowCounts = { total: 0, queued: 0, done: 0, failed: 0 };
  for (const { state, count } of byState) {
    const n = Number(count);
    const known = decode.batchRowState(state, 'batch_rows.state');
    counts[known] += n;
    counts.total += n;
  }
  return counts;
}

/** The columns a row's job sets as it goes. */
export function batchRowPatchColumns(patch: BatchRowPatch, at: string): { state: string; progress: string; error: string | null; updated_at: string } {
  return { state: patch.state, progress: JSON.stringify(patch.progress), error: patch.error ?? null, updated_at: isoTimestamp(at, 'batch row updatedAt') };
}

const optionalTime = (value: string | null | undefined, what: string): string | null =>
  value === undefined || value === null ? null : isoTimestamp(value, what);

/** A new grant: active, at version 1, never noticed. */
export function grantRecord(grant: NewGrant): Columns<typeof GRANT_COLUMNS> {
  return {
    id: grant.id,
    request_id: grant.requestId,
    guest_id: grant.guestId.toLowerCase(),
    kind: grant.kind,
    target_id: grant.targetId,
    target_name: grant.targetName,
    assignment_id: grant.assignmentId ?? null,
    given: grant.given ? 1 : 0,
    state: 'active',
    ends_at: optionalTime(grant.endsAt, 'grant.endsAt'),
    noticed_for: null,
    ended_at: null,
    end_reason: null,
    created_at: isoTimestamp(grant.createdAt, 'grant.createdAt'),
    version: 1,
  };
}

/** The columns a grant change sets (only the fields it names; `null` clears one). */
export function grantPatchColumns(patch: GrantPatch): Partial<Columns<typeof GRANT_COLUMNS>> {
  const columns: Partial<Columns<typeof GRANT_COLUMNS>> = {};
  if (patch.state !== undefined) columns.state = patch.state;
  if (patch.endsAt !== undefined) columns.ends_at = optionalTime(patch.endsAt, 'grant.endsAt');
  if (patch.noticedFor !== undefined) columns.noticed_for = optionalTime(patch.noticedFor, 'grant.noticedFor');
  if (patch.endedAt !== undefined) columns.ended_at = optionalTime(patch.endedAt, 'grant.endedAt');
  if (patch.endReason !== undefined) columns.end_reason = patch.endReason;
  if (patch.given !== undefined) columns.given = patch.given ? 1 : 0;
  if (patch.assignmentId !== undefined) columns.assignment_id = patch.assignmentId;
  return columns;
}

export function managedGuestRecord(guest: NewManagedGuest): Columns<typeof MANAGED_GUEST_COLUMNS> {
  const createdAt = isoTimestamp(guest.createdAt, 'managedGuest.createdAt');
  return {
    guest_id: guest.guestId.toLowerCase(),
    email: normalizeEmail(guest.email),
    display_name: guest.displayName,
    sponsor_kind: guest.sponsor.kind,
    sponsor_id: guest.sponsor.id,
    sponsor_name: guest.sponsor.name,
    created_by_request: guest.createdByRequest ?? null,
    end_state: null,
    ended_at: null,
    created_at: createdAt,
    updated_at: createdAt,
    version: 1,
  };
}

export function managedGuestPatchColumns(patch: ManagedGuestPatch): Partial<Columns<typeof MANAGED_GUEST_COLUMNS>> {
  const columns: Partial<Columns<typeof MANAGED_GUEST_COLUMNS>> = {};
  if (patch.sponsor !== undefined) {
    columns.sponsor_kind = patch.sponsor.kind;
    columns.sponsor_id = patch.sponsor.id;
    columns.sponsor_name = patch.sponsor.name;
  }
  if (patch.endState !== undefined) columns.end_state = patch.endState;
  if (patch.endedAt !== undefined) columns.ended_at = optionalTime(patch.endedAt, 'managedGuest.endedAt');
  if (patch.displayName !== undefined) columns.display_name = patch.displayName;
  return columns;
}

export function campaignRecord(campaign: NewCampaign): Columns<typeof CAMPAIGN_COLUMNS> {
  const startedAt = isoTimestamp(campaign.startedAt, 'campaign.startedAt');
  return {
    id: campaign.id,
    kind: campaign.kind,
    state: campaign.state,
    started_by_id: campaign.startedBy.aadObjectId,
    started_by_name: campaign.startedBy.name,
    started_at: startedAt,
    filter: JSON.stringify(campaign.filter),
    due_at: optionalTime(campaign.dueAt, 'campaign.dueAt'),
    conversation: jsonText(campaign.conversation),
    note: campaign.note ?? null,
    updated_at: startedAt,
    version: 1,
  };
}

export function campaignPatchColumns(patch: CampaignPatch): Partial<Columns<typeof CAMPAIGN_COLUMNS>> {
  const columns: Partial<Columns<typeof CAMPAIGN_COLUMNS>> = {};
  if (patch.state !== undefined) columns.state = patch.state;
  if (patch.dueAt !== undefined) columns.due_at = optionalTime(patch.dueAt, 'campaign.dueAt');
  if (patch.note !== undefined) columns.note = patch.note;
  return columns;
}

export function campaignItemRecord(item: NewCampaignItem): Columns<typeof CAMPAIGN_ITEM_COLUMNS> {
  return {
    campaign_id: item.campaignId,
    guest_id: item.guestId.toLowerCase(),
    guest_name: item.guestName,
    guest_email: item.guestEmail,
    sponsor_kind: item.sponsor?.kind ?? null,
    sponsor_id: item.sponsor?.id ?? null,
    sponsor_name: item.sponsor?.name ?? null,
    detail: JSON.stringify(item.detail),
    decision: null,
    decided_by_id: null,
    decided_by_name: null,
    decided_at: null,
    escalated: 0,
    outcome: null,
  };
}

export function campaignItemPatchColumns(patch: CampaignItemPatch): Partial<Columns<typeof CAMPAIGN_ITEM_COLUMNS>> {
  const columns: Partial<Columns<typeof CAMPAIGN_ITEM_COLUMNS>> = {};
  if (patch.decision !== undefined) columns.decision = patch.decision;
  if (patch.decidedBy !== undefined) {
    columns.decided_by_id = patch.decidedBy.aadObjectId;
    columns.decided_by_name = patch.decidedBy.name;
  }
  if (patch.decidedAt !== undefined) columns.decided_at = isoTimestamp(patch.decidedAt, 'item.decidedAt');
  if (patch.escalated !== undefined) columns.escalated = patch.escalated ? 1 : 0;
  if (patch.outcome !== undefined) columns.outcome = patch.outcome;
  if (patch.detail !== undefined) columns.detail = JSON.stringify(patch.detail);
  return columns;
}

export function requestRecord(request: AccessRequest): Columns<typeof REQUEST_COLUMNS> {
  return {
    id: request.id,
    kind: request.kind,
    state: request.state,
    version: request.version,
    requester_id: request.requester.aadObjectId,
    requester_name: request.requester.name,
    tenant_id: request.tenantId,
    email: normalizeEmail(request.details.email),
    details: JSON.stringify(request.details),
    context: jsonText(request.context),
    decision: jsonText(request.decision),
    outcome: jsonText(request.outcome),
    created_at: isoTimestamp(request.createdAt, 'createdAt'),
    updated_at: isoTimestamp(request.updatedAt, 'updatedAt'),
    approval: jsonText(request.approval),
  };
}

export function stepRecord(step: ExecutionStep): Columns<typeof STEP_COLUMNS> {
  return {
    request_id: step.requestId,
    step_key: step.key,
    status: step.status,
    output: JSON.stringify(step.output),
    error: step.error ?? null,
    updated_at: isoTimestamp(step.updatedAt, 'updatedAt'),
  };
}

export function cardMessageRecord(card: CardMessage): Columns<typeof CARD_MESSAGE_COLUMNS> {
  return { request_id: card.requestId, role: card.role, conversation_key: card.conversationKey, activity_id: card.activityId, stage: card.stage ?? null };
}

export function guestCardMessageRecord(card: GuestCardMessage): Columns<typeof GUEST_CARD_MESSAGE_COLUMNS> {
  return { guest_id: card.guestId, conversation_key: card.conversationKey, activity_id: card.activityId };
}

export function auditRecord(entry: AuditEntry): Columns<typeof AUDIT_COLUMNS> & { at: string } {
  return {
    request_id: entry.requestId ?? null,
    actor: entry.actor,
    action: entry.action,
    source: entry.source ?? null,
    detail: jsonText(entry.detail),
    at: isoTimestamp(entry.at, 'audit.at'),
  };
}

export function cursorRecord(cursor: PageCursor): Columns<typeof CURSOR_COLUMNS> {
  return {
    id: cursor.id,
    owner_id: cursor.ownerId,
    kind: cursor.kind,
    state: JSON.stringify(cursor.state),
    created_at: isoTimestamp(cursor.createdAt, 'cursor.createdAt'),
    expires_at: isoTimestamp(cursor.expiresAt, 'cursor.expiresAt'),
  };
}

/** A new outbox entry, due at once (`at`, the time of the change it announces). */
export function outboxRecord(id: string, entry: NewOutboxEntry, at: string): Columns<typeof OUTBOX_COLUMNS> {
  return {
    id,
    key: entry.key,
    kind: entry.kind,
    request_id: entry.requestId ?? null,
    payload: JSON.stringify(entry.payload),
    run_after: at,
    created_at: at,
  };
}

/** The patch columns of a transition: JSON text, or NULL to keep what is stored. */
export function transitionPatch(patch: { decision?: unknown; outcome?: unknown; approval?: unknown } | undefined): {
  decision: string | null;
  outcome: string | null;
  approval: string | null;
} {
  return { decision: jsonText(patch?.decision), outcome: jsonText(patch?.outcome), approval: jsonText(patch?.approval) };
}

/** The audit entry of a request write is about that request. */
export function auditFor(requestId: string, audit: AuditEntry): AuditEntry {
  if (audit.requestId !== undefined && audit.requestId !== requestId) {
    throw new Error(`audit entry names request ${audit.requestId} but the write is to request ${requestId}`);
  }
  return { ...audit, requestId };
}

/** A lifecycle compare-and-set that lost: its transaction is rolled back and the caller told which. */
export class LifecycleConflict extends Error {
  constructor(readonly conflict: string) {
    super(`lifecycle change conflicts: ${conflict}`);
  }
}

/** A queued lifecycle job's columns. */
export function lifecycleJobRecord(id: string, job: NewLifecycleJob, at: string): { id: string; payload: string; run_after: string; created_at: string } {
  return { id, payload: JSON.stringify(job.payload), run_after: job.runAfter === undefined ? at : isoTimestamp(job.runAfter, 'job.runAfter'), created_at: at };
}

export function missing(what: string, id: string): never {
  throw new Error(`${what} ${id} not found`);
}

/** The end of a lease of `leaseMs` taken at `now`, as stored. */
export function leaseEnd(now: Date, leaseMs: number): string {
  return isoTimestamp(new Date(now.getTime() + leaseMs), 'lease end');
}

/**
 * The readers of every table for one dialect. Absent (NULL) optional columns become absent fields.
 */
export function rowReaders(columns: ColumnReader) {
  const asRow = (value: unknown, table: string): Row => {
    if (typeof value !== 'object' || value === null) {
      throw new StoreDataError(`${table}: expected a row, got ${describeType(value)}`);
    }
    // A non-null object from the driver: its own enumerable keys are the selected columns.
    return value as Row;
  };
  const text = (row: Row, column: string, where: string) => columns.text(row[column], `${where}.${column}`);
  const optionalText = (row: Row, column: string, where: string) => (row[column] === null || row[column] === undefined ? undefined : text(row, column, where));
  const integer = (row: Row, column: string, where: string) => columns.integer(row[column], `${where}.${column}`);
  const timestamp = (row: Row, column: string, where: string) => columns.timestamp(row[column], `${where}.${column}`);
  const json = (row: Row, column: string, where: string) => columns.json(row[column], `${where}.${column}`);
  const optionalJson = (row: Row, column: string, where: string) => (row[column] === null || row[column] === undefined ? undefined : json(row, column, where));

  // Arrow properties, not methods: stores pass them to map() unbound.
  return {
    request: (value: unknown): AccessRequest => {
      const row = asRow(value, 'requests');
      const id = text(row, 'id', 'requests');
      const where = `requests[${id}]`;
      const request: AccessRequest = {
        id,
        kind: decode.requestKind(row['kind'], `${where}.kind`),
        state: decode.requestState(row['state'], `${where}.state`),
        version: integer(row, 'version', where),
        requester: { aadObjectId: text(row, 'requester_id', where), name: text(row, 'requester_name', where) },
        tenantId: text(row, 'tenant_id', where),
        details: decode.inviteDetails(json(row, 'details', where), `${where}.details`),
        createdAt: timestamp(row, 'created_at', where),
        updatedAt: timestamp(row, 'updated_at', where),
      };
      const context = optionalJson(row, 'context', where);
      if (context !== undefined) request.context = decode.approvalContext(context, `${where}.context`);
      const decision = optionalJson(row, 'decision', where);
      if (decision !== undefined) request.decision = decode.decision(decision, `${where}.decision`);
      const outcome = optionalJson(row, 'outcome', where);
      if (outcome !== undefined) request.outcome = decode.outcome(outcome, `${where}.outcome`);
      const approval = optionalJson(row, 'approval', where);
      if (approval !== undefined) request.approval = decode.approvalProgress(approval, `${where}.approval`);
      return request;
    },

    step: (value: unknown): ExecutionStep => {
      const row = asRow(value, 'execution_steps');
      const requestId = text(row, 'request_id', 'execution_steps');
      const key = text(row, 'step_key', 'execution_steps');
      const where = `execution_steps[${requestId}, ${key}]`;
      const step: ExecutionStep = {
        requestId,
        key,
        status: decode.stepStatus(row['status'], `${where}.status`),
        output: decode.stepOutput(json(row, 'output', where), `${where}.output`),
        updatedAt: timestamp(row, 'updated_at', where),
      };
      const error = optionalText(row, 'error', where);
      if (error !== undefined) step.error = error;
      return step;
    },

    /** A job as returned by a claim (a claimed job always has a lease). */
    job: (value: unknown): Job => {
      const row = asRow(value, 'jobs');
      const id = text(row, 'id', 'jobs');
      const where = `jobs[${id}]`;
      const lease = { id, attempts: integer(row, 'attempts', where), leaseUntil: timestamp(row, 'lease_until', where) };
      const kind = decode.jobKind(row['kind'], `${where}.kind`);
      if (kind === 'request') return { ...lease, kind, requestId: text(row, 'request_id', where) };
      return { ...lease, kind, payload: decode.payload(json(row, 'payload', where), `${where}.payload`) };
    },

    /** A guest job as it stands, queued, running or done. */
    guestJob: (value: unknown): GuestJobStatus => {
      const row = asRow(value, 'jobs');
      const id = text(row, 'id', 'jobs');
      const where = `jobs[${id}]`;
      const status: GuestJobStatus = {
        id,
        state: decode.jobState(row['state'], `${where}.state`),
        payload: decode.payload(json(row, 'payload', where), `${where}.payload`),
        attempts: integer(row, 'attempts', where),
        createdAt: timestamp(row, 'created_at', where),
      };
      const result = optionalJson(row, 'result', where);
      if (result !== undefined) status.result = decode.payload(result, `${where}.result`);
      const lastError = optionalText(row, 'last_error', where);
      if (lastError !== undefined) status.lastError = lastError;
      return status;
    },

    outboxItem: (value: unknown): OutboxItem => {
      const row = asRow(value, 'outbox');
      const id = text(row, 'id', 'outbox');
      const where = `outbox[${id}]`;
      const item: OutboxItem = {
        id,
        key: text(row, 'key', where),
        kind: text(row, 'kind', where),
        payload: decode.payload(json(row, 'payload', where), `${where}.payload`),
        attempts: integer(row, 'attempts', where),
        leaseUntil: timestamp(row, 'lease_until', where),
        createdAt: timestamp(row, 'created_at', where),
      };
      const requestId = optionalText(row, 'request_id', where);
      if (requestId !== undefined) item.requestId = requestId;
      return item;
    },

    outboxStatus: (value: unknown): OutboxStatus => {
      const row = asRow(value, 'outbox');
      const where = `outbox[${text(row, 'id', 'outbox')}]`;
      const status: OutboxStatus = {
        key: text(row, 'key', where),
        kind: text(row, 'kind', where),
        payload: decode.payload(json(row, 'payload', where), `${where}.payload`),
        state: decode.outboxState(row['state'], `${where}.state`),
        attempts: integer(row, 'attempts', where),
      };
      const requestId = optionalText(row, 'request_id', where);
      if (requestId !== undefined) status.requestId = requestId;
      const lastError = optionalText(row, 'last_error', where);
      if (lastError !== undefined) status.lastError = lastError;
      return status;
    },

    conversation: (value: unknown): StoredConversation => {
      const row = asRow(value, 'conversations');
      const key = text(row, 'key', 'conversations');
      const where = `conversations[${key}]`;
      return {
        key,
        reference: decode.reference(json(row, 'reference', where), `${where}.reference`),
        updatedAt: timestamp(row, 'updated_at', where),
      };
    },

    settingValue: (value: unknown): string => {
      return text(asRow(value, 'settings'), 'value', 'settings');
    },

    cardMessage: (value: unknown): CardMessage => {
      const row = asRow(value, 'card_messages');
      const requestId = text(row, 'request_id', 'card_messages');
      const where = `card_messages[${requestId}]`;
      return {
        requestId,
        role: decode.cardRole(row['role'], `${where}.role`),
        conversationKey: text(row, 'conversation_key', where),
        activityId: text(row, 'activity_id', where),
        ...(row['stage'] === null || row['stage'] === undefined ? {} : { stage: integer(row, 'stage', where) }),
      };
    },

    guestCardMessage: (value: unknown): GuestCardMessage => {
      const row = asRow(value, 'guest_card_messages');
      const where = 'guest_card_messages';
      return {
        guestId: text(row, 'guest_id', where),
        conversationKey: text(row, 'conversation_key', where),
        activityId: text(row, 'activity_id', where),
      };
    },

    audit: (value: unknown): AuditEntry => {
      const row = asRow(value, 'audit_log');
      // The id only names the row (PostgreSQL hands bigint identities back as text).
      const where = `audit_log[${String(row['id'])}]`;
      const entry: AuditEntry = {
        actor: text(row, 'actor', where),
        action: text(row, 'action', where),
        at: timestamp(row, 'at', where),
      };
      const requestId = optionalText(row, 'request_id', where);
      if (requestId !== undefined) entry.requestId = requestId;
      const source = optionalText(row, 'source', where);
      if (source !== undefined) entry.source = source;
      const detail = optionalJson(row, 'detail', where);
      if (detail !== undefined) entry.detail = decode.auditDetail(detail, `${where}.detail`);
      return entry;
    },

    grant: (value: unknown): Grant => {
      const row = asRow(value, 'grants');
      const id = text(row, 'id', 'grants');
      const where = `grants[${id}]`;
      const grant: Grant = {
        id,
        requestId: text(row, 'request_id', where),
        guestId: text(row, 'guest_id', where),
        kind: decode.grantKind(row['kind'], `${where}.kind`),
        targetId: text(row, 'target_id', where),
        targetName: text(row, 'target_name', where),
        given: integer(row, 'given', where) === 1,
        state: decode.grantState(row['state'], `${where}.state`),
        createdAt: timestamp(row, 'created_at', where),
        version: integer(row, 'version', where),
      };
      const assignmentId = optionalText(row, 'assignment_id', where);
      if (assignmentId !== undefined) grant.assignmentId = assignmentId;
      for (const [column, field] of [
        ['ends_at', 'endsAt'],
        ['noticed_for', 'noticedFor'],
        ['ended_at', 'endedAt'],
      ] as const) {
        if (row[column] !== null && row[column] !== undefined) grant[field] = timestamp(row, column, where);
      }
      const endReason = optionalText(row, 'end_reason', where);
      if (endReason !== undefined) grant.endReason = endReason;
      return grant;
    },

    managedGuest: (value: unknown): ManagedGuest => {
      const row = asRow(value, 'managed_guests');
      const guestId = text(row, 'guest_id', 'managed_guests');
      const where = `managed_guests[${guestId}]`;
      const guest: ManagedGuest = {
        guestId,
        email: text(row, 'email', where),
        displayName: text(row, 'display_name', where),
        sponsor: {
          kind: decode.sponsorKind(row['sponsor_kind'], `${where}.sponsor_kind`),
          id: text(row, 'sponsor_id', where),
          name: text(row, 'sponsor_name', where),
        },
        createdAt: timestamp(row, 'created_at', where),
        updatedAt: timestamp(row, 'updated_at', where),
        version: integer(row, 'version', where),
      };
      const createdByRequest = optionalText(row, 'created_by_request', where);
      if (createdByRequest !== undefined) guest.createdByRequest = createdByRequest;
      if (row['end_state'] !== null && row['end_state'] !== undefined) guest.endState = decode.guestEndState(row['end_state'], `${where}.end_state`);
      if (row['ended_at'] !== null && row['ended_at'] !== undefined) guest.endedAt = timestamp(row, 'ended_at', where);
      return guest;
    },

    campaign: (value: unknown): Campaign => {
      const row = asRow(value, 'campaigns');
      const id = text(row, 'id', 'campaigns');
      const where = `campaigns[${id}]`;
      const campaign: Campaign = {
        id,
        kind: decode.campaignKind(row['kind'], `${where}.kind`),
        state: decode.campaignState(row['state'], `${where}.state`),
        startedBy: { aadObjectId: text(row, 'started_by_id', where), name: text(row, 'started_by_name', where) },
        startedAt: timestamp(row, 'started_at', where),
        filter: decode.campaignFilter(json(row, 'filter', where), `${where}.filter`),
        updatedAt: timestamp(row, 'updated_at', where),
        version: integer(row, 'version', where),
      };
      if (row['due_at'] !== null && row['due_at'] !== undefined) campaign.dueAt = timestamp(row, 'due_at', where);
      const conversation = optionalJson(row, 'conversation', where);
      if (conversation !== undefined) campaign.conversation = decode.reference(conversation, `${where}.conversation`);
      const note = optionalText(row, 'note', where);
      if (note !== undefined) campaign.note = note;
      return campaign;
    },

    campaignItem: (value: unknown): CampaignItem => {
      const row = asRow(value, 'campaign_items');
      const campaignId = text(row, 'campaign_id', 'campaign_items');
      const guestId = text(row, 'guest_id', 'campaign_items');
      const where = `campaign_items[${campaignId}, ${guestId}]`;
      const item: CampaignItem = {
        campaignId,
        guestId,
        guestName: text(row, 'guest_name', where),
        guestEmail: text(row, 'guest_email', where),
        detail: decode.campaignItemDetail(json(row, 'detail', where), `${where}.detail`),
        escalated: integer(row, 'escalated', where) === 1,
      };
      const sponsorId = optionalText(row, 'sponsor_id', where);
      if (sponsorId !== undefined) {
        item.sponsor = { kind: decode.sponsorKind(row['sponsor_kind'], `${where}.sponsor_kind`), id: sponsorId, name: text(row, 'sponsor_name', where) };
      }
      if (row['decision'] !== null && row['decision'] !== undefined) item.decision = decode.campaignDecision(row['decision'], `${where}.decision`);
      const decidedById = optionalText(row, 'decided_by_id', where);
      if (decidedById !== undefined) item.decidedBy = { aadObjectId: decidedById, name: text(row, 'decided_by_name', where) };
      if (row['decided_at'] !== null && row['decided_at'] !== undefined) item.decidedAt = timestamp(row, 'decided_at', where);
      const outcome = optionalText(row, 'outcome', where);
      if (outcome !== undefined) item.outcome = outcome;
      return item;
    },

    batchRow: (value: unknown): BatchRow => {
      const row = asRow(value, 'batch_rows');
      const requestId = text(row, 'request_id', 'batch_rows');
      const rowNo = integer(row, 'row_no', 'batch_rows');
      const where = `batch_rows[${requestId}, ${rowNo}]`;
      const batchRow: BatchRow = {
        requestId,
        row: rowNo,
        line: integer(row, 'line', where),
        email: text(row, 'email', where),
        displayName: text(row, 'display_name', where),
        message: text(row, 'message', where),
        groups: decode.namedRefs(json(row, 'groups', where), `${where}.groups`),
        state: decode.batchRowState(row['state'], `${where}.state`),
        progress: decode.batchRowProgress(json(row, 'progress', where), `${where}.progress`),
        updatedAt: timestamp(row, 'updated_at', where),
      };
      const until = optionalText(row, 'access_until', where);
      if (until !== undefined) batchRow.accessUntil = until;
      const error = optionalText(row, 'error', where);
      if (error !== undefined) batchRow.error = error;
      return batchRow;
    },

    cursor: (value: unknown): PageCursor => {
      const row = asRow(value, 'page_cursors');
      const id = text(row, 'id', 'page_cursors');
      const where = `page_cursors[${id}]`;
      return {
        id,
        ownerId: text(row, 'owner_id', where),
        kind: text(row, 'kind', where),
        state: decode.cursorState(json(row, 'state', where), `${where}.state`),
        createdAt: timestamp(row, 'created_at', where),
        expiresAt: timestamp(row, 'expires_at', where),
      };
    },
  };
}

export type RowReaders = ReturnType<typeof rowReaders>;
