import { FeatureOff, type Capabilities } from '../directory/capabilities';
import type { Clock } from '../platform/clock';
import type { AssignmentResult, GraphDirectory } from '../directory/graphDirectory';
import { GraphFailure, toGraphFailure } from '../directory/graphErrors';
import type { Logger } from '../platform/logger';
import { PollingLoop } from '../platform/pollingLoop';
import type { Announcements } from './announcements';
import { accessUntilOf, sponsorOf, type AccessRequest, type AuditEntry, type ExecutionOutcome, type ExecutionStep, type Job } from './model';
import { grantsOf, managedGuestOf } from '../lifecycle/grantRecords';
import { ReplicationLagEstimate } from './replicationLag';
import { describeRefusals, type PolicyRefusal, type RequestPolicy } from './requestPolicy';
import type { WorkQueue } from './requestWorkflow';
import type { NewOutboxEntry, Store } from '../store/store';
import { isBatchRowOrder } from './batches/model';

export type ExecutionDirectory = Pick<GraphDirectory, 'findUsersByEmail' | 'invite' | 'addGroupMember' | 'assignDirectoryRole' | 'assignAppRole'> &
  Partial<Pick<GraphDirectory, 'addSponsor'>>;

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
  /**
   * How long after inviting a guest the worker keeps retrying the steps Graph refuses because the
   * directory does not know the new guest yet (replication lag), before it fails the request.
   */
  directoryWaitMs: number;
  /** A wait for the directory that lasts past this (counted from the invitation) is shown on the requester's card. */
  directoryWaitNoticeMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<WorkerOptions, 'workerId'> = {
  leaseMs: 30_000,
  pollMs: 1_000,
  maxAttempts: 8,
  backoffBaseMs: 2_000,
  concurrency: 4,
  directoryWaitMs: 5 * 60_000,
  directoryWaitNoticeMs: 2_000,
};

const MAX_BACKOFF_MS = 5 * 60_000;

/** Recorded just before `POST /invitations`, so a retry knows that a guest found afterwards is this request's own. */
const INVITE_SENT_STEP = 'invite:sent';

/** A queued admin's write on a guest, as the jobs table holds it. */
export type GuestJob = Job & { kind: 'guest' };

/** A queued step of a guest's lifecycle, as the jobs table holds it. */
export type LifecycleJob = Job & { kind: 'lifecycle' };

/** Whether the worker still holds the job's lease; a runner checks it before each write. */
export interface JobLease {
  readonly lost: boolean;
}

/** How a job ended: the result kept on the job for whoever asks by its id (the tab), and the outbox entries that announce it. */
export interface JobEnd {
  result?: Record<string, unknown>;
  outbox: readonly NewOutboxEntry[];
}

/**
 * Carries out jobs whose payload belongs to another service (the admins' writes on guests, the
 * steps of a guest's lifecycle), which share the jobs table, its leases and its retry rules with
 * request execution. Both say how the job ended; the worker stores that as it completes the job.
 */
export interface PayloadJobRunner<J extends Job> {
  /** Throws a GraphFailure when Graph failed; the worker retries it when it is transient. */
  run(job: J, lease: JobLease): Promise<JobEnd>;
  /** The job failed for good (transient failures past the attempts): what to keep and tell. */
  gaveUp(job: J, failure: GraphFailure): Promise<JobEnd>;
}

export type GuestJobRunner = PayloadJobRunner<GuestJob>;

/** Carries out batches (services/requests/batches): starts an approved batch, then runs its rows' guest jobs. */
export interface BatchRunner extends PayloadJobRunner<GuestJob> {
  /** The batch's own request job: queue its rows' jobs as it starts executing. */
  start(job: Job, request: AccessRequest): Promise<void>;
}
export type LifecycleJobRunner = PayloadJobRunner<LifecycleJob>;

/** A guest this request's invitation created, and when: the directory may not know it everywhere yet. */
interface NewGuest {
  id: string;
  invitedAt: Date;
}

/** Steps that write something referencing the guest (as opposed to the invitation itself). */
const REFERENCE_STEP = /^(group|role|app):/;

const OBJECT_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Graph's answers when a write names an object the replica that took it does not know: 404
 * Request_ResourceNotFound "Resource '<id>' does not exist ...", or 400 "... objects being
 * referenced do not exist". They are about the new guest when they name it, or name no object.
 */
function saysGuestUnknown(failure: GraphFailure, guestId: string): boolean {
  const missing =
    (failure.status === 404 && failure.code === 'Request_ResourceNotFound') ||
    (failure.status === 400 && /\bdo(?:es)?(?: not|n't) exist\b/i.test(failure.graphMessage));
  if (!missing) return false;
  const named = failure.graphMessage.match(OBJECT_ID) ?? [];
  return named.length === 0 || named.some((id) => id.toLowerCase() === guestId.toLowerCase());
}

/** "5 minutes", "90 seconds". */
function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 60 === 0 && seconds >= 60) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/** A claimed job's lease, renewed by a heartbeat that sets `lost` when another worker took the job. */
interface Lease {
  jobId: string;
  lost: boolean;
}

/** The worker's lease on the job in hand lapsed and another worker took the job over. */
export class LeaseLost extends Error {
  constructor(readonly jobId: string) {
    super(`lease on job ${jobId} was lost`);
  }
}

/** The first write to a new guest is put off until the directory is expected to know the guest. */
class DeferredForDirectory extends Error {
  constructor(
    readonly stepKey: string,
    readonly newGuest: NewGuest,
    readonly runAfter: number,
  ) {
    super(`${stepKey}: waiting for the directory to know the new guest`);
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
    /** Set for steps after this request's own invitation, which may meet the replication lag. */
    readonly newGuest?: NewGuest,
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
export class ExecutionWorker extends PollingLoop implements WorkQueue {
  private readonly replicationLag: ReplicationLagEstimate;

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
      /**
       * Who hears that a request completed or failed, or started waiting for the directory to know
       * its new guest: written with the transition, so a crash right after it loses no notice.
       */
      announcements: Announcements;
      /** Runs the guest jobs; without it they wait for an instance that has one. */
      guestJobs?: GuestJobRunner;
      /** Whether sponsors may be written in the directory after an invitation (User.ReadWrite.All); default yes. */
      capabilities?: Pick<Capabilities, 'isOn'>;
      /** Carries out an approved extension request: the guest's grants last longer (the lifecycle). */
      extensions?: { applyExtension(request: AccessRequest, source: string): Promise<void> };
      /** Runs the lifecycle jobs; without it they wait for an instance that has one. */
      lifecycleJobs?: LifecycleJobRunner;
      /** Starts batches and runs their rows; without it they wait for an instance that has one. */
      batches?: BatchRunner;
    },
  ) {
    super({ name: 'worker', pollMs: deps.options.pollMs, logger: deps.logger });
    this.replicationLag = new ReplicationLagEstimate(deps.options.directoryWaitMs);
  }

  /**
   * Runs every job that is due now, `concurrency` at a time; each claim is atomic in the store. A
   * lane that finds nothing due stops, and lanes are started again after each job up to
   * `concurrency`: a job may queue others (a batch queues one per row), which must not wait for
   * the one lane still busy.
   */
  async drain(): Promise<void> {
    const { store, clock, options } = this.deps;
    const width = Math.max(1, options.concurrency);
    const lanes = new Set<Promise<void>>();
    const lane = async (): Promise<void> => {
      for (;;) {
        if (this.isStopped) return;
        const job = await store.claimJob(options.workerId, options.leaseMs, clock.now());
        if (!job) return;
        if (job.kind === 'request') await this.withLease(job, (lease) => this.runJob(job, lease));
        else if (job.kind === 'guest') {
          const runner = isBatchRowOrder(job.payload) ? this.deps.batches : this.deps.guestJobs;
          await this.withLease(job, (lease) => this.runPayloadJob(job, lease, runner));
        } else await this.withLease(job, (lease) => this.runPayloadJob(job, lease, this.deps.lifecycleJobs));
        while (lanes.size < width) startLane();
      }
    };
    const startLane = (): void => {
      const running: Promise<void> = lane().finally(() => lanes.delete(running));
      lanes.add(running);
    };
    for (let i = 0; i < width; i++) startLane();
    while (lanes.size > 0) await Promise.all([...lanes]);
  }

  /**
   * Renews the job's lease a third of its length apart while the job runs, so a short lease (quick
   * take-over after a crash) still covers a long execution; a lease found lost stops the job at its
   * next step, leaving it to the worker that took it over.
   */
  private async withLease(job: Job, run: (lease: Lease) => Promise<void>): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    const lease: Lease = { jobId: job.id, lost: false };
    const heartbeat = setInterval(
      () => {
        store.extendJobLease(job.id, options.workerId, options.leaseMs, clock.now()).then(
          (held) => {
            if (!held) lease.lost = true;
          },
          (error: unknown) => logger.warn({ jobId: job.id, err: String(error) }, 'lease renewal failed'),
        );
      },
      Math.max(10, Math.floor(options.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await run(lease);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async runJob(job: Job & { kind: 'request' }, lease: Lease): Promise<void> {
    const { store, logger } = this.deps;
    const log = logger.child({ jobId: job.id, requestId: job.requestId });
    let request = await store.getRequest(job.requestId);
    if (request?.kind === 'batch') {
      await this.startBatch(job, request);
      return;
    }
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
      const { outcome, createdGuest } = await this.executeSteps(request, lease);
      const at = this.deps.clock.now().toISOString();
      const guestId = outcome.guestId ?? '';
      // What the request gave, and the guest with its sponsor, are recorded with the completion.
      const grants = guestId ? grantsOf(request, await store.getSteps(request.id), guestId, createdGuest, at) : [];
      await store.transition({
        id: request.id,
        from: 'executing',
        expectedVersion: request.version,
        to: 'completed',
        patch: { outcome },
        audit: this.audit('request_completed', job, request.id, { grants: grants.length, accessUntil: accessUntilOf(request) ?? null }),
        outbox: this.deps.announcements.entriesFor(request, 'completed', { outcome }),
        grants,
        managedGuest: guestId ? managedGuestOf(request, guestId, createdGuest, at) : undefined,
      });
      await store.completeJob(job.id);
      log.info('request completed');
      this.deps.announcements.written();
    } catch (error) {
      await this.handleFailure(request, job, error);
    }
  }

  /** A batch's own job only starts it: each row is a job of its own, queued as the batch starts. */
  private async startBatch(job: Job & { kind: 'request' }, request: AccessRequest): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    if (!this.deps.batches) {
      await store.releaseJob(job.id, new Date(clock.now().getTime() + options.pollMs), 'no runner for batches here', true);
      logger.error('no runner for batches in this instance');
      return;
    }
    await this.deps.batches.start(job, request);
    await store.completeJob(job.id);
  }

  private async runPayloadJob<J extends GuestJob | LifecycleJob>(job: J, lease: Lease, runner: PayloadJobRunner<J> | undefined): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    const log = logger.child({ jobId: job.id, kind: job.kind });
    if (!runner) {
      await store.releaseJob(job.id, new Date(clock.now().getTime() + options.pollMs), `no runner for ${job.kind} jobs here`, true);
      log.error(`no runner for ${job.kind} jobs in this instance`);
      return;
    }
    let end: JobEnd;
    try {
      end = await runner.run(job, lease);
    } catch (error) {
      if (error instanceof LeaseLost || lease.lost) {
        log.warn('lease lost to another worker; leaving the job to it');
        return;
      }
      const failure = toGraphFailure(error);
      const waitMs = this.retryDelay(failure, job.attempts);
      if (waitMs !== undefined) {
        await store.releaseJob(job.id, new Date(clock.now().getTime() + waitMs), `${failure.status} ${failure.code}`, failure.status === 429);
        await store.appendAudit({
          actor: 'system',
          action: `${job.kind}_job_retry_scheduled`,
          source: `job:${job.id}`,
          detail: { status: failure.status, waitMs },
          at: clock.now().toISOString(),
        });
        log.warn({ status: failure.status, code: failure.code, waitMs }, 'transient failure, will retry');
        return;
      }
      try {
        end = await runner.gaveUp(job, failure);
      } catch (error) {
        // An order that cannot even be read (a payload from another release) is dropped, not retried forever.
        log.error({ err: error instanceof Error ? error.message : String(error) }, `${job.kind} job given up without a result to show`);
        end = { outbox: [] };
      }
    }
    if (lease.lost) {
      log.warn('lease lost to another worker before the job ended; leaving it to that worker');
      return;
    }
    await store.completeJob(job.id, end.outbox, end.result);
    log.info(`${job.kind} job finished`);
    this.deps.announcements.written();
  }

  /**
   * How long to wait before retrying after `failure` on attempt `attempts`, or undefined when it is
   * not retried. Throttling (429) is Graph pacing the app, not the job failing: it waits as told
   * and keeps its attempts.
   */
  private retryDelay(failure: GraphFailure, attempts: number): number | undefined {
    const { options } = this.deps;
    const throttled = failure.status === 429;
    if (!failure.transient || (!throttled && attempts >= options.maxAttempts)) return undefined;
    return failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : Math.min(MAX_BACKOFF_MS, options.backoffBaseMs * 2 ** (attempts - 1));
  }

  private async executeSteps(request: AccessRequest, lease: Lease): Promise<{ outcome: ExecutionOutcome; createdGuest: boolean }> {
    const { directory } = this.deps;
    const steps = new Map((await this.deps.store.getSteps(request.id)).map((s) => [s.key, s]));
    const existingGuestId = request.details.existingGuestId;
    const invited = existingGuestId ? { guestId: existingGuestId } : await this.step(request, lease, steps, 'invite', () => this.invite(request, steps));
    const guestId = invited.guestId ?? '';
    const newGuest = existingGuestId ? undefined : newGuestOf(guestId, invited, steps.get('invite'));
    let firstWriteMade = [...steps.values()].some((s) => s.status === 'done' && REFERENCE_STEP.test(s.key));
    const run = async (key: string, write: () => Promise<Record<string, string>>) => {
      if (newGuest && !firstWriteMade && steps.get(key)?.status !== 'done') this.deferUntilDirectoryKnows(key, newGuest);
      return this.step(
        request,
        lease,
        steps,
        key,
        async () => {
          const output = await write();
          if (newGuest && !firstWriteMade) this.replicationLag.recordFirstWrite();
          firstWriteMade = true;
          return output;
        },
        newGuest,
      );
    };
    for (const group of request.details.groups) {
      await run(`group:${group.id}`, async () => ({ result: await directory.addGroupMember(group.id, guestId) }));
    }
    const role = request.details.directoryRole;
    if (role) await run(`role:${role.id}`, async () => assignmentOutput(await directory.assignDirectoryRole(role.id, guestId)));
    const access = request.details.appAccess;
    if (access)
      await run(`app:${access.app.id}:${access.role.id}`, async () => assignmentOutput(await directory.assignAppRole(access.app.id, guestId, access.role.id)));
    if (request.kind === 'extension') {
      const { extensions } = this.deps;
      if (!extensions) throw new GraphFailure(503, 'NoLifecycle', 'This instance cannot extend access; another will.');
      await this.step(request, lease, steps, 'extend', async () => {
        await extensions.applyExtension(request, `request:${request.id}`);
        return { result: 'extended' };
      });
    }
    const createdGuest = !existingGuestId && invited.existing !== 'true';
    // A guest this request did not invite gets the sponsor in the directory afterwards (an invitation sets it itself).
    if (!createdGuest && guestId && !(await this.deps.store.getManagedGuest(guestId))) {
      const sponsor = sponsorOf(request);
      await this.step(request, lease, steps, `sponsor:${sponsor.aadObjectId}`, () => this.addSponsor(guestId, sponsor.aadObjectId));
    }
    const outcome: ExecutionOutcome = { guestId, redeemUrl: invited.redeemUrl || undefined };
    if (invited.existing === 'true') outcome.existingGuest = { externalUserState: invited.externalUserState || null };
    return { outcome, createdGuest };
  }

  /**
   * Records the sponsor in the directory. Access is granted already, so a refusal (the app lacks
   * User.ReadWrite.All, say) is noted on the step rather than failing the request: the bot keeps
   * the sponsor itself either way. Passing failures are retried like any step.
   */
  private async addSponsor(guestId: string, sponsorId: string): Promise<Record<string, string>> {
    const { directory, capabilities } = this.deps;
    if (!directory.addSponsor || capabilities?.isOn('sponsorWrite') === false) return { result: 'skipped' };
    try {
      return { result: await directory.addSponsor(guestId, { kind: 'user', id: sponsorId }) };
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.transient) throw failure;
      return { result: 'failed', status: String(failure.status), code: failure.code };
    }
  }

  /**
   * A retried invitation must not send a second e-mail: if the address already belongs to a guest,
   * that guest is used. Found after this request's own `POST /invitations` (its answer was lost),
   * the guest is new, and the directory may not know it everywhere yet; found otherwise, someone
   * invited them outside this request.
   */
  private async invite(request: AccessRequest, steps: Map<string, ExecutionStep>): Promise<Record<string, string>> {
    const { directory, settings, store, clock } = this.deps;
    const existing = (await directory.findUsersByEmail(request.details.email))[0];
    const sent = steps.get(INVITE_SENT_STEP);
    if (existing?.userType === 'Guest' && sent?.output.at) return { guestId: existing.id, redeemUrl: '', invitedAt: sent.output.at };
    if (existing?.userType === 'Guest') {
      return { guestId: existing.id, redeemUrl: '', existing: 'true', externalUserState: existing.externalUserState ?? '' };
    }
    if (existing) {
      throw new GraphFailure(400, 'AlreadyMember', 'The address belongs to a member of your organisation, so no guest was invited.');
    }
    const invitedAt = clock.now().toISOString();
    await store.saveStep({ requestId: request.id, key: INVITE_SENT_STEP, status: 'done', output: { at: invitedAt } });
    const invitation = await directory.invite({
      email: request.details.email,
      displayName: request.details.displayName,
      message: request.details.message,
      redirectUrl: settings.inviteRedirectUrl,
      sponsorIds: [sponsorOf(request).aadObjectId],
    });
    return { guestId: invitation.guestId, redeemUrl: invitation.redeemUrl, invitedAt };
  }

  private async step(
    request: AccessRequest,
    lease: Lease,
    steps: Map<string, ExecutionStep>,
    key: string,
    run: () => Promise<Record<string, string>>,
    newGuest?: NewGuest,
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
      // A feature turned off since the approval (the app lost a permission) is no passing outage.
      if (error instanceof FeatureOff) throw new StepFailure(key, GraphFailure.turnedOff(error.message), newGuest);
      throw new StepFailure(key, toGraphFailure(error), newGuest);
    }
    await this.deps.store.saveStep({ requestId: request.id, key, status: 'done', output });
    return output;
  }

  /** Throws DeferredForDirectory while the new guest is younger than the replication lag lately seen. */
  private deferUntilDirectoryKnows(stepKey: string, newGuest: NewGuest): void {
    const invitedAt = newGuest.invitedAt.getTime();
    const readyAt = Math.min(invitedAt + this.replicationLag.waitMs, invitedAt + this.deps.options.directoryWaitMs);
    if (this.deps.clock.now().getTime() < readyAt) throw new DeferredForDirectory(stepKey, newGuest, readyAt);
  }

  /**
   * Right after an invitation, Graph may answer "does not exist" about the new guest until the
   * directory has replicated it. Such a step is retried with growing waits (each about as long as
   * the time since the invitation, so the attempts double apart, and no sooner than the lag lately
   * seen) without using up the job's attempts, until `directoryWaitMs` after the invitation.
   * Undefined when that time is over.
   */
  private retryAfterRefusal(newGuest: NewGuest): number | undefined {
    const { clock, options } = this.deps;
    const now = clock.now().getTime();
    const invitedAt = newGuest.invitedAt.getTime();
    const deadline = invitedAt + options.directoryWaitMs;
    if (now >= deadline) return undefined;
    const delay = Math.min(MAX_BACKOFF_MS, Math.max(options.backoffBaseMs, now - invitedAt));
    return Math.min(deadline, Math.max(now + delay, invitedAt + this.replicationLag.waitMs));
  }

  /**
   * Gives the job back until `runAfter` without using an attempt. The first time the wait reaches
   * past `directoryWaitNoticeMs` after the invitation, the request records that it is waiting for
   * the directory and its cards are refreshed to say so.
   */
  private async waitForDirectory(
    request: AccessRequest,
    job: Job,
    stepKey: string,
    newGuest: NewGuest,
    runAfter: number,
    refusal?: GraphFailure,
  ): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    const now = clock.now().getTime();
    const invitedAt = newGuest.invitedAt.getTime();
    if (!request.outcome?.waitingForDirectorySince && runAfter - invitedAt > options.directoryWaitNoticeMs) {
      const patch = { outcome: { ...request.outcome, guestId: newGuest.id, waitingForDirectorySince: new Date(now).toISOString() } };
      const marked = await store.transition({
        id: request.id,
        from: 'executing',
        expectedVersion: request.version,
        to: 'executing',
        patch,
        audit: this.audit('directory_wait_started', job, request.id, { step: stepKey }),
        outbox: this.deps.announcements.entriesFor(request, 'waitingForDirectory', patch),
      });
      if (marked.ok) this.deps.announcements.written();
    }
    const waitMs = runAfter - now;
    await store.releaseJob(job.id, new Date(runAfter), refusal ? `${refusal.status} ${refusal.code}` : 'waiting for the directory', true);
    await store.appendAudit(
      refusal
        ? this.audit('execution_retry_scheduled', job, request.id, { step: stepKey, status: refusal.status, waitMs, throttled: false, directory: true })
        : this.audit('execution_deferred', job, request.id, { step: stepKey, waitMs, directory: true }),
    );
    logger.info(
      { jobId: job.id, requestId: request.id, step: stepKey, status: refusal?.status ?? null, waitMs },
      'waiting for the directory to know the new guest',
    );
  }

  private async handleFailure(request: AccessRequest, job: Job, error: unknown): Promise<void> {
    const { store, clock, options, logger } = this.deps;
    if (error instanceof LeaseLost) {
      logger.warn({ jobId: job.id, requestId: request.id }, 'lease lost to another worker; leaving the job to it');
      return;
    }
    if (error instanceof DeferredForDirectory) {
      await this.waitForDirectory(request, job, error.stepKey, error.newGuest, error.runAfter);
      return;
    }
    if (error instanceof PolicyRefused) {
      await this.failByPolicy(request, job, error);
      return;
    }
    const failure = error instanceof StepFailure ? error.failure : toGraphFailure(error);
    const stepKey = error instanceof StepFailure ? error.stepKey : 'execution';
    const log = logger.child({ jobId: job.id, requestId: request.id, step: stepKey, status: failure.status, code: failure.code });

    let reason = failure.transient ? `${failure.userMessage} Gave up after ${job.attempts} attempts.` : failure.userMessage;
    if (error instanceof StepFailure && error.newGuest && saysGuestUnknown(failure, error.newGuest.id)) {
      this.replicationLag.recordRefusal(this.deps.clock.now().getTime() - error.newGuest.invitedAt.getTime());
      const runAfter = this.retryAfterRefusal(error.newGuest);
      if (runAfter !== undefined) {
        await this.waitForDirectory(request, job, stepKey, error.newGuest, runAfter, failure);
        return;
      }
      if (options.directoryWaitMs > 0) {
        reason = `The directory still did not know the new guest ${describeDuration(options.directoryWaitMs)} after the invitation, so the bot stopped waiting. Graph said: ${failure.graphMessage}`;
      }
    }

    const throttled = failure.status === 429;
    const waitMs = this.retryDelay(failure, job.attempts);
    if (waitMs !== undefined) {
      const runAfter = new Date(clock.now().getTime() + waitMs);
      await store.releaseJob(job.id, runAfter, `${failure.status} ${failure.code}`, throttled);
      await store.appendAudit(this.audit('execution_retry_scheduled', job, request.id, { step: stepKey, status: failure.status, waitMs, throttled }));
      log.warn({ waitMs }, 'transient failure, will retry');
      return;
    }

    await store.saveStep({ requestId: request.id, key: stepKey, status: 'failed', output: {}, error: reason });
    const invited = (await store.getSteps(request.id)).find((s) => s.key === 'invite' && s.status === 'done');
    const patch = {
      outcome: { guestId: invited?.output.guestId, redeemUrl: invited?.output.redeemUrl || undefined, failedStep: stepKey, error: reason },
    };
    await store.transition({
      id: request.id,
      from: 'executing',
      expectedVersion: request.version,
      to: 'failed',
      patch,
      audit: this.audit('request_failed', job, request.id, { step: stepKey, status: failure.status, code: failure.code }),
      outbox: this.deps.announcements.entriesFor(request, 'failed', patch),
    });
    await store.completeJob(job.id);
    log.warn('request failed');
    this.deps.announcements.written();
  }

  /** Steps already done stay done (and stored); the request fails with the policy's reason and nothing more is written. */
  private async failByPolicy(request: AccessRequest, job: Job, refused: PolicyRefused): Promise<void> {
    const { store, logger } = this.deps;
    const reason = describeRefusals(refused.refusals);
    await store.saveStep({ requestId: request.id, key: POLICY_STEP, status: 'failed', output: {}, error: reason });
    const steps = await store.getSteps(request.id);
    const invited = steps.find((s) => s.key === 'invite' && s.status === 'done');
    // The note that an invitation went out is bookkeeping, not a step anyone asked for.
    const stepsDone = steps.filter((s) => s.status === 'done' && s.key !== INVITE_SENT_STEP).map((s) => s.key);
    const patch = {
      outcome: { guestId: invited?.output.guestId, redeemUrl: invited?.output.redeemUrl || undefined, failedStep: POLICY_STEP, error: reason },
    };
    await store.transition({
      id: request.id,
      from: 'executing',
      expectedVersion: request.version,
      to: 'failed',
      patch,
      outbox: this.deps.announcements.entriesFor(request, 'failed', patch),
      audit: this.audit('request_failed', job, request.id, {
        step: POLICY_STEP,
        nextStep: refused.nextStep,
        refused: refused.refusals.map((r) => r.field).join(','),
        stepsDone: stepsDone.join(','),
      }),
    });
    await store.completeJob(job.id);
    logger.warn({ jobId: job.id, requestId: request.id, nextStep: refused.nextStep }, 'request refused by policy before a write');
    this.deps.announcements.written();
  }

  private audit(action: string, job: Job, requestId: string, detail?: AuditEntry['detail']): AuditEntry {
    return { requestId, actor: 'system', action, source: `job:${job.id}`, detail, at: this.deps.clock.now().toISOString() };
  }
}

/**
 * A role step's stored output: `assigned` with the assignment's id (to remove exactly it when the
 * access ends), or `alreadyAssigned` (someone else gave it; never removed by this request).
 */
function assignmentOutput(result: AssignmentResult): Record<string, string> {
  return result.outcome === 'assigned' ? { result: 'assigned', assignmentId: result.assignmentId } : { result: 'alreadyAssigned' };
}

/**
 * The guest this request's invitation created, with the time the invitation was sent; undefined
 * for a guest invited outside this request. Steps stored before `invitedAt` existed fall back to
 * the time the invitation step was saved.
 */
function newGuestOf(guestId: string, invited: Record<string, string>, inviteStep: ExecutionStep | undefined): NewGuest | undefined {
  if (!guestId || invited.existing === 'true') return undefined;
  const at = new Date(invited.invitedAt ?? inviteStep?.updatedAt ?? '');
  return Number.isNaN(at.getTime()) ? undefined : { id: guestId, invitedAt: at };
}
