/**
 * Row ↔ domain mapping for the PostgreSQL store: the only place that knows its column names and
 * types. The driver hands back `timestamptz` as Date and `jsonb` already parsed; reads narrow each
 * column and validate JSON values with the store-independent codecs, writes produce the positional
 * parameters the statements bind (JSON as text, so arrays are not taken for PostgreSQL arrays).
 */
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job } from '../requests/model';
import { StoreDataError, decode, isoTimestamp, normalizeEmail } from './codecs';
import type { PageCursor, StoredConversation } from './store';

/** A row as the driver returns it, before any column is trusted. */
export type PgRow = { readonly [column: string]: unknown };

function describeType(value: unknown): string {
  return value === null ? 'null' : value instanceof Date ? 'Date' : typeof value;
}

function text(row: PgRow, column: string, where: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new StoreDataError(`${where}.${column}: expected text, got ${describeType(value)}`);
  return value;
}

function optionalText(row: PgRow, column: string, where: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : text(row, column, where);
}

function integer(row: PgRow, column: string, where: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new StoreDataError(`${where}.${column}: expected an integer, got ${describeType(value)}`);
  }
  return value;
}

/** A timestamptz column as the canonical ISO text the domain uses. */
function timestamp(row: PgRow, column: string, where: string): string {
  const value = row[column];
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new StoreDataError(`${where}.${column}: expected a timestamp, got ${describeType(value)}`);
  }
  return value.toISOString();
}

function optionalJson(row: PgRow, column: string): unknown {
  const value = row[column];
  return value === null ? undefined : value;
}

function jsonText(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// requests

/** Parameters $1..$14 of the request insert, in column order. */
export function requestParams(request: AccessRequest): unknown[] {
  return [
    request.id,
    request.kind,
    request.state,
    request.version,
    request.requester.aadObjectId,
    request.requester.name,
    request.tenantId,
    normalizeEmail(request.details.email),
    JSON.stringify(request.details),
    jsonText(request.context),
    jsonText(request.decision),
    jsonText(request.outcome),
    isoTimestamp(request.createdAt, 'createdAt'),
    isoTimestamp(request.updatedAt, 'updatedAt'),
  ];
}

export const REQUEST_COLUMNS =
  'id, kind, state, version, requester_id, requester_name, tenant_id, email, details, context, decision, outcome, created_at, updated_at';

export function requestFromRow(row: PgRow): AccessRequest {
  const id = text(row, 'id', 'requests');
  const where = `requests[${id}]`;
  const request: AccessRequest = {
    id,
    kind: decode.requestKind(row['kind'], `${where}.kind`),
    state: decode.requestState(row['state'], `${where}.state`),
    version: integer(row, 'version', where),
    requester: {
      aadObjectId: text(row, 'requester_id', where),
      name: text(row, 'requester_name', where),
    },
    tenantId: text(row, 'tenant_id', where),
    details: decode.inviteDetails(row['details'], `${where}.details`),
    createdAt: timestamp(row, 'created_at', where),
    updatedAt: timestamp(row, 'updated_at', where),
  };
  const context = optionalJson(row, 'context');
  if (context !== undefined) request.context = decode.approvalContext(context, `${where}.context`);
  const decision = optionalJson(row, 'decision');
  if (decision !== undefined) request.decision = decode.decision(decision, `${where}.decision`);
  const outcome = optionalJson(row, 'outcome');
  if (outcome !== undefined) request.outcome = decode.outcome(outcome, `${where}.outcome`);
  return request;
}

// ---------------------------------------------------------------------------------------------
// execution_steps

/** Parameters $1..$6: request_id, step_key, status, output, error, updated_at. */
export function stepParams(step: ExecutionStep): unknown[] {
  return [step.requestId, step.key, step.status, JSON.stringify(step.output), step.error ?? null, isoTimestamp(step.updatedAt, 'updatedAt')];
}

export function stepFromRow(row: PgRow): ExecutionStep {
  const requestId = text(row, 'request_id', 'execution_steps');
  const key = text(row, 'step_key', 'execution_steps');
  const where = `execution_steps[${requestId}, ${key}]`;
  const step: ExecutionStep = {
    requestId,
    key,
    status: decode.stepStatus(row['status'], `${where}.status`),
    output: decode.stepOutput(row['output'], `${where}.output`),
    updatedAt: timestamp(row, 'updated_at', where),
  };
  const error = optionalText(row, 'error', where);
  if (error !== undefined) step.error = error;
  return step;
}

// ---------------------------------------------------------------------------------------------
// jobs

/** A job as returned by a claim (a claimed job always has a lease). */
export function jobFromRow(row: PgRow): Job {
  const id = text(row, 'id', 'jobs');
  const where = `jobs[${id}]`;
  return {
    id,
    requestId: text(row, 'request_id', where),
    attempts: integer(row, 'attempts', where),
    leaseUntil: timestamp(row, 'lease_until', where),
  };
}

// ---------------------------------------------------------------------------------------------
// conversations, settings, card_messages

export function conversationFromRow(row: PgRow): StoredConversation {
  const key = text(row, 'key', 'conversations');
  const where = `conversations[${key}]`;
  return {
    key,
    reference: decode.reference(row['reference'], `${where}.reference`),
    updatedAt: timestamp(row, 'updated_at', where),
  };
}

export function settingValueFromRow(row: PgRow): string {
  return text(row, 'value', 'settings');
}

/** Parameters $1..$4: request_id, role, conversation_key, activity_id. */
export function cardMessageParams(card: CardMessage): unknown[] {
  return [card.requestId, card.role, card.conversationKey, card.activityId];
}

export function cardMessageFromRow(row: PgRow): CardMessage {
  const requestId = text(row, 'request_id', 'card_messages');
  const where = `card_messages[${requestId}]`;
  return {
    requestId,
    role: decode.cardRole(row['role'], `${where}.role`),
    conversationKey: text(row, 'conversation_key', where),
    activityId: text(row, 'activity_id', where),
  };
}

export function guestCardMessageFromRow(row: PgRow): GuestCardMessage {
  const where = 'guest_card_messages';
  return {
    guestId: text(row, 'guest_id', where),
    conversationKey: text(row, 'conversation_key', where),
    activityId: text(row, 'activity_id', where),
  };
}

// ---------------------------------------------------------------------------------------------
// page_cursors

/** Parameters $1..$6: id, owner_id, kind, state, created_at, expires_at. */
export function cursorParams(cursor: PageCursor): unknown[] {
  return [
    cursor.id,
    cursor.ownerId,
    cursor.kind,
    JSON.stringify(cursor.state),
    isoTimestamp(cursor.createdAt, 'cursor.createdAt'),
    isoTimestamp(cursor.expiresAt, 'cursor.expiresAt'),
  ];
}

export function cursorFromRow(row: PgRow): PageCursor {
  const id = text(row, 'id', 'page_cursors');
  const where = `page_cursors[${id}]`;
  return {
    id,
    ownerId: text(row, 'owner_id', where),
    kind: text(row, 'kind', where),
    state: decode.cursorState(row['state'], `${where}.state`),
    createdAt: timestamp(row, 'created_at', where),
    expiresAt: timestamp(row, 'expires_at', where),
  };
}

// ---------------------------------------------------------------------------------------------
// audit_log

/** Parameters $1..$6: request_id, actor, action, source, detail, at. */
export function auditParams(entry: AuditEntry): unknown[] {
  return [entry.requestId ?? null, entry.actor, entry.action, entry.source ?? null, jsonText(entry.detail), isoTimestamp(entry.at, 'audit.at')];
}

export function auditFromRow(row: PgRow): AuditEntry {
  // bigint identity columns arrive as text (they may exceed a JS number); the id only names the row.
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
  const detail = optionalJson(row, 'detail');
  if (detail !== undefined) entry.detail = decode.auditDetail(detail, `${where}.detail`);
  return entry;
}
