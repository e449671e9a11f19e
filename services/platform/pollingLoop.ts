import type { Logger } from './logger';

/**
 * Work found by polling: `drain` runs every `pollMs` once started, and at once when poked; one run
 * at a time, and a poke during a run runs it once more afterwards. Until `start`, nothing runs by
 * itself (tests call `drain` by hand).
 */
export abstract class PollingLoop {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private drainAgain = false;
  private started = false;
  private stopped = false;

  constructor(
    private readonly loop: {
      /** Named in the log when a run fails. */
      name: string;
      pollMs: number;
      logger: Logger;
    },
  ) {}

  /** Does whatever is due now. */
  abstract drain(): Promise<void>;

  /** True once `stop` was called: a run in progress should stop taking work. */
  protected get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.started = true;
    this.stopped = false;
    this.timer = setInterval(() => this.poke(), this.loop.pollMs);
    this.timer.unref();
    this.poke();
  }

  /** Looks for work now instead of at the next poll. */
  poke(): void {
    if (!this.started || this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.loop.logger.error({ loop: this.loop.name, err: String(error) }, 'polling run failed'))
      .finally(() => {
        this.draining = undefined;
        if (this.drainAgain && !this.stopped) {
          this.drainAgain = false;
          this.poke();
        }
      });
  }

  /** Resolves when no run is in progress. */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops polling and waits for the run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }
}
