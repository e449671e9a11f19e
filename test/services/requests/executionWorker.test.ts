import { pino } from 'pino';
import type { DirectoryUser, InviteInput } from '../../../services/directory/graphDirectory';
import { FeatureOff } from '../../../services/directory/capabilities';
import { GraphFailure } from '../../../services/directory/graphErrors';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker, type ExecutionDirectory, type WorkerOptions } from '../../../services/requests/executionWorker';
import type { InviteDetails } from '../../../services/requests/model';
import { SqliteStore } from '../../../services/store/sqliteStore';
import { recordingAnnouncements } from '../../helpers/announcements';

const silent = pino({ level: 'silent' });
/** Policy checks are tested on their own; here every request is within policy. */
const ALLOWS_EVERYTHING = { refusals: async () => [] };
const GROUP_A = { id: 'aaaaaaaa-0000-0000-0000-00000000000a', displayName: 'Project Falcon' };
const GROUP_B = { id: 'bbbbbbbb-0000-0000-0000-00000000000b', displayName: 'Contractors' };
const ROLE = { id: '95e79109-95c0-4d8e-aee3-d01accf2d47b', displayName: 'Guest Inviter' };

/** A directory that records calls and fails on demand, standing in for Graph. */
class FakeDirectory implements ExecutionDirectory {
  users: DirectoryUser[] = [];
  invites: InviteInput[] = [];
  members = new Set<string>();
  roles = new Set<string>();
  appRoles = new Set<string>();
  failNext: Partial<Record<'invite' | 'group' | 'role' | 'app', GraphFailure[]>> = {};

  async findUsersByEmail(email: string): Promise<DirectoryUser[]> {
    return this.users.filter((u) => u.mail === email);
  }
  async invite(input: InviteInput) {
    this.throwIfAsked('invite');
    this.invites.push(input);
    const id = `guest-${this.invites.length}`;
    this.users.push({
      id,
      displayName: input.displayName,
      mail: input.email,
      otherMails: [input.email],
      userPrincipalName: id,
      userType: 'Guest',
      externalUserState: 'PendingAcceptance',
      accountEnabled: true,
    });
    return { guestId: id, redeemUrl: `https://login.microsoftonline.com/redeem?rd=${id}` };
  }
  async addGroupMember(groupId: string, userId: string) {
    this.throwIfAsked('group');
    const key = `${groupId}/${userId}`;
    if (this.members.has(key)) return 'alreadyMember' as const;
    this.members.add(key);
    return 'added' as const;
  }
  async assignDirectoryRole(roleId: string, principalId: string) {
    this.throwIfAsked('role');
    this.roles.add(`${roleId}/${principalId}`);
    return { outcome: 'assigned' as const, assignmentId: `role-assignment-${this.roles.size}` };
  }
  async assignAppRole(appId: string, principalId: string, roleId: string) {
    this.throwIfAsked('app');
    const key = `${appId}/${roleId}/${principalId}`;
    if (this.appRoles.has(key)) return { outcome: 'alreadyAssigned' as const };
    this.appRoles.add(key);
    return { outcome: 'assigned' as const, assignmentId: `app-assignment-${this.appRoles.size}` };
  }
  private throwIfAsked(kind: 'invite' | 'group' | 'role' | 'app'): void {
    const failure = this.failNext[kind]?.shift();
    if (failure) throw failure;
  }
}

const details: InviteDetails = {
  email: 'jane@fabrikam.com',
  displayName: 'Jane',
  message: 'Hi',
  groups: [GROUP_A, GROUP_B],
  directoryRole: ROLE,
  justification: 'Joint project',
};

type Policy = ConstructorParameters<typeof ExecutionWorker>[0]['policy'];

async function setup(policy: Policy = ALLOWS_EVERYTHING) {
  let now = new Date('2026-11-26T10:00:00Z');
  const clock = { now: () => now };
  const store = SqliteStore.open(':memory:');
  const directory = new FakeDirectory();
  const { announcements, finished, waiting } = recordingAnnouncements();
  const makeWorker = (workerId: string, overrides: Partial<WorkerOptions> = {}) =>
    new ExecutionWorker({
      store,
      directory,
      policy,
      settings: { inviteRedirectUrl: 'https://myapps.microsoft.com' },
      clock,
      logger: silent,
      options: { ...DEFAULT_WORKER_OPTIONS, workerId, leaseMs: 60_000, pollMs: 1_000, maxAttempts: 3, backoffBaseMs: 1_000, concurrency: 1, ...overrides },
      announcements,
    });
  const addApproved = async (id: string, email: string) => {
    const request = await store.createRequest(
      { id, kind: 'invite', requester: { aadObjectId: 'alex', name: 'Alex' }, tenantId: 't', details: { ...details, email }, createdAt: now.toISOString() },
      { actor: 'alex', action: 'request_created', at: now.toISOString() },
    );
    await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'approved',
      patch: { decision: { outcome: 'approved', by: { aadObjectId: 'megan', name: 'Megan' }, at: now.toISOString() } },
      audit: { actor: 'megan', action: 'request_approved', at: now.toISOString() },
      enqueueJob: true,
    });
  };
  await addApproved('GA-TEST01', details.email);
  return { store, directory, finished, waiting, makeWorker, addApproved, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

/** Graph's answer while a replica does not know the object yet. */
const unknownObject = (id: string) =>
  new GraphFailure(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

describe('ExecutionWorker', () => {
  it('invites, joins every group and assigns the role, then completes', async () => {
    const { store, directory, finished, makeWorker } = await setup();
    await makeWorker('w1').drain();
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('completed');
    expect(request?.outcome).toEqual({ guestId: 'guest-1', redeemUrl: 'https://login.microsoftonline.com/redeem?rd=guest-1' });
    expect(directory.invites).toEqual([
      { email: 'jane@fabrikam.com', displayName: 'Jane', message: 'Hi', redirectUrl: 'https://myapps.microsoft.com', sponsorIds: ['alex'] },
    ]);
    expect([...directory.members]).toEqual([`${GROUP_A.id}/guest-1`, `${GROUP_B.id}/guest-1`]);
    expect([...directory.roles]).toEqual([`${ROLE.id}/guest-1`]);
    expect(finished.map((r) => r.state)).toEqual(['completed']);
    expect((await store.getSteps('GA-TEST01')).map((s) => s.key).sort()).toEqual(
      ['group:' + GROUP_A.id, 'group:' + GROUP_B.id, 'invite', 'invite:sent', 'role:' + ROLE.id].sort(),
    );
  });

  it('checks the policy afresh before every write', async () => {
    const asked: Array<boolean | undefined> = [];
    const { store, makeWorker } = await setup({ refusals: async (_details, options) => (asked.push(options?.fresh), []) });
    await makeWorker('w1').drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');
    // Invitation, two groups and the directory role: four writes, each preceded by a fresh check.
    expect(asked).toEqual([true, true, true, true]);
  });

  it('stops before the write that policy no longer allows, keeping the steps already done, and fails with the reason', async () => {
    let checks = 0;
    const refusal = { field: 'groupIds' as const, reason: 'Contractors is protected, so no guest can be added through this bot.' };
    const { store, directory, finished, makeWorker } = await setup({ refusals: async () => (++checks >= 3 ? [refusal] : []) });
    await makeWorker('w1').drain();

    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome).toEqual({
      guestId: 'guest-1',
      redeemUrl: 'https://login.microsoftonline.com/redeem?rd=guest-1',
      failedStep: 'policy',
      error: refusal.reason,
    });
    expect([...directory.members]).toEqual([`${GROUP_A.id}/guest-1`]);
    expect(directory.roles.size).toBe(0);
    const steps = await store.getSteps('GA-TEST01');
    expect(
      steps
        .filter((s) => s.status === 'done' && s.key !== 'invite:sent')
        .map((s) => s.key)
        .sort(),
    ).toEqual(['group:' + GROUP_A.id, 'invite'].sort());
    const failure = (await store.listAudit('GA-TEST01')).find((a) => a.action === 'request_failed');
    expect(failure?.detail).toMatchObject({ step: 'policy', nextStep: `group:${GROUP_B.id}`, refused: 'groupIds' });
    expect(String(failure?.detail?.stepsDone).split(',').sort()).toEqual(['group:' + GROUP_A.id, 'invite'].sort());
    expect(finished.map((r) => r.state)).toEqual(['failed']);
    expect(await store.claimJob('w2', 60_000, new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('fails at once, naming what to grant, when a feature the request needs was turned off after its approval', async () => {
    const message = "Adding guests to groups is turned off: the bot's app lacks GroupMember.Read.All; an admin can grant it.";
    const { store, directory, finished, makeWorker } = await setup({
      refusals: async () => {
        throw new FeatureOff('groups', message);
      },
    });
    await makeWorker('w1').drain();
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.error).toBe(message);
    expect(directory.invites).toEqual([]);
    expect(finished.map((r) => r.state)).toEqual(['failed']);
    expect((await store.listAudit('GA-TEST01')).map((a) => a.action)).not.toContain('execution_retry_scheduled');
  });

  it('retries later, writing nothing, when the policy cannot be read', async () => {
    let checks = 0;
    const { store, directory, makeWorker, advance } = await setup({
      refusals: async () => {
        if (++checks === 1) throw new GraphFailure(503, 'ServiceUnavailable', 'Down');
        return [];
      },
    });
    const worker = makeWorker('w1');
    await worker.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('executing');
    expect(directory.invites).toHaveLength(0);
    advance(5_000);
    await worker.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');
  });

  it('resumes after a restart without inviting twice', async () => {
    const { store, directory, makeWorker, advance } = await setup();
    // The first process invites and joins group A, then hangs forever on group B (as if killed).
    const add = directory.addGroupMember.bind(directory);
    let calls = 0;
    directory.addGroupMember = (groupId, userId) => (++calls === 2 ? new Promise<never>(() => undefined) : add(groupId, userId));
    void makeWorker('w1').drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(directory.invites).toHaveLength(1);
    expect(directory.members.size).toBe(1);

    // Until its lease runs out, nobody else takes the job; then a new process resumes it.
    const second = makeWorker('w2');
    await second.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('executing');
    advance(61_000);
    await second.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');
    expect(directory.invites).toHaveLength(1);
    expect(directory.members.size).toBe(2);
    const actions = (await store.listAudit('GA-TEST01')).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['execution_started', 'execution_resumed', 'request_completed']));
  });

  it('uses a guest someone invited outside this request instead of inviting again, and says whether they accepted', async () => {
    const { store, directory, makeWorker } = await setup();
    directory.users.push({
      id: 'guest-existing',
      displayName: 'Jane',
      mail: 'jane@fabrikam.com',
      otherMails: [],
      userPrincipalName: 'x',
      userType: 'Guest',
      externalUserState: 'PendingAcceptance',
      accountEnabled: true,
    });
    await makeWorker('w1').drain();
    expect(directory.invites).toHaveLength(0);
    const request = await store.getRequest('GA-TEST01');
    expect(request?.outcome).toEqual({ guestId: 'guest-existing', existingGuest: { externalUserState: 'PendingAcceptance' } });
    expect(directory.members.has(`${GROUP_A.id}/guest-existing`)).toBe(true);
  });

  it('waits for the directory to know the guest it just invited, with growing waits that use no attempts, and shows the wait once', async () => {
    const { store, directory, finished, waiting, makeWorker, advance } = await setup();
    // More refusals than the job has attempts (3): waiting for replication must not use them up.
    directory.failNext.group = [1, 2, 3, 4, 5].map(() => unknownObject('guest-1'));
    const worker = makeWorker('w1');
    const waits: number[] = [];
    for (let i = 0; i < 8 && finished.length === 0; i += 1) {
      await worker.drain();
      const retries = (await store.listAudit('GA-TEST01')).filter((a) => a.action === 'execution_retry_scheduled');
      waits.push(...retries.slice(waits.length).map((r) => Number(r.detail?.waitMs)));
      advance(waits[waits.length - 1] ?? 0);
    }
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('completed');
    expect(request?.outcome).toEqual({ guestId: 'guest-1', redeemUrl: 'https://login.microsoftonline.com/redeem?rd=guest-1' });
    expect(directory.invites).toHaveLength(1);
    expect(waits).toEqual([1_000, 1_000, 2_000, 4_000, 8_000]);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ state: 'executing', outcome: { guestId: 'guest-1', waitingForDirectorySince: expect.any(String) } });
    const audit = await store.listAudit('GA-TEST01');
    expect(audit.filter((a) => a.action === 'directory_wait_started')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'execution_retry_scheduled').every((a) => a.detail?.directory === true)).toBe(true);
  });

  it('puts off the first write to the next new guest by the lag it has seen, sparing the write quota a refusal', async () => {
    const { store, directory, makeWorker, addApproved, advance } = await setup();
    // The first guest is refused right after the invitation and again a second later.
    directory.failNext.group = [unknownObject('guest-1'), unknownObject('guest-1')];
    const worker = makeWorker('w1');
    await worker.drain();
    advance(1_000);
    await worker.drain();
    advance(1_250);
    await worker.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');

    await addApproved('GA-TEST02', 'second@fabrikam.com');
    await worker.drain();
    const deferred = (await store.listAudit('GA-TEST02')).find((a) => a.action === 'execution_deferred');
    expect(deferred?.detail).toMatchObject({ step: `group:${GROUP_A.id}`, directory: true, waitMs: expect.any(Number) });
    const waitMs = Number(deferred?.detail?.waitMs);
    // More than the refused second, no more than the 1.25 s learned from it.
    expect(waitMs).toBeGreaterThan(1_000);
    expect(waitMs).toBeLessThanOrEqual(1_250);
    expect([...directory.members].some((m) => m.endsWith('/guest-2'))).toBe(false);
    advance(waitMs);
    await worker.drain();
    expect((await store.getRequest('GA-TEST02'))?.state).toBe('completed');
    expect((await store.listAudit('GA-TEST02')).filter((a) => a.action === 'execution_retry_scheduled')).toEqual([]);
    expect(directory.invites).toHaveLength(2);
  });

  it('fails with the reason once the directory has not caught up within the wait', async () => {
    const { store, directory, finished, makeWorker, advance } = await setup();
    directory.failNext.group = Array.from({ length: 40 }, () => unknownObject('guest-1'));
    const worker = makeWorker('w1');
    for (let i = 0; i < 40 && finished.length === 0; i += 1) {
      await worker.drain();
      advance(60_000);
    }
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.failedStep).toBe(`group:${GROUP_A.id}`);
    expect(request?.outcome?.error).toMatch(
      /^The directory still did not know the new guest 5 minutes after the invitation, so the bot stopped waiting\. Graph said: Resource 'guest-1' does not exist/,
    );
    expect(directory.invites).toHaveLength(1);
  });

  it("fails at once with Graph's reason when waiting for the directory is turned off", async () => {
    const { store, directory, makeWorker } = await setup();
    directory.failNext.group = [unknownObject('guest-1')];
    await makeWorker('w1', { directoryWaitMs: 0 }).drain();
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.error).toBe(
      "The directory object was not found (it may have been deleted). Graph said: Resource 'guest-1' does not exist or one of its queried reference-property objects are not present.",
    );
  });

  it('does not wait when Graph says another object does not exist, or when the guest was invited outside this request', async () => {
    const deletedGroup = await setup();
    deletedGroup.directory.failNext.group = [unknownObject(GROUP_A.id)];
    await deletedGroup.makeWorker('w1').drain();
    expect((await deletedGroup.store.getRequest('GA-TEST01'))?.state).toBe('failed');

    const outside = await setup();
    outside.directory.users.push({
      id: 'guest-old',
      displayName: 'Jane',
      mail: 'jane@fabrikam.com',
      otherMails: [],
      userPrincipalName: 'x',
      userType: 'Guest',
      externalUserState: 'Accepted',
      accountEnabled: true,
    });
    outside.directory.failNext.group = [unknownObject('guest-old')];
    await outside.makeWorker('w1').drain();
    const request = await outside.store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.error).toMatch(/not found/);
  });

  it('counts "already a member" as done', async () => {
    const { store, directory, makeWorker } = await setup();
    directory.users.push({
      id: 'g',
      displayName: 'Jane',
      mail: 'jane@fabrikam.com',
      otherMails: [],
      userPrincipalName: 'x',
      userType: 'Guest',
      externalUserState: null,
      accountEnabled: true,
    });
    directory.members.add(`${GROUP_A.id}/g`);
    await makeWorker('w1').drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');
    expect((await store.getSteps('GA-TEST01')).find((s) => s.key === `group:${GROUP_A.id}`)?.output).toEqual({ result: 'alreadyMember' });
  });

  it('retries a throttled step after Retry-After and completes', async () => {
    const { store, directory, makeWorker, advance } = await setup();
    directory.failNext.group = [new GraphFailure(429, 'TooManyRequests', 'Please retry again later.', 10)];
    const worker = makeWorker('w1');
    await worker.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('executing');
    advance(5_000);
    await worker.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('executing');
    advance(6_000);
    await worker.drain();
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');
    expect(directory.invites).toHaveLength(1);
  });

  it('keeps retrying while Graph throttles, without using up its attempts', async () => {
    const { store, directory, makeWorker, advance } = await setup();
    directory.failNext.group = [1, 2, 3, 4, 5].map(() => new GraphFailure(429, 'TooManyRequests', 'Please retry again later.', 1));
    const worker = makeWorker('w1');
    for (let i = 0; i < 6; i += 1) {
      await worker.drain();
      advance(1_000);
    }
    expect((await store.getRequest('GA-TEST01'))?.state).toBe('completed');
    const retries = (await store.listAudit('GA-TEST01')).filter((a) => a.action === 'execution_retry_scheduled');
    expect(retries).toHaveLength(5);
    expect(retries.every((r) => r.detail?.throttled === true)).toBe(true);
  });

  it("fails with the step and Graph's reason on a permanent error", async () => {
    const { store, directory, finished, makeWorker } = await setup();
    directory.failNext.group = [new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')];
    await makeWorker('w1').drain();
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.failedStep).toBe(`group:${GROUP_A.id}`);
    expect(request?.outcome?.error).toContain('Insufficient privileges to complete the operation.');
    expect(request?.outcome?.guestId).toBe('guest-1');
    expect(finished.map((r) => r.state)).toEqual(['failed']);
  });

  it('gives up after the last transient attempt', async () => {
    const { store, directory, makeWorker, advance } = await setup();
    directory.failNext.invite = [1, 2, 3].map(() => new GraphFailure(503, 'ServiceUnavailable', 'Down'));
    const worker = makeWorker('w1');
    for (let i = 0; i < 3; i += 1) {
      await worker.drain();
      advance(10 * 60_000);
    }
    const request = await store.getRequest('GA-TEST01');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.error).toContain('Gave up after 3 attempts');
    expect(directory.invites).toHaveLength(0);
  });
});

describe('ExecutionWorker with app access', () => {
  const APP = { id: 'cccccccc-0000-0000-0000-00000000000c', displayName: 'Expense Hub', publisher: 'Example Corp' };
  const SUBMITTER = { id: 'dddddddd-0000-0000-0000-00000000000d', displayName: 'Submitter' };

  async function approved(details: InviteDetails) {
    const now = new Date('2026-11-26T10:00:00Z');
    let clockNow = now;
    const store = SqliteStore.open(':memory:');
    const directory = new FakeDirectory();
    const makeWorker = (workerId: string) =>
      new ExecutionWorker({
        store,
        directory,
        policy: ALLOWS_EVERYTHING,
        settings: { inviteRedirectUrl: 'https://myapps.microsoft.com' },
        clock: { now: () => clockNow },
        logger: silent,
        options: { ...DEFAULT_WORKER_OPTIONS, workerId, leaseMs: 60_000, pollMs: 1_000, maxAttempts: 3, backoffBaseMs: 1_000, concurrency: 1 },
        announcements: recordingAnnouncements().announcements,
      });
    const request = await store.createRequest(
      { id: 'GA-APP001', kind: 'appAccess', requester: { aadObjectId: 'alex', name: 'Alex' }, tenantId: 't', details, createdAt: now.toISOString() },
      { actor: 'alex', action: 'request_created', at: now.toISOString() },
    );
    await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: 1,
      to: 'approved',
      audit: { actor: 'patti', action: 'request_approved', at: now.toISOString() },
      enqueueJob: true,
    });
    return { store, directory, makeWorker, advance: (ms: number) => (clockNow = new Date(clockNow.getTime() + ms)) };
  }

  const forExisting: InviteDetails = {
    email: 'ravi@fabrikam.com',
    displayName: 'Ravi',
    message: '',
    groups: [],
    justification: 'Expense reports for the project',
    appAccess: { app: APP, role: SUBMITTER },
    existingGuestId: 'guest-ravi',
  };

  it('gives an existing guest the app role without inviting anyone', async () => {
    const { store, directory, makeWorker } = await approved(forExisting);
    await makeWorker('w1').drain();
    expect(directory.invites).toHaveLength(0);
    expect([...directory.appRoles]).toEqual([`${APP.id}/${SUBMITTER.id}/guest-ravi`]);
    const request = await store.getRequest('GA-APP001');
    expect(request?.state).toBe('completed');
    expect(request?.outcome).toEqual({ guestId: 'guest-ravi' });
  });

  it('counts an identical existing assignment as done', async () => {
    const { store, directory, makeWorker } = await approved(forExisting);
    directory.appRoles.add(`${APP.id}/${SUBMITTER.id}/guest-ravi`);
    await makeWorker('w1').drain();
    expect((await store.getRequest('GA-APP001'))?.state).toBe('completed');
    // The app step, then the sponsor (this directory cannot record sponsors, so the bot keeps it alone).
    expect((await store.getSteps('GA-APP001')).map((s) => [s.key.split(':')[0], s.output])).toEqual([
      ['app', { result: 'alreadyAssigned' }],
      ['sponsor', { result: 'skipped' }],
    ]);
  });

  it('invites first, then assigns, and resumes after a restart between the two without a second invitation', async () => {
    const { store, directory, makeWorker, advance } = await approved({ ...forExisting, existingGuestId: undefined, email: 'new@fabrikam.com' });
    const assign = directory.assignAppRole.bind(directory);
    directory.assignAppRole = () => new Promise<never>(() => undefined);
    void makeWorker('w1').drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(directory.invites).toHaveLength(1);
    expect(directory.appRoles.size).toBe(0);

    directory.assignAppRole = assign;
    advance(61_000);
    await makeWorker('w2').drain();
    const request = await store.getRequest('GA-APP001');
    expect(request?.state).toBe('completed');
    expect(directory.invites).toHaveLength(1);
    expect([...directory.appRoles]).toEqual([`${APP.id}/${SUBMITTER.id}/guest-1`]);
    expect((await store.listAudit('GA-APP001')).map((a) => a.action)).toContain('execution_resumed');
  });

  it("fails naming the app step and Graph's reason", async () => {
    const { store, directory, makeWorker } = await approved(forExisting);
    directory.failNext.app = [new GraphFailure(400, 'Request_BadRequest', 'Permission being assigned was not found on application')];
    await makeWorker('w1').drain();
    const request = await store.getRequest('GA-APP001');
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.failedStep).toBe(`app:${APP.id}:${SUBMITTER.id}`);
    expect(request?.outcome?.error).toContain('Permission being assigned was not found on application');
  });
});

describe('ExecutionWorker concurrency', () => {
  it('runs up to `concurrency` jobs at once, each exactly once', async () => {
    const store = SqliteStore.open(':memory:');
    const at = new Date('2026-11-26T10:00:00Z').toISOString();
    for (let i = 0; i < 10; i += 1) {
      const request = await store.createRequest(
        {
          id: `GA-CONC0${i}`,
          kind: 'invite',
          requester: { aadObjectId: 'alex', name: 'Alex' },
          tenantId: 't',
          details: { ...details, email: `g${i}@fabrikam.com`, groups: [], directoryRole: undefined },
          createdAt: at,
        },
        { actor: 'alex', action: 'request_created', at },
      );
      await store.transition({
        id: request.id,
        from: 'pending',
        expectedVersion: 1,
        to: 'approved',
        audit: { actor: 'megan', action: 'request_approved', at },
        enqueueJob: true,
      });
    }
    const directory = new FakeDirectory();
    let inFlight = 0;
    let mostInFlight = 0;
    const invite = directory.invite.bind(directory);
    directory.invite = async (input) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return invite(input);
    };
    const worker = new ExecutionWorker({
      store,
      directory,
      policy: ALLOWS_EVERYTHING,
      settings: { inviteRedirectUrl: 'https://myapps.microsoft.com' },
      clock: { now: () => new Date(at) },
      logger: silent,
      options: { ...DEFAULT_WORKER_OPTIONS, workerId: 'w1', leaseMs: 60_000, pollMs: 1_000, maxAttempts: 3, backoffBaseMs: 1_000, concurrency: 4 },
      announcements: recordingAnnouncements().announcements,
    });
    await worker.drain();
    expect(mostInFlight).toBe(4);
    expect(directory.invites).toHaveLength(10);
    expect(new Set(directory.invites.map((i) => i.email)).size).toBe(10);
    const states = await Promise.all(Array.from({ length: 10 }, (_, i) => store.getRequest(`GA-CONC0${i}`)));
    expect(states.map((r) => r?.state)).toEqual(Array(10).fill('completed'));
  });
});
