/**
 * Row ↔ domain mapping for the SQLite store: the only place that knows column names and how
 * domain values are laid out in columns. Reads narrow `unknown` driver rows column by column and
 * validate JSON columns; writes produce the named parameters the statements bind.
 */
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job } from '../requests/model';
import type { PageCursor, StoredConversation } from './store';
import { StoreDataError, decode, isoTimestamp, normalizeEmail, parseJsonText } from './codecs';

type Row = { readonly [column: string]: unknown };

function asRow(value: unknown, table: string): Row {
  if (typeof value !== 'object' || value === null) {
    throw new StoreDataError(`${table}: expected a row, got ${value === null ? 'null' : typeof value}`);
  }
  // A non-null object from the driver: its own enumerable keys are the selected columns.
  return value as Row;
}

function text(row: Row, column: string, where: string): string {
  const value = row[column];
  if (typeof value !== 'string') {
    throw new StoreDataError(`${where}.${column}: expected text, got ${value === null ? 'null' : typeof value}`);
  }
  return value;
}

function optionalText(row: Row, column: string, where: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : text(row, column, where);
}

function integer(row: Row, column: string, where: string): number {
  const value = row[column];
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= 0n) {
    return Number(value);
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new StoreDataError(`${where}.${column}: expected an integer, got ${typeof value}`);
  }
  return value;
}

function jsonColumn(row: Row, column: string, where: string): unknown {
  return parseJsonText(text(row, column, where), `${where}.${column}`);
}

function optionalJsonColumn(row: Row, column: string, where: string): unknown {
  return optionalText(row, column, where) === undefined ? undefined : jsonColumn(row, column, where);
}

// ---------------------------------------------------------------------------------------------
// requests

export interface RequestRow {
  id: string;
  kind: string;
  state: string;
  version: number;
  requester_id: string;
  requester_name: string;
  tenant_id: string;
  email: string;
  details: string;
  context: string | null;
  decision: string | null;
  outcome: string | null;
  created_at: string;
  updated_at: string;
}

export function requestToRow(request: AccessRequest): RequestRow {
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
    context: request.context === undefined ? null : JSON.stringify(request.context),
    decision: request.decision === undefined ? null : JSON.stringify(request.decision),
    outcome: request.outcome === undefined ? null : JSON.stringify(request.outcome),
    created_at: isoTimestamp(request.createdAt, 'createdAt'),
    updated_at: isoTimestamp(request.updatedAt, 'updatedAt'),
  };
}

export function requestFromRow(value: unknown): AccessRequest {
  const row = asRow(value, 'requests');
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
    details: decode.inviteDetails(jsonColumn(row, 'details', where), `${where}.details`),
    createdAt: text(row, 'created_at', where),
    updatedAt: text(row, 'updated_at', where),
  };
  const context = optionalJsonColumn(row, 'context', where);
  if (context !== undefined) request.context = decode.approvalContext(context, `${where}.context`);
  const decision = optionalJsonColumn(row, 'decision', where);
  if (decision !== undefined) request.decision = decode.decision(decision, `${where}.decision`);
  const outcome = optionalJsonColumn(row, 'outcome', where);
  if (outcome !== undefined) request.outcome = decode.outcome(outcome, `${where}.outcome`);
  return request;
}

// ---------------------------------------------------------------------------------------------
// execution_steps

export interface StepRow {
  request_id: string;
  step_key: string;
  status: string;
  output: string;
  error: string | null;
  updated_at: string;
}

export function stepToRow(step: ExecutionStep): StepRow {
  return {
    request_id: step.requestId,
    step_key: step.key,
    status: step.status,
    output: JSON.stringify(step.output),
    error: step.error ?? null,
    updated_at: isoTimestamp(step.updatedAt, 'updatedAt'),
  };
}

export function stepFromRow(value: unknown): ExecutionStep {
  const row = asRow(value, 'execution_steps');
  const requestId = text(row, 'request_id', 'execution_steps');
  const key = text(row, 'step_key', 'execution_steps');
  const where = `execution_steps[${requestId}, ${key}]`;
  const step: ExecutionStep = {
    requestId,
    key,
    status: decode.stepStatus(row['status'], `${where}.status`),
    output: decode.stepOutput(jsonColumn(row, 'output', where), `${where}.output`),
    updatedAt: text(row, 'updated_at', where),
  };
  const error = optionalText(row, 'error', where);
  if (error !== undefined) step.error = error;
  return step;
}

// ---------------------------------------------------------------------------------------------
// jobs

/** A job as returned by a claim (a claimed job always has a lease). */
export function jobFromRow(value: unknown): Job {
  const row = asRow(value, 'jobs');
  const id = text(row, 'id', 'jobs');
  const where = `jobs[${id}]`;
  return {
    id,
    requestId: text(row, 'request_id', where),
    attempts: integer(row, 'attempts', where),
    leaseUntil: text(row, 'lease_until', where),
  };
}

// ---------------------------------------------------------------------------------------------
// conversations

export function conversationFromRow(value: unknown): StoredConversation {
  const row = asRow(value, 'conversations');
  const key = text(row, 'key', 'conversations');
  const where = `conversations[${key}]`;
  return {
    key,
    reference: decode.reference(jsonColumn(row, 'reference', where), `${where}.reference`),
    updatedAt: text(row, 'updated_at', where),
  };
}

// ---------------------------------------------------------------------------------------------
// settings

export function settingValueFromRow(value: unknown): string {
  const row = asRow(value, 'settings');
  return text(row, 'value', 'settings');
}

// ---------------------------------------------------------------------------------------------
// card_messages

export interface CardMessageRow {
  request_id: string;
  role: string;
  conversation_key: string;
  activity_id: string;
}

export function cardMessageToRow(card: CardMessage): CardMessageRow {
  return {
    request_id: card.requestId,
    role: card.role,
    conversation_key: card.conversationKey,
    activity_id: card.activityId,
  };
}

export function cardMessageFromRow(value: unknown): CardMessage {
  const row = asRow(value, 'card_messages');
  const requestId = text(row, 'request_id', 'card_messages');
  const where = `card_messages[${requestId}]`;
  return {
    requestId,
    role: decode.cardRole(row['role'], `${where}.role`),
    conversationKey: text(row, 'conversation_key', where),
    activityId: text(row, 'activity_id', where),
  };
}

export function guestCardMessageFromRow(value: unknown): GuestCardMessage {
  const row = asRow(value, 'guest_card_messages');
  const where = 'guest_card_messages';
  return {
    guestId: text(row, 'guest_id', where),
    conversationKey: text(row, 'conversation_key', where),
    activityId: text(row, 'activity_id', where),
  };
}

// ---------------------------------------------------------------------------------------------
// audit_log

export interface AuditRow {
  request_id: string | null;
  actor: string;
  action: string;
  source: string | null;
  detail: string | null;
  at: string;
}

export function auditToRow(entry: AuditEntry): AuditRow {
  return {
    request_id: entry.requestId ?? null,
    actor: entry.actor,
    action: entry.action,
    source: entry.source ?? null,
    detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    at: isoTimestamp(entry.at, 'audit.at'),
  };
}

export function auditFromRow(value: unknown): AuditEntry {
  const row = asRow(value, 'audit_log');
  const where = `audit_log[${String(integer(row, 'id', 'audit_log'))}]`;
  const entry: AuditEntry = {
    actor: text(row, 'actor', where),
    action: text(row, 'action', where),
    at: text(row, 'at', where),
  };
  const requestId = optionalText(row, 'request_id', where);
  if (requestId !== undefined) entry.requestId = requestId;
  const source = optionalText(row, 'source', where);
  if (source !== undefined) entry.source = source;
  const detail = optionalJsonColumn(row, 'detail', where);
  if (detail !== undefined) entry.detail = decode.auditDetail(detail, `${where}.detail`);
  return entry;
}

// ---------------------------------------------------------------------------------------------
// page_cursors

export interface CursorRow {
  id: string;
  owner_id: string;
  kind: string;
  state: string;
  created_at: string;
  expires_at: string;
}

export function cursorToRow(cursor: PageCursor): CursorRow {
  return {
    id: cursor.id,
    owner_id: cursor.ownerId,
    kind: cursor.kind,
    state: JSON.stringify(cursor.state),
    created_at: isoTimestamp(cursor.createdAt, 'cursor.createdAt'),
    expires_at: isoTimestamp(cursor.expiresAt, 'cursor.expiresAt'),
  };
}

export function cursorFromRow(value: unknown): PageCursor {
  const row = asRow(value, 'page_cursors');
  const id = text(row, 'id', 'page_cursors');
  const where = `page_cursors[${id}]`;
  return {
    id,
    ownerId: text(row, 'owner_id', where),
    kind: text(row, 'kind', where),
    state: decode.cursorState(jsonColumn(row, 'state', where), `${where}.state`),
    createdAt: text(row, 'created_at', where),
    expiresAt: text(row, 'expires_at', where),
  };
}
