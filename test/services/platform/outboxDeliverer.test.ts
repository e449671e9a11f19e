import { pino } from 'pino';
import { OutboxDeliverer, type OutboxHandler } from '../../../services/platform/outboxDeliverer';
import { SqliteStore } from '../../../services/store/sqliteStore';
import type { NewOutboxEntry, Store } from '../../../services/store/store';

const silent = pino({ level: 'silent' });
const SECOND = 1000;

describe('OutboxDeliverer', () => {
  let now: Date;
  const clock = { now: () => now };
  let store: Store;

  beforeEach(() => {
    now = new Date('2026-11-26T10:00:00Z');
    store = SqliteStore.open(':memory:', { now: clock.now });
  });

  afterEach(() => store.close());

  /** Writes entries the way a finished job does: with its completion. */
  async function write(entries: NewOutboxEntry[]): Promise<void> {
    const jobId = await store.enqueueGuestJob({ test: true }, { actor: 'admin', action: 'queued', at: now.toISOString() });
    await store.claimJob('w', 60 * SECOND, now);
    await store.completeJob(jobId, entries);
  }

  function deliverer(ownerId: string, handler: OutboxHandler, maxAttempts = 3, concurrency = 1): OutboxDeliverer {
    return new OutboxDeliverer({
      store,
      clock,
      logger: silent,
      handlers: { note: handler },
      options: { ownerId, leaseMs: 30 * SECOND, pollMs: SECOND, backoffBaseMs: 2 * SECOND, maxAttempts, concurrency },
    });
  }

  const entry = (n: number): NewOutboxEntry => ({ key: `note:${n}`, kind: 'note', requestId: 'req-1', payload: { n } });

  it('delivers each entry once, in order, and marks it delivered', async () => {
    await write([entry(1), entry(2)]);
    const delivered: unknown[] = [];
    await deliverer('a', async (item) => (delivered.push(item.payload), 'delivered')).drain();
    await deliverer('b', async (item) => (delivered.push(item.payload), 'delivered')).drain();
    expect(delivered).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await store.listOutbox('req-1')).map((m) => m.state)).toEqual(['done', 'done']);
  });

  it('delivers several entries at once, so a slow delivery does not hold up the others, each exactly once', async () => {
    await write([entry(1), entry(2), entry(3)]);
    const started: unknown[] = [];
    let release: () => void = () => undefined;
    const slowFirst = new Promise<void>((resolve) => (release = resolve));
    const draining = deliverer(
      'a',
      async (item) => {
        started.push(item.payload);
        if ((item.payload as { n: number }).n === 1) await slowFirst;
        return 'delivered';
      },
      3,
      2,
    ).drain();
    // Entry 1 hangs; the second lane delivers 2 and 3 meanwhile.
    for (let waited = 0; (await store.listOutbox('req-1')).filter((m) => m.state === 'done').length < 2 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(started).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect((await store.listOutbox('req-1')).map((m) => m.state)).toEqual(['running', 'done', 'done']);
    release();
    await draining;
    expect((await store.listOutbox('req-1')).map((m) => m.state)).toEqual(['done', 'done', 'done']);
  });

  it('retries a failed delivery after a growing wait, then gives it up and never tries again', async () => {
    await write([entry(1)]);
    let calls = 0;
    const failing = deliverer('a', async () => {
      calls += 1;
      throw new Error('connector answered 502');
    });
    await failing.drain();
    expect(calls).toBe(1);
    now = new Date(now.getTime() + 2 * SECOND - 1);
    await failing.drain();
    expect(calls).toBe(1);
    now = new Date(now.getTime() + 1);
    await failing.drain();
    expect(calls).toBe(2);
    // The second wait is twice the first.
    now = new Date(now.getTime() + 4 * SECOND);
    await failing.drain();
    expect(calls).toBe(3);
    now = new Date(now.getTime() + 60 * 60 * SECOND);
    await failing.drain();
    expect(calls).toBe(3);
    expect(await store.listOutbox('req-1')).toEqual([expect.objectContaining({ state: 'failed', attempts: 3, lastError: 'connector answered 502' })]);
  });

  it('counts nobody to deliver to as done, without retrying', async () => {
    await write([entry(1)]);
    let calls = 0;
    const d = deliverer('a', async () => ((calls += 1), 'unreachable'));
    await d.drain();
    now = new Date(now.getTime() + 60 * 60 * SECOND);
    await d.drain();
    expect(calls).toBe(1);
    expect((await store.listOutbox('req-1'))[0]?.state).toBe('done');
  });

  it('takes over an entry whose deliverer died mid-delivery once its lease lapsed, and delivers it', async () => {
    await write([entry(1)]);
    // An instance claimed it and died before recording the delivery.
    await store.claimOutbox('dead', 30 * SECOND, now);
    const delivered: unknown[] = [];
    const live = deliverer('live', async (item) => (delivered.push(item.payload), 'delivered'));
    await live.drain();
    expect(delivered).toEqual([]);
    now = new Date(now.getTime() + 30 * SECOND + 1);
    await live.drain();
    expect(delivered).toEqual([{ n: 1 }]);
    expect((await store.listOutbox('req-1'))[0]).toMatchObject({ state: 'done', attempts: 2 });
  });
});
