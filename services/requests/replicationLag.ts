/** A refusal at some time after the invitation shows the lag is longer; the next guests wait this much longer than that. */
const GROWTH = 1.25;
/** Each first write that needed no retry shortens the learned wait by this factor, to follow the lag down. */
const SHRINK = 0.95;
/** Below this the wait is not worth a round trip through the job queue. */
const NEGLIGIBLE_MS = 50;

/**
 * How long new guests have lately taken to become writable after their invitation (Graph's
 * replication lag), learned from Graph's answers to the worker's own writes. A write refused
 * because the guest is unknown shows that the lag is longer than the time since that guest's
 * invitation; waiting a little longer than that before the first write to the next new guest
 * spares the tenant's write quota a refusal, which under throttling costs as much as a useful
 * write. Only refusals raise the estimate (successes come late under throttling and would inflate
 * it); every first write that succeeds shortens it a little, so it follows a shrinking lag down,
 * and a tenant without lag never waits.
 */
export class ReplicationLagEstimate {
  private estimateMs = 0;

  constructor(private readonly maxMs: number) {}

  /** How long after an invitation to make the first write that references the new guest. */
  get waitMs(): number {
    return this.estimateMs;
  }

  /** A write was refused `elapsedMs` after the invitation because the directory did not know the new guest yet. */
  recordRefusal(elapsedMs: number): void {
    this.estimateMs = Math.min(this.maxMs, Math.max(this.estimateMs, Math.round(elapsedMs * GROWTH)));
  }

  /** A request's first write referencing its new guest succeeded. */
  recordFirstWrite(): void {
    const shrunk = this.estimateMs * SHRINK;
    this.estimateMs = shrunk < NEGLIGIBLE_MS ? 0 : Math.round(shrunk);
  }
}
