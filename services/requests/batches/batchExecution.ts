/**
 * Carries out an approved batch: the batch's request job queues one guest job per row (with the
 * transition that starts it), and each row's job invites its guest and adds the groups under the
 * worker's usual leases, concurrency and throttling. A row looks the address up before inviting
 * and saves what it did after each write, so a retried or re-claimed job never invites twice; a
 * row that fails never stops the others. The requester's card is refreshed about twenty times over
 * a batch, not once per row, and the end lists the failures with Graph's reasons.
 */
import { z } from 'zod';
import type { GraphDirectory } from '../../directory/graphDirectory';
import { GraphFailure, toGraphFailure } from '../../directory/graphErrors';
import { batchRowGrantsOf, batchRowGuestOf } from '../../lifecycle/grantRecords';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { Announcements } from '../announcements';
import { LeaseLost, type GuestJob, type JobEnd, type JobLease, type PayloadJobRunner } from '../executionWorker';
import type { AccessRequest, AuditEntry, BatchFailure, BatchProgress, Job } from '../model';
import { describeRefusals, type RequestPolicy } from '../requestPolicy';
import type { Store } from '../../store/store';
import { BATCH_ROW_ORDER, type BatchRow, type BatchRowProgress } from './model';

export type BatchDirectory = Pick<GraphDirectory, 'findUsersByEmail' | 'invite' | 'addGroupMember'>;

const rowOrder = z.object({ order: z.literal(BATCH_ROW_ORDER), requestId: z.string().min(1), row: z.number().int().min(1) });

/** About this many card refreshes over a batch, however many rows it has. */
const PROGRESS_UPDATES = 20;
/** Failures listed on the card at the end; the tab lists them all. */
const FAILURES_ON_CARD = 20;
/** Tries at the compare-and-set that ends a batch, against progress written at the same moment. */
const END_TRIES = 5;

/** Graph refuses writes about a guest the directory does not know everywhere yet (replication lag). */
function saysUnknown(failure: GraphFailure): boolean {
  return (
    (failure.status === 404 && failure.code === 'Request_ResourceNotFound') ||
    (failure.status === 400 && /\bdo(?:es)?(?: not|n't) exist\b/i.test(failure.graphMessage))
  );
}

export class BatchExecution implements PayloadJobRunner<GuestJob> {
  constructor(
    private readonly deps: {
      store: Store;
      directory: BatchDirectory;
      /** Checked again before each row's writes, with protected groups read fresh. */
      policy: Pick<RequestPolicy, 'refusals'>;
      settings: { inviteRedirectUrl: string };
      announcements: Announcements;
      clock: Clock;
      logger: Logger;
      /** How long after a row's invitation a refusal naming the new guest is taken for replication lag and retried. */
      directoryWaitMs: number;
    },
  ) {}

  /** The batch's request job: approved becomes executing, and one job per row is queued with it. */
  async start(job: Job, request: AccessRequest): Promise<void> {
    const { store, announcements } = this.deps;
    if (request.state !== 'approved') return;
    const counts = await store.countBatchRows(request.id);
    const patch = { outcome: { batch: { total: counts.total, done: counts.done, failed: counts.failed, waiting: counts.queued } } };
    const started = await store.transition({
      id: request.id,
      from: 'approved',
      expectedVersion: request.version,
      to: 'executing',
      patch,
      audit: this.audit('execution_started', job, request.id, { rows: counts.total }),
      outbox: announcements.entriesFor(request, 'progress', patch),
      batchRowJobs: true,
    });
    if (started.ok) announcements.written();
  }

  async run(job: GuestJob, lease: JobLease): Promise<JobEnd> {
    const order = rowOrder.parse(job.payload);
    const { store } = this.deps;
    const request = await store.getRequest(order.requestId);
    const row = await store.getBatchRow(order.requestId, order.row);
    if (!request || !row || request.state !== 'executing' || row.state !== 'queued') return { outbox: [] };
    const ended = await this.carryOut(request, row, lease);
    if (ended) await this.afterRow(request.id, job);
    return { outbox: [], result: { row: row.row } };
  }

  async gaveUp(job: GuestJob, failure: GraphFailure): Promise<JobEnd> {
    const order = rowOrder.parse(job.payload);
    const row = await this.deps.store.getBatchRow(order.requestId, order.row);
    if (row?.state === 'queued') {
      await this.deps.store.saveBatchRow(row.requestId, row.row, {
        state: 'failed',
        progress: row.progress,
        error: `${failure.userMessage} Gave up after ${job.attempts} attempts.`,
      });
      await this.afterRow(row.requestId, job);
    }
    return { outbox: [] };
  }

  /** True when the row ended (done or failed); throws a transient GraphFailure for the worker to retry. */
  private async carryOut(request: AccessRequest, row: BatchRow, lease: JobLease): Promise<boolean> {
    const { store, directory, settings, clock } = this.deps;
    const progress: BatchRowProgress = { ...row.progress };
    const fail = async (reason: string): Promise<boolean> => {
      await store.saveBatchRow(row.requestId, row.row, { state: 'failed', progress, error: reason });
      return true;
    };
    const beforeWrite = async (): Promise<string | undefined> => {
      if (lease.lost) throw new LeaseLost('batch row');
      const refusals = await this.deps.policy.refusals({ email: row.email, groups: row.groups }, { fresh: true });
      return refusals.length > 0 ? describeRefusals(refusals) : undefined;
    };
    try {
      if (!progress.guestId) {
        const refused = await beforeWrite();
        if (refused) return await fail(refused);
        // The lookup before inviting: a guest found after this row's own invitation went out is this row's.
        const existing = (await directory.findUsersByEmail(row.email))[0];
        if (existing && existing.userType !== 'Guest') return await fail('The address belongs to a member of your organisation, so no guest was invited.');
        if (existing) {
          progress.guestId = existing.id;
          if (!progress.sentAt) progress.existing = true;
        } else {
          progress.sentAt = clock.now().toISOString();
          await store.saveBatchRow(row.requestId, row.row, { state: 'queued', progress });
          const invitation = await directory.invite({
            email: row.email,
            displayName: row.displayName,
            message: row.message,
            redirectUrl: settings.inviteRedirectUrl,
            sponsorIds: [(request.details.sponsor ?? request.requester).aadObjectId],
          });
          progress.guestId = invitation.guestId;
          progress.redeemUrl = invitation.redeemUrl;
        }
        await store.saveBatchRow(row.requestId, row.row, { state: 'queued', progress });
      }
      const guestId = progress.guestId;
      for (const group of row.groups) {
        if (progress.groupsDone?.includes(group.id)) continue;
        const refused = await beforeWrite();
        if (refused) return await fail(refused);
        try {
          if ((await directory.addGroupMember(group.id, guestId)) === 'alreadyMember') {
            progress.groupsAlready = [...(progress.groupsAlready ?? []), group.id];
          }
        } catch (error) {
          const failure = toGraphFailure(error);
          const sinceInvite = progress.sentAt ? clock.now().getTime() - Date.parse(progress.sentAt) : Infinity;
          if (saysUnknown(failure) && sinceInvite < this.deps.directoryWaitMs) {
            // The new guest is not known everywhere yet: a passing state, retried like an outage.
            throw new GraphFailure(503, 'GuestNotReplicatedYet', failure.graphMessage, Math.max(1, Math.ceil(sinceInvite / 1000)));
          }
          throw failure;
        }
        progress.groupsDone = [...(progress.groupsDone ?? []), group.id];
        await store.saveBatchRow(row.requestId, row.row, { state: 'queued', progress });
      }
      // What the row gave, and its guest with the sponsor, are recorded with the row's end, as a single request's are.
      const at = clock.now().toISOString();
      const createdGuest = progress.existing !== true;
      const done = { ...row, progress };
      await store.saveBatchRow(row.requestId, row.row, {
        state: 'done',
        progress,
        grants: batchRowGrantsOf(done, guestId, createdGuest, at),
        managedGuest: batchRowGuestOf(request, done, guestId, createdGuest, at),
      });
      return true;
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      const failure = toGraphFailure(error);
      if (failure.transient) throw failure;
      return fail(failure.userMessage);
    }
  }

  /** Refreshes the cards when the rows finished cross another twentieth, and ends the batch after its last row. */
  private async afterRow(requestId: string, job: Job): Promise<void> {
    const { store, announcements } = this.deps;
    for (let attempt = 0; attempt < END_TRIES; attempt++) {
      const request = await store.getRequest(requestId);
      if (!request || request.state !== 'executing') return;
      const counts = await store.countBatchRows(requestId);
      const batch: BatchProgress = { total: counts.total, done: counts.done, failed: counts.failed, waiting: counts.queued };
      if (counts.queued > 0) {
        const step = Math.max(1, Math.ceil(counts.total / PROGRESS_UPDATES));
        const shown = request.outcome?.batch;
        const before = shown ? Math.floor((shown.done + shown.failed) / step) : -1;
        if (Math.floor((counts.done + counts.failed) / step) <= before) return;
        const patch = { outcome: { ...request.outcome, batch } };
        const updated = await store.transition({
          id: requestId,
          from: 'executing',
          expectedVersion: request.version,
          to: 'executing',
          patch,
          audit: this.audit('batch_progress', job, requestId, { done: counts.done, failed: counts.failed, waiting: counts.queued }),
          outbox: announcements.entriesFor(request, 'progress', patch),
        });
        if (updated.ok) announcements.written();
        // Losing to another row's update is fine: that one showed the progress.
        return;
      }
      const failures: BatchFailure[] = (await store.listBatchRows(requestId))
        .filter((r) => r.state === 'failed')
        .slice(0, FAILURES_ON_CARD)
        .map((r) => ({ row: r.line, email: r.email, reason: r.error ?? 'no reason was given' }));
      const patch = { outcome: { batch: { ...batch, failures } } };
      const completed = await store.transition({
        id: requestId,
        from: 'executing',
        expectedVersion: request.version,
        to: 'completed',
        patch,
        audit: this.audit('request_completed', job, requestId, { done: counts.done, failed: counts.failed }),
        outbox: announcements.entriesFor(request, 'completed', patch),
      });
      if (completed.ok) {
        announcements.written();
        this.deps.logger.info({ requestId, done: counts.done, failed: counts.failed }, 'batch completed');
        return;
      }
    }
  }

  private audit(action: string, job: Job, requestId: string, detail?: AuditEntry['detail']): AuditEntry {
    return { requestId, actor: 'system', action, source: `job:${job.id}`, detail, at: this.deps.clock.now().toISOString() };
  }
}
