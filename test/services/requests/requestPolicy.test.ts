import { Capabilities } from '../../../services/directory/capabilities';
import { DirectoryCatalog, type CatalogDirectory } from '../../../services/directory/directoryCatalog';
import type { NamedRef } from '../../../services/requests/model';
import { RequestPolicy, checkDomainPolicy, policyRefusals, type PolicySettings } from '../../../services/requests/requestPolicy';

const APPROVERS = 'aaaaaaaa-0000-0000-0000-000000000001';
const ADMINS = 'aaaaaaaa-0000-0000-0000-000000000002';
const NESTED: NamedRef = { id: 'bbbbbbbb-0000-0000-0000-000000000003', displayName: 'Security Team' };
const ROLE_ASSIGNABLE: NamedRef = { id: 'cccccccc-0000-0000-0000-000000000004', displayName: 'Privileged Helpdesk' };
const FALCON: NamedRef = { id: 'dddddddd-0000-0000-0000-000000000005', displayName: 'Project Falcon' };
const GUEST_INVITER: NamedRef = { id: '95e79109-95c0-4d8e-aee3-d01accf2d47b', displayName: 'Guest Inviter' };

const open: PolicySettings = { allowedGuestDomains: [], blockedGuestDomains: [], assignableDirectoryRoles: [] };
const subject = { email: 'jane@fabrikam.com', groups: [FALCON], directoryRole: undefined };

describe('policyRefusals', () => {
  it('refuses nothing within policy', () => {
    expect(policyRefusals(subject, open, new Set([APPROVERS]))).toEqual([]);
  });

  it('refuses a blocked domain and its subdomains, and a domain outside the allow list', () => {
    expect(policyRefusals({ ...subject, email: 'x@eu.fabrikam.com' }, { ...open, blockedGuestDomains: ['fabrikam.com'] }, new Set())).toEqual([
      { field: 'email', reason: 'Guests from eu.fabrikam.com are not allowed: the domain is blocked by your admins.' },
    ]);
    expect(policyRefusals(subject, { ...open, allowedGuestDomains: ['contoso.com'] }, new Set())).toEqual([
      { field: 'email', reason: 'Guests from fabrikam.com are not allowed: allowed domains are contoso.com.' },
    ]);
  });

  it('refuses protected groups by name, whatever the case of their ids', () => {
    const shouted = { ...NESTED, id: NESTED.id.toUpperCase() };
    const refusals = policyRefusals({ ...subject, groups: [FALCON, shouted, ROLE_ASSIGNABLE] }, open, new Set([NESTED.id, ROLE_ASSIGNABLE.id]));
    expect(refusals).toEqual([{ field: 'groupIds', reason: expect.stringMatching(/^Security Team, Privileged Helpdesk are protected/) }]);
  });

  it('refuses a directory role admins do not allow, and accepts one they do in any case', () => {
    expect(policyRefusals({ ...subject, directoryRole: GUEST_INVITER }, open, new Set())).toEqual([
      { field: 'directoryRoleId', reason: 'Guest Inviter cannot be requested here; your admins choose which directory roles can be.' },
    ]);
    const allowed = { ...open, assignableDirectoryRoles: [GUEST_INVITER.id] };
    expect(policyRefusals({ ...subject, directoryRole: { ...GUEST_INVITER, id: GUEST_INVITER.id.toUpperCase() } }, allowed, new Set())).toEqual([]);
  });

  it('names every refusal at once', () => {
    const settings = { ...open, blockedGuestDomains: ['fabrikam.com'] };
    const refusals = policyRefusals({ email: 'jane@fabrikam.com', groups: [NESTED], directoryRole: GUEST_INVITER }, settings, new Set([NESTED.id]));
    expect(refusals.map((r) => r.field)).toEqual(['email', 'groupIds', 'directoryRoleId']);
  });

  it('compares the address without case or surrounding spaces', () => {
    expect(checkDomainPolicy('  Jane@FABRIKAM.com ', { ...open, allowedGuestDomains: ['fabrikam.com'] })).toBeUndefined();
  });
});

/** A directory whose nested and role-assignable groups a test can change, counting its reads. */
class ChangingDirectory implements Pick<CatalogDirectory, 'listNestedGroups' | 'listRoleAssignableGroups' | 'checkGroupMemberGroups'> {
  nested = new Map<string, NamedRef[]>([[ADMINS, [NESTED]]]);
  roleAssignable: NamedRef[] = [ROLE_ASSIGNABLE];
  reads = 0;
  checks: string[] = [];
  async listNestedGroups(groupId: string): Promise<NamedRef[]> {
    this.reads += 1;
    return this.nested.get(groupId) ?? [];
  }
  async listRoleAssignableGroups(): Promise<NamedRef[]> {
    this.reads += 1;
    return this.roleAssignable;
  }
  async checkGroupMemberGroups(groupId: string, groupIds: readonly string[]): Promise<string[]> {
    this.checks.push(groupId);
    return groupIds.filter((root) => (this.nested.get(root) ?? []).some((g) => g.id === groupId));
  }
}

function policyOver(directory: ChangingDirectory) {
  const catalog = new DirectoryCatalog(
    directory as unknown as CatalogDirectory,
    { assignableDirectoryRoles: [], approverGroupId: APPROVERS, adminGroupId: ADMINS },
    { now: () => new Date('2026-11-26T10:00:00Z') },
    Capabilities.everything(),
  );
  return new RequestPolicy({ catalog, settings: open });
}

describe('RequestPolicy', () => {
  it('protects the approver and admin groups, groups nested in them and role-assignable groups', async () => {
    const policy = policyOver(new ChangingDirectory());
    for (const group of [{ id: APPROVERS, displayName: 'Approvers' }, { id: ADMINS, displayName: 'Admins' }, NESTED, ROLE_ASSIGNABLE]) {
      expect((await policy.refusals({ ...subject, groups: [group] })).map((r) => r.field)).toEqual(['groupIds']);
    }
    expect(await policy.refusals(subject)).toEqual([]);
  });

  it('reads the directory only when groups are asked for', async () => {
    const directory = new ChangingDirectory();
    await policyOver(directory).refusals({ ...subject, groups: [] }, { fresh: true });
    expect(directory.reads + directory.checks.length).toBe(0);
  });

  it('uses the minute-old copy unless asked for a fresh check, which sees a group nested since and one taken out since', async () => {
    const directory = new ChangingDirectory();
    const policy = policyOver(directory);
    expect(await policy.refusals(subject)).toEqual([]);
    directory.nested.set(APPROVERS, [FALCON]);
    expect(await policy.refusals(subject)).toEqual([]);
    expect((await policy.refusals(subject, { fresh: true })).map((r) => r.field)).toEqual(['groupIds']);
    directory.nested.set(ADMINS, []);
    expect(await policy.refusals({ ...subject, groups: [NESTED] }, { fresh: true })).toEqual([]);
  });

  it('checks each group in the directory once per fresh check, and role-assignable groups from the list', async () => {
    const directory = new ChangingDirectory();
    const policy = policyOver(directory);
    const refusals = await policy.refusals({ ...subject, groups: [FALCON, ROLE_ASSIGNABLE, { id: APPROVERS, displayName: 'Approvers' }] }, { fresh: true });
    expect(refusals).toEqual([{ field: 'groupIds', reason: expect.stringMatching(/^Privileged Helpdesk, Approvers are protected/) }]);
    expect(directory.checks).toEqual([FALCON.id]);
  });
});
