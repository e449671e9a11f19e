/** Domain types shared by the workflow, the store, the worker and the cards. */

export const REQUEST_STATES = ['pending', 'approved', 'executing', 'completed', 'failed', 'denied', 'cancelled', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** States in which nothing more will happen to a request. */
export const FINAL_STATES: readonly RequestState[] = ['completed', 'failed', 'denied', 'cancelled', 'expired'];

/** A person as Teams identifies them: the Entra object id is the identity, the name is for display. */
export interface Person {
  aadObjectId: string;
  name: string;
}

export interface NamedRef {
  id: string;
  displayName: string;
}

/**
 * What a request is mainly for: a new guest (maybe with an app), app access for a guest, a
 * longer stay than the policy's maximum for a guest's access (asked on an expiry notice), or many
 * new guests from one CSV file (a batch, its rows kept apart: services/requests/batches).
 */
export const REQUEST_KINDS = ['invite', 'appAccess', 'extension', 'batch'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** A role in an enterprise application, as granted to a guest. */
export interface AppAccess {
  /** The application's service principal. */
  app: { id: string; displayName: string; publisher: string | null };
  /** One of the app's user roles, or default access (the all-zero id) when it declares none. */
  role: NamedRef;
}

/** What the requester asked for, after validation. */
export interface InviteDetails {
  /** Lower-cased, trimmed address. */
  email: string;
  displayName: string;
  message: string;
  groups: NamedRef[];
  directoryRole?: NamedRef;
  justification: string;
  /** Access to an enterprise application, granted after the invitation when both are asked. */
  appAccess?: AppAccess;
  /** Object id of a guest who exists already: nothing is invited, only access is granted. */
  existingGuestId?: string;
  /** The last day the access is needed (`YYYY-MM-DD`, UTC); absent for access without an end date. */
  accessUntil?: string;
  /** Who answers for the guest: the colleague named on the form; absent means the requester. */
  sponsor?: Person;
  /** The requester's answers to the questions of the policy the request fell under. */
  answers?: RequestAnswer[];
  /** For a batch: how many guests and from which domains (the rows themselves are stored apart). */
  batch?: BatchSummary;
}

/** One answer to a policy's question, kept with the question's label as it was asked. */
export interface RequestAnswer {
  id: string;
  label: string;
  answer: string;
}

/** One person's approval of a stage. */
export interface StageApproval {
  by: Person;
  at: string;
  /** Why they approved, as typed on the card (optional); shown on the later stages' cards. */
  comment?: string;
  /** The last day of access as this approver shortened it. */
  accessUntil?: string;
}

/** Who may decide a stage: named people (a manager, a sponsor, an app's owners), or a group's members. */
export type StageDeciders = { kind: 'people'; people: NamedRef[] } | { kind: 'group'; group: NamedRef };

/** One stage of a policy's approval, as stored with the request. */
export interface ApprovalStage {
  name: string;
  approver: 'manager' | 'sponsor' | 'group' | 'appOwners';
  /** Approvals from different people the stage needs. */
  required: number;
  /** Set when the stage starts (the manager is read then). */
  deciders?: StageDeciders;
  /** The policy's group (for `group`) or app (for `appOwners`), as the file names them. */
  group?: NamedRef;
  app?: NamedRef;
  /** Decides when the stage's own approvers cannot be found, and after escalation. */
  fallbackGroup: NamedRef;
  escalation?: { remindAfterMinutes: number; escalateAfterMinutes: number };
  /** Why the stage went somewhere other than expected (no manager in the directory). */
  note?: string;
  startedAt?: string;
  remindedAt?: string;
  escalatedAt?: string;
  completedAt?: string;
  approvals: StageApproval[];
}

/** A request under a policy: its stages, in order, and the one waiting for a decision. */
export interface ApprovalProgress {
  policy: string;
  /** Index of the stage waiting (or, once decided, the last one). */
  current: number;
  stages: ApprovalStage[];
}

/** What an approver reads about a batch: the rows' count and their domains with counts, largest first. */
export interface BatchSummary {
  rows: number;
  domains: { domain: string; count: number }[];
}

/** A row of a batch that failed, as the end list names it. */
export interface BatchFailure {
  row: number;
  email: string;
  reason: string;
}

/** Where a batch's execution stands: rows done, failed and still waiting, and at the end the failures. */
export interface BatchProgress {
  total: number;
  done: number;
  failed: number;
  waiting: number;
  /** The first failures with their reasons (the full list is in the tab). */
  failures?: BatchFailure[];
}

export interface Decision {
  outcome: 'approved' | 'denied';
  by: Person;
  at: string;
  reason?: string;
  /** The last day of access as the approver set it, when earlier than the one asked for. */
  accessUntil?: string;
}

/** The last day of access a request gives: the approver's date when they shortened it, else the one asked for. */
export function accessUntilOf(request: Pick<AccessRequest, 'details' | 'decision'>): string | undefined {
  return request.decision?.accessUntil ?? request.details.accessUntil;
}

/** Who answers for the request's guest: the colleague named on the form, or the requester. */
export function sponsorOf(request: Pick<AccessRequest, 'details' | 'requester'>): Person {
  return request.details.sponsor ?? request.requester;
}

/** A guest the worker found already in the directory, invited outside this request. */
export interface ExistingGuest {
  /** `PendingAcceptance`, `Accepted`, or null when the directory does not say. */
  externalUserState: string | null;
}

/**
 * Who can send a guest a new invitation (only admins can, with `resend <email>`), as the
 * requester's card tells them; worked out when the card is sent, from the admin group.
 */
export interface ResendHelp {
  requesterIsAdmin: boolean;
  /** A few admins by name, for a requester who is not one; empty when they could not be listed. */
  adminNames: string[];
}

/** What execution produced, kept on the request so every card can show it. */
export interface ExecutionOutcome {
  guestId?: string;
  redeemUrl?: string;
  failedStep?: string;
  error?: string;
  /** Set when the lookup before inviting found the guest: no invitation was sent and there is no redeem link. */
  existingGuest?: ExistingGuest;
  /**
   * While executing: since when the worker has been waiting for the directory to know the guest it
   * just invited (replication lag) before it can add groups and roles.
   */
  waitingForDirectorySince?: string;
  /** A batch's progress, refreshed as its rows finish. */
  batch?: BatchProgress;
}

/** Facts gathered when the request was filed, shown to approvers to help them decide. */
export interface ApprovalContext {
  /** Guests from the same domain already in the directory; absent when Graph could not say. */
  guestsFromDomain?: number;
  /** Why the approval went where it went (e.g. no approver reachable). */
  routingNote?: string;
}

export interface AccessRequest {
  id: string;
  kind: RequestKind;
  state: RequestState;
  /** Incremented by every transition; transitions compare it to detect concurrent changes. */
  version: number;
  requester: Person;
  /** Tenant the request was made in. */
  tenantId: string;
  details: InviteDetails;
  createdAt: string;
  updatedAt: string;
  context?: ApprovalContext;
  decision?: Decision;
  outcome?: ExecutionOutcome;
  /** The stages of the policy the request fell under; absent for today's single stage. */
  approval?: ApprovalProgress;
}

export type StepStatus = 'done' | 'failed';

/** One execution step's stored result; `key` is stable (`invite`, `group:<id>`, `role:<id>`). */
export interface ExecutionStep {
  requestId: string;
  key: string;
  status: StepStatus;
  /** Step output needed by later steps or cards (guest id, redeem URL, "already a member"). */
  output: Record<string, string>;
  error?: string;
  updatedAt: string;
}

export interface AuditEntry {
  requestId?: string;
  /** Entra object id of the person who acted, or `system` for the worker. */
  actor: string;
  action: string;
  /** Teams activity id or job id that caused the entry. */
  source?: string;
  detail?: Record<string, string | number | boolean | null>;
  at: string;
}

/** Where a card was posted, so it can be updated in place later. */
export interface CardMessage {
  requestId: string;
  role: 'requester' | 'approval';
  conversationKey: string;
  activityId: string;
  /** For an approval card of a request under a policy: the stage (0-based) it was posted for. */
  stage?: number;
}

/**
 * A card with administration buttons for one guest (the guest card, the revoke confirmation), so a
 * click on it can be tied to the guest it was posted for.
 */
export interface GuestCardMessage {
  guestId: string;
  conversationKey: string;
  activityId: string;
}

/**
 * What a job does: execute an approved request, carry out an admin's write on one guest, or a step
 * of a guest's lifecycle (ending a grant, a guest's end action, a digest, a cleanup).
 */
export const JOB_KINDS = ['request', 'guest', 'lifecycle'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A claimed job: which work, under a lease, at which attempt. */
export type Job = {
  id: string;
  attempts: number;
  leaseUntil: string;
} & (
  | { kind: 'request'; requestId: string }
  /** The order's shape belongs to the guest administration service, which checks it when it runs the job. */
  | { kind: 'guest'; payload: Record<string, unknown> }
  /** The step's shape belongs to the lifecycle service, which checks it when it runs the job. */
  | { kind: 'lifecycle'; payload: Record<string, unknown> }
);
