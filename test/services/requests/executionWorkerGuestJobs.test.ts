import { pino } from 'pino';
import { GraphFailure } from '../../../services/directory/graphErrors';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker, type ExecutionDirectory, type GuestJobRunner } from '../../../services/requests/executionWorker';
import { SqliteStore } from '../../../services/store/sqliteStore';
import type { Store } from '../../../services/store/store';
import { recordingAnnouncements } from '../../helpers/announcements';

const silent = pino({ level: 'silent' });
const unusedDirectory = {} as ExecutionDirectory;

describe('ExecutionWorker with guest jobs', () => {
  let now: Date;
  let store: Store;

  beforeEach(() => {
    now = new Date('2026-11-26T10:00:00Z');
    store = SqliteStore.open(':memory:', { now: () => now });
  });

  afterEach(() => store.close());

  function worker(runner: GuestJobRunner, concurrency = 1): ExecutionWorker {
    return new ExecutionWorker({
      store,
      directory: unusedDirectory,
      policy: { refusals: async () => [] },
      settings: { inviteRedirectUrl: 'https://myapps.microsoft.com' },
      clock: { now: () => now },
      logger: silent,
      options: { ...DEFAULT_WORKER_OPTIONS, workerId: 'w1', leaseMs: 30_000, maxAttempts: 2, backoffBaseMs: 1_000, concurrency },
      announcements: recordingAnnouncements().announcements,
      guestJobs: runner,
    });
  }

  const queue = () => store.enqueueGuestJob({ operation: 'disable' }, { actor: 'admin', action: 'guest_disable_queued', at: now.toISOString() });
  const card = (text: string) => ({ result: { text }, outbox: [{ key: `card:${text}`, kind: 'guest.card', requestId: 'cards', payload: { text } }] });

  it('runs a guest job once, keeping its result on the job and writing its announcement to the outbox as the job completes', async () => {
    const jobId = await queue();
    let runs = 0;
    const w = worker({ run: async () => ((runs += 1), card('done')), gaveUp: async () => card('gave up') });
    await w.drain();
    await w.drain();
    expect(runs).toBe(1);
    expect((await store.listOutbox('cards')).map((m) => m.payload)).toEqual([{ text: 'done' }]);
    expect(await store.getGuestJob(jobId)).toMatchObject({ state: 'done', result: { text: 'done' } });
  });

  it('runs the jobs a job queued at the full width of the worker in the same drain, not on the one lane that queued them', async () => {
    await queue();
    let running = 0;
    let widest = 0;
    let runs = 0;
    const w = worker(
      {
        run: async (job) => {
          runs += 1;
          if (job.payload.operation === 'disable') {
            for (let i = 0; i < 8; i++) await store.enqueueGuestJob({ operation: 'row' }, { actor: 'system', action: 'row_queued', at: now.toISOString() });
            return { outbox: [] };
          }
          running += 1;
          widest = Math.max(widest, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running -= 1;
          return { outbox: [] };
        },
        gaveUp: async () => card('gave up'),
      },
      4,
    );
    await w.drain();
    expect(runs).toBe(9);
    expect(widest).toBe(4);
  });

  it('keeps the result of a job with nothing to announce (the tab reads it from the job)', async () => {
    const jobId = await queue();
    const w = worker({ run: async () => ({ result: { text: 'done in the tab' }, outbox: [] }), gaveUp: async () => card('gave up') });
    await w.drain();
    expect(await store.getGuestJob(jobId)).toMatchObject({ state: 'done', result: { text: 'done in the tab' } });
    expect(await store.claimOutbox('deliverer', 30_000, new Date(now.getTime() + 60_000))).toBeUndefined();
  });

  it("retries a transient Graph failure after the backoff, then gives up with the runner's result", async () => {
    const jobId = await queue();
    let runs = 0;
    const w = worker({
      run: async () => {
        runs += 1;
        throw new GraphFailure(503, 'serviceUnavailable', 'Service unavailable');
      },
      gaveUp: async (job, failure) => card(`gave up after ${job.attempts}: ${failure.status}`),
    });
    await w.drain();
    expect(runs).toBe(1);
    now = new Date(now.getTime() + 999);
    await w.drain();
    expect(runs).toBe(1);
    now = new Date(now.getTime() + 1);
    await w.drain();
    expect(runs).toBe(2);
    expect((await store.listOutbox('cards')).map((m) => m.payload)).toEqual([{ text: 'gave up after 2: 503' }]);
    expect(await store.getGuestJob(jobId)).toMatchObject({ state: 'done', result: { text: 'gave up after 2: 503' } });
    now = new Date(now.getTime() + 60 * 60_000);
    await w.drain();
    expect(runs).toBe(2);
  });

  it('drops an order it cannot read instead of retrying it forever', async () => {
    await queue();
    let runs = 0;
    const unreadable = new Error('payload does not match its type');
    const w = worker({
      run: async () => {
        runs += 1;
        throw unreadable;
      },
      gaveUp: async () => {
        throw unreadable;
      },
    });
    for (let i = 0; i < 5; i += 1) {
      await w.drain();
      now = new Date(now.getTime() + 60 * 60_000);
    }
    expect(runs).toBe(2);
    expect(await store.claimJob('w2', 30_000, now)).toBeUndefined();
  });
});
