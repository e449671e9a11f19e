import type { Clock } from './clock';
import type { Logger } from './logger';
import type { Store } from '../store/store';

/** Work that must happen every so often, once across every instance sharing the store. */
export interface PeriodicTask {
  /** Stable name: the store keeps one lease and one next-run time per name. */
  name: string;
  /** Time from the start of one run to the next. */
  intervalMs: number;
  run(now: Date): Promise<void>;
}

export interface PeriodicTaskOptions {
  /** This instance's name in the leases it takes. */
  ownerId: string;
  /** How often the instance asks whether a task is due. */
  tickMs: number;
  /** How long a claimed run belongs to this instance; a run outliving it may be repeated elsewhere. */
  leaseMs: number;
}

/**
 * Runs periodic tasks without a leader: every instance ticks, and the store's lease lets exactly
 * one of them run each due task. The next run time is stored, so a restart neither skips nor
 * repeats a run, and a run whose instance died is taken over when its lease lapses.
 */
export class PeriodicTasks {
  private timer?: NodeJS.Timeout;
  private running?: Promise<string[]>;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      tasks: readonly PeriodicTask[];
      options: PeriodicTaskOptions;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.options.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops ticking and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs every task that is due and that this instance won; returns their names (tests call it directly). */
  async runDue(): Promise<string[]> {
    const { store, clock, logger, tasks, options } = this.deps;
    const ran: string[] = [];
    for (const task of tasks) {
      const started = clock.now();
      if (!(await store.claimPeriodicTask(task.name, options.ownerId, options.leaseMs, started))) continue;
      try {
        await task.run(started);
      } catch (error) {
        // The next run comes at the usual interval: a task that fails now (store or Graph outage) is retried then.
        logger.error({ task: task.name, err: error instanceof Error ? error.message : String(error) }, 'periodic task failed');
      }
      await store.finishPeriodicTask(task.name, options.ownerId, new Date(started.getTime() + task.intervalMs));
      ran.push(task.name);
    }
    return ran;
  }

  /** One tick at a time: a slow run makes the next tick wait, not overlap. */
  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.runDue()
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'periodic tick failed');
        return [];
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }
}
