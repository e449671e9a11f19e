/**
 * Row ↔ domain mapping for every store, written once: the only place that knows column names and
 * how domain values are laid out in columns. A dialect says only how its driver hands back each
 * kind of column (a `ColumnReader`); reads narrow `unknown` driver rows column by column and
 * validate JSON values with the codecs; writes produce column records (JSON as text, timestamps as
 * canonical ISO text) that each store binds by name or by position.
 */
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job } from '../requests/model';
import { StoreDataError, decode, isoTimestamp, normalizeEmail } from './codecs';
import type { GuestJobStatus, NewOutboxEntry, OutboxItem, OutboxStatus, PageCursor, StoredConversation } from './store';

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
  'id', 'kind', 'state', 'version', 'requester_id', 'requester_name', 'tenant_id', 'email',
  'details', 'context', 'decision', 'outcome', 'created_at', 'updated_at',
] as const;
export const STEP_COLUMNS = ['request_id', 'step_key', 'status', 'output', 'error', 'updated_at'] as const;
export const CARD_MESSAGE_COLUMNS = ['request_id', 'role', 'conversation_key', 'activity_id'] as const;
export const GUEST_CARD_MESSAGE_COLUMNS = ['guest_id', 'conversation_key', 'activity_id'] as const;
export const AUDIT_COLUMNS = ['request_id', 'actor', 'action', 'source', 'detail', 'at'] as const;
export const CURSOR_COLUMNS = ['id', 'owner_id', 'kind', 'state', 'created_at', 'expires_at'] as const;
export const OUTBOX_COLUMNS = ['id', 'key', 'kind', 'request_id', 'payload', 'run_after', 'created_at'] as const;

/** One value per column of a table, as a statement binds them. */
type Columns<C extends readonly string[]> = Record<C[number], ColumnValue>;

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
  return { request_id: card.requestId, role: card.role, conversation_key: card.conversationKey, activity_id: card.activityId };
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
export function transitionPatch(patch: { decision?: unknown; outcome?: unknown } | undefined): { decision: string | null; outcome: string | null } {
  return { decision: jsonText(patch?.decision), outcome: jsonText(patch?.outcome) };
}

/** The audit entry of a request write is about that request. */
export function auditFor(requestId: string, audit: AuditEntry): AuditEntry {
  if (audit.requestId !== undefined && audit.requestId !== requestId) {
    throw new Error(`audit entry names request ${audit.requestId} but the write is to request ${requestId}`);
  }
  return { ...audit, requestId };
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
  const optionalText = (row: Row, column: string, where: string) =>
    row[column] === null || row[column] === undefined ? undefined : text(row, column, where);
  const integer = (row: Row, column: string, where: string) => columns.integer(row[column], `${where}.${column}`);
  const timestamp = (row: Row, column: string, where: string) => columns.timestamp(row[column], `${where}.${column}`);
  const json = (row: Row, column: string, where: string) => columns.json(row[column], `${where}.${column}`);
  const optionalJson = (row: Row, column: string, where: string) =>
    row[column] === null || row[column] === undefined ? undefined : json(row, column, where);

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
