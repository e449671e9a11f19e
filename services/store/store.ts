import type {
  Campaign,
  CampaignCounts,
  CampaignItem,
  CampaignItemDetail,
  CampaignItemPatch,
  CampaignKind,
  CampaignPatch,
  CampaignSponsor,
  CampaignState,
  Grant,
  GrantPatch,
  ManagedGuest,
  ManagedGuestPatch,
  NewCampaign,
  NewCampaignItem,
  NewGrant,
  NewManagedGuest,
} from '../lifecycle/model';
import type { BatchRow, BatchRowCounts, BatchRowPatch, NewBatchRow } from '../requests/batches/model';
import type { AccessRequest, AuditEntry, CardMessage, ExecutionStep, GuestCardMessage, Job, RequestState } from '../requests/model';

/** A request as first stored; the store assigns the version. */
export type NewRequest = Omit<AccessRequest, 'version' | 'state' | 'updatedAt'>;

/** Fields a transition may change besides the state. */
export type RequestPatch = Partial<Pick<AccessRequest, 'decision' | 'outcome' | 'approval'>>;

export type TransitionResult = { ok: true; request: AccessRequest } | { ok: false; current: AccessRequest | undefined };

export interface TransitionInput {
  id: string;
  from: RequestState;
  expectedVersion: number;
  to: RequestState;
  patch?: RequestPatch;
  audit: AuditEntry;
  /** Queue an execution job in the same transaction (approval). */
  enqueueJob?: boolean;
  /** Messages announcing the transition, written in the same transaction (see `Store.claimOutbox`). */
  outbox?: readonly NewOutboxEntry[];
  /** What a completed request gave, recorded with the completion (a grant already recorded is kept). */
  grants?: readonly NewGrant[];
  /** The guest the request was for, recorded with its sponsor unless the bot looks after them already. */
  managedGuest?: NewManagedGuest;
  /** A batch starting: queue one guest job per row still queued, in the same transaction. */
  batchRowJobs?: boolean;
}

/** A lifecycle job to queue: its step (the lifecycle service reads it), due at `runAfter` or at once. */
export interface NewLifecycleJob {
  payload: Record<string, unknown>;
  runAfter?: string;
}

/**
 * Several lifecycle changes made together or not at all: each grant, guest, campaign and campaign
 * item change is a compare-and-set (on its version, or on an item still undecided), written with
 * its audit entries, outbox entries and jobs in one transaction.
 */
export interface LifecycleChange {
  grants?: readonly { id: string; expectedVersion: number; set: GrantPatch }[];
  guests?: readonly ({ guestId: string; expectedVersion: number; set: ManagedGuestPatch } | { insert: NewManagedGuest })[];
  campaign?: { id: string; expectedVersion: number; set: CampaignPatch } | { insert: NewCampaign };
  items?: readonly { campaignId: string; guestId: string; onlyIfUndecided?: boolean; set: CampaignItemPatch }[];
  /**
   * After the changes: when the guest was created by the bot's invitation, has no end under way
   * and no grant is live any more, mark the end started and queue `job`, with `audit`. Checked under
   * a lock on the guest, so of two grants ending at once exactly one starts it.
   */
  guestEnd?: { guestId: string; job: NewLifecycleJob; audit: AuditEntry; outbox?: readonly NewOutboxEntry[] };
  audit: readonly AuditEntry[];
  outbox?: readonly NewOutboxEntry[];
  jobs?: readonly NewLifecycleJob[];
  /** When the change happens (messages and jobs are due then); default the first audit entry's time, else the store's clock. */
  at?: string;
}

export type LifecycleChangeResult = { ok: true; guestEndStarted: boolean } | { ok: false; conflict: string };

/** Which campaign items to list. */
export interface CampaignItemQuery {
  sponsorId?: string;
  /** Only items nobody decided on yet. */
  undecided?: boolean;
  /** Only items handed to the approvers (true) or not (false). */
  escalated?: boolean;
  /** Only items whose outcome is not recorded yet. */
  withoutOutcome?: boolean;
  /** Keyset paging: items after this guest id (items come ordered by guest id). */
  afterGuestId?: string;
}

/**
 * A message to deliver once the change it announces has committed: written in that change's
 * transaction, delivered at least once by whichever instance claims it.
 */
export interface NewOutboxEntry {
  /** Unique: a second entry with the same key is dropped, so one change is announced once. */
  key: string;
  /** What to deliver (`request.notice`, ...); the deliverer reads `payload` by it. */
  kind: string;
  /** The request it is about, if any (for listing a request's messages). */
  requestId?: string;
  payload: Record<string, unknown>;
}

/** An outbox entry as claimed for delivery. */
export interface OutboxItem extends NewOutboxEntry {
  id: string;
  /** Claims so far, this one included. */
  attempts: number;
  leaseUntil: string;
  createdAt: string;
}

export const OUTBOX_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** Where an outbox entry stands (diagnostics and tests). */
export interface OutboxStatus extends NewOutboxEntry {
  state: OutboxState;
  attempts: number;
  lastError?: string;
}

export const JOB_STATES = ['queued', 'running', 'done'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Where a queued admin's write on a guest stands, and once done what it ended with (`Store.getGuestJob`). */
export interface GuestJobStatus {
  id: string;
  state: JobState;
  /** The order as queued; the guest administration service reads it. */
  payload: Record<string, unknown>;
  /** What the job ended with, as `completeJob` stored it; absent until then (or when it ended without one). */
  result?: Record<string, unknown>;
  /** Claims so far. */
  attempts: number;
  /** Why the last attempt was given back, while it waits to be tried again. */
  lastError?: string;
  createdAt: string;
}

/** A stored proactive address (a Bot Framework ConversationReference, kept opaque here). */
export interface StoredConversation {
  key: string;
  reference: Record<string, unknown>;
  updatedAt: string;
}

/**
 * Server-side paging state that a card refers to by `id` alone (e.g. the rest of a Graph listing:
 * its `@odata.nextLink` never leaves the server). The id is random and unguessable; the cursor
 * belongs to one person and stops working at `expiresAt`.
 */
export interface PageCursor {
  id: string;
  /** Entra object id of the person the cursor was made for; nobody else may use it. */
  ownerId: string;
  /** What the cursor is for (e.g. `guests.view`), so one table serves several listings. */
  kind: string;
  /** Whatever the service needs to continue; JSON, opaque to the store. */
  state: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

/**
 * Persistence for requests, execution state, conversations and the audit log.
 * Every write that changes a request also appends its audit entry in the same transaction.
 * SQLite implements it for one instance; PostgreSQL for several instances on one database.
 */
export interface Store {
  createRequest(request: NewRequest, audit: AuditEntry): Promise<AccessRequest>;
  getRequest(id: string): Promise<AccessRequest | undefined>;
  /** Requests in the given states for an address (duplicate detection). */
  findRequestsByEmail(email: string, states: readonly RequestState[]): Promise<AccessRequest[]>;
  listRequestsByRequester(aadObjectId: string, limit: number): Promise<AccessRequest[]>;
  listRequestsByState(states: readonly RequestState[], limit: number): Promise<AccessRequest[]>;
  /** Compare-and-set on (id, from, expectedVersion); appends the audit entry only when it wins. */
  transition(input: TransitionInput): Promise<TransitionResult>;

  /** Stores a batch request (kind `batch`) with its rows and its audit entry, in one transaction. */
  createBatchRequest(request: NewRequest, rows: readonly NewBatchRow[], audit: AuditEntry): Promise<AccessRequest>;
  /** A batch's rows in order. */
  listBatchRows(requestId: string): Promise<BatchRow[]>;
  getBatchRow(requestId: string, row: number): Promise<BatchRow | undefined>;
  /** Saves a row's progress or end; false (nothing changes) when the row has ended already. */
  saveBatchRow(requestId: string, row: number, patch: BatchRowPatch): Promise<boolean>;
  countBatchRows(requestId: string): Promise<BatchRowCounts>;
  /**
   * Which of these addresses have a request in one of `states`, single or a batch's row that has
   * not failed (duplicate detection for many addresses in one query per chunk).
   */
  findOpenAddresses(emails: readonly string[], states: readonly RequestState[]): Promise<{ email: string; requestId: string }[]>;

  getSteps(requestId: string): Promise<ExecutionStep[]>;
  saveStep(step: Omit<ExecutionStep, 'updatedAt'>): Promise<void>;

  /** Claims the oldest runnable job (queued, or its lease expired) for `leaseMs`. */
  claimJob(workerId: string, leaseMs: number, now: Date): Promise<Job | undefined>;
  /**
   * Queues an admin's write on a guest (`payload` says which), with its audit entry, in one
   * transaction; returns the job's id. Such jobs are claimed, leased and retried like request jobs.
   */
  enqueueGuestJob(payload: Record<string, unknown>, audit: AuditEntry): Promise<string>;
  /**
   * Marks the job done, writing `outbox` (the messages announcing its result) and `result` (what it
   * ended with, kept on the job for whoever asks by its id) in the same transaction.
   */
  completeJob(jobId: string, outbox?: readonly NewOutboxEntry[], result?: Record<string, unknown>): Promise<void>;
  /** A guest job by its id, as it stands; undefined for an unknown id or a request's job. */
  getGuestJob(jobId: string): Promise<GuestJobStatus | undefined>;
  /**
   * Gives a job back to run again after `runAfter` (transient failure). With `refundAttempt` the
   * claim does not count as an attempt: being throttled is Graph pacing us, not the job failing.
   */
  releaseJob(jobId: string, runAfter: Date, lastError: string, refundAttempt?: boolean): Promise<void>;
  /**
   * Moves the lease of a running job held by `workerId` to `now + leaseMs` (a heartbeat, so a short
   * lease still covers a long execution). False when the worker no longer holds it: another worker
   * took it over after it lapsed, or the job finished.
   */
  extendJobLease(jobId: string, workerId: string, leaseMs: number, now: Date): Promise<boolean>;

  /**
   * Claims the oldest outbox entry due for delivery (queued and due, or running with its lease
   * expired) for `leaseMs`. A delivered (`done`) or abandoned (`failed`) entry is never claimed again.
   */
  claimOutbox(owner: string, leaseMs: number, now: Date): Promise<OutboxItem | undefined>;
  /** Marks the entry delivered; false (nothing changes) when `owner` no longer holds it. */
  completeOutbox(id: string, owner: string, now: Date): Promise<boolean>;
  /**
   * Gives an undelivered entry back: to be tried again at `retryAt`, or, without it, abandoned as
   * `failed`. Does nothing when `owner` no longer holds it.
   */
  releaseOutbox(id: string, owner: string, lastError: string, retryAt?: Date): Promise<void>;
  /** The outbox entries about a request, oldest first. */
  listOutbox(requestId: string): Promise<OutboxStatus[]>;

  /**
   * Claims the periodic task `name` for `owner` until `now + leaseMs` when it is due (never run, or
   * its next run time has come) and no lease on it is live. Of several instances asking at once,
   * exactly one gets true; a claim whose owner died lapses with its lease.
   */
  claimPeriodicTask(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  /** Ends `owner`'s run and sets when the task is next due; does nothing if the lease passed to another owner. */
  finishPeriodicTask(name: string, owner: string, nextRunAt: Date): Promise<void>;

  /** The grants of a guest or of a request, oldest first. */
  listGrants(filter: { guestId: string } | { requestId: string }): Promise<Grant[]>;
  getGrant(id: string): Promise<Grant | undefined>;
  /** Active grants ending at or before `endsBefore` whose sponsor was not told of that end yet, soonest first. */
  listGrantsForNotice(endsBefore: Date, limit: number): Promise<Grant[]>;
  /** Active grants whose end has come (at or before `now`), soonest first. */
  listGrantsDue(now: Date, limit: number): Promise<Grant[]>;

  getManagedGuest(guestId: string): Promise<ManagedGuest | undefined>;
  /** The guests with these ids that the bot looks after (any order). */
  listManagedGuests(guestIds: readonly string[]): Promise<ManagedGuest[]>;
  /** Guests the bot looks after whose end has not started, ordered by id, after `afterGuestId`; of one sponsor when given. */
  listActiveManagedGuests(filter: { sponsorId?: string; afterGuestId?: string }, limit: number): Promise<ManagedGuest[]>;
  /** The distinct users sponsoring guests whose end has not started, ordered by id, after `afterId`. */
  listActiveSponsorIds(afterId: string, limit: number): Promise<string[]>;

  /** Applies lifecycle changes all or nothing; a compare-and-set that loses rolls everything back. */
  applyLifecycleChange(change: LifecycleChange): Promise<LifecycleChangeResult>;

  getCampaign(id: string): Promise<Campaign | undefined>;
  /** Campaigns, newest first. */
  listCampaigns(filter: { kind?: CampaignKind; states?: readonly CampaignState[] }, limit: number): Promise<Campaign[]>;
  /** Adds items to a campaign; an item already there is kept as it is (so a rebuilt step adds nothing twice). */
  insertCampaignItems(items: readonly NewCampaignItem[]): Promise<void>;
  /** Replaces what items show (groups and apps read for a digest); items of other campaigns are untouched. */
  saveCampaignItemDetails(campaignId: string, details: readonly { guestId: string; detail: CampaignItemDetail }[]): Promise<void>;
  getCampaignItem(campaignId: string, guestId: string): Promise<CampaignItem | undefined>;
  listCampaignItems(campaignId: string, query: CampaignItemQuery, limit: number): Promise<CampaignItem[]>;
  /** The sponsors a campaign asks, with how many of their guests, ordered by sponsor id. */
  listCampaignSponsors(campaignId: string): Promise<CampaignSponsor[]>;
  countCampaignItems(campaignId: string): Promise<CampaignCounts>;

  saveConversation(key: string, reference: Record<string, unknown>): Promise<void>;
  getConversation(key: string): Promise<StoredConversation | undefined>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string, audit: AuditEntry): Promise<void>;

  saveCardMessage(card: CardMessage): Promise<void>;
  listCardMessages(requestId: string): Promise<CardMessage[]>;
  /** The card the bot posted as `activityId` in that conversation, if it recorded one. */
  findCardMessage(conversationKey: string, activityId: string): Promise<CardMessage | undefined>;
  /** Records a guest administration card; a message keeps the guest it was first recorded for. */
  saveGuestCardMessage(card: GuestCardMessage): Promise<void>;
  /** The guest administration card the bot posted as `activityId` in that conversation, if it recorded one. */
  findGuestCardMessage(conversationKey: string, activityId: string): Promise<GuestCardMessage | undefined>;

  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(requestId: string): Promise<AuditEntry[]>;

  /**
   * Stores a new cursor. False (and nothing changes) when a cursor with that id exists already, so
   * two instances racing to store the same successor page keep the first one.
   */
  createCursor(cursor: PageCursor): Promise<boolean>;
  /** The cursor with this id, expired or not (the caller tells the user which); undefined when unknown. */
  getCursor(id: string): Promise<PageCursor | undefined>;
  /** Removes every cursor whose `expiresAt` is at or before `now`; returns how many. */
  deleteExpiredCursors(now: Date): Promise<number>;

  /** Cheap round trip used by /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
