import type { Clock } from './clock';
import type { Logger } from './logger';
import { PollingLoop } from './pollingLoop';
import type { OutboxItem, Store } from '../store/store';

/**
 * Delivers one outbox entry: `delivered`, or `unreachable` when there is nobody to deliver it to
 * (no stored conversation, the request gone), which is final. Throws when delivery failed and
 * may work later (the Bot Connector did not answer); the entry is then tried again.
 */
export type OutboxHandler = (item: OutboxItem) => Promise<'delivered' | 'unreachable'>;

/** A handler for each outbox kind. */
export type OutboxHandlers = Readonly<Record<string, OutboxHandler>>;

export interface OutboxDelivererOptions {
  /** This instance's name in the leases it takes. */
  ownerId: string;
  /** How long a claimed entry belongs to this instance before another may deliver it. */
  leaseMs: number;
  /** How often it looks for entries it was not told about (other instances, retries, restarts). */
  pollMs: number;
  /** First retry delay; doubles per attempt, capped at 5 minutes. */
  backoffBaseMs: number;
  /** Attempts before an entry is given up (about 20 minutes with the defaults). */
  maxAttempts: number;
  /** Entries delivered at once: one slow Bot Connector call must not hold up every other notice. */
  concurrency: number;
}

export const DEFAULT_OUTBOX_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Sends what the outbox holds, at least once: every instance polls, the store's lease gives each
 * entry to one of them at a time, and an entry whose instance died is taken over when its lease
 * lapses. A failed delivery is retried with growing waits, then given up and logged.
 */
export class OutboxDeliverer extends PollingLoop {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      handlers: OutboxHandlers;
      options: OutboxDelivererOptions;
    },
  ) {
    super({ name: 'outbox', pollMs: deps.options.pollMs, logger: deps.logger });
  }

  /** Delivers every entry due now, `concurrency` at a time; each claim is atomic in the store (tests call it directly). */
  async drain(): Promise<void> {
    const { store, clock, options } = this.deps;
    const lane = async (): Promise<void> => {
      for (;;) {
        if (this.isStopped) return;
        const item = await store.claimOutbox(options.ownerId, options.leaseMs, clock.now());
        if (!item) return;
        await this.deliver(item);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const { store, clock, logger, handlers, options } = this.deps;
    const log = logger.child({ outboxId: item.id, kind: item.kind, requestId: item.requestId ?? null, attempt: item.attempts });
    try {
      const handler = handlers[item.kind];
      if (!handler) throw new Error(`no handler for outbox kind ${item.kind}`);
      const result = await handler(item);
      if (!(await store.completeOutbox(item.id, options.ownerId, clock.now()))) log.warn('outbox lease lost before delivery was recorded');
      else if (result === 'unreachable') log.info('nobody to deliver to');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (item.attempts >= options.maxAttempts) {
        await store.releaseOutbox(item.id, options.ownerId, message);
        log.error({ err: message }, 'outbox delivery given up');
        return;
      }
      const waitMs = Math.min(MAX_BACKOFF_MS, options.backoffBaseMs * 2 ** (item.attempts - 1));
      await store.releaseOutbox(item.id, options.ownerId, message, new Date(clock.now().getTime() + waitMs));
      log.warn({ err: message, waitMs }, 'outbox delivery failed, will retry');
    }
  }
}
