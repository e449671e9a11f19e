/**
 * Who hears about what happens to a request, as outbox entries written in the same transaction as
 * the transition they announce: a crash after the transition commits cannot lose them, and the
 * outbox deliverer sends them afterwards, at least once.
 */
import { z } from 'zod';
import type { NewOutboxEntry, RequestPatch } from '../store/store';
import type { AccessRequest } from './model';
import type { RequestEvent } from './notifier';

/** Something to announce about a request: an event people are told of, or only new card content. */
export type Announcement = RequestEvent | 'waitingForDirectory' | 'stageDecided' | 'progress';

/**
 * The port through which the workflow, the worker and request expiry announce transitions. They
 * pass `entriesFor(...)` to the store's transition, then call `written()` once it committed.
 */
export interface Announcements {
  /**
   * The outbox entries that tell everyone concerned about `event` on `request`, as the request is
   * read before the transition (`patch` is what the transition changes).
   */
  entriesFor(request: AccessRequest, event: Announcement, patch?: RequestPatch): NewOutboxEntry[];
  /** A transition carrying entries committed: deliver them now rather than at the next poll. */
  written(): void;
}

/** Outbox kinds for requests. */
export const REQUEST_CARDS = 'request.cards';
export const REQUEST_NOTICE = 'request.notice';

const REQUEST_EVENTS = ['approved', 'denied', 'cancelled', 'expired', 'completed', 'failed'] as const satisfies readonly RequestEvent[];

/** Re-render every card posted for the request, as it stands when delivered. */
export const requestCardsPayload = z.object({ requestId: z.string(), resendHelp: z.boolean() });
/** Tell one audience about one event; keyed by (request, version, event, audience), so sent once. */
export const requestNoticePayload = z.object({
  requestId: z.string(),
  event: z.enum(REQUEST_EVENTS),
  to: z.enum(['requester', 'approvers']),
  resendHelp: z.boolean(),
});
export type RequestNoticePayload = z.infer<typeof requestNoticePayload>;

/** Who hears of each event besides the cards being refreshed. */
const AUDIENCES: Readonly<Record<Announcement, readonly RequestNoticePayload['to'][]>> = {
  approved: ['requester'],
  denied: ['requester'],
  // The requester cancelled it themself; approvers see it on their cards.
  cancelled: [],
  // Approvers see it on their cards, which the announcement updates; the requester is told.
  expired: ['requester'],
  completed: ['requester'],
  failed: ['requester', 'approvers'],
  waitingForDirectory: [],
  // A stage decided while the request still waits: every card shows it (the next stage's card goes out itself).
  stageDecided: [],
  // A batch's rows finishing: its cards show the counts.
  progress: [],
};

/** The outbox entries of each announcement; `wake` tells the deliverer to look now. */
export class OutboxAnnouncements implements Announcements {
  constructor(private readonly wake: { poke(): void }) {}

  entriesFor(request: AccessRequest, event: Announcement, patch?: RequestPatch): NewOutboxEntry[] {
    // The version the transition creates: each transition is announced once, a later one again.
    const prefix = `request:${request.id}:v${request.version + 1}:${event}`;
    const outcome = patch?.outcome ?? request.outcome;
    // A guest found already in the directory who has not accepted may need their invitation sent again.
    const resendHelp = event === 'completed' && outcome?.existingGuest !== undefined && outcome.existingGuest.externalUserState !== 'Accepted';
    const entries: NewOutboxEntry[] = [{ key: `${prefix}:cards`, kind: REQUEST_CARDS, requestId: request.id, payload: { requestId: request.id, resendHelp } }];
    if (event === 'waitingForDirectory' || event === 'stageDecided' || event === 'progress') return entries;
    for (const to of AUDIENCES[event]) {
      entries.push({ key: `${prefix}:${to}`, kind: REQUEST_NOTICE, requestId: request.id, payload: { requestId: request.id, event, to, resendHelp } });
    }
    return entries;
  }

  written(): void {
    this.wake.poke();
  }
}
