import { pino } from 'pino';
import type { DirectoryUser, InviteInput } from '../../../services/directory/graphDirectory';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker, type ExecutionDirectory, type WorkerOptions } from '../../../services/requests/executionWorker';
import type { InviteDetails } from '../../../services/requests/model';
import { SqliteStore } from '../../../services/store/sqliteStore';
import type { Store } from '../../../services/store/store';
import { recordingAnnouncements } from '../../helpers/announcements';

const silent = pino({ level: 'silent' });
/** Policy checks are tested on their own; here every request is within policy. */
const ALLOWS_EVERYTHING = { refusals: async () => [] };
const GROUP_A = { id: 'aaaaaaaa-0000-0000-0000-00000000000a', displayName: 'Project Falcon' };
const GROUP_B = { id: 'bbbbbbbb-0000-0000-0000-00000000000b', displayName: 'Contractors' };

const details: InviteDetails = {
  email: 'jane@fabrikam.com',
  displayName: 'Jane',
  message: 'Hi',
  groups: [GROUP_A, GROUP_B],
  justification: 'Joint project',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A directory whose group additions can be held up, recording which worker made each call. */
class SlowDirectory implements ExecutionDirectory {
  users: DirectoryUser[] = [];
  invites: InviteInput[] = [];
  groupCalls: string[] = [];
  /** Delay of the nth addGroupMember call (1-based). */
  delays = new Map<number, number>();

  async findUsersByEmail(email: string): Promise<DirectoryUser[]> {
    return this.users.filter((u) => u.mail === email);
  }
  async invite(input: InviteInput) {
    this.invites.push(input);
    const id = `guest-${this.invites.length}`;
    this.users.push({
      id,
      displayName: input.displayName,
      mail: input.email,
      otherMails: [],
      userPrincipalName: id,
      userType: 'Guest',
      externalUserState: 'PendingAcceptance',
      accountEnabled: true,
    });
    return { guestId: id, redeemUrl: `https://login.microsoftonline.com/redeem?rd=${id}` };
  }
  async addGroupMember(groupId: string) {
    this.groupCalls.push(groupId);
    const delay = this.delays.get(this.groupCalls.length);
    if (delay) await sleep(delay);
    return 'added' as const;
  }
  async assignDirectoryRole() {
    return { outcome: 'assigned' as const, assignmentId: 'role-assignment' };
  }
  async assignAppRole() {
    return { outcome: 'assigned' as const, assignmentId: 'app-assignment' };
  }
}

async function approvedRequest(store: Store, at: Date): Promise<string> {
  const request = await store.createRequest(
    { id: 'GA-LEASE1', kind: 'invite', requester: { aadObjectId: 'alex', name: 'Alex' }, tenantId: 't', details, createdAt: at.toISOString() },
    { actor: 'alex', action: 'request_created', at: at.toISOString() },
  );
  await store.transition({
    id: request.id,
    from: 'pending',
    expectedVersion: request.version,
    to: 'approved',
    patch: { decision: { outcome: 'approved', by: { aadObjectId: 'megan', name: 'Megan' }, at: at.toISOString() } },
    audit: { actor: 'megan', action: 'request_approved', at: at.toISOString() },
    enqueueJob: true,
  });
  return request.id;
}

function worker(store: Store, directory: ExecutionDirectory, clock: { now(): Date }, options: Partial<WorkerOptions> & { workerId: string }) {
  return new ExecutionWorker({
    store,
    directory,
    policy: ALLOWS_EVERYTHING,
    settings: { inviteRedirectUrl: 'https://myapps.microsoft.com' },
    clock,
    logger: silent,
    options: { ...DEFAULT_WORKER_OPTIONS, leaseMs: 60_000, pollMs: 1_000, maxAttempts: 3, backoffBaseMs: 1_000, concurrency: 1, ...options },
    announcements: recordingAnnouncements().announcements,
  });
}

describe('ExecutionWorker leases', () => {
  it('renews its lease while a slow step runs, so another worker does not take the job over', async () => {
    const store = SqliteStore.open(':memory:');
    const directory = new SlowDirectory();
    const clock = { now: () => new Date() };
    const id = await approvedRequest(store, clock.now());
    // The first group takes four lease lengths; without renewal the job would be free after one.
    directory.delays.set(1, 600);
    const first = worker(store, directory, clock, { workerId: 'w1', leaseMs: 150 });
    const second = worker(store, directory, clock, { workerId: 'w2', leaseMs: 150 });

    const running = first.drain();
    for (let i = 0; i < 12; i += 1) {
      await sleep(50);
      await second.drain();
    }
    await running;

    expect((await store.getRequest(id))?.state).toBe('completed');
    expect(directory.invites).toHaveLength(1);
    expect(directory.groupCalls).toEqual([GROUP_A.id, GROUP_B.id]);
    expect((await store.listAudit(id)).map((a) => a.action)).not.toContain('execution_resumed');
    await store.close();
  });

  it('stops before its next step once another worker took the lapsed lease, and leaves the job to it', async () => {
    const store = SqliteStore.open(':memory:');
    const directory = new SlowDirectory();
    let now = new Date('2026-11-26T10:00:00Z');
    const clock = { now: () => now };
    const id = await approvedRequest(store, now);
    // The first worker stalls in its first group call, long past its lease (as if paused by GC or a slow network).
    directory.delays.set(1, 400);
    const stalled = worker(store, directory, clock, { workerId: 'w1', leaseMs: 150 });
    const running = stalled.drain();
    await sleep(50);

    // Time jumps past the lease before the stalled worker renews it; the claim runs before any timer.
    now = new Date(now.getTime() + 61_000);
    const takeover = worker(store, directory, clock, { workerId: 'w2', leaseMs: 60_000 });
    await takeover.drain();
    expect((await store.getRequest(id))?.state).toBe('completed');

    // The stalled worker's next renewal finds the lease gone: it must not touch the second group or the job.
    await running;
    expect(directory.invites).toHaveLength(1);
    expect(directory.groupCalls).toEqual([GROUP_A.id, GROUP_A.id, GROUP_B.id]);
    const actions = (await store.listAudit(id)).map((a) => a.action);
    expect(actions).not.toContain('request_failed');
    expect(actions.filter((a) => a === 'request_completed')).toHaveLength(1);
    expect(await store.claimJob('w3', 60_000, new Date(now.getTime() + 3_600_000))).toBeUndefined();
    await store.close();
  });
});
