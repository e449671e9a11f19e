import type { Clock } from './clock';
import type { GraphDirectory } from './graph/graphDirectory';
import { GraphFailure, toGraphFailure } from './graph/graphErrors';
import type { Logger } from './logger';
import type { AccessRequest, AuditEntry, ExecutionStep, Job } from './model';
import { describeRefusals, type PolicyRefusal, type RequestPolicy } from './requestPolicy';
import type { WorkQueue } from './requestWorkflow';
import type { Store } from './store/store';

export type ExecutionDirectory = Pick<
  GraphDirectory,
  'findUsersByEmail' | 'invite' | 'addGroupMember' | 'assignDirectoryRole' | 'assignAppRole'
>;

export interface WorkerOptions {
  workerId: string;
  /** How long a claimed job belongs to this worker before another may take it over. */
  leaseMs: number;
  /** How often the worker looks for work it was not told about (restarts, retries). */
  pollMs: number;
  /** Transient failures tolerated before a request is marked failed. */
  maxAttempts: number;
  /** First retry delay when Graph gives no Retry-After; doubles per attempt, capped at 5 minutes. */
  backoffBaseMs: number;
  /** Jobs run at once by this worker: Graph answers slowly, so one at a time leaves it idle. */
  concurrency: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<WorkerOptions, 'workerId'> = {
  leaseMs: 5 * 60_000,
  pollMs: 1_000,
  maxAttempts: 8,
  backoffBaseMs: 2_000,
  concurrency: 4,
};

const MAX_BACKOFF_MS = 5 * 60_000;

/** A claimed job's lease, renewed by a heartbeat that sets `lost` when another worker took the job. */
interface Lease {
  jobId: string;
  lost: boolean;
}

/** The worker's lease on the job in hand lapsed and another worker took the job over. */
class LeaseLost extends Error {
  constructor(readonly jobId: string) {
    super(`lease on job ${jobId} was lost`);
  }
}

/** Today's policy refuses what the request asks, found just before the step `nextStep` would write. */
class PolicyRefused extends Error {
  constructor(
    readonly nextStep: string,
    readonly refusals: PolicyRefusal[],
  ) {
    super(`policy refuses the request before ${nextStep}`);
  }
}

/** The failed step recorded when policy stopped a request; the cards name it in words. */
export const POLICY_STEP = 'policy';

/** A step that failed, named the way a requester can understand. */
class StepFailure extends Error {
  constructor(
    readonly stepKey: string,
    readonly failure: GraphFailure,
  ) {
    super(`${stepKey}: ${failure.userMessage}`);
  }
}

/**
 * Executes approved requests outside any click: invite (unless the guest exists already), then
 * each group, the directory role and the application role.
 * Every step's result is stored before the next starts, so a restart resumes where it stopped and
 * never invites twice; "already a member" counts as done.
 */
export class ExecutionWorker implements WorkQueue {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private drainAgain = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      store: Store;
      directory: ExecutionDirectory;
      /** Checked before every Graph write, with the protected groups read fresh: a policy change since approval wins. */
      policy: Pick<RequestPolicy, 'refusals'>;
      settings: { inviteRedirectUrl: string };
      clock: Clock;
      logger: Logger;
      options: WorkerOptions;
      /** Told when a request reaches completed or failed, to notify people. */
      onFinished: (request: AccessRequest) => void;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.poke(), this.deps.options.pollMs);
    this.timer.unref();
    this.poke();
  }

  /** Looks for work now (after an approval) instead of at the next poll. */
  poke(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.deps.logger.error({ err: String(error) }, 'worker drain failed'))
      .finally(() => {
        this.draining = undefined;
        if (this.drainAgain && !this.stopped) {
          this.drainAgain = false;
          this.poke();
        }
      });
  }

  /** Runs every job that is due now, `concurrency` at a time; each claim is atomic in the store. */
  async drain(): Promise<void> {
    const { store, clock, options } = this.deps;
    const lane = async (): Promise<void> => {
      for (;;) {
        if (this.stopped) return;
        const job = await store.claimJob(options.workerId, options.leaseMs, clock.now());
        if (!job) return;
        await this.withLease(job, (lease) => this.runJob(job, lease));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  }

  /** Resolves when the worker is idle (tests and shutdown). */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops taking new jobs and waits for the one in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }

  /**
   * Renews the job's lease a third of its length apart while the job runs, so a short lease (quick
   * take-over after a crash) still covers a long execution; a lease found lost stops the job at its
   * next step, leaving it to the worker that took it over.
   */
  private async withLease(job: Job, run: (lease: Lease) => Promise<void>): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    const lease: Lease = { jobId: job.id, lost: false };
    const heartbeat = setInterval(() => {
      store.extendJobLease(job.id, options.workerId, options.leaseMs, clock.now()).then(
        (held) => {
          if (!held) lease.lost = true;
        },
        (error: unknown) => logger.warn({ jobId: job.id, err: String(error) }, 'lease renewal failed'),
      );
    }, Math.max(10, Math.floor(options.leaseMs / 3)));
    heartbeat.unref();
    try {
      await run(lease);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async runJob(job: Job, lease: Lease): Promise<void> {
    const { store, logger } = this.deps;
    const log = logger.child({ jobId: job.id, requestId: job.requestId });
    let request = await store.getRequest(job.requestId);
    if (request?.state === 'approved') {
      const started = await store.transition({
        id: request.id,
        from: 'approved',
        expectedVersion: request.version,
        to: 'executing',
        audit: this.audit('execution_started', job, request.id, { attempt: job.attempts }),
      });
      request = started.ok ? started.request : started.current;
    } else if (request?.state === 'executing') {
      await store.appendAudit(this.audit('execution_resumed', job, request.id, { attempt: job.attempts }));
    }
    if (!request || request.state !== 'executing') {
      log.info({ state: request?.state ?? 'missing' }, 'job has nothing to do');
      await store.completeJob(job.id);
      return;
    }

    try {
      const outcome = await this.executeSteps(request, lease);
      const done = await store.transition({
        id: request.id,
        from: 'executing',
        expectedVersion: request.version,
        to: 'completed',
        patch: { outcome },
        audit: this.audit('request_completed', job, request.id),
      });
      await store.completeJob(job.id);
      log.info('request completed');
      if (done.ok) this.deps.onFinished(done.request);
    } catch (error) {
      await this.handleFailure(request, job, error);
    }
  }

  private async executeSteps(request: AccessRequest, lease: Lease): Promise<{ guestId: string; redeemUrl?: string }> {
    const { directory } = this.deps;
    const steps = new Map((await this.deps.store.getSteps(request.id)).map((s) => [s.key, s]));
    const existingGuestId = request.details.existingGuestId;
    const invited = existingGuestId ? { guestId: existingGuestId } : await this.step(request, lease, steps, 'invite', () => this.invite(request));
    const guestId = invited.guestId ?? '';
    for (const group of request.details.groups) {
      await this.step(request, lease, steps, `group:${group.id}`, async () => ({ result: await directory.addGroupMember(group.id, guestId) }));
    }
    const role = request.details.directoryRole;
    if (role) {
      await this.step(request, lease, steps, `role:${role.id}`, async () => ({ result: await directory.assignDirectoryRole(role.id, guestId) }));
    }
    const access = request.details.appAccess;
    if (access) {
      await this.step(request, lease, steps, `app:${access.app.id}:${access.role.id}`, async () => ({
        result: await directory.assignAppRole(access.app.id, guestId, access.role.id),
      }));
    }
    return { guestId, redeemUrl: invited.redeemUrl || undefined };
  }

  /**
   * A retried invitation must not send a second e-mail: if the address already belongs to a guest
   * (an earlier attempt succeeded but its answer was lost, or someone else invited them), that
   * guest is used.
   */
  private async invite(request: AccessRequest): Promise<Record<string, string>> {
    const { directory, settings } = this.deps;
    const existing = (await directory.findUsersByEmail(request.details.email))[0];
    if (existing?.userType === 'Guest') return { guestId: existing.id, redeemUrl: '', existing: 'true' };
    if (existing) {
      throw new GraphFailure(400, 'AlreadyMember', 'The address belongs to a member of your organisation, so no guest was invited.');
    }
    const invitation = await directory.invite({
      email: request.details.email,
      displayName: request.details.displayName,
      message: request.details.message,
      redirectUrl: settings.inviteRedirectUrl,
    });
    return { guestId: invitation.guestId, redeemUrl: invitation.redeemUrl };
  }

  private async step(
    request: AccessRequest,
    lease: Lease,
    steps: Map<string, ExecutionStep>,
    key: string,
    run: () => Promise<Record<string, string>>,
  ): Promise<Record<string, string>> {
    const done = steps.get(key);
    if (done?.status === 'done') return done.output;
    if (lease.lost) throw new LeaseLost(lease.jobId);
    let output: Record<string, string>;
    try {
      const refusals = await this.deps.policy.refusals(request.details, { fresh: true });
      if (refusals.length > 0) throw new PolicyRefused(key, refusals);
      output = await run();
    } catch (error) {
      if (error instanceof PolicyRefused) throw error;
      throw new StepFailure(key, toGraphFailure(error));
    }
    await this.deps.store.saveStep({ requestId: request.id, key, status: 'done', output });
    return output;
  }

  private async handleFailure(request: AccessRequest, job: Job, error: unknown): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    if (error instanceof LeaseLost) {
      logger.warn({ jobId: job.id, requestId: request.id }, 'lease lost to another worker; leaving the job to it');
      return;
    }
    if (error instanceof PolicyRefused) {
      await this.failByPolicy(request, job, error);
      return;
    }
    const failure = error instanceof StepFailure ? error.failure : toGraphFailure(error);
    const stepKey = error instanceof StepFailure ? error.stepKey : 'execution';
    const log = logger.child({ jobId: job.id, requestId: request.id, step: stepKey, status: failure.status, code: failure.code });

    // Throttling (429) is Graph pacing the app, not the job failing: it waits as told and keeps its attempts.
    const throttled = failure.status === 429;
    if (failure.transient && (throttled || job.attempts < options.maxAttempts)) {
      const waitMs = failure.retryAfterSeconds !== undefined
        ? failure.retryAfterSeconds * 1000
        : Math.min(MAX_BACKOFF_MS, options.backoffBaseMs * 2 ** (job.attempts - 1));
      const runAfter = new Date(clock.now().getTime() + waitMs);
      await store.releaseJob(job.id, runAfter, `${failure.status} ${failure.code}`, throttled);
      await store.appendAudit(this.audit('execution_retry_scheduled', job, request.id, { step: stepKey, status: failure.status, waitMs, throttled }));
      log.warn({ waitMs }, 'transient failure, will retry');
      return;
    }

    const reason = failure.transient ? `${failure.userMessage} Gave up after ${job.attempts} attempts.` : failure.userMessage;
    await store.saveStep({ requestId: request.id, key: stepKey, status: 'failed', output: {}, error: reason });
    const invited = (await store.getSteps(request.id)).find((s) => s.key === 'invite' && s.status === 'done');
    const failed = await store.transition({
      id: request.id,
      from: 'executing',
      expectedVersion: request.version,
      to: 'failed',
      patch: {
        outcome: { guestId: invited?.output.guestId, redeemUrl: invited?.output.redeemUrl || undefined, failedStep: stepKey, error: reason },
      },
      audit: this.audit('request_failed', job, request.id, { step: stepKey, status: failure.status, code: failure.code }),
    });
    await store.completeJob(job.id);
    log.warn('request failed');
    if (failed.ok) this.deps.onFinished(failed.request);
  }

  /** Steps already done stay done (and stored); the request fails with the policy's reason and nothing more is written. */
  private async failByPolicy(request: AccessRequest, job: Job, refused: PolicyRefused): Promise<void> {
    const { store, logger } = this.deps;
    const reason = describeRefusals(refused.refusals);
    await store.saveStep({ requestId: request.id, key: POLICY_STEP, status: 'failed', output: {}, error: reason });
    const steps = await store.getSteps(request.id);
    const invited = steps.find((s) => s.key === 'invite' && s.status === 'done');
    const stepsDone = steps.filter((s) => s.status === 'done').map((s) => s.key);
    const failed = await store.transition({
      id: request.id,
      from: 'executing',
      expectedVersion: request.version,
      to: 'failed',
      patch: {
        outcome: { guestId: invited?.output.guestId, redeemUrl: invited?.output.redeemUrl || undefined, failedStep: POLICY_STEP, error: reason },
      },
      audit: this.audit('request_failed', job, request.id, {
        step: POLICY_STEP,
        nextStep: refused.nextStep,
        refused: refused.refusals.map((r) => r.field).join(','),
        stepsDone: stepsDone.join(','),
      }),
    });
    await store.completeJob(job.id);
    logger.warn({ jobId: job.id, requestId: request.id, nextStep: refused.nextStep }, 'request refused by policy before a write');
    if (failed.ok) this.deps.onFinished(failed.request);
  }

  private audit(action: string, job: Job, requestId: string, detail?: AuditEntry['detail']): AuditEntry {
    return { requestId, actor: 'system', action, source: `job:${job.id}`, detail, at: this.deps.clock.now().toISOString() };
  }
}
