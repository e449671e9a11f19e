/**
 * Validation of values read back from storage (JSON columns, enum-like text columns) and
 * normalisation of values written to it. Storage-agnostic, so any Store implementation can use it.
 * A value that does not match its type is reported as a StoreDataError naming the column and row,
 * never the value itself (it may hold personal data).
 */
import { z } from 'zod';
import {
  JOB_KINDS,
  REQUEST_KINDS,
  REQUEST_STATES,
  type ApprovalContext,
  type ApprovalProgress,
  type AuditEntry,
  type CardMessage,
  type Decision,
  type ExecutionOutcome,
  type InviteDetails,
  type JobKind,
  type RequestKind,
  type RequestState,
  type StepStatus,
} from '../requests/model';
import {
  CAMPAIGN_DECISIONS,
  CAMPAIGN_KINDS,
  CAMPAIGN_STATES,
  GRANT_KINDS,
  GRANT_STATES,
  GUEST_END_STATES,
  type CampaignFilter,
  type CampaignItemDetail,
} from '../lifecycle/model';
import { BATCH_ROW_STATES, type BatchRowProgress } from '../requests/batches/model';
import { JOB_STATES, OUTBOX_STATES, type JobState, type OutboxState } from './store';

/** Stored data that cannot be read as its domain type (corruption or a foreign writer). */
export class StoreDataError extends Error {
  override readonly name = 'StoreDataError';
}

const namedRefSchema = z.object({ id: z.string(), displayName: z.string() });
const personSchema = z.object({ aadObjectId: z.string(), name: z.string() });

const inviteDetailsSchema: z.ZodType<InviteDetails> = z.object({
  email: z.string(),
  displayName: z.string(),
  message: z.string(),
  groups: z.array(namedRefSchema),
  directoryRole: namedRefSchema.optional(),
  justification: z.string(),
  appAccess: z
    .object({
      app: z.object({ id: z.string(), displayName: z.string(), publisher: z.string().nullable() }),
      role: namedRefSchema,
    })
    .optional(),
  existingGuestId: z.string().optional(),
  accessUntil: z.string().optional(),
  sponsor: personSchema.optional(),
  answers: z.array(z.object({ id: z.string(), label: z.string(), answer: z.string() })).optional(),
  batch: z.object({ rows: z.number().int(), domains: z.array(z.object({ domain: z.string(), count: z.number().int() })) }).optional(),
});

const approvalContextSchema: z.ZodType<ApprovalContext> = z.object({
  guestsFromDomain: z.number().optional(),
  routingNote: z.string().optional(),
});

const decisionSchema: z.ZodType<Decision> = z.object({
  outcome: z.enum(['approved', 'denied']),
  by: personSchema,
  at: z.string(),
  reason: z.string().optional(),
  accessUntil: z.string().optional(),
});

const approvalProgressSchema: z.ZodType<ApprovalProgress> = z.object({
  policy: z.string(),
  current: z.number().int().min(0),
  stages: z.array(
    z.object({
      name: z.string(),
      approver: z.enum(['manager', 'sponsor', 'group', 'appOwners']),
      required: z.number().int().min(1),
      deciders: z
        .discriminatedUnion('kind', [
          z.object({ kind: z.literal('people'), people: z.array(namedRefSchema) }),
          z.object({ kind: z.literal('group'), group: namedRefSchema }),
        ])
        .optional(),
      group: namedRefSchema.optional(),
      app: namedRefSchema.optional(),
      fallbackGroup: namedRefSchema,
      escalation: z.object({ remindAfterMinutes: z.number(), escalateAfterMinutes: z.number() }).optional(),
      note: z.string().optional(),
      startedAt: z.string().optional(),
      remindedAt: z.string().optional(),
      escalatedAt: z.string().optional(),
      completedAt: z.string().optional(),
      approvals: z.array(z.object({ by: personSchema, at: z.string(), comment: z.string().optional(), accessUntil: z.string().optional() })),
    }),
  ),
});

const outcomeSchema: z.ZodType<ExecutionOutcome> = z.object({
  guestId: z.string().optional(),
  redeemUrl: z.string().optional(),
  failedStep: z.string().optional(),
  error: z.string().optional(),
  existingGuest: z.object({ externalUserState: z.string().nullable() }).optional(),
  waitingForDirectorySince: z.string().optional(),
  batch: z
    .object({
      total: z.number().int(),
      done: z.number().int(),
      failed: z.number().int(),
      waiting: z.number().int(),
      failures: z.array(z.object({ row: z.number().int(), email: z.string(), reason: z.string() })).optional(),
    })
    .optional(),
});

const stepOutputSchema: z.ZodType<Record<string, string>> = z.record(z.string(), z.string());

type AuditDetail = NonNullable<AuditEntry['detail']>;
const auditDetailSchema: z.ZodType<AuditDetail> = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const referenceSchema: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());

const requestStateSchema: z.ZodType<RequestState> = z.enum(REQUEST_STATES);
const requestKindSchema = z.enum(REQUEST_KINDS);
const stepStatusSchema: z.ZodType<StepStatus> = z.enum(['done', 'failed']);
const jobKindSchema: z.ZodType<JobKind> = z.enum(JOB_KINDS);
const outboxStateSchema: z.ZodType<OutboxState> = z.enum(OUTBOX_STATES);
const jobStateSchema: z.ZodType<JobState> = z.enum(JOB_STATES);
const cardRoleSchema: z.ZodType<CardMessage['role']> = z.enum(['requester', 'approval']);

const campaignFilterSchema: z.ZodType<CampaignFilter> = z.object({ domain: z.string().optional(), staleDays: z.number().int().optional() });
const campaignItemDetailSchema: z.ZodType<CampaignItemDetail> = z.object({
  lastSignIn: z.string().nullable().optional(),
  invitationState: z.string().nullable().optional(),
  groups: z.array(z.string()).optional(),
  apps: z.array(z.string()).optional(),
  unreadable: z.string().optional(),
  reason: z.string().optional(),
});

const batchRowProgressSchema: z.ZodType<BatchRowProgress> = z.object({
  sentAt: z.string().optional(),
  guestId: z.string().optional(),
  redeemUrl: z.string().optional(),
  existing: z.boolean().optional(),
  groupsDone: z.array(z.string()).optional(),
});

function check<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`).join('; ');
    throw new StoreDataError(`${where} does not match its type: ${issues}`);
  }
  return result.data;
}

/** Parses stored JSON text; the result still has to go through `decode`. */
export function parseJsonText(text: string, where: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    throw new StoreDataError(`${where} is not valid JSON`);
  }
}

/** Checks a stored value (a parsed JSON column or an enum-like text column) against its domain type. */
export const decode = {
  inviteDetails: (value: unknown, where: string): InviteDetails => check(inviteDetailsSchema, value, where),
  approvalContext: (value: unknown, where: string): ApprovalContext => check(approvalContextSchema, value, where),
  decision: (value: unknown, where: string): Decision => check(decisionSchema, value, where),
  approvalProgress: (value: unknown, where: string): ApprovalProgress => check(approvalProgressSchema, value, where),
  outcome: (value: unknown, where: string): ExecutionOutcome => check(outcomeSchema, value, where),
  stepOutput: (value: unknown, where: string): Record<string, string> => check(stepOutputSchema, value, where),
  auditDetail: (value: unknown, where: string): AuditDetail => check(auditDetailSchema, value, where),
  reference: (value: unknown, where: string): Record<string, unknown> => check(referenceSchema, value, where),
  /** A page cursor's state: a JSON object whose shape the service that wrote it checks. */
  cursorState: (value: unknown, where: string): Record<string, unknown> => check(referenceSchema, value, where),
  requestState: (value: unknown, where: string): RequestState => check(requestStateSchema, value, where),
  requestKind: (value: unknown, where: string): RequestKind => check(requestKindSchema, value, where),
  stepStatus: (value: unknown, where: string): StepStatus => check(stepStatusSchema, value, where),
  cardRole: (value: unknown, where: string): CardMessage['role'] => check(cardRoleSchema, value, where),
  jobKind: (value: unknown, where: string): JobKind => check(jobKindSchema, value, where),
  outboxState: (value: unknown, where: string): OutboxState => check(outboxStateSchema, value, where),
  jobState: (value: unknown, where: string): JobState => check(jobStateSchema, value, where),
  /** A job's or an outbox entry's payload: a JSON object whose shape the service that reads it checks. */
  payload: (value: unknown, where: string): Record<string, unknown> => check(referenceSchema, value, where),
  grantKind: (value: unknown, where: string) => check(z.enum(GRANT_KINDS), value, where),
  grantState: (value: unknown, where: string) => check(z.enum(GRANT_STATES), value, where),
  guestEndState: (value: unknown, where: string) => check(z.enum(GUEST_END_STATES), value, where),
  sponsorKind: (value: unknown, where: string) => check(z.enum(['user', 'group']), value, where),
  campaignKind: (value: unknown, where: string) => check(z.enum(CAMPAIGN_KINDS), value, where),
  campaignState: (value: unknown, where: string) => check(z.enum(CAMPAIGN_STATES), value, where),
  campaignDecision: (value: unknown, where: string) => check(z.enum(CAMPAIGN_DECISIONS), value, where),
  campaignFilter: (value: unknown, where: string): CampaignFilter => check(campaignFilterSchema, value, where),
  campaignItemDetail: (value: unknown, where: string): CampaignItemDetail => check(campaignItemDetailSchema, value, where),
  namedRefs: (value: unknown, where: string) => check(z.array(namedRefSchema), value, where),
  batchRowState: (value: unknown, where: string) => check(z.enum(BATCH_ROW_STATES), value, where),
  batchRowProgress: (value: unknown, where: string): BatchRowProgress => check(batchRowProgressSchema, value, where),
};

/** The form in which addresses are stored and compared. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Canonical UTC ISO-8601 text (`2024-05-01T09:30:00.000Z`). Every stored timestamp has this form,
 * so text comparison and ordering match time order. Throws on an unparseable value.
 */
export function isoTimestamp(value: string | Date, what: string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`${what} is not a valid timestamp`);
  }
  return date.toISOString();
}

/** Checks a lease length (claims and heartbeats). */
export function checkLeaseMs(leaseMs: number): number {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new RangeError('leaseMs must be a positive number');
  }
  return leaseMs;
}

/** Checks a LIMIT argument. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}
