import {
  DEMO_ASSIGNABLE_GROUPS,
  DEMO_BOT_APP_ID,
  DEMO_GROUP_IDS,
  DEMO_GUEST_IDS,
  DEMO_TENANT_ID,
  DEMO_USER_IDS,
  Directory,
  demoWellKnownIds,
  loadDemoSeed,
  validateSeed,
} from '../../simulator';

const PLAYGROUND_USERS = [
  { id: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber', mail: 'alexw@example.com', upn: 'alexw@example.com' },
  { id: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen', mail: 'meganb@example.com', upn: 'meganb@example.com' },
  { id: '00000000-0000-0000-0000-0000000000022', name: 'Adele Vance', mail: 'adelev@example.com', upn: 'adelev@example.com' },
  { id: '00000000-0000-0000-0000-0000000000023', name: 'Isaiah Langer', mail: 'isaiahl@example.com', upn: 'isaiah@example.com' },
  { id: '00000000-0000-0000-0000-0000000000024', name: 'Patti Fernandez', mail: 'pattif@example.com', upn: 'pattif@example.com' },
  { id: '00000000-0000-0000-0000-0000000000025', name: 'Lynne Robbins', mail: 'lynner@example.com', upn: 'lynner@example.com' },
];

describe('demo seed', () => {
  const seed = loadDemoSeed();
  const directory = new Directory(seed);

  it('loads and describes the Playground tenant', () => {
    expect(seed.tenant).toEqual({
      id: '00000000-0000-0000-0000-0000000000001',
      displayName: 'Example Corp (demo)',
      verifiedDomains: ['example.com'],
      initialDomain: 'example.onmicrosoft.com',
    });
    expect(DEMO_TENANT_ID).toBe(seed.tenant.id);
  });

  it.each(PLAYGROUND_USERS)('contains the Playground user $name with id $id as a member', (expected) => {
    const user = directory.getUser(expected.id);
    expect(user).toMatchObject({
      id: expected.id,
      displayName: expected.name,
      mail: expected.mail,
      userPrincipalName: expected.upn,
      userType: 'Member',
      accountEnabled: true,
    });
  });

  it('has about six more employees with ordinary GUIDs and a few guests', () => {
    const members = directory.users.filter((u) => u.userType === 'Member');
    const guests = directory.users.filter((u) => u.userType === 'Guest');
    expect(members.length).toBeGreaterThanOrEqual(12);
    expect(guests.map((g) => g.mail)).toEqual(expect.arrayContaining(['jane.doe@fabrikam.com', 'ravi.kumar@fabrikam.com', 'dana.whitfield@contoso.com']));
    expect(guests.every((g) => g.userPrincipalName.endsWith('#EXT#@example.onmicrosoft.com'))).toBe(true);
    const dana = directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso);
    expect(dana?.otherMails).toEqual(['dwhitfield@contoso.com']);
    expect(directory.getUser(DEMO_GUEST_IDS.liamOBrienNorthwind)?.accountEnabled).toBe(false);
    expect(directory.getUser(DEMO_GUEST_IDS.raviKumarFabrikam)?.externalUserState).toBe('PendingAcceptance');
  });

  it('puts Megan, Adele and a non-Playground employee in the approver group', () => {
    expect(directory.getGroup(DEMO_GROUP_IDS.approvers)?.displayName).toBe('Guest Access Approvers');
    expect(directory.memberIds(DEMO_GROUP_IDS.approvers).sort()).toEqual(
      [DEMO_USER_IDS.meganBowen, DEMO_USER_IDS.adeleVance, DEMO_USER_IDS.diegoSiciliani].sort(),
    );
  });

  it('nests the Security Team inside the admin group', () => {
    expect(directory.getGroup(DEMO_GROUP_IDS.admins)?.displayName).toBe('Guest Access Admins');
    expect(directory.isMember(DEMO_GROUP_IDS.admins, DEMO_GROUP_IDS.securityTeam)).toBe(true);
    expect(directory.isMember(DEMO_GROUP_IDS.admins, DEMO_USER_IDS.johannaLorenz)).toBe(false);
    expect(directory.isTransitiveMember(DEMO_GROUP_IDS.admins, DEMO_USER_IDS.johannaLorenz)).toBe(true);
  });

  it('names each assignable group consistently with the fixture', () => {
    for (const group of DEMO_ASSIGNABLE_GROUPS) {
      expect(directory.getGroup(group.id)?.displayName).toBe(group.displayName);
    }
    expect(directory.getGroup(DEMO_GROUP_IDS.allGuestsDynamic)?.membershipRule).not.toBeNull();
    expect(directory.getGroup(DEMO_GROUP_IDS.financeDistribution)).toMatchObject({ mailEnabled: true, securityEnabled: true });
    expect(directory.getGroup(DEMO_GROUP_IDS.privilegedHelpdesk)?.isAssignableToRole).toBe(true);
  });

  it('exposes the ids the local start script needs', () => {
    expect(demoWellKnownIds()).toEqual({
      tenantId: DEMO_TENANT_ID,
      tenantDisplayName: 'Example Corp (demo)',
      approverGroupId: DEMO_GROUP_IDS.approvers,
      adminGroupId: DEMO_GROUP_IDS.admins,
      botAppId: DEMO_BOT_APP_ID,
      assignableGroups: DEMO_ASSIGNABLE_GROUPS,
    });
    expect(seed.servicePrincipals?.find((sp) => sp.appId === DEMO_BOT_APP_ID)?.displayName).toBe('Guest Access Bot');
  });

  it('returns an independent copy on every load', () => {
    const first = loadDemoSeed();
    first.users.length = 0;
    expect(loadDemoSeed().users.length).toBe(seed.users.length);
  });

  it('has enterprise apps with user and application-only roles, and one without roles', () => {
    const apps = directory.servicePrincipals;
    expect(apps.length).toBeGreaterThanOrEqual(3);
    const expenses = apps.find((a) => a.displayName === 'Expense Hub');
    expect(expenses?.appRoles.filter((r) => r.allowedMemberTypes.includes('User'))).toHaveLength(2);
    expect(expenses?.appRoles.filter((r) => r.allowedMemberTypes.join() === 'Application')).toHaveLength(1);
    expect(apps.some((a) => a.appRoles.length === 0)).toBe(true);
  });
});

describe('seed validation', () => {
  it('names every problem in one error', () => {
    const seed = loadDemoSeed();
    seed.users.push({ id: 'not-a-guid', displayName: 'Bad Id', userPrincipalName: 'bad@example.com' });
    seed.users.push({ id: seed.users[0].id, displayName: 'Twin', userPrincipalName: 'twin@example.com' });
    seed.groups[0].members = [...(seed.groups[0].members ?? []), 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'];
    const broken: unknown = { ...seed, tenant: { ...seed.tenant, colour: 'blue' } };
    let message = '';
    try {
      validateSeed(broken);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid seed fixture \(4 problems\)/);
    expect(message).toContain(`"not-a-guid" is not a valid object id`);
    expect(message).toContain(`duplicate object id '${seed.users[0].id}'`);
    expect(message).toContain("'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' does not refer to any object in the fixture");
    expect(message).toContain("tenant: unknown property 'colour'");
  });

  it('rejects a dynamic group without a membership rule', () => {
    const seed = loadDemoSeed();
    seed.groups.push({ id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', displayName: 'Half dynamic', groupTypes: ['DynamicMembership'] });
    expect(() => validateSeed(seed)).toThrow(/Half dynamic.*dynamic group needs both/);
  });

  it('rejects a role assignment to an unknown role', () => {
    const seed = loadDemoSeed();
    seed.roleAssignments = [{ principalId: DEMO_USER_IDS.alexWilber, roleDefinitionId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', directoryScopeId: '/' }];
    expect(() => new Directory(seed)).toThrow(/not a known role definition/);
  });

  it('accepts Playground-style ids with a 13-digit last group', () => {
    const seed = loadDemoSeed();
    seed.users.push({ id: '00000000-0000-0000-0000-0000000000099', displayName: 'Extra', userPrincipalName: 'extra@example.com' });
    expect(() => validateSeed(seed)).not.toThrow();
  });
});
