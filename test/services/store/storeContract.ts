/**
 * The behaviour every Store implementation must have, tested only through the Store interface so
 * the same cases run against SQLite now and PostgreSQL later.
 *
 * `makeStore` must return a store over an empty database (job claims see every job in it); the
 * store is closed after each case, or handed to `dispose` when given.
 */
import { randomUUID } from 'node:crypto';
import type { AccessRequest, AuditEntry, Decision, InviteDetails, Job, Person } from '../../../services/requests/model';
import type { NewOutboxEntry, NewRequest, PageCursor, Store, TransitionResult } from '../../../services/store/store';

const T0 = Date.parse('2025-03-01T09:00:00.000Z');
/** A fixed instant `ms` after T0, as the ISO text the app stores. */
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const dateAt = (ms: number): Date => new Date(T0 + ms);

const SECOND = 1000;
const MINUTE = 60 * SECOND;

const approverA: Person = { aadObjectId: 'approver-a', name: 'Ada Approver' };
const approverB: Person = { aadObjectId: 'approver-b', name: 'Bob Approver' };

function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

function inviteDetails(overrides: Partial<InviteDetails> = {}): InviteDetails {
  return {
    email: `guest-${randomUUID()}@example.com`,
    displayName: 'Gail Guest',
    message: 'Welcome to the project',
    groups: [
      { id: 'group-1', displayName: 'Project X' },
      { id: 'group-2', displayName: 'Project X readers' },
    ],
    directoryRole: { id: 'role-1', displayName: 'Guest Inviter' },
    justification: 'Works with us on Project X',
    ...overrides,
  };
}

function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  return {
    id: uniqueId('req'),
    kind: 'invite',
    requester: { aadObjectId: uniqueId('user'), name: 'Rita Requester' },
    tenantId: 'tenant-1',
    details: inviteDetails(),
    createdAt: at(0),
    ...overrides,
  };
}

function createdAudit(request: NewRequest): AuditEntry {
  return {
    requestId: request.id,
    actor: request.requester.aadObjectId,
    action: 'request.created',
    source: 'activity-create',
    at: request.createdAt,
  };
}

function approval(by: Person, atMs: number): Decision {
  return { outcome: 'approved', by, at: at(atMs) };
}

/** The request a claimed job executes (undefined for none, or another kind of job). */
export function requestOf(job: Job | undefined): string | undefined {
  return job?.kind === 'request' ? job.requestId : undefined;
}

/** Narrows a transition result that must have won. */
function won(result: TransitionResult): AccessRequest {
  if (!result.ok) throw new Error(`expected the transition to win; current state ${result.current?.state}`);
  return result.request;
}

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  dispose?: (store: Store) => Promise<void>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      if (dispose) await dispose(store);
      else await store.close();
    });

    /** Creates a request (with its audit entry) and returns it as stored. */
    async function create(overrides: Partial<NewRequest> = {}): Promise<AccessRequest> {
      const request = newRequest(overrides);
      return store.createRequest(request, createdAudit(request));
    }

    /** Approves a pending request at version 1, queueing its job. */
    async function approve(request: AccessRequest, atMs: number, by: Person = approverA): Promise<AccessRequest> {
      return won(
        await store.transition({
          id: request.id,
          from: 'pending',
          expectedVersion: request.version,
          to: 'approved',
          patch: { decision: approval(by, atMs) },
          audit: { requestId: request.id, actor: by.aadObjectId, action: 'request.approved', at: at(atMs) },
          enqueueJob: true,
        }),
      );
    }

    describe('requests', () => {
      it('creates a pending request at version 1 with its audit entry', async () => {
        const input = newRequest({ createdAt: at(5 * SECOND) });
        const created = await store.createRequest(input, createdAudit(input));

        expect(created).toEqual({ ...input, state: 'pending', version: 1, updatedAt: input.createdAt });
        expect(await store.getRequest(input.id)).toEqual(created);
        expect(await store.listAudit(input.id)).toEqual([createdAudit(input)]);
      });

      it('round-trips the approval context and keeps it through transitions', async () => {
        const created = await create({ context: { guestsFromDomain: 3, routingNote: 'No approver reachable in chat' } });
        expect((await store.getRequest(created.id))?.context).toEqual({
          guestsFromDomain: 3,
          routingNote: 'No approver reachable in chat',
        });
        const approved = await approve(created, MINUTE);
        expect(approved.context).toEqual({ guestsFromDomain: 3, routingNote: 'No approver reachable in chat' });
        const empty = await create({ context: {} });
        expect((await store.getRequest(empty.id))?.context).toEqual({});
      });

      it('round-trips details without optional fields', async () => {
        const details = inviteDetails({ groups: [] });
        delete details.directoryRole;
        const created = await create({ details });

        const read = await store.getRequest(created.id);
        expect(read?.details).toEqual(details);
        expect(read?.details.directoryRole).toBeUndefined();
        expect(read?.context).toBeUndefined();
        expect(read?.decision).toBeUndefined();
        expect(read?.outcome).toBeUndefined();
      });

      it('returns undefined for an unknown request', async () => {
        expect(await store.getRequest(uniqueId('missing'))).toBeUndefined();
      });

      it('listRequestsByRequester lists newest first and limited', async () => {
        const requester: Person = { aadObjectId: uniqueId('user'), name: 'Rita Requester' };
        const older = await create({ requester, createdAt: at(1 * MINUTE) });
        const newest = await create({ requester, createdAt: at(3 * MINUTE) });
        const middle = await create({ requester, createdAt: at(2 * MINUTE) });
        await create({ createdAt: at(4 * MINUTE) }); // someone else's

        const two = await store.listRequestsByRequester(requester.aadObjectId, 2);
        expect(two.map((r) => r.id)).toEqual([newest.id, middle.id]);
        const all = await store.listRequestsByRequester(requester.aadObjectId, 10);
        expect(all.map((r) => r.id)).toEqual([newest.id, middle.id, older.id]);
        expect(await store.listRequestsByRequester(uniqueId('nobody'), 10)).toEqual([]);
      });

      it('listRequestsByState lists oldest first, limited, only in the given states', async () => {
        const second = await create({ createdAt: at(2 * MINUTE) });
        const first = await create({ createdAt: at(1 * MINUTE) });
        const third = await create({ createdAt: at(3 * MINUTE) });
        const approved = await approve(await create({ createdAt: at(0) }), 4 * MINUTE);

        const pending = await store.listRequestsByState(['pending'], 10);
        expect(pending.map((r) => r.id)).toEqual([first.id, second.id, third.id]);
        const limited = await store.listRequestsByState(['pending'], 2);
        expect(limited.map((r) => r.id)).toEqual([first.id, second.id]);
        const both = await store.listRequestsByState(['pending', 'approved'], 10);
        expect(both.map((r) => r.id)).toEqual([approved.id, first.id, second.id, third.id]);
        expect(await store.listRequestsByState([], 10)).toEqual([]);
      });

      it('findRequestsByEmail is case-insensitive and filters by states', async () => {
        const email = `mixed.case-${randomUUID()}@example.com`;
        const request = await create({ details: inviteDetails({ email }) });
        await create(); // another address

        const upper = email.toUpperCase();
        expect((await store.findRequestsByEmail(upper, ['pending'])).map((r) => r.id)).toEqual([request.id]);
        expect((await store.findRequestsByEmail(`  ${upper} `, ['pending', 'approved'])).map((r) => r.id)).toEqual([
          request.id,
        ]);
        expect(await store.findRequestsByEmail(email, ['approved', 'executing'])).toEqual([]);
        expect(await store.findRequestsByEmail(email, [])).toEqual([]);

        await approve(request, MINUTE);
        expect(await store.findRequestsByEmail(email, ['pending'])).toEqual([]);
        const found = await store.findRequestsByEmail(upper, ['approved', 'executing']);
        expect(found.map((r) => [r.id, r.state])).toEqual([[request.id, 'approved']]);
      });
    });

    describe('transitions', () => {
      it('advances state and version, stores decision and outcome, keeps what the patch omits', async () => {
        const request = await create();
        const approved = await approve(request, MINUTE);
        expect(approved).toMatchObject({ state: 'approved', version: 2, decision: approval(approverA, MINUTE) });
        expect(approved.updatedAt).toBe(at(MINUTE));

        const executing = won(
          await store.transition({
            id: request.id,
            from: 'approved',
            expectedVersion: 2,
            to: 'executing',
            audit: { requestId: request.id, actor: 'system', action: 'request.executing', source: 'job-1', at: at(2 * MINUTE) },
          }),
        );
        const completed = won(
          await store.transition({
            id: request.id,
            from: 'executing',
            expectedVersion: executing.version,
            to: 'completed',
            patch: { outcome: { guestId: 'guest-1', redeemUrl: 'https://invitations.example/redeem' } },
            audit: { requestId: request.id, actor: 'system', action: 'request.completed', at: at(3 * MINUTE) },
          }),
        );
        expect(completed).toMatchObject({
          state: 'completed',
          version: 4,
          decision: approval(approverA, MINUTE),
          outcome: { guestId: 'guest-1', redeemUrl: 'https://invitations.example/redeem' },
        });
        expect(await store.getRequest(request.id)).toEqual(completed);
        expect((await store.listAudit(request.id)).map((e) => e.action)).toEqual([
          'request.created',
          'request.approved',
          'request.executing',
          'request.completed',
        ]);
      });

      it('transition wins once: of two from the same state and version one wins, the other sees the winner and appends nothing', async () => {
        const request = await create();
        const attempt = (by: Person, atMs: number) =>
          store.transition({
            id: request.id,
            from: 'pending',
            expectedVersion: 1,
            to: 'approved',
            patch: { decision: approval(by, atMs) },
            audit: { requestId: request.id, actor: by.aadObjectId, action: 'request.approved', at: at(atMs) },
            enqueueJob: true,
          });

        const results = await Promise.all([attempt(approverA, MINUTE), attempt(approverB, MINUTE + 1)]);

        const winners = results.filter((r) => r.ok);
        const losers = results.flatMap((r) => (r.ok ? [] : [r]));
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        const winner = won(winners[0]);
        const loser = losers[0];
        expect(loser.current).toEqual(winner);
        expect(loser.current?.version).toBe(2);
        expect(loser.current?.decision?.by).toEqual(winner.decision?.by);

        const audit = await store.listAudit(request.id);
        expect(audit.map((e) => e.action)).toEqual(['request.created', 'request.approved']);
        expect(audit[1]?.actor).toBe(winner.decision?.by.aadObjectId);

        // Only the winner queued a job.
        const job = await store.claimJob('worker-1', MINUTE, dateAt(2 * MINUTE));
        expect(requestOf(job)).toBe(request.id);
        expect(await store.claimJob('worker-2', MINUTE, dateAt(2 * MINUTE))).toBeUndefined();
      });

      it('refuses a stale version or a wrong state and appends nothing', async () => {
        const request = await create();
        await approve(request, MINUTE);

        const stale = await store.transition({
          id: request.id,
          from: 'approved',
          expectedVersion: 1,
          to: 'executing',
          audit: { requestId: request.id, actor: 'system', action: 'request.executing', at: at(2 * MINUTE) },
          enqueueJob: true,
        });
        expect(stale.ok).toBe(false);
        expect(!stale.ok && stale.current).toMatchObject({ id: request.id, state: 'approved', version: 2 });

        const wrongState = await store.transition({
          id: request.id,
          from: 'pending',
          expectedVersion: 2,
          to: 'cancelled',
          audit: { requestId: request.id, actor: request.requester.aadObjectId, action: 'request.cancelled', at: at(2 * MINUTE) },
        });
        expect(wrongState).toEqual({ ok: false, current: await store.getRequest(request.id) });
        expect((await store.listAudit(request.id)).map((e) => e.action)).toEqual(['request.created', 'request.approved']);
      });

      it('reports no current request when transitioning an unknown id', async () => {
        const id = uniqueId('missing');
        const result = await store.transition({
          id,
          from: 'pending',
          expectedVersion: 1,
          to: 'approved',
          audit: { requestId: id, actor: approverA.aadObjectId, action: 'request.approved', at: at(0) },
          enqueueJob: true,
        });
        expect(result).toEqual({ ok: false, current: undefined });
        expect(await store.listAudit(id)).toEqual([]);
        expect(await store.claimJob('worker-1', MINUTE, dateAt(MINUTE))).toBeUndefined();
      });
    });

    describe('jobs', () => {
      it('approval with enqueueJob creates exactly one claimable job', async () => {
        const request = await approve(await create(), MINUTE);

        const job = await store.claimJob('worker-1', 5 * MINUTE, dateAt(2 * MINUTE));
        expect(job).toEqual({
          id: expect.any(String),
          kind: 'request',
          requestId: request.id,
          attempts: 1,
          leaseUntil: at(7 * MINUTE),
        });
        expect(await store.claimJob('worker-2', 5 * MINUTE, dateAt(2 * MINUTE))).toBeUndefined();
      });

      it('a transition without enqueueJob creates no job', async () => {
        const request = await create();
        won(
          await store.transition({
            id: request.id,
            from: 'pending',
            expectedVersion: 1,
            to: 'denied',
            patch: { decision: { outcome: 'denied', by: approverA, at: at(MINUTE), reason: 'Not needed' } },
            audit: { requestId: request.id, actor: approverA.aadObjectId, action: 'request.denied', at: at(MINUTE) },
          }),
        );
        expect(await store.claimJob('worker-1', MINUTE, dateAt(10 * MINUTE))).toBeUndefined();
      });

      it('a claimed job is not claimable again until its lease expires, then is claimable by another worker (attempts counts)', async () => {
        const request = await approve(await create(), 0);

        const first = await store.claimJob('worker-1', MINUTE, dateAt(SECOND));
        expect(first).toMatchObject({ requestId: request.id, attempts: 1, leaseUntil: at(SECOND + MINUTE) });

        expect(await store.claimJob('worker-2', MINUTE, dateAt(2 * SECOND))).toBeUndefined();
        expect(await store.claimJob('worker-2', MINUTE, dateAt(SECOND + MINUTE - 1))).toBeUndefined();

        const second = await store.claimJob('worker-2', MINUTE, dateAt(SECOND + MINUTE + 1));
        expect(second).toEqual({
          id: first?.id,
          kind: 'request',
          requestId: request.id,
          attempts: 2,
          leaseUntil: at(SECOND + 2 * MINUTE + 1),
        });
        expect(await store.claimJob('worker-1', MINUTE, dateAt(SECOND + MINUTE + 2))).toBeUndefined();
      });

      it('released job waits until run_after', async () => {
        await approve(await create(), 0);
        const job = await store.claimJob('worker-1', MINUTE, dateAt(SECOND));
        if (!job) throw new Error('expected a job');

        await store.releaseJob(job.id, dateAt(10 * MINUTE), 'Graph answered 503');

        expect(await store.claimJob('worker-1', MINUTE, dateAt(5 * MINUTE))).toBeUndefined();
        expect(await store.claimJob('worker-1', MINUTE, dateAt(10 * MINUTE - 1))).toBeUndefined();
        const again = await store.claimJob('worker-2', MINUTE, dateAt(10 * MINUTE));
        expect(again).toEqual({ id: job.id, kind: 'request', requestId: requestOf(job), attempts: 2, leaseUntil: at(11 * MINUTE) });
      });

      it('a release that refunds the attempt leaves the attempt count as it was before the claim', async () => {
        await approve(await create(), 0);
        const job = await store.claimJob('worker-1', MINUTE, dateAt(SECOND));
        if (!job) throw new Error('expected a job');
        expect(job.attempts).toBe(1);

        await store.releaseJob(job.id, dateAt(2 * SECOND), 'Graph answered 429', true);

        const again = await store.claimJob('worker-2', MINUTE, dateAt(3 * SECOND));
        expect(again?.attempts).toBe(1);
      });

      it('completed job is never claimed again', async () => {
        await approve(await create(), 0);
        const job = await store.claimJob('worker-1', MINUTE, dateAt(SECOND));
        if (!job) throw new Error('expected a job');

        await store.completeJob(job.id);

        expect(await store.claimJob('worker-2', MINUTE, dateAt(2 * SECOND))).toBeUndefined();
        expect(await store.claimJob('worker-2', MINUTE, dateAt(24 * 60 * MINUTE))).toBeUndefined();
        // A worker whose lease had lapsed cannot put the finished job back in the queue.
        await store.releaseJob(job.id, dateAt(2 * SECOND), 'late release');
        expect(await store.claimJob('worker-2', MINUTE, dateAt(24 * 60 * MINUTE))).toBeUndefined();
      });

      it('claims the oldest runnable job first', async () => {
        const older = await create();
        const newer = await create();
        await approve(newer, 1 * MINUTE);
        await approve(older, 2 * MINUTE);

        expect(requestOf(await store.claimJob('worker-1', MINUTE, dateAt(1 * MINUTE)))).toBe(newer.id);
        expect(await store.claimJob('worker-1', MINUTE, dateAt(1 * MINUTE + 1))).toBeUndefined(); // not yet due
        expect(requestOf(await store.claimJob('worker-1', MINUTE, dateAt(2 * MINUTE)))).toBe(older.id);
      });
    });

    describe('job leases', () => {
      it('the holder extends its lease, so nobody claims the job until the new end', async () => {
        await approve(await create(), 0);
        const job = await store.claimJob('worker-1', MINUTE, dateAt(SECOND));
        if (!job) throw new Error('expected a job');

        expect(await store.extendJobLease(job.id, 'worker-1', MINUTE, dateAt(50 * SECOND))).toBe(true);

        expect(await store.claimJob('worker-2', MINUTE, dateAt(SECOND + MINUTE + 1))).toBeUndefined();
        expect(await store.claimJob('worker-2', MINUTE, dateAt(50 * SECOND + MINUTE - 1))).toBeUndefined();
        expect(await store.claimJob('worker-2', MINUTE, dateAt(50 * SECOND + MINUTE + 1))).toMatchObject({ id: job.id, attempts: 2 });
      });

      it('refuses to extend for a worker that does not hold the lease, lost it, or whose job finished', async () => {
        await approve(await create(), 0);
        const job = await store.claimJob('worker-1', MINUTE, dateAt(SECOND));
        if (!job) throw new Error('expected a job');

        expect(await store.extendJobLease(job.id, 'worker-2', MINUTE, dateAt(2 * SECOND))).toBe(false);
        const takenOver = await store.claimJob('worker-2', MINUTE, dateAt(2 * MINUTE));
        expect(takenOver?.id).toBe(job.id);
        expect(await store.extendJobLease(job.id, 'worker-1', MINUTE, dateAt(2 * MINUTE + 1))).toBe(false);
        expect(await store.extendJobLease(job.id, 'worker-2', MINUTE, dateAt(2 * MINUTE + 1))).toBe(true);

        await store.completeJob(job.id);
        expect(await store.extendJobLease(job.id, 'worker-2', MINUTE, dateAt(2 * MINUTE + 2))).toBe(false);
        expect(await store.extendJobLease(uniqueId('missing'), 'worker-2', MINUTE, dateAt(0))).toBe(false);
      });
    });

    describe('guest jobs', () => {
      const order = { operation: 'disable', guestId: 'guest-1', actor: { aadObjectId: 'admin-1', name: 'Ada Admin' } };
      const queuedAudit: AuditEntry = { actor: 'admin-1', action: 'guest_disable_queued', source: 'activity-9', at: at(MINUTE) };

      it('queues a guest job with its audit entry; it is claimed, leased and retried like a request job', async () => {
        const jobId = await store.enqueueGuestJob(order, queuedAudit);
        expect(await store.claimJob('worker-1', MINUTE, dateAt(MINUTE - 1))).toBeUndefined(); // not yet due
        const job = await store.claimJob('worker-1', MINUTE, dateAt(MINUTE));
        expect(job).toEqual({ id: jobId, kind: 'guest', payload: order, attempts: 1, leaseUntil: at(2 * MINUTE) });
        expect(await store.claimJob('worker-2', MINUTE, dateAt(MINUTE + SECOND))).toBeUndefined();
        expect(await store.extendJobLease(jobId, 'worker-1', MINUTE, dateAt(30 * SECOND + MINUTE))).toBe(true);

        await store.releaseJob(jobId, dateAt(5 * MINUTE), '503 serviceUnavailable');
        expect(await store.claimJob('worker-2', MINUTE, dateAt(4 * MINUTE))).toBeUndefined();
        expect(await store.claimJob('worker-2', MINUTE, dateAt(5 * MINUTE))).toMatchObject({ id: jobId, kind: 'guest', attempts: 2 });
      });

      it('completing a job writes the messages announcing its result in the same step', async () => {
        const jobId = await store.enqueueGuestJob(order, queuedAudit);
        await store.claimJob('worker-1', MINUTE, dateAt(MINUTE));
        await store.completeJob(jobId, [{ key: `job:${jobId}:card`, kind: 'guest.card', payload: { done: true } }]);
        expect(await store.claimJob('worker-1', MINUTE, dateAt(10 * MINUTE))).toBeUndefined();
        // Due when the job completed, by the store's clock.
        expect(await store.claimOutbox('deliverer-1', MINUTE, new Date(Date.now() + MINUTE))).toMatchObject({ key: `job:${jobId}:card`, kind: 'guest.card', payload: { done: true } });
      });

      it('reads a guest job back as queued, running, waiting with its last error, then done with the result its completion stored', async () => {
        const jobId = await store.enqueueGuestJob(order, queuedAudit);
        expect(await store.getGuestJob(jobId)).toEqual({ id: jobId, state: 'queued', payload: order, attempts: 0, createdAt: at(MINUTE) });
        await store.claimJob('worker-1', MINUTE, dateAt(MINUTE));
        expect(await store.getGuestJob(jobId)).toMatchObject({ state: 'running', attempts: 1 });
        await store.releaseJob(jobId, dateAt(2 * MINUTE), '503 serviceUnavailable');
        expect(await store.getGuestJob(jobId)).toMatchObject({ state: 'queued', attempts: 1, lastError: '503 serviceUnavailable' });
        expect((await store.getGuestJob(jobId))?.result).toBeUndefined();

        await store.claimJob('worker-1', MINUTE, dateAt(2 * MINUTE));
        const result = { kind: 'revoked', done: { guest: { id: 'guest-1', enabled: false }, unchanged: false } };
        await store.completeJob(jobId, [], result);
        expect(await store.getGuestJob(jobId)).toMatchObject({ id: jobId, state: 'done', payload: order, attempts: 2, result });
      });

      it('keeps no result for a job completed without one, and knows no unknown id nor a request\'s job', async () => {
        const jobId = await store.enqueueGuestJob(order, queuedAudit);
        await store.claimJob('worker-1', MINUTE, dateAt(MINUTE));
        await store.completeJob(jobId);
        const done = await store.getGuestJob(jobId);
        expect(done).toMatchObject({ state: 'done' });
        expect(done).not.toHaveProperty('result');

        expect(await store.getGuestJob(uniqueId('missing'))).toBeUndefined();
        const request = await approve(await create(), MINUTE);
        const requestJob = await store.claimJob('worker-2', MINUTE, dateAt(10 * MINUTE));
        expect(requestJob).toMatchObject({ kind: 'request', requestId: request.id });
        expect(await store.getGuestJob(requestJob!.id)).toBeUndefined();
      });
    });

    describe('outbox', () => {
      /** Cancels a pending request, announcing it with `entries`. */
      async function cancelWith(request: AccessRequest, atMs: number, entries: NewOutboxEntry[]): Promise<TransitionResult> {
        return store.transition({
          id: request.id,
          from: 'pending',
          expectedVersion: request.version,
          to: 'cancelled',
          audit: { requestId: request.id, actor: request.requester.aadObjectId, action: 'request.cancelled', at: at(atMs) },
          outbox: entries,
        });
      }
      const notice = (requestId: string, to = 'requester'): NewOutboxEntry => ({
        key: `request:${requestId}:v1:cancelled:${to}`,
        kind: 'request.notice',
        requestId,
        payload: { requestId, event: 'cancelled', to },
      });

      it('a transition writes its messages with it; they are due at the time of the transition', async () => {
        const request = await create();
        won(await cancelWith(request, MINUTE, [notice(request.id), notice(request.id, 'approvers')]));
        expect((await store.listOutbox(request.id)).map((m) => [m.key, m.state, m.attempts])).toEqual([
          [notice(request.id).key, 'queued', 0],
          [notice(request.id, 'approvers').key, 'queued', 0],
        ]);
        expect(await store.claimOutbox('deliverer-1', MINUTE, dateAt(MINUTE - 1))).toBeUndefined();
        const item = await store.claimOutbox('deliverer-1', MINUTE, dateAt(MINUTE));
        expect(item).toEqual({ ...notice(request.id), id: expect.any(String), attempts: 1, leaseUntil: at(2 * MINUTE), createdAt: at(MINUTE) });
      });

      it('a transition that loses writes none of its messages', async () => {
        const request = await create();
        won(await cancelWith(request, MINUTE, [notice(request.id)]));
        const stale = await cancelWith(request, 2 * MINUTE, [{ ...notice(request.id), key: 'another-key' }]);
        expect(stale.ok).toBe(false);
        expect((await store.listOutbox(request.id)).map((m) => m.key)).toEqual([notice(request.id).key]);
      });

      it('a key written once is not written again', async () => {
        const jobA = await store.enqueueGuestJob({ n: 1 }, { actor: 'admin-1', action: 'queued', at: at(0) });
        const jobB = await store.enqueueGuestJob({ n: 2 }, { actor: 'admin-1', action: 'queued', at: at(0) });
        await store.completeJob(jobA, [{ key: 'same', kind: 'guest.card', requestId: 'req-x', payload: { n: 1 } }]);
        await store.completeJob(jobB, [{ key: 'same', kind: 'guest.card', requestId: 'req-x', payload: { n: 2 } }]);
        expect((await store.listOutbox('req-x')).map((m) => m.payload)).toEqual([{ n: 1 }]);
      });

      it('a claimed entry is not claimed again while leased, is taken over when its lease lapses, and once delivered never again', async () => {
        const request = await create();
        won(await cancelWith(request, 0, [notice(request.id)]));
        const first = (await store.claimOutbox('deliverer-1', MINUTE, dateAt(0)))!;
        expect(await store.claimOutbox('deliverer-2', MINUTE, dateAt(MINUTE - 1))).toBeUndefined();
        const second = (await store.claimOutbox('deliverer-2', MINUTE, dateAt(MINUTE + 1)))!;
        expect(second).toMatchObject({ id: first.id, attempts: 2 });
        // The first deliverer lost its lease: it cannot mark the entry, the one holding it can.
        expect(await store.completeOutbox(first.id, 'deliverer-1', dateAt(MINUTE + 2))).toBe(false);
        expect(await store.completeOutbox(first.id, 'deliverer-2', dateAt(MINUTE + 2))).toBe(true);
        expect(await store.completeOutbox(first.id, 'deliverer-2', dateAt(MINUTE + 3))).toBe(false);
        expect(await store.claimOutbox('deliverer-3', MINUTE, dateAt(60 * MINUTE))).toBeUndefined();
        expect((await store.listOutbox(request.id))[0]).toMatchObject({ state: 'done', attempts: 2 });
      });

      it('a released entry waits until its retry time; one given up is never claimed again', async () => {
        const request = await create();
        won(await cancelWith(request, 0, [notice(request.id), notice(request.id, 'approvers')]));
        const first = (await store.claimOutbox('deliverer-1', MINUTE, dateAt(0)))!;
        await store.releaseOutbox(first.id, 'deliverer-1', 'connector answered 502', dateAt(5 * MINUTE));
        const second = (await store.claimOutbox('deliverer-1', MINUTE, dateAt(SECOND)))!;
        expect(second.key).toBe(notice(request.id, 'approvers').key);
        await store.releaseOutbox(second.id, 'deliverer-1', 'gave up after 10 attempts');
        expect(await store.claimOutbox('deliverer-1', MINUTE, dateAt(5 * MINUTE - 1))).toBeUndefined();
        expect(await store.claimOutbox('deliverer-1', MINUTE, dateAt(5 * MINUTE))).toMatchObject({ id: first.id, attempts: 2 });
        expect(await store.claimOutbox('deliverer-1', MINUTE, dateAt(5 * MINUTE + SECOND))).toBeUndefined();
        expect((await store.listOutbox(request.id)).map((m) => [m.state, m.lastError])).toEqual([
          ['running', 'connector answered 502'],
          ['failed', 'gave up after 10 attempts'],
        ]);
      });

      it('a release by a deliverer that lost the lease changes nothing', async () => {
        const request = await create();
        won(await cancelWith(request, 0, [notice(request.id)]));
        const first = (await store.claimOutbox('deliverer-1', MINUTE, dateAt(0)))!;
        await store.claimOutbox('deliverer-2', MINUTE, dateAt(2 * MINUTE));
        await store.releaseOutbox(first.id, 'deliverer-1', 'late failure');
        expect(await store.completeOutbox(first.id, 'deliverer-2', dateAt(2 * MINUTE + 1))).toBe(true);
        expect((await store.listOutbox(request.id))[0]).toMatchObject({ state: 'done' });
      });
    });

    describe('periodic tasks', () => {
      it('a task never run is claimed by the first owner only, then again only when due after finishing', async () => {
        const task = uniqueId('expire');
        expect(await store.claimPeriodicTask(task, 'owner-a', MINUTE, dateAt(0))).toBe(true);
        expect(await store.claimPeriodicTask(task, 'owner-b', MINUTE, dateAt(SECOND))).toBe(false);
        expect(await store.claimPeriodicTask(task, 'owner-a', MINUTE, dateAt(SECOND))).toBe(false);

        await store.finishPeriodicTask(task, 'owner-a', dateAt(10 * MINUTE));

        expect(await store.claimPeriodicTask(task, 'owner-b', MINUTE, dateAt(2 * MINUTE))).toBe(false);
        expect(await store.claimPeriodicTask(task, 'owner-b', MINUTE, dateAt(10 * MINUTE - 1))).toBe(false);
        expect(await store.claimPeriodicTask(task, 'owner-b', MINUTE, dateAt(10 * MINUTE))).toBe(true);
      });

      it('a claim whose owner never finished lapses with its lease and passes to another owner', async () => {
        const task = uniqueId('expire');
        expect(await store.claimPeriodicTask(task, 'owner-a', MINUTE, dateAt(0))).toBe(true);
        expect(await store.claimPeriodicTask(task, 'owner-b', MINUTE, dateAt(MINUTE - 1))).toBe(false);
        expect(await store.claimPeriodicTask(task, 'owner-b', MINUTE, dateAt(MINUTE))).toBe(true);

        // The first owner wakes up late: its finish must not move the new owner's schedule or lease.
        await store.finishPeriodicTask(task, 'owner-a', dateAt(60 * MINUTE));
        expect(await store.claimPeriodicTask(task, 'owner-c', MINUTE, dateAt(MINUTE + SECOND))).toBe(false);
        await store.finishPeriodicTask(task, 'owner-b', dateAt(5 * MINUTE));
        expect(await store.claimPeriodicTask(task, 'owner-c', MINUTE, dateAt(5 * MINUTE))).toBe(true);
      });

      it('of several owners claiming a due task at once exactly one wins, and tasks are independent', async () => {
        const task = uniqueId('expire');
        const other = uniqueId('cleanup');
        const owners = ['owner-a', 'owner-b', 'owner-c', 'owner-d', 'owner-e'];
        const results = await Promise.all(owners.map((owner) => store.claimPeriodicTask(task, owner, MINUTE, dateAt(0))));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.claimPeriodicTask(other, 'owner-a', MINUTE, dateAt(0))).toBe(true);
      });
    });

    describe('execution steps', () => {
      it('steps upsert by (request, key)', async () => {
        const request = await create();
        const other = await create();

        await store.saveStep({ requestId: request.id, key: 'invite', status: 'done', output: { guestId: 'guest-1' } });
        await store.saveStep({ requestId: request.id, key: 'group:group-1', status: 'failed', output: {}, error: 'throttled' });
        await store.saveStep({ requestId: other.id, key: 'invite', status: 'failed', output: {}, error: 'bad address' });
        await store.saveStep({
          requestId: request.id,
          key: 'group:group-1',
          status: 'done',
          output: { note: 'already a member' },
        });

        const steps = [...(await store.getSteps(request.id))].sort((a, b) => a.key.localeCompare(b.key));
        expect(steps).toEqual([
          { requestId: request.id, key: 'group:group-1', status: 'done', output: { note: 'already a member' }, updatedAt: expect.any(String) },
          { requestId: request.id, key: 'invite', status: 'done', output: { guestId: 'guest-1' }, updatedAt: expect.any(String) },
        ]);
        expect(steps[0]?.error).toBeUndefined();
        for (const step of steps) expect(Number.isNaN(Date.parse(step.updatedAt))).toBe(false);

        expect(await store.getSteps(other.id)).toEqual([
          { requestId: other.id, key: 'invite', status: 'failed', output: {}, error: 'bad address', updatedAt: expect.any(String) },
        ]);
        expect(await store.getSteps(uniqueId('missing'))).toEqual([]);
      });
    });

    describe('conversations and settings', () => {
      it('conversations and settings round-trip', async () => {
        const key = uniqueId('conv');
        const reference = {
          bot: { id: 'bot-1', name: 'Guest bot' },
          conversation: { id: 'a:1', tenantId: 'tenant-1', isGroup: false },
          serviceUrl: 'https://smba.trafficmanager.net/emea/',
          channelId: 'msteams',
        };
        expect(await store.getConversation(key)).toBeUndefined();
        await store.saveConversation(key, reference);
        const saved = await store.getConversation(key);
        expect(saved).toEqual({ key, reference, updatedAt: expect.any(String) });
        expect(Number.isNaN(Date.parse(saved?.updatedAt ?? ''))).toBe(false);

        const replaced = { ...reference, serviceUrl: 'https://smba.trafficmanager.net/amer/' };
        await store.saveConversation(key, replaced);
        expect((await store.getConversation(key))?.reference).toEqual(replaced);

        const setting = uniqueId('approvals-channel');
        expect(await store.getSetting(setting)).toBeUndefined();
        const audit: AuditEntry = { actor: 'admin-1', action: 'setting.changed', detail: { key: setting }, at: at(0) };
        await store.setSetting(setting, '19:abc@thread.tacv2', audit);
        expect(await store.getSetting(setting)).toBe('19:abc@thread.tacv2');
        await store.setSetting(setting, '19:def@thread.tacv2', { ...audit, at: at(MINUTE) });
        expect(await store.getSetting(setting)).toBe('19:def@thread.tacv2');
      });
    });

    describe('card messages', () => {
      it('card messages listed per request without duplicates', async () => {
        const request = await create();
        const other = await create();
        const requesterCard = { requestId: request.id, role: 'requester', conversationKey: 'conv-user', activityId: 'act-1' } as const;
        const approvalCard = { requestId: request.id, role: 'approval', conversationKey: 'conv-approvers', activityId: 'act-2' } as const;

        await store.saveCardMessage(requesterCard);
        await store.saveCardMessage(approvalCard);
        await store.saveCardMessage(requesterCard);
        await store.saveCardMessage({ ...requesterCard, requestId: other.id, activityId: 'act-3' });

        const cards = await store.listCardMessages(request.id);
        expect(cards).toHaveLength(2);
        expect(cards).toEqual(expect.arrayContaining([requesterCard, approvalCard]));
        expect(await store.listCardMessages(other.id)).toEqual([{ ...requesterCard, requestId: other.id, activityId: 'act-3' }]);
        expect(await store.listCardMessages(uniqueId('missing'))).toEqual([]);
      });

      it('finds a card by the conversation and message it was posted as', async () => {
        const request = await create();
        const other = await create();
        const card = { requestId: request.id, role: 'approval', conversationKey: 'user:approver-a', activityId: 'act-7' } as const;
        await store.saveCardMessage(card);
        await store.saveCardMessage({ requestId: other.id, role: 'approval', conversationKey: 'user:approver-b', activityId: 'act-7' });

        expect(await store.findCardMessage('user:approver-a', 'act-7')).toEqual(card);
        expect((await store.findCardMessage('user:approver-b', 'act-7'))?.requestId).toBe(other.id);
        expect(await store.findCardMessage('user:approver-a', 'act-8')).toBeUndefined();
        expect(await store.findCardMessage('user:approver-c', 'act-7')).toBeUndefined();
      });

      it('finds a guest administration card by its conversation and message, keeping the guest it was first recorded for', async () => {
        const conversationKey = uniqueId('channel:admins');
        const card = { guestId: 'guest-a', conversationKey, activityId: 'act-1' };
        await store.saveGuestCardMessage(card);
        await store.saveGuestCardMessage({ ...card, guestId: 'guest-b' });
        await store.saveGuestCardMessage({ ...card, activityId: 'act-2', guestId: 'guest-b' });

        expect(await store.findGuestCardMessage(conversationKey, 'act-1')).toEqual(card);
        expect((await store.findGuestCardMessage(conversationKey, 'act-2'))?.guestId).toBe('guest-b');
        expect(await store.findGuestCardMessage(conversationKey, 'act-3')).toBeUndefined();
        expect(await store.findGuestCardMessage(uniqueId('user:other'), 'act-1')).toBeUndefined();
      });
    });

    describe('audit log', () => {
      it('audit entries listed in order with their detail', async () => {
        const request = await create();
        const other = await create();
        const note: AuditEntry = {
          requestId: request.id,
          actor: 'admin-1',
          action: 'request.noted',
          source: 'activity-42',
          detail: { reason: 'checked by phone', attempts: 2, urgent: false, ticket: null },
          at: at(30 * SECOND),
        };
        await store.appendAudit(note);
        await store.appendAudit({ actor: 'admin-1', action: 'unrelated', at: at(40 * SECOND) });
        await approve(request, MINUTE);

        const entries = await store.listAudit(request.id);
        expect(entries).toEqual([
          createdAudit(request),
          note,
          { requestId: request.id, actor: approverA.aadObjectId, action: 'request.approved', at: at(MINUTE) },
        ]);
        expect(entries[1]?.detail).toEqual({ reason: 'checked by phone', attempts: 2, urgent: false, ticket: null });
        expect((await store.listAudit(other.id)).map((e) => e.action)).toEqual(['request.created']);
      });
    });

    describe('page cursors', () => {
      function cursor(overrides: Partial<PageCursor> = {}): PageCursor {
        return {
          id: uniqueId('cursor'),
          ownerId: 'admin-1',
          kind: 'guests.view',
          state: { pageId: 'page-1', position: 25, nested: { nextLink: "https://graph.microsoft.com/v1.0/users?$skiptoken=X'1'" }, list: [1, 'two', null] },
          createdAt: at(0),
          expiresAt: at(15 * MINUTE),
          ...overrides,
        };
      }

      it('round-trips a cursor with its JSON state and answers undefined for an unknown id', async () => {
        const stored = cursor();
        expect(await store.createCursor(stored)).toBe(true);
        expect(await store.getCursor(stored.id)).toEqual(stored);
        expect(await store.getCursor(uniqueId('missing'))).toBeUndefined();
      });

      it('never overwrites a cursor: a second create with the same id returns false and changes nothing', async () => {
        const first = cursor();
        expect(await store.createCursor(first)).toBe(true);
        expect(await store.createCursor({ ...first, ownerId: 'admin-2', state: { other: true } })).toBe(false);
        expect(await store.getCursor(first.id)).toEqual(first);
      });

      it('still returns an expired cursor until expired cursors are deleted, which removes only those', async () => {
        const old = cursor({ expiresAt: at(MINUTE) });
        const exact = cursor({ expiresAt: at(2 * MINUTE) });
        const fresh = cursor({ expiresAt: at(2 * MINUTE + 1) });
        for (const c of [old, exact, fresh]) await store.createCursor(c);
        expect(await store.getCursor(old.id)).toEqual(old);

        expect(await store.deleteExpiredCursors(dateAt(2 * MINUTE))).toBe(2);
        expect(await store.getCursor(old.id)).toBeUndefined();
        expect(await store.getCursor(exact.id)).toBeUndefined();
        expect(await store.getCursor(fresh.id)).toEqual(fresh);
        expect(await store.deleteExpiredCursors(dateAt(2 * MINUTE))).toBe(0);
      });
    });

    describe('health', () => {
      it('ping answers while the store is open', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });
  });
}
