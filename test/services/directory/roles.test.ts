import { Capabilities } from '../../../services/directory/capabilities';
import { RoleService } from '../../../services/directory/roles';

const APPROVERS = 'aaaaaaaa-0000-0000-0000-000000000001';
const ADMINS = 'aaaaaaaa-0000-0000-0000-000000000002';

/** A directory whose memberships a test changes, on a clock the test moves; each Graph call can take `callMs`. */
function setup(initial: Record<string, string[]>, ttlMs = 60_000) {
  let now = 0;
  const memberships: Record<string, string[]> = { ...initial };
  const calls: string[] = [];
  const timing = { callMs: 0 };
  const directory = {
    async checkMemberGroups(userId: string, groupIds: readonly string[]) {
      calls.push(userId);
      now += timing.callMs;
      return groupIds.filter((g) => (memberships[userId] ?? []).includes(g));
    },
  };
  const roles = new RoleService(
    directory,
    { approverGroupId: APPROVERS, adminGroupId: ADMINS },
    { now: () => new Date(now) },
    Capabilities.everything(),
    ttlMs,
  );
  return { roles, calls, memberships, timing, advance: (ms: number) => (now += ms) };
}

describe('RoleService', () => {
  it('answers from group membership', async () => {
    const { roles } = setup({ megan: [APPROVERS], adele: [APPROVERS, ADMINS], alex: [] });
    expect(await roles.rolesOf('megan')).toEqual({ approver: true, admin: false });
    expect(await roles.rolesOf('adele')).toEqual({ approver: true, admin: true });
    expect(await roles.rolesOf('alex')).toEqual({ approver: false, admin: false });
  });

  it('asks Graph once per user while the answer is fresh', async () => {
    const { roles, calls, advance } = setup({ megan: [APPROVERS] });
    await roles.isApprover('megan');
    await roles.isAdmin('megan');
    advance(59_000);
    await roles.isApprover('megan');
    expect(calls).toEqual(['megan']);
    advance(2_000);
    await roles.isApprover('megan');
    expect(calls).toEqual(['megan', 'megan']);
  });

  it('keeps answers for the configured lifetime, and asks Graph every time when it is 0', async () => {
    const short = setup({ megan: [APPROVERS] }, 10_000);
    await short.roles.isApprover('megan');
    short.advance(10_000);
    await short.roles.isApprover('megan');
    expect(short.calls).toEqual(['megan', 'megan']);

    const none = setup({ megan: [APPROVERS] }, 0);
    await none.roles.isApprover('megan');
    await none.roles.isAdmin('megan');
    await none.roles.isApproverForDecision('megan');
    expect(none.calls).toEqual(['megan', 'megan', 'megan']);
  });

  it("takes a removed approver's rights away within the lifetime, counted from when Graph was asked", async () => {
    const { roles, memberships, timing, advance } = setup({ megan: [APPROVERS] });
    timing.callMs = 5_000; // a slow answer does not stretch the lifetime
    expect(await roles.isApproverForDecision('megan')).toBe(true);
    memberships.megan = [];
    advance(54_000);
    expect(await roles.isApproverForDecision('megan')).toBe(true);
    advance(1_000);
    expect(await roles.isApproverForDecision('megan')).toBe(false);
  });

  it('asks Graph again about a cached "no" before a decision, so someone just added counts at once', async () => {
    const { roles, memberships, calls } = setup({ isaiah: [] });
    expect(await roles.isApproverForDecision('isaiah')).toBe(false);
    memberships.isaiah = [APPROVERS];
    // Listings may still use the cached answer; a decision does not.
    expect(await roles.isApprover('isaiah')).toBe(false);
    expect(await roles.isApproverForDecision('isaiah')).toBe(true);
    expect(await roles.isApprover('isaiah')).toBe(true);
    expect(calls).toEqual(['isaiah', 'isaiah']);
  });

  it('does not ask Graph again about a cached "yes" before a decision', async () => {
    const { roles, calls } = setup({ megan: [APPROVERS] });
    await roles.isApprover('megan');
    expect(await roles.isApproverForDecision('megan')).toBe(true);
    expect(calls).toEqual(['megan']);
  });

  it('keeps no answer from a check that failed', async () => {
    const calls: string[] = [];
    let fail = true;
    const directory = {
      async checkMemberGroups(userId: string) {
        calls.push(userId);
        if (fail) throw new Error('Graph is unreachable');
        return [APPROVERS];
      },
    };
    const roles = new RoleService(directory, { approverGroupId: APPROVERS, adminGroupId: ADMINS }, { now: () => new Date(0) }, Capabilities.everything());
    await expect(roles.isApprover('megan')).rejects.toThrow('unreachable');
    fail = false;
    expect(await roles.isApprover('megan')).toBe(true);
    expect(calls).toEqual(['megan', 'megan']);
  });
});
