import type { Logger } from '../platform/logger';
import type { Announcements } from './announcements';
import type { Store } from '../store/store';

/** The name of the periodic task that expires requests, as stored with its lease. */
export const EXPIRE_PENDING_REQUESTS = 'expire-pending-requests';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Requests read per query; pending requests come oldest first, so the first fresh one ends the run. */
const BATCH = 100;
/** A bound on one run, in batches, against a loop that makes no progress. */
const MAX_BATCHES = 1000;

/**
 * Ends requests nobody decided on within the timeout: `pending` → `expired`, a compare-and-set
 * with its audit entry, so an approval that lands at the same moment either wins or sees the
 * request expired. Run as a periodic task, once across instances.
 */
export class RequestExpiry {
  constructor(
    private readonly deps: {
      store: Store;
      logger: Logger;
      timeoutDays: number;
      /** Who hears that a request expired (its cards, the requester), written with each expiry. */
      announcements: Announcements;
    },
  ) {}

  /** Expires every pending request created at least `timeoutDays` before `now`; returns how many it expired. */
  async expireStale(now: Date): Promise<number> {
    const { store, logger, timeoutDays } = this.deps;
    const cutoff = now.getTime() - timeoutDays * DAY_MS;
    let expired = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const pending = await store.listRequestsByState(['pending'], BATCH);
      const stale = pending.filter((request) => Date.parse(request.createdAt) <= cutoff);
      for (const request of stale) {
        const result = await store.transition({
          id: request.id,
          from: 'pending',
          expectedVersion: request.version,
          to: 'expired',
          audit: {
            requestId: request.id,
            actor: 'system',
            action: 'request_expired',
            source: `task:${EXPIRE_PENDING_REQUESTS}`,
            detail: { timeoutDays },
            at: now.toISOString(),
          },
          outbox: this.deps.announcements.entriesFor(request, 'expired'),
        });
        // A lost compare-and-set means someone decided or cancelled it meanwhile: theirs stands.
        if (!result.ok) continue;
        expired += 1;
        logger.info({ requestId: request.id }, 'request expired');
        this.deps.announcements.written();
      }
      if (stale.length < pending.length || pending.length < BATCH) break;
    }
    return expired;
  }
}
