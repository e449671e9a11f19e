/**
 * The execution worker against Graph's real behaviour, through the real Graph client and the
 * simulated directory over HTTP: answers lost after a write, dropped connections, timeouts,
 * throttling and permanent refusals.
 */
import { pino } from 'pino';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker } from '../../../services/requests/executionWorker';
import { createGraphClient } from '../../../services/directory/graphClient';
import { GraphDirectory } from '../../../services/directory/graphDirectory';
import type { InviteDetails, NamedRef } from '../../../services/requests/model';
import { SqliteStore } from '../../../services/store/sqliteStore';
import { ROLE_TEMPLATE_IDS } from '../../../simulator/roles';
import { DEMO_GROUP_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../../simulator/seed';
import { startSimulator, type RunningSimulator } from '../../../simulator/server';
import { recordingAnnouncements } from '../../helpers/announcements';

const silent = pino({ level: 'silent' });
/** Policy checks are tested on their own; here every request is within policy. */
const ALLOWS_EVERYTHING = { refusals: async () => [] };
const FALCON: NamedRef = { id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' };
const GUEST_INVITER: NamedRef = { id: ROLE_TEMPLATE_IDS.guestInviter, displayName: 'Guest Inviter' };

describe('ExecutionWorker against the simulated Graph', () => {
  let sim: RunningSimulator;
  let store: SqliteStore;
  let now: Date;
  let sequence = 0;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    store = SqliteStore.open(':memory:');
    now = new Date('2026-11-26T10:00:00Z');
  });
  afterEach(async () => {
    sim.clearFaults();
    await store.close();
  });

  function worker(timeoutMs = 30_000, options: { realTime?: boolean; onWaiting?: () => void } = {}): ExecutionWorker {
    const directory = new GraphDirectory(createGraphClient({ baseUrl: sim.url }), sim.url, timeoutMs);
    return new ExecutionWorker({
      store,
      directory,
      policy: ALLOWS_EVERYTHING,
      settings: { inviteRedirectUrl: 'https://myapps.microsoft.com' },
      // The replication lag runs on the simulator's real clock, so those tests run the worker on it too.
      clock: { now: () => (options.realTime ? new Date() : now) },
      logger: silent,
      options: {
        ...DEFAULT_WORKER_OPTIONS,
        workerId: 'w1',
        leaseMs: 60_000,
        pollMs: 1_000,
        maxAttempts: 5,
        backoffBaseMs: options.realTime ? 200 : 1_000,
        concurrency: 1,
      },
      announcements: recordingAnnouncements(options.onWaiting).announcements,
    });
  }

  /** Runs the worker on the real clock until the request ends (each due retry is picked up within 50 ms). */
  async function runInRealTime(w: ExecutionWorker, id: string, limitMs = 20_000): Promise<void> {
    const started = Date.now();
    for (;;) {
      await w.drain();
      const state = (await store.getRequest(id))?.state;
      if (state === 'completed' || state === 'failed' || Date.now() - started > limitMs) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** An approved request for a new address; returns its id and the address. */
  async function approved(overrides: Partial<InviteDetails> = {}): Promise<{ id: string; email: string }> {
    sequence += 1;
    const email = overrides.email ?? `worker-graph-${sequence}@partner.example`;
    const request = await store.createRequest(
      {
        id: `GA-WG${String(sequence).padStart(4, '0')}`,
        kind: 'invite',
        // The requester sponsors the guest, so Graph must know them.
        requester: { aadObjectId: DEMO_USER_IDS.alexWilber, name: 'Alex' },
        tenantId: 't',
        details: { email, displayName: 'Pat Partner', message: 'Welcome', groups: [FALCON], justification: 'Project', ...overrides },
        createdAt: now.toISOString(),
      },
      { actor: 'alex', action: 'request_created', at: now.toISOString() },
    );
    await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: 1,
      to: 'approved',
      patch: { decision: { outcome: 'approved', by: { aadObjectId: 'megan', name: 'Megan' }, at: now.toISOString() } },
      audit: { actor: 'megan', action: 'request_approved', at: now.toISOString() },
      enqueueJob: true,
    });
    return { id: request.id, email };
  }

  /** Runs the worker until nothing is due, moving the clock past each retry. */
  async function runToEnd(w: ExecutionWorker): Promise<void> {
    for (let i = 0; i < 10; i += 1) {
      await w.drain();
      now = new Date(now.getTime() + 10 * 60_000);
    }
  }

  const invitationsFor = (email: string) => sim.directory.invitations.filter((i) => i.email === email);

  it('after a 504 that came once the guest existed, the retry finds the guest and sends no second invitation', async () => {
    const { id, email } = await approved();
    sim.injectFault({ status: 504, method: 'POST', path: '/invitations', afterHandling: true });
    const w = worker();
    await w.drain();
    expect((await store.getRequest(id))?.state).toBe('executing');
    expect(sim.directory.findUsersByEmail(email)).toHaveLength(1);

    await runToEnd(w);
    const request = await store.getRequest(id);
    expect(request?.state).toBe('completed');
    const [guest] = sim.directory.findUsersByEmail(email);
    expect(request?.outcome?.guestId).toBe(guest.id);
    expect(invitationsFor(email)).toHaveLength(1);
    expect(sim.directory.isMember(FALCON.id, guest.id)).toBe(true);
    expect((await store.listAudit(id)).filter((a) => a.action === 'execution_retry_scheduled')).toHaveLength(1);
  });

  it('treats a dropped connection as transient, also when the invitation went through', async () => {
    const { id, email } = await approved();
    sim.setFaults({ failures: { probability: 1, kinds: ['drop'], afterHandlingShare: 1, method: 'POST', path: '/invitations' } });
    const w = worker();
    await w.drain();
    expect((await store.getRequest(id))?.state).toBe('executing');
    const retry = (await store.listAudit(id)).find((a) => a.action === 'execution_retry_scheduled');
    expect(retry?.detail).toMatchObject({ step: 'invite', status: 0 });

    sim.clearFaults();
    await runToEnd(w);
    expect((await store.getRequest(id))?.state).toBe('completed');
    expect(sim.directory.findUsersByEmail(email)).toHaveLength(1);
    expect(invitationsFor(email)).toHaveLength(1);
  });

  it('treats a timeout as transient, and the retry after the late write invites nobody twice', async () => {
    const { id, email } = await approved();
    sim.setFaults({ latency: [{ ms: 400, method: 'POST', path: '/invitations', afterHandling: true }] });
    const w = worker(150);
    await w.drain();
    expect((await store.getRequest(id))?.state).toBe('executing');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sim.directory.findUsersByEmail(email)).toHaveLength(1);

    await runToEnd(w);
    expect((await store.getRequest(id))?.state).toBe('completed');
    expect(invitationsFor(email)).toHaveLength(1);
  });

  it('counts a group membership and a role assignment that an unanswered attempt already made as done', async () => {
    const { id, email } = await approved({ directoryRole: GUEST_INVITER });
    sim.setFaults({ failures: { probability: 1, kinds: ['drop'], afterHandlingShare: 1, method: 'POST', path: '/groups' } });
    const w = worker();
    await w.drain();
    const [guest] = sim.directory.findUsersByEmail(email);
    expect(sim.directory.isMember(FALCON.id, guest.id)).toBe(true);

    sim.setFaults({ failures: { probability: 1, kinds: [503], retryAfter: 0, afterHandlingShare: 1, method: 'POST', path: '/roleManagement' } });
    now = new Date(now.getTime() + 10 * 60_000);
    await w.drain();
    sim.clearFaults();
    await runToEnd(w);

    expect((await store.getRequest(id))?.state).toBe('completed');
    const steps = new Map((await store.getSteps(id)).map((s) => [s.key, s.output]));
    expect(steps.get(`group:${FALCON.id}`)).toEqual({ result: 'alreadyMember' });
    expect(steps.get(`role:${GUEST_INVITER.id}`)).toEqual({ result: 'alreadyAssigned' });
    expect(invitationsFor(email)).toHaveLength(1);
  });

  it("waits for Graph's Retry-After on a throttled write before trying again", async () => {
    const { id } = await approved();
    sim.injectFault({ status: 429, retryAfter: 30, method: 'POST', path: '/groups' });
    const w = worker();
    await w.drain();
    expect((await store.listAudit(id)).find((a) => a.action === 'execution_retry_scheduled')?.detail).toMatchObject({ status: 429, waitMs: 30_000 });
    now = new Date(now.getTime() + 29_000);
    await w.drain();
    expect((await store.getRequest(id))?.state).toBe('executing');
    now = new Date(now.getTime() + 1_000);
    await w.drain();
    expect((await store.getRequest(id))?.state).toBe('completed');
  });

  it("retries writes refused by the per-app write quota after the quota's Retry-After", async () => {
    const first = await approved();
    const second = await approved();
    // Two requests need four writes (an invitation and a group each); the quota allows three.
    sim.setFaults({ writeQuota: { writes: 3, windowMs: 60_000 } });
    const w = worker();
    await w.drain();
    const throttled = (await store.listAudit(second.id)).find((a) => a.action === 'execution_retry_scheduled');
    expect(throttled?.detail).toMatchObject({ status: 429, waitMs: 20_000 });
    sim.clearFaults();
    await runToEnd(w);
    expect((await store.getRequest(first.id))?.state).toBe('completed');
    expect((await store.getRequest(second.id))?.state).toBe('completed');
    expect(invitationsFor(second.email)).toHaveLength(1);
  });

  describe('with the replication lag on', () => {
    const LAG = { replication: { lagMs: 2_500 } };
    const EXPENSE_HUB = {
      app: { id: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, displayName: 'Expense Hub', publisher: null },
      role: { id: 'f4d13516-93d1-4864-95c3-c4e7ccd55c80', displayName: 'Submitter' },
    };
    const CONTRACTORS: NamedRef = { id: DEMO_GROUP_IDS.contractors, displayName: 'Contractors' };

    it('invites once, waits for the directory to know the guest, then completes every group, role and app step', async () => {
      const { id, email } = await approved({ groups: [FALCON, CONTRACTORS], directoryRole: GUEST_INVITER, appAccess: EXPENSE_HUB });
      sim.setFaults(LAG);
      let waitingNotices = 0;
      await runInRealTime(worker(30_000, { realTime: true, onWaiting: () => (waitingNotices += 1) }), id);

      const request = await store.getRequest(id);
      expect(request?.state).toBe('completed');
      const [guest] = sim.directory.findUsersByEmail(email);
      expect(request?.outcome).toEqual({ guestId: guest.id, redeemUrl: expect.stringMatching(/^https:\/\/login\.microsoftonline\.com\/redeem/) });
      expect(invitationsFor(email)).toHaveLength(1);
      expect(sim.directory.isMember(FALCON.id, guest.id)).toBe(true);
      expect(sim.directory.isMember(CONTRACTORS.id, guest.id)).toBe(true);
      expect(sim.directory.roleAssignments.some((a) => a.principalId === guest.id && a.roleDefinitionId === GUEST_INVITER.id)).toBe(true);
      expect(sim.directory.appRoles.ofPrincipal(guest.id).map((a) => a.appRoleId)).toEqual([EXPENSE_HUB.role.id]);
      const audit = await store.listAudit(id);
      const waits = audit.filter((a) => a.action === 'execution_retry_scheduled');
      expect(waits.length).toBeGreaterThan(0);
      expect(waits.every((a) => a.detail?.directory === true && a.detail?.status === 404)).toBe(true);
      expect(audit.filter((a) => a.action === 'directory_wait_started')).toHaveLength(1);
      expect(waitingNotices).toBe(1);
    });

    it.each([
      ['a 504 after the write', () => sim.injectFault({ status: 504, method: 'POST', path: '/invitations', afterHandling: true })],
      [
        'a dropped connection after the write',
        () => sim.setFaults({ ...LAG, failures: { probability: 1, kinds: ['drop'], afterHandlingShare: 1, method: 'POST', path: '/invitations' } }),
      ],
    ])('after %s, finds the new guest, sends no second invitation and still completes', async (_case, loseTheAnswer) => {
      const { id, email } = await approved({ directoryRole: GUEST_INVITER });
      sim.setFaults(LAG);
      loseTheAnswer();
      const w = worker(30_000, { realTime: true });
      await w.drain();
      expect(sim.directory.findUsersByEmail(email)).toHaveLength(1);
      sim.setFaults(LAG);
      await runInRealTime(w, id);

      const request = await store.getRequest(id);
      expect(request?.state).toBe('completed');
      expect(invitationsFor(email)).toHaveLength(1);
      const [guest] = sim.directory.findUsersByEmail(email);
      // The guest is this request's own (the answer was lost), not one invited outside it.
      expect(request?.outcome).toEqual({ guestId: guest.id });
      expect(sim.directory.isMember(FALCON.id, guest.id)).toBe(true);
      expect(sim.directory.roleAssignments.some((a) => a.principalId === guest.id)).toBe(true);
    });
  });

  it('stops at a permanent refusal with the step and the reason Graph gave', async () => {
    const forbidden = await approved({ groups: [{ id: DEMO_GROUP_IDS.financeDistribution, displayName: 'Finance distribution' }] });
    const missing = await approved({ groups: [{ id: '0e6f1c1e-0000-4000-8000-000000000404', displayName: 'Deleted group' }] });
    const member = await approved({ email: 'meganb@example.com' });
    const w = worker();
    await runToEnd(w);

    const refused = await store.getRequest(forbidden.id);
    expect(refused?.state).toBe('failed');
    expect(refused?.outcome).toMatchObject({ failedStep: `group:${DEMO_GROUP_IDS.financeDistribution}` });
    expect(refused?.outcome?.error).toMatch(/not allowed to do this in the directory/);
    const gone = await store.getRequest(missing.id);
    expect(gone?.state).toBe('failed');
    expect(gone?.outcome?.error).toMatch(/not found/);
    const existing = await store.getRequest(member.id);
    expect(existing?.state).toBe('failed');
    expect(existing?.outcome).toMatchObject({ failedStep: 'invite' });
    expect(existing?.outcome?.error).toMatch(/member of your organisation/);
    // Each was tried once: permanent answers are not retried.
    for (const { id } of [forbidden, missing, member]) {
      expect((await store.listAudit(id)).map((a) => a.action)).not.toContain('execution_retry_scheduled');
    }
  });
});
