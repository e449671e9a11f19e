/**
 * A requester's own history: every request they filed, and each one's timeline from the audit log.
 * The chat's `my requests` shows the latest few; the tab shows them all. A requester sees the
 * request's life (filed, sent to approvers, decided, executed) and not what other people tried and
 * were refused, which stays in the admins' `audit`.
 */
import type { AccessRequest, AuditEntry, Person } from './model';
import type { Store } from '../store/store';

/** One step of a request's life, as its requester reads it. */
export interface HistoryEntry {
  at: string;
  /** Who acted, by name: the requester, the person who decided, or the bot itself. */
  actor: string;
  action: string;
}

export type HistoryResult =
  | { kind: 'ok'; request: AccessRequest; entries: HistoryEntry[] }
  | { kind: 'notFound' }
  /** Someone else's request: answered like an unknown one, so ids of others' requests reveal nothing. */
  | { kind: 'notYours' };

/** A person's requests the tab lists at most; far more than anyone files within the audit log's life. */
export const HISTORY_LIMIT = 200;

/** The audit actions that tell a request's own life; refusals and admin actions are left out. */
const LIFE_ACTIONS: ReadonlySet<string> = new Set([
  'request_created',
  'approval_requested',
  'approval_unreachable',
  'request_approved',
  'request_denied',
  'request_cancelled',
  'request_expired',
  'execution_started',
  'execution_resumed',
  'execution_retry_scheduled',
  'execution_deferred',
  'directory_wait_started',
  'request_completed',
  'request_failed',
]);

export const BOT_NAME = 'Guest Access bot';

export class RequestHistory {
  constructor(private readonly deps: { store: Pick<Store, 'listRequestsByRequester' | 'getRequest' | 'listAudit'> }) {}

  /** Every request this person filed, newest first. */
  filedBy(actor: Person): Promise<AccessRequest[]> {
    return this.deps.store.listRequestsByRequester(actor.aadObjectId, HISTORY_LIMIT);
  }

  /** The timeline of one of the person's own requests. */
  async timeline(actor: Person, requestId: string): Promise<HistoryResult> {
    const request = await this.deps.store.getRequest(requestId);
    if (!request) return { kind: 'notFound' };
    if (request.requester.aadObjectId !== actor.aadObjectId) return { kind: 'notYours' };
    const audit = await this.deps.store.listAudit(request.id);
    return { kind: 'ok', request, entries: audit.filter((entry) => LIFE_ACTIONS.has(entry.action)).map((entry) => this.entry(request, entry)) };
  }

  private entry(request: AccessRequest, entry: AuditEntry): HistoryEntry {
    return { at: entry.at, actor: nameOf(request, entry.actor), action: entry.action };
  }
}

/** Names come from the request itself: its requester and whoever decided. */
function nameOf(request: AccessRequest, actorId: string): string {
  if (actorId === 'system') return BOT_NAME;
  if (actorId === request.requester.aadObjectId) return request.requester.name;
  if (request.decision && actorId === request.decision.by.aadObjectId) return request.decision.by.name;
  return 'An approver';
}
