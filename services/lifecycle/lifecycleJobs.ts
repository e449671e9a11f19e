/**
 * Runs the lifecycle's jobs for the worker: each job names one step (end a grant, end a guest,
 * record a sponsor, collect a campaign, send a digest, plan or apply a cleanup), read with its
 * schema and handed to the service that owns it. Steps are safe to repeat: each looks at what is
 * stored before it writes, and each write is a compare-and-set.
 */
import { z } from 'zod';
import type { GraphFailure } from '../directory/graphErrors';
import type { Logger } from '../platform/logger';
import type { JobEnd, JobLease, LifecycleJob, LifecycleJobRunner } from '../requests/executionWorker';
import type { Store } from '../store/store';
import { END_GRANT, END_GUEST, type GuestLifecycle } from './guestLifecycle';

/** The steps a lifecycle job can hold. */
export const lifecycleStep = z.discriminatedUnion('op', [
  z.object({ op: z.literal(END_GRANT), grantId: z.string() }),
  z.object({ op: z.literal(END_GUEST), guestId: z.string() }),
  z.object({
    op: z.literal('setSponsor'),
    guestId: z.string(),
    sponsor: z.object({ kind: z.enum(['user', 'group']), id: z.string(), name: z.string() }),
    previousId: z.string().optional(),
  }),
  z.object({ op: z.literal('recertificationCollect'), campaignId: z.string() }),
  z.object({ op: z.literal('recertificationDigest'), campaignId: z.string(), sponsorId: z.string() }),
  z.object({ op: z.literal('cleanupPlan'), campaignId: z.string() }),
  z.object({ op: z.literal('cleanupGuest'), campaignId: z.string(), guestId: z.string() }),
]);
export type LifecycleStep = z.infer<typeof lifecycleStep>;
export type LifecycleOp = LifecycleStep['op'];

/** Carries out the steps of one kind; `gaveUp` is told when the worker stopped retrying one. */
export interface LifecycleStepHandler<S extends LifecycleStep> {
  run(step: S, lease: JobLease, source: string): Promise<void>;
  gaveUp?(step: S, failure: GraphFailure, source: string): Promise<void>;
}

type Handlers = { [Op in LifecycleOp]?: LifecycleStepHandler<Extract<LifecycleStep, { op: Op }>> };

export class LifecycleJobs implements LifecycleJobRunner {
  private readonly handlers: Handlers;

  constructor(private readonly deps: { store: Store; logger: Logger; lifecycle: GuestLifecycle; more?: Handlers }) {
    const { lifecycle } = deps;
    this.handlers = {
      [END_GRANT]: {
        run: (step, lease, source) => lifecycle.endGrant(step.grantId, lease, source),
        gaveUp: async (step, failure, source) => {
          const grant = await deps.store.getGrant(step.grantId);
          if (grant?.state === 'ending') await lifecycle.failGrant(grant, `${failure.userMessage} Gave up after repeated attempts.`, source);
        },
      },
      [END_GUEST]: { run: (step, lease, source) => lifecycle.endGuest(step.guestId, lease, source) },
      ...deps.more,
    };
  }

  /** Messages are written by each step's own change, so the job's completion adds none. */
  async run(job: LifecycleJob, lease: JobLease): Promise<JobEnd> {
    const step = lifecycleStep.parse(job.payload);
    await this.handlerOf(step).run(step, lease, `job:${job.id}`);
    return { outbox: [] };
  }

  async gaveUp(job: LifecycleJob, failure: GraphFailure): Promise<JobEnd> {
    const step = lifecycleStep.parse(job.payload);
    this.deps.logger.warn({ jobId: job.id, op: step.op, status: failure.status, code: failure.code }, 'lifecycle step given up');
    await this.handlerOf(step).gaveUp?.(step, failure, `job:${job.id}`);
    return { outbox: [] };
  }

  /** The handler registered under the step's op (each op's entry takes its own step). */
  private handlerOf(step: LifecycleStep): LifecycleStepHandler<LifecycleStep> {
    const handler: LifecycleStepHandler<LifecycleStep> | undefined = this.handlers[step.op];
    if (!handler) throw new Error(`no handler for the lifecycle step ${step.op}`);
    return handler;
  }
}
