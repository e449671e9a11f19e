/**
 * What the tab's API answers: plain JSON views of requests, built from the same models the cards
 * render. The browser puts these into the page as text (never as markup), so nothing is escaped
 * here. A redeem link is in a view only for the person who asked for the request.
 */
import { requestStateLabel } from '../../cards/requestView';
import type { HistoryEntry } from '../../services/requests/requestHistory';
import type { AccessRequest, BatchProgress, Person } from '../../services/requests/model';

export interface RequestView {
  id: string;
  kind: AccessRequest['kind'];
  state: AccessRequest['state'];
  /** The state in the words the chat cards use ("Waiting for approval"). */
  stateLabel: string;
  createdAt: string;
  updatedAt: string;
  requester: string;
  guest: { email: string; displayName: string; existing: boolean };
  groups: string[];
  directoryRole?: string;
  app?: { name: string; publisher: string | null; role: string };
  justification: string;
  message: string;
  decision?: { outcome: 'approved' | 'denied'; by: string; at: string; reason?: string };
  outcome?: { redeemUrl?: string; error?: string; failedStep?: string; alreadyAGuest?: boolean; waitingForDirectory?: boolean };
  /** What the approval card shows an approver beside the request. */
  context: { guestsFromDomain?: number; routingNote?: string; grantsDirectoryRole: boolean };
  /** A batch: how many guests from which domains, and once approved how far it got. */
  batch?: { rows: number; domains: { domain: string; count: number }[]; progress?: BatchProgress };
}

export function requestView(request: AccessRequest, viewer: Person): RequestView {
  const { details } = request;
  const view: RequestView = {
    id: request.id,
    kind: request.kind,
    state: request.state,
    stateLabel: requestStateLabel(request),
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    requester: request.requester.name,
    guest: { email: details.email, displayName: details.displayName, existing: Boolean(details.existingGuestId) },
    groups: details.groups.map((g) => g.displayName),
    justification: details.justification,
    message: details.message,
    context: { grantsDirectoryRole: details.directoryRole !== undefined },
  };
  if (details.directoryRole) view.directoryRole = details.directoryRole.displayName;
  if (details.batch) {
    view.batch = { rows: details.batch.rows, domains: details.batch.domains };
    if (request.outcome?.batch) view.batch.progress = request.outcome.batch;
  }
  if (details.appAccess)
    view.app = { name: details.appAccess.app.displayName, publisher: details.appAccess.app.publisher, role: details.appAccess.role.displayName };
  if (request.context?.guestsFromDomain !== undefined) view.context.guestsFromDomain = request.context.guestsFromDomain;
  if (request.context?.routingNote) view.context.routingNote = request.context.routingNote;
  if (request.decision) {
    view.decision = { outcome: request.decision.outcome, by: request.decision.by.name, at: request.decision.at };
    if (request.decision.reason) view.decision.reason = request.decision.reason;
  }
  const outcome = request.outcome;
  if (outcome) {
    const shown: NonNullable<RequestView['outcome']> = {};
    // The redeem link is a secret of the person who asked, as in chat (their 1:1 chat only).
    if (outcome.redeemUrl && viewer.aadObjectId === request.requester.aadObjectId) shown.redeemUrl = outcome.redeemUrl;
    if (request.state === 'failed' && outcome.error) shown.error = outcome.error;
    if (request.state === 'failed' && outcome.failedStep) shown.failedStep = outcome.failedStep;
    if (outcome.existingGuest && !details.existingGuestId) shown.alreadyAGuest = true;
    if (request.state === 'executing' && outcome.waitingForDirectorySince) shown.waitingForDirectory = true;
    if (Object.keys(shown).length > 0) view.outcome = shown;
  }
  return view;
}

/** Audit actions in the words the chat's timeline uses; an unknown action keeps its name. */
const HISTORY_WORDS: Readonly<Record<string, string>> = {
  request_created: 'asked for it',
  approval_requested: 'sent it to the approvers',
  approval_unreachable: 'could not reach any approver yet',
  request_approved: 'approved',
  request_denied: 'denied',
  request_cancelled: 'cancelled the request',
  request_expired: 'expired the request: nobody decided in time',
  execution_started: 'started carrying it out',
  execution_resumed: 'resumed carrying it out',
  execution_retry_scheduled: 'met a temporary problem and will try again',
  execution_deferred: 'waited for the directory to know the new guest',
  directory_wait_started: 'started waiting for the directory to know the new guest',
  request_completed: 'finished: done',
  batch_progress: 'carried out more of the batch',
  request_failed: 'failed',
};

export interface HistoryView {
  at: string;
  actor: string;
  text: string;
}

export function historyView(entries: HistoryEntry[]): HistoryView[] {
  return entries.map((entry) => ({ at: entry.at, actor: entry.actor, text: HISTORY_WORDS[entry.action] ?? entry.action.replaceAll('_', ' ') }));
}
