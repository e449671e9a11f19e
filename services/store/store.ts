import type {
  AccessRequest,
  AuditEntry,
  CardMessage,
  ExecutionStep,
  Job,
  RequestState,
} from '../model';

/** A request as first stored; the store assigns the version. */
export type NewRequest = Omit<AccessRequest, 'version' | 'state' | 'updatedAt'>;

/** Fields a transition may change besides the state. */
export type RequestPatch = Partial<Pick<AccessRequest, 'decision' | 'outcome'>>;

export type TransitionResult =
  | { ok: true; request: AccessRequest }
  | { ok: false; current: AccessRequest | undefined };

export interface TransitionInput {
  id: string;
  from: RequestState;
  expectedVersion: number;
  to: RequestState;
  patch?: RequestPatch;
  audit: AuditEntry;
  /** Queue an execution job in the same transaction (approval). */
  enqueueJob?: boolean;
}

/** A stored proactive address (a Bot Framework ConversationReference, kept opaque here). */
export interface StoredConversation {
  key: string;
  reference: Record<string, unknown>;
  updatedAt: string;
}

/**
 * Persistence for requests, execution state, conversations and the audit log.
 * Every write that changes a request also appends its audit entry in the same transaction.
 * SQLite implements it for one instance; a PostgreSQL implementation will satisfy the same contract.
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

  getSteps(requestId: string): Promise<ExecutionStep[]>;
  saveStep(step: Omit<ExecutionStep, 'updatedAt'>): Promise<void>;

  /** Claims the oldest runnable job (queued, or its lease expired) for `leaseMs`. */
  claimJob(workerId: string, leaseMs: number, now: Date): Promise<Job | undefined>;
  completeJob(jobId: string): Promise<void>;
  /** Gives a job back to run again after `runAfter` (transient failure). */
  releaseJob(jobId: string, runAfter: Date, lastError: string): Promise<void>;

  saveConversation(key: string, reference: Record<string, unknown>): Promise<void>;
  getConversation(key: string): Promise<StoredConversation | undefined>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string, audit: AuditEntry): Promise<void>;

  saveCardMessage(card: CardMessage): Promise<void>;
  listCardMessages(requestId: string): Promise<CardMessage[]>;

  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(requestId: string): Promise<AuditEntry[]>;

  /** Cheap round trip used by /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
