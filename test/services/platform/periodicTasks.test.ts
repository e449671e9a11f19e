import { pino } from 'pino';
import { PeriodicTasks, type PeriodicTask } from '../../../services/platform/periodicTasks';
import { PostgresStore } from '../../../services/store/postgresStore';
import { SqliteStore } from '../../../services/store/sqliteStore';
import type { Store } from '../../../services/store/store';
import { createTestSchema, type TestSchema } from '../../helpers/postgres';

const silent = pino({ level: 'silent' });
const MINUTE = 60_000;

function instance(store: Store, ownerId: string, clock: { now(): Date }, tasks: PeriodicTask[]): PeriodicTasks {
  return new PeriodicTasks({ store, clock, logger: silent, tasks, options: { ownerId, tickMs: 1_000, leaseMs: 5 * MINUTE } });
}

describe('PeriodicTasks', () => {
  let now: Date;
  const clock = { now: () => now };

  beforeEach(() => {
    now = new Date('2026-11-26T10:00:00Z');
  });

  it('runs a due task on one of two instances sharing a store, then not again until its interval passed', async () => {
    const store = SqliteStore.open(':memory:');
    const runs: string[] = [];
    const task = (who: string): PeriodicTask => ({ name: 'expire', intervalMs: 10 * MINUTE, run: async () => void runs.push(who) });
    const a = instance(store, 'a', clock, [task('a')]);
    const b = instance(store, 'b', clock, [task('b')]);

    await Promise.all([a.runDue(), b.runDue()]);
    expect(runs).toHaveLength(1);
    now = new Date(now.getTime() + 9 * MINUTE);
    await Promise.all([a.runDue(), b.runDue()]);
    expect(runs).toHaveLength(1);
    now = new Date(now.getTime() + MINUTE);
    await Promise.all([b.runDue(), a.runDue()]);
    expect(runs).toHaveLength(2);
    await store.close();
  });

  it('schedules the next run after a failing run, and takes over a run whose instance died once the lease lapses', async () => {
    const store = SqliteStore.open(':memory:');
    let attempts = 0;
    const failing = instance(store, 'a', clock, [
      {
        name: 'expire',
        intervalMs: 10 * MINUTE,
        run: async () => {
          attempts += 1;
          throw new Error('store briefly unreachable');
        },
      },
    ]);
    expect(await failing.runDue()).toEqual(['expire']);
    expect(await failing.runDue()).toEqual([]);
    now = new Date(now.getTime() + 10 * MINUTE);
    expect(await failing.runDue()).toEqual(['expire']);
    expect(attempts).toBe(2);

    // An instance claims the next run and dies before finishing it.
    now = new Date(now.getTime() + 10 * MINUTE);
    expect(await store.claimPeriodicTask('expire', 'dead-instance', 5 * MINUTE, now)).toBe(true);
    const survivor = instance(store, 'b', clock, [{ name: 'expire', intervalMs: 10 * MINUTE, run: async () => undefined }]);
    expect(await survivor.runDue()).toEqual([]);
    now = new Date(now.getTime() + 5 * MINUTE);
    expect(await survivor.runDue()).toEqual(['expire']);
    await store.close();
  });

  describe('on PostgreSQL', () => {
    let schema: TestSchema;
    const stores: Store[] = [];

    beforeAll(async () => {
      schema = await createTestSchema();
    });

    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await schema.drop();
    });

    it('runs each due task once across three instances with their own connections', async () => {
      for (let i = 0; i < 3; i += 1) stores.push(await PostgresStore.connect(schema.url, { maxConnections: 2 }));
      const runs = new Map<string, string[]>();
      const tasks = (who: string): PeriodicTask[] =>
        ['expire', 'cleanup'].map((name) => ({
          name,
          intervalMs: 10 * MINUTE,
          run: async () => {
            runs.set(name, [...(runs.get(name) ?? []), who]);
          },
        }));
      const instances = stores.map((store, i) => instance(store, `instance-${i}`, clock, tasks(`instance-${i}`)));

      for (let round = 0; round < 5; round += 1) {
        await Promise.all(instances.map((p) => p.runDue()));
        await Promise.all(instances.map((p) => p.runDue()));
        now = new Date(now.getTime() + 10 * MINUTE);
      }
      expect(runs.get('expire')).toHaveLength(5);
      expect(runs.get('cleanup')).toHaveLength(5);
    });
  });
});
