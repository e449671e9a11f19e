/**
 * The behaviour every Store implementation must have, tested only through the Store interface so
 * the same cases run against SQLite now and PostgreSQL later.
 *
 * `makeStore` must return a store over an empty database (job claims see every job in it); the
 * store is closed after each case, or handed to `dispose` when given.
 */
import { randomUUID } from 'node:crypto';
import type { AccessRequest, AuditEntry, Decision, InviteDetails, Job, Person } from '../../../services/requests/model';
import type { NewCampaignItem, NewGrant, NewManagedGuest, Sponsor } from '../../../services/lifecycle/model';
import type { NewOutboxEntry, NewRequest, PageCursor, Store, TransitionResult } from '../../../services/store/store';

const T0 = Date.parse('2025-03-01T09:00:00.000Z');
/** A fixed instant `ms` after T0, as the ISO text the app stores. */
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const dateAt = (ms: number): Date => new Date(T0 + ms);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

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

export function describeStoreContract(name: string, makeStore: () => Promise<Store>, dispose?: (store: Store) => Promise<void>): void {
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

      it("keeps a policy's approval stages and answers, and changes the stages by compare-and-set while the request stays pending", async () => {
        const stage = { name: 'Manager', approver: 'manager' as const, required: 1, fallbackGroup: { id: 'group-f', displayName: 'Fallback' }, approvals: [] };
        const created = await create({
          details: inviteDetails({ answers: [{ id: 'project', label: 'Project code', answer: 'FAL-7' }] }),
          approval: {
            policy: 'Two stages',
            current: 0,
            stages: [{ ...stage, deciders: { kind: 'people', people: [{ id: 'm', displayName: 'Max' }] } }, stage],
          },
        });
        expect((await store.getRequest(created.id))?.details.answers).toEqual([{ id: 'project', label: 'Project code', answer: 'FAL-7' }]);
        const next = { ...created.approval!, current: 1 };
        const moved = won(
          await store.transition({
            id: created.id,
            from: 'pending',
            expectedVersion: created.version,
            to: 'pending',
            patch: { approval: next },
            audit: { requestId: created.id, actor: approverA.aadObjectId, action: 'stage_approved', at: at(MINUTE) },
          }),
        );
        expect(moved).toMatchObject({ state: 'pending', version: 2, approval: { current: 1 } });
        // The same compare-and-set again, at the old version, loses.
        const stale = await store.transition({
          id: created.id,
          from: 'pending',
          expectedVersion: created.version,
          to: 'pending',
          patch: { approval: next },
          audit: { requestId: created.id, actor: approverB.aadObjectId, action: 'stage_approved', at: at(MINUTE) },
        });
        expect(stale.ok).toBe(false);
        expect((await approve(moved, 2 * MINUTE)).approval).toEqual(next);
        await store.saveCardMessage({ requestId: created.id, role: 'approval', conversationKey: 'user:m', activityId: 'a-1', stage: 0 });
        expect(await store.listCardMessages(created.id)).toEqual([
          { requestId: created.id, role: 'approval', conversationKey: 'user:m', activityId: 'a-1', stage: 0 },
        ]);
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
        expect((await store.findRequestsByEmail(`  ${upper} `, ['pending', 'approved'])).map((r) => r.id)).toEqual([request.id]);
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

      it("hands out requests' and admins' jobs before lifecycle work that was due earlier", async () => {
        await store.applyLifecycleChange({
          audit: [{ actor: 'system', action: 'digest_queued', at: at(0) }],
          jobs: [{ payload: { op: 'digest' }, runAfter: at(0) }],
        });
        const jobId = await store.enqueueGuestJob(order, queuedAudit);
        expect(await store.claimJob('worker-1', MINUTE, dateAt(2 * MINUTE))).toMatchObject({ id: jobId, kind: 'guest' });
        expect(await store.claimJob('worker-1', MINUTE, dateAt(2 * MINUTE))).toMatchObject({ kind: 'lifecycle', payload: { op: 'digest' } });
      });

      it('completing a job writes the messages announcing its result in the same step', async () => {
        const jobId = await store.enqueueGuestJob(order, queuedAudit);
        await store.claimJob('worker-1', MINUTE, dateAt(MINUTE));
        await store.completeJob(jobId, [{ key: `job:${jobId}:card`, kind: 'guest.card', payload: { done: true } }]);
        expect(await store.claimJob('worker-1', MINUTE, dateAt(10 * MINUTE))).toBeUndefined();
        // Due when the job completed, by the store's clock.
        expect(await store.claimOutbox('deliverer-1', MINUTE, new Date(Date.now() + MINUTE))).toMatchObject({
          key: `job:${jobId}:card`,
          kind: 'guest.card',
          payload: { done: true },
        });
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

      it("keeps no result for a job completed without one, and knows no unknown id nor a request's job", async () => {
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

    describe('grants and managed guests', () => {
      const sponsor: Sponsor = { kind: 'user', id: 'sponsor-1', name: 'Sam Sponsor' };

      function grant(request: AccessRequest, overrides: Partial<NewGrant> = {}): NewGrant {
        return {
          id: uniqueId('grant'),
          requestId: request.id,
          guestId: 'guest-1',
          kind: 'group',
          targetId: 'group-1',
          targetName: 'Project X',
          given: true,
          endsAt: at(30 * DAY),
          createdAt: at(MINUTE),
          ...overrides,
        };
      }

      function guest(overrides: Partial<NewManagedGuest> = {}): NewManagedGuest {
        return { guestId: 'guest-1', email: 'Gail@Example.com', displayName: 'Gail Guest', sponsor, createdAt: at(MINUTE), ...overrides };
      }

      /** Completes an approved request's execution, recording what it gave. */
      async function complete(request: AccessRequest, grants: NewGrant[], managedGuest?: NewManagedGuest): Promise<AccessRequest> {
        const approved = await approve(request, SECOND);
        const executing = won(
          await store.transition({
            id: request.id,
            from: 'approved',
            expectedVersion: approved.version,
            to: 'executing',
            audit: { requestId: request.id, actor: 'system', action: 'execution_started', at: at(2 * SECOND) },
          }),
        );
        return won(
          await store.transition({
            id: request.id,
            from: 'executing',
            expectedVersion: executing.version,
            to: 'completed',
            audit: { requestId: request.id, actor: 'system', action: 'request_completed', at: at(MINUTE) },
            grants,
            managedGuest,
          }),
        );
      }

      const audit = (action: string, atMs = 2 * MINUTE): AuditEntry => ({ actor: 'system', action, at: at(atMs) });

      it('records what a completed request gave, and its guest with the sponsor, with the completion', async () => {
        const request = await create();
        const given = [
          grant(request, { kind: 'account', targetId: 'guest-1', targetName: 'Guest account' }),
          grant(request),
          grant(request, {
            kind: 'appRole',
            targetId: 'sp-1:role-1',
            targetName: 'Portal — Reader',
            assignmentId: 'assignment-1',
            given: false,
            endsAt: undefined,
          }),
        ];
        await complete(request, given, guest({ createdByRequest: request.id }));

        const grants = await store.listGrants({ requestId: request.id });
        expect(grants.map((g) => [g.kind, g.targetId, g.given, g.state, g.endsAt ?? null, g.assignmentId ?? null, g.version])).toEqual([
          ['account', 'guest-1', true, 'active', at(30 * DAY), null, 1],
          ['group', 'group-1', true, 'active', at(30 * DAY), null, 1],
          ['appRole', 'sp-1:role-1', false, 'active', null, 'assignment-1', 1],
        ]);
        expect(await store.listGrants({ guestId: 'GUEST-1' })).toEqual(grants);
        expect(await store.getGrant(given[1].id)).toEqual(grants[1]);
        expect(await store.getManagedGuest('guest-1')).toEqual({
          guestId: 'guest-1',
          email: 'gail@example.com',
          displayName: 'Gail Guest',
          sponsor,
          createdByRequest: request.id,
          createdAt: at(MINUTE),
          updatedAt: at(MINUTE),
          version: 1,
        });
      });

      it('keeps a grant and a guest already recorded, and records nothing for a completion that loses', async () => {
        const first = await create();
        await complete(first, [grant(first)], guest({ createdByRequest: first.id }));
        const second = await create();
        await complete(second, [grant(second)], guest({ sponsor: { kind: 'user', id: 'someone-else', name: 'Other' } }));
        expect((await store.getManagedGuest('guest-1'))?.sponsor).toEqual(sponsor);
        expect(await store.listGrants({ guestId: 'guest-1' })).toHaveLength(2);

        const third = await create();
        const lost = await store.transition({
          id: third.id,
          from: 'executing',
          expectedVersion: 1,
          to: 'completed',
          audit: audit('request_completed'),
          grants: [grant(third, { guestId: 'guest-9' })],
        });
        expect(lost.ok).toBe(false);
        expect(await store.listGrants({ guestId: 'guest-9' })).toEqual([]);
      });

      it('lists active grants to tell the sponsor about once per end date, and those whose end has come', async () => {
        const request = await create();
        const soon = grant(request, { endsAt: at(10 * DAY) });
        const later = grant(request, { targetId: 'group-2', endsAt: at(40 * DAY) });
        const never = grant(request, { targetId: 'group-3', endsAt: undefined });
        await complete(request, [later, soon, never]);

        expect((await store.listGrantsForNotice(dateAt(10 * DAY), 10)).map((g) => g.id)).toEqual([soon.id]);
        expect((await store.listGrantsForNotice(dateAt(50 * DAY), 10)).map((g) => g.id)).toEqual([soon.id, later.id]);
        expect((await store.listGrantsForNotice(dateAt(50 * DAY), 1)).map((g) => g.id)).toEqual([soon.id]);
        const noticed = await store.applyLifecycleChange({
          grants: [{ id: soon.id, expectedVersion: 1, set: { noticedFor: at(10 * DAY) } }],
          audit: [audit('grant_end_noticed')],
        });
        expect(noticed).toEqual({ ok: true, guestEndStarted: false });
        expect((await store.listGrantsForNotice(dateAt(50 * DAY), 10)).map((g) => g.id)).toEqual([later.id]);
        // A new end date is told about again.
        await store.applyLifecycleChange({ grants: [{ id: soon.id, expectedVersion: 2, set: { endsAt: at(20 * DAY) } }], audit: [audit('grant_extended')] });
        expect((await store.listGrantsForNotice(dateAt(50 * DAY), 10)).map((g) => g.id)).toEqual([soon.id, later.id]);

        expect(await store.listGrantsDue(dateAt(20 * DAY - 1), 10)).toEqual([]);
        expect((await store.listGrantsDue(dateAt(40 * DAY), 10)).map((g) => g.id)).toEqual([soon.id, later.id]);
      });

      it('applies a change all or nothing: a lost compare-and-set writes no audit entry, message or job', async () => {
        const request = await create();
        const a = grant(request);
        const b = grant(request, { targetId: 'group-2' });
        await complete(request, [a, b]);
        const change = {
          grants: [
            { id: a.id, expectedVersion: 1, set: { state: 'ending' as const } },
            { id: b.id, expectedVersion: 7, set: { state: 'ending' as const } },
          ],
          audit: [{ ...audit('grant_ending'), requestId: request.id }],
          outbox: [{ key: 'lifecycle:test', kind: 'lifecycle.notice', payload: {} }],
          jobs: [{ payload: { op: 'endGrant', grantId: a.id } }],
        };
        expect(await store.applyLifecycleChange(change)).toEqual({ ok: false, conflict: `grant ${b.id}` });
        expect((await store.getGrant(a.id))?.state).toBe('active');
        expect((await store.listAudit(request.id)).map((e) => e.action)).not.toContain('grant_ending');
        expect(await store.claimJob('worker-1', MINUTE, dateAt(DAY))).toMatchObject({ kind: 'request' });
        expect(await store.claimJob('worker-1', MINUTE, dateAt(DAY))).toBeUndefined();

        const won2 = await store.applyLifecycleChange({ ...change, grants: [change.grants[0], { ...change.grants[1], expectedVersion: 1 }] });
        expect(won2.ok).toBe(true);
        expect((await store.listGrants({ requestId: request.id })).map((g) => [g.state, g.version])).toEqual([
          ['ending', 2],
          ['ending', 2],
        ]);
        expect((await store.listAudit(request.id)).map((e) => e.action)).toContain('grant_ending');
        const job = await store.claimJob('worker-1', MINUTE, dateAt(2 * MINUTE));
        expect(job).toEqual({ id: expect.any(String), kind: 'lifecycle', payload: { op: 'endGrant', grantId: a.id }, attempts: 1, leaseUntil: at(3 * MINUTE) });
        expect(await store.claimOutbox('deliverer-1', MINUTE, dateAt(DAY))).toMatchObject({ key: 'lifecycle:test' });
      });

      it('queues a lifecycle job due later when asked', async () => {
        expect(await store.applyLifecycleChange({ audit: [audit('cleanup_queued')], jobs: [{ payload: { op: 'x' }, runAfter: at(HOUR) }] })).toEqual({
          ok: true,
          guestEndStarted: false,
        });
        expect(await store.claimJob('worker-1', MINUTE, dateAt(HOUR - 1))).toBeUndefined();
        expect(await store.claimJob('worker-1', MINUTE, dateAt(HOUR))).toMatchObject({ kind: 'lifecycle', payload: { op: 'x' } });
      });

      it('starts the end of a guest the bot created once, when its last live grant ends, and never for another guest', async () => {
        const request = await create();
        const account = grant(request, { kind: 'account', targetId: 'guest-1' });
        const group = grant(request);
        await complete(request, [account, group], guest({ createdByRequest: request.id }));
        const other = await create();
        const foreign = grant(other, { guestId: 'guest-2' });
        await complete(other, [foreign], guest({ guestId: 'guest-2' }));
        const guestEnd = (guestId: string) => ({ guestId, job: { payload: { op: 'endGuest', guestId } }, audit: audit('guest_end_started') });

        const first = await store.applyLifecycleChange({
          grants: [{ id: account.id, expectedVersion: 1, set: { state: 'ended' } }],
          guestEnd: guestEnd('guest-1'),
          audit: [audit('grant_ended')],
        });
        expect(first).toEqual({ ok: true, guestEndStarted: false });
        const last = await store.applyLifecycleChange({
          grants: [{ id: group.id, expectedVersion: 1, set: { state: 'ended' } }],
          guestEnd: guestEnd('guest-1'),
          audit: [audit('grant_ended')],
        });
        expect(last).toEqual({ ok: true, guestEndStarted: true });
        expect(await store.getManagedGuest('guest-1')).toMatchObject({ endState: 'ending', version: 2 });
        const again = await store.applyLifecycleChange({ guestEnd: guestEnd('guest-1'), audit: [] });
        expect(again).toEqual({ ok: true, guestEndStarted: false });

        const notCreated = await store.applyLifecycleChange({
          grants: [{ id: foreign.id, expectedVersion: 1, set: { state: 'ended' } }],
          guestEnd: guestEnd('guest-2'),
          audit: [audit('grant_ended')],
        });
        expect(notCreated).toEqual({ ok: true, guestEndStarted: false });

        const jobs: unknown[] = [];
        for (let job = await store.claimJob('worker-1', MINUTE, dateAt(DAY)); job; job = await store.claimJob('worker-1', MINUTE, dateAt(DAY)))
          if (job.kind === 'lifecycle') jobs.push(job.payload);
        expect(jobs).toEqual([{ op: 'endGuest', guestId: 'guest-1' }]);
      });

      it("of two grants of one guest ending at once, exactly one starts the guest's end", async () => {
        const request = await create();
        const grants = [grant(request, { kind: 'account', targetId: 'guest-1' }), grant(request), grant(request, { targetId: 'group-2' })];
        await complete(request, grants, guest({ createdByRequest: request.id }));
        await store.applyLifecycleChange({ grants: [{ id: grants[0].id, expectedVersion: 1, set: { state: 'ended' } }], audit: [] });
        const guestEnd = { guestId: 'guest-1', job: { payload: { op: 'endGuest', guestId: 'guest-1' } }, audit: audit('guest_end_started') };
        const results = await Promise.all(
          [grants[1], grants[2]].map((g) =>
            store.applyLifecycleChange({ grants: [{ id: g.id, expectedVersion: 1, set: { state: 'ended' } }], guestEnd, audit: [audit('grant_ended')] }),
          ),
        );
        expect(results.filter((r) => r.ok && r.guestEndStarted)).toHaveLength(1);
      });

      it('adds a guest once, changes it by compare-and-set, and lists guests and sponsors whose end has not started', async () => {
        const changes = (guestId: string, sponsorId: string, kind: 'user' | 'group' = 'user') => ({
          guests: [{ insert: guest({ guestId, sponsor: { kind, id: sponsorId, name: sponsorId } }) }],
          audit: [audit('sponsor_set')],
        });
        expect(await store.applyLifecycleChange(changes('guest-b', 'sponsor-2'))).toMatchObject({ ok: true });
        expect(await store.applyLifecycleChange(changes('guest-a', 'sponsor-1'))).toMatchObject({ ok: true });
        expect(await store.applyLifecycleChange(changes('guest-c', 'sponsor-1'))).toMatchObject({ ok: true });
        expect(await store.applyLifecycleChange(changes('guest-d', 'approvers', 'group'))).toMatchObject({ ok: true });
        expect(await store.applyLifecycleChange(changes('guest-a', 'sponsor-9'))).toEqual({ ok: false, conflict: 'guest guest-a exists already' });

        const moved = await store.applyLifecycleChange({
          guests: [{ guestId: 'guest-c', expectedVersion: 1, set: { sponsor: { kind: 'user', id: 'sponsor-3', name: 'Three' } } }],
          audit: [audit('sponsor_changed', 3 * MINUTE)],
        });
        expect(moved.ok).toBe(true);
        expect(await store.getManagedGuest('guest-c')).toMatchObject({
          sponsor: { kind: 'user', id: 'sponsor-3', name: 'Three' },
          version: 2,
          updatedAt: at(3 * MINUTE),
        });
        expect((await store.applyLifecycleChange({ guests: [{ guestId: 'guest-c', expectedVersion: 1, set: { endState: 'ending' } }], audit: [] })).ok).toBe(
          false,
        );
        await store.applyLifecycleChange({ guests: [{ guestId: 'guest-b', expectedVersion: 1, set: { endState: 'disabled', endedAt: at(HOUR) } }], audit: [] });

        expect((await store.listActiveManagedGuests({}, 10)).map((g) => g.guestId)).toEqual(['guest-a', 'guest-c', 'guest-d']);
        expect((await store.listActiveManagedGuests({ afterGuestId: 'guest-a' }, 1)).map((g) => g.guestId)).toEqual(['guest-c']);
        expect((await store.listActiveManagedGuests({ sponsorId: 'sponsor-1' }, 10)).map((g) => g.guestId)).toEqual(['guest-a']);
        expect((await store.listManagedGuests(['GUEST-B', 'guest-d', 'nobody'])).map((g) => g.guestId).sort()).toEqual(['guest-b', 'guest-d']);
        // Sponsors who are people, of guests still looked after; a group sponsor is not a person who can leave.
        expect(await store.listActiveSponsorIds('', 10)).toEqual(['sponsor-1', 'sponsor-3']);
        expect(await store.listActiveSponsorIds('sponsor-1', 10)).toEqual(['sponsor-3']);
      });
    });

    describe('campaigns', () => {
      const started: Person = { aadObjectId: 'admin-1', name: 'Ada Admin' };
      const sponsorA: Sponsor = { kind: 'user', id: 'sponsor-a', name: 'Anna' };
      const sponsorB: Sponsor = { kind: 'group', id: 'approvers', name: 'Guest access approvers' };
      const item = (campaignId: string, guestId: string, sponsor?: Sponsor): NewCampaignItem => ({
        campaignId,
        guestId,
        guestName: `Guest ${guestId}`,
        guestEmail: `${guestId}@example.com`,
        sponsor,
        detail: { lastSignIn: null },
      });

      async function campaign(kind: 'recertification' | 'cleanup' = 'recertification', startedAtMs = 0): Promise<string> {
        const id = uniqueId('campaign');
        const result = await store.applyLifecycleChange({
          campaign: {
            insert: {
              id,
              kind,
              state: 'collecting',
              startedBy: started,
              startedAt: at(startedAtMs),
              filter: { domain: 'example.com' },
              dueAt: at(14 * DAY),
              conversation: { conversation: { id: 'a:1' } },
            },
          },
          audit: [{ actor: started.aadObjectId, action: 'recertification_started', at: at(startedAtMs) }],
        });
        expect(result.ok).toBe(true);
        return id;
      }

      it('stores a campaign, changes it by compare-and-set and lists campaigns newest first', async () => {
        const first = await campaign('recertification', 0);
        const second = await campaign('cleanup', MINUTE);
        expect(await store.getCampaign(first)).toEqual({
          id: first,
          kind: 'recertification',
          state: 'collecting',
          startedBy: started,
          startedAt: at(0),
          filter: { domain: 'example.com' },
          dueAt: at(14 * DAY),
          conversation: { conversation: { id: 'a:1' } },
          updatedAt: at(0),
          version: 1,
        });
        expect(
          (await store.applyLifecycleChange({ campaign: { id: first, expectedVersion: 1, set: { state: 'open', note: 'no sign-in data' } }, audit: [] })).ok,
        ).toBe(true);
        expect((await store.applyLifecycleChange({ campaign: { id: first, expectedVersion: 1, set: { state: 'closed' } }, audit: [] })).ok).toBe(false);
        expect(await store.getCampaign(first)).toMatchObject({ state: 'open', note: 'no sign-in data', version: 2 });
        expect((await store.listCampaigns({}, 10)).map((c) => c.id)).toEqual([second, first]);
        expect((await store.listCampaigns({ kind: 'recertification' }, 10)).map((c) => c.id)).toEqual([first]);
        expect((await store.listCampaigns({ states: ['collecting'] }, 10)).map((c) => c.id)).toEqual([second]);
        expect(await store.getCampaign('nope')).toBeUndefined();
      });

      it('adds items once, lists them by sponsor and decision, decides each once, and counts them', async () => {
        const id = await campaign();
        await store.insertCampaignItems([item(id, 'g-2', sponsorA), item(id, 'g-1', sponsorA), item(id, 'g-3', sponsorB), item(id, 'g-4')]);
        await store.insertCampaignItems([{ ...item(id, 'g-1', sponsorB), guestName: 'changed' }]);
        expect(await store.getCampaignItem(id, 'g-1')).toEqual({
          campaignId: id,
          guestId: 'g-1',
          guestName: 'Guest g-1',
          guestEmail: 'g-1@example.com',
          sponsor: sponsorA,
          detail: { lastSignIn: null },
          escalated: false,
        });
        expect((await store.listCampaignItems(id, {}, 10)).map((i) => i.guestId)).toEqual(['g-1', 'g-2', 'g-3', 'g-4']);
        expect((await store.listCampaignItems(id, { sponsorId: 'sponsor-a' }, 10)).map((i) => i.guestId)).toEqual(['g-1', 'g-2']);
        expect((await store.listCampaignItems(id, { afterGuestId: 'g-2' }, 1)).map((i) => i.guestId)).toEqual(['g-3']);
        expect(await store.listCampaignSponsors(id)).toEqual([
          { sponsor: sponsorB, items: 1 },
          { sponsor: sponsorA, items: 2 },
        ]);

        await store.saveCampaignItemDetails(id, [{ guestId: 'g-1', detail: { lastSignIn: at(DAY), groups: ['Project X'], apps: [] } }]);
        expect((await store.getCampaignItem(id, 'g-1'))?.detail).toEqual({ lastSignIn: at(DAY), groups: ['Project X'], apps: [] });

        const decide = (guestId: string, decision: 'keep' | 'remove') =>
          store.applyLifecycleChange({
            items: [{ campaignId: id, guestId, onlyIfUndecided: true, set: { decision, decidedBy: started, decidedAt: at(HOUR) } }],
            audit: [{ actor: started.aadObjectId, action: `recertification_${decision}`, at: at(HOUR) }],
          });
        expect((await decide('g-1', 'keep')).ok).toBe(true);
        expect(await decide('g-1', 'remove')).toEqual({ ok: false, conflict: `campaign item ${id}/g-1` });
        expect((await decide('g-2', 'remove')).ok).toBe(true);
        expect(await store.getCampaignItem(id, 'g-1')).toMatchObject({ decision: 'keep', decidedBy: started, decidedAt: at(HOUR) });
        expect((await store.listCampaignItems(id, { undecided: true }, 10)).map((i) => i.guestId)).toEqual(['g-3', 'g-4']);

        await store.applyLifecycleChange({
          items: [
            { campaignId: id, guestId: 'g-3', set: { escalated: true } },
            { campaignId: id, guestId: 'g-2', set: { outcome: 'removed' } },
          ],
          audit: [],
        });
        expect((await store.listCampaignItems(id, { escalated: true }, 10)).map((i) => i.guestId)).toEqual(['g-3']);
        expect((await store.listCampaignItems(id, { escalated: false, undecided: true }, 10)).map((i) => i.guestId)).toEqual(['g-4']);
        expect((await store.listCampaignItems(id, { withoutOutcome: true }, 10)).map((i) => i.guestId)).toEqual(['g-1', 'g-3', 'g-4']);
        expect(await store.countCampaignItems(id)).toEqual({ items: 4, kept: 1, removed: 1, undecided: 2, escalated: 1, done: 1 });
        expect(await store.countCampaignItems(uniqueId('none'))).toEqual({ items: 0, kept: 0, removed: 0, undecided: 0, escalated: 0, done: 0 });
      });
    });

    describe('health', () => {
      it('ping answers while the store is open', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('batch requests', () => {
      const rowsOf = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({
          row: i + 1,
          line: i + 2,
          email: `${prefix}${i}@Batch.Example`,
          displayName: `Guest ${i}`,
          message: '',
          groups: [{ id: 'group-1', displayName: 'Project X' }],
          accessUntil: i === 0 ? '2025-06-30' : undefined,
        }));

      it('stores a batch with its rows in order, and counts them by state', async () => {
        const request = newRequest({ kind: 'batch', details: inviteDetails({ email: '', groups: [], directoryRole: undefined }) });
        const stored = await store.createBatchRequest(request, rowsOf(3, 'a'), createdAudit(request));
        expect(stored.kind).toBe('batch');
        const rows = await store.listBatchRows(request.id);
        expect(rows.map((r) => [r.row, r.line, r.email, r.state])).toEqual([
          [1, 2, 'a0@batch.example', 'queued'],
          [2, 3, 'a1@batch.example', 'queued'],
          [3, 4, 'a2@batch.example', 'queued'],
        ]);
        expect(rows[0]?.accessUntil).toBe('2025-06-30');
        expect(rows[1]?.groups).toEqual([{ id: 'group-1', displayName: 'Project X' }]);
        expect(await store.countBatchRows(request.id)).toEqual({ total: 3, queued: 3, done: 0, failed: 0 });
      });

      it('saves a row while it is queued and never changes a row that ended', async () => {
        const request = newRequest({ kind: 'batch', details: inviteDetails({ email: '', groups: [] }) });
        await store.createBatchRequest(request, rowsOf(2, 'b'), createdAudit(request));
        expect(await store.saveBatchRow(request.id, 1, { state: 'queued', progress: { sentAt: at(1) } })).toBe(true);
        expect(await store.saveBatchRow(request.id, 1, { state: 'done', progress: { sentAt: at(1), guestId: 'g-1', groupsDone: ['group-1'] } })).toBe(true);
        expect(await store.saveBatchRow(request.id, 1, { state: 'failed', progress: {}, error: 'late' })).toBe(false);
        expect(await store.saveBatchRow(request.id, 2, { state: 'failed', progress: {}, error: 'Graph said no' })).toBe(true);
        const [first, second] = await store.listBatchRows(request.id);
        expect(first?.state).toBe('done');
        expect(first?.progress).toEqual({ sentAt: at(1), guestId: 'g-1', groupsDone: ['group-1'] });
        expect(second?.error).toBe('Graph said no');
        expect(await store.countBatchRows(request.id)).toEqual({ total: 2, queued: 0, done: 1, failed: 1 });
      });

      it('records what each row gave with its end, also when two rows of one batch give the same group, and only once', async () => {
        const request = newRequest({ kind: 'batch', details: inviteDetails({ email: '', groups: [] }) });
        await store.createBatchRequest(request, rowsOf(2, 'lc'), createdAudit(request));
        const sponsor: Sponsor = { kind: 'user', id: 'sponsor-1', name: 'Sam Sponsor' };
        const [first, second] = [uniqueId('guest-a'), uniqueId('guest-b')];
        const end = (row: number, guestId: string) => ({
          state: 'done' as const,
          progress: { guestId, groupsDone: ['group-1'] },
          grants: [
            {
              id: `${request.id}/${guestId}/group/group-1`,
              requestId: request.id,
              guestId,
              kind: 'group' as const,
              targetId: 'group-1',
              targetName: 'Project X',
              given: true,
              endsAt: at(30 * DAY),
              createdAt: at(MINUTE),
            },
          ],
          managedGuest: {
            guestId,
            email: `lc${row - 1}@batch.example`,
            displayName: `Guest ${row - 1}`,
            sponsor,
            createdByRequest: request.id,
            createdAt: at(MINUTE),
          },
        });
        expect(await store.saveBatchRow(request.id, 1, end(1, first))).toBe(true);
        expect(await store.saveBatchRow(request.id, 2, end(2, second))).toBe(true);
        // A re-claimed job ending the row again records nothing more.
        expect(await store.saveBatchRow(request.id, 1, { ...end(1, first), managedGuest: { ...end(1, first).managedGuest, displayName: 'Late' } })).toBe(false);
        const grants = await store.listGrants({ requestId: request.id });
        expect(grants.map((g) => [g.guestId, g.kind, g.targetId, g.state, g.endsAt])).toEqual([
          [first, 'group', 'group-1', 'active', at(30 * DAY)],
          [second, 'group', 'group-1', 'active', at(30 * DAY)],
        ]);
        expect((await store.listGrants({ guestId: second })).map((g) => g.requestId)).toEqual([request.id]);
        expect((await store.listManagedGuests([first, second])).map((g) => [g.guestId, g.displayName, g.sponsor.id]).sort()).toEqual([
          [first, 'Guest 0', 'sponsor-1'],
          [second, 'Guest 1', 'sponsor-1'],
        ]);
      });

      it('records no grants for a row that fails', async () => {
        const request = newRequest({ kind: 'batch', details: inviteDetails({ email: '', groups: [] }) });
        await store.createBatchRequest(request, rowsOf(1, 'lf'), createdAudit(request));
        expect(await store.saveBatchRow(request.id, 1, { state: 'failed', progress: {}, error: 'refused' })).toBe(true);
        expect(await store.listGrants({ requestId: request.id })).toEqual([]);
      });

      it('queues one guest job per queued row with the transition that starts the batch', async () => {
        const request = newRequest({ kind: 'batch', details: inviteDetails({ email: '', groups: [] }) });
        const created = await store.createBatchRequest(request, rowsOf(3, 'c'), createdAudit(request));
        await store.saveBatchRow(request.id, 2, { state: 'failed', progress: {}, error: 'refused' });
        const approved = won(
          await store.transition({ id: request.id, from: 'pending', expectedVersion: created.version, to: 'approved', audit: createdAudit(request) }),
        );
        won(
          await store.transition({
            id: request.id,
            from: 'approved',
            expectedVersion: approved.version,
            to: 'executing',
            audit: createdAudit(request),
            batchRowJobs: true,
          }),
        );
        const payloads: unknown[] = [];
        for (;;) {
          const job = await store.claimJob('w', 60_000, dateAt(DAY));
          if (!job) break;
          if (job.kind === 'guest') payloads.push(job.payload);
        }
        expect(payloads).toEqual([
          { order: 'batchRow', requestId: request.id, row: 1 },
          { order: 'batchRow', requestId: request.id, row: 3 },
        ]);
      });

      it('finds open addresses among single requests and the rows of open batches, but not failed rows', async () => {
        const single = newRequest({ details: inviteDetails({ email: 'solo@open.example' }) });
        await store.createRequest(single, createdAudit(single));
        const batch = newRequest({ kind: 'batch', details: inviteDetails({ email: '', groups: [] }) });
        await store.createBatchRequest(batch, rowsOf(2, 'open'), createdAudit(batch));
        await store.saveBatchRow(batch.id, 2, { state: 'failed', progress: {}, error: 'refused' });
        const found = await store.findOpenAddresses(['SOLO@open.example', 'open0@batch.example', 'open1@batch.example', 'none@open.example'], ['pending']);
        expect(found.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
          { email: 'open0@batch.example', requestId: batch.id },
          { email: 'solo@open.example', requestId: single.id },
        ]);
        expect(await store.findOpenAddresses(['solo@open.example'], ['completed'])).toEqual([]);
      });
    });
  });
}
