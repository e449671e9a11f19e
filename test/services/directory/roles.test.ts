import { Capabilities } from '../../../services/directory/capabilities';
import { RoleService } from '../../../services/directory/roles';

const APPROVERS = 'aaaaaaaa-0000-0000-0000-000000000001';
const ADMINS = 'aaaaaaaa-0000-0000-0000-000000000002';

function setup(memberships: Record<string, string[]>) {
  let now = 0;
  const calls: string[] = [];
  const directory = {
    async checkMemberGroups(userId: string, groupIds: readonly string[]) {
      calls.push(userId);
      return groupIds.filter((g) => (memberships[userId] ?? []).includes(g));
    },
  };
  const roles = new RoleService(directory, { approverGroupId: APPROVERS, adminGroupId: ADMINS }, { now: () => new Date(now) }, Capabilities.everything(), 60_000);
  return { roles, calls, advance: (ms: number) => (now += ms) };
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
});
