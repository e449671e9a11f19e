import { createGraphClient } from '../../../services/directory/graphClient';
import { GraphDirectory } from '../../../services/directory/graphDirectory';
import { GraphFailure } from '../../../services/directory/graphErrors';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../../simulator/seed';
import { startSimulator, type RunningSimulator } from '../../../simulator/server';

/** The Graph layer over real HTTP against the simulated directory. */
describe('GraphDirectory', () => {
  let sim: RunningSimulator;
  let requests: string[];
  let directory: GraphDirectory;

  beforeEach(async () => {
    requests = [];
    sim = await startSimulator({ port: 0, log: (line) => requests.push(line) });
    directory = new GraphDirectory(createGraphClient({ baseUrl: sim.url, retryDelaySeconds: 0 }), sim.url, 5_000);
  });

  afterEach(() => sim.close());

  it('finds a guest by an otherMails alias and a member by mail', async () => {
    const dana = sim.directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso)!;
    const alias = dana.otherMails.find((m) => m !== dana.mail)!;
    expect((await directory.findUsersByEmail(alias)).map((u) => u.id)).toEqual([dana.id]);
    const [megan] = await directory.findUsersByEmail('MeganB@example.com');
    expect(megan).toMatchObject({ id: DEMO_USER_IDS.meganBowen, userType: 'Member' });
  });

  it("doubles quotes in addresses like o'brien", async () => {
    const liam = sim.directory.getUser(DEMO_GUEST_IDS.liamOBrienNorthwind)!;
    expect(liam.mail).toContain("'");
    expect((await directory.findUsersByEmail(liam.mail!)).map((u) => u.id)).toEqual([liam.id]);
  });

  it('sends + as %2B, so a plus address matches itself and not a space', async () => {
    sim.directory.addUser({ displayName: 'Plus', userPrincipalName: 'plus_x.com#EXT#@example.onmicrosoft.com', mail: 'a+b@x.com', userType: 'Guest' });
    sim.directory.addUser({ displayName: 'Space', userPrincipalName: 'space_x.com#EXT#@example.onmicrosoft.com', mail: 'a b@x.com', userType: 'Guest' });
    expect((await directory.findUsersByEmail('a+b@x.com')).map((u) => u.displayName)).toEqual(['Plus']);
  });

  it('finds a guest invited a moment ago, while the advanced-query index has not caught up', async () => {
    sim.setFaults({ replication: { lagMs: 60_000 } });
    const invitation = await directory.invite({
      email: 'just.invited@fabrikam.com',
      displayName: 'Just',
      message: '',
      redirectUrl: 'https://myapps.microsoft.com',
    });
    expect(await directory.countGuestsFromDomain('fabrikam.com')).toBe(2);
    expect(await directory.findUsersByEmail('Just.Invited@fabrikam.com')).toEqual([
      expect.objectContaining({ id: invitation.guestId, userType: 'Guest', externalUserState: 'PendingAcceptance' }),
    ]);
  });

  it('finds a user by an SMTP proxy address that is neither mail nor in otherMails', async () => {
    const user = sim.directory.addUser({
      displayName: 'Proxy',
      userPrincipalName: 'proxy@example.com',
      mail: 'proxy@example.com',
      proxyAddresses: ['SMTP:proxy@example.com', 'smtp:old.name@example.com'],
    });
    expect((await directory.findUsersByEmail('old.name@example.com')).map((u) => u.id)).toEqual([user.id]);
  });

  it('follows nextLink pages to the end', async () => {
    for (let i = 0; i < 1100; i += 1) {
      sim.directory.addUser({
        displayName: `Twin ${i}`,
        userPrincipalName: `twin${i}@example.com`,
        mail: `twin${i}@example.com`,
        otherMails: ['shared@fabrikam.com'],
      });
    }
    requests.length = 0;
    expect(await directory.findUsersByEmail('shared@fabrikam.com')).toHaveLength(1100);
    expect(requests.filter((r) => r.includes('/users'))).toHaveLength(2);
  });

  it('counts the guests of a domain with an advanced query', async () => {
    expect(await directory.countGuestsFromDomain('fabrikam.com')).toBe(2);
    expect(await directory.countGuestsFromDomain('nowhere.example')).toBe(0);
  });

  it('offers only groups a guest can be added to', async () => {
    const { groups, more } = await directory.listAssignableGroups(50);
    const names = groups.map((g) => g.displayName).sort();
    expect(names).toEqual([
      'Contractors',
      'Fabrikam Collaboration',
      'Guest Access Admins',
      'Guest Access Approvers',
      'Partner Portal Users',
      'Project Falcon',
      'Security Team',
    ]);
    expect(more).toBe(false);
    const limited = await directory.listAssignableGroups(2);
    expect(limited.groups).toHaveLength(2);
    expect(limited.more).toBe(true);
    expect((await directory.searchAssignableGroups('fab', 10)).map((g) => g.displayName)).toEqual(['Fabrikam Collaboration']);
    const chosen = await directory.getAssignableGroups([DEMO_GROUP_IDS.projectFalcon, DEMO_GROUP_IDS.allGuestsDynamic, '00000000-1111-2222-3333-444444444444']);
    expect(chosen.map((g) => g.id)).toEqual([DEMO_GROUP_IDS.projectFalcon]);
  });

  it('tells which groups a group is nested in', async () => {
    expect(await directory.checkGroupMemberGroups(DEMO_GROUP_IDS.securityTeam, [DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.admins])).toEqual([
      DEMO_GROUP_IDS.admins,
    ]);
    expect(await directory.checkGroupMemberGroups(DEMO_GROUP_IDS.contractors, [DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.admins])).toEqual([]);
  });

  it('lists the groups that can hold directory roles', async () => {
    expect(await directory.listRoleAssignableGroups()).toEqual([{ id: DEMO_GROUP_IDS.privilegedHelpdesk, displayName: 'Privileged Helpdesk' }]);
  });

  it('checks membership transitively, through nested groups', async () => {
    const adminMember = sim.directory.memberIds(DEMO_GROUP_IDS.securityTeam).find((id) => !sim.directory.isMember(DEMO_GROUP_IDS.admins, id))!;
    expect(await directory.checkMemberGroups(adminMember, [DEMO_GROUP_IDS.admins, DEMO_GROUP_IDS.approvers])).toEqual([DEMO_GROUP_IDS.admins]);
    expect((await directory.listNestedGroups(DEMO_GROUP_IDS.admins)).map((g) => g.id)).toEqual([DEMO_GROUP_IDS.securityTeam]);
    const approvers = await directory.listUserMembers(DEMO_GROUP_IDS.approvers);
    expect(approvers.map((a) => a.displayName)).toEqual(expect.arrayContaining(['Megan Bowen', 'Adele Vance']));
  });

  it('invites, adds to a group (twice counts as done) and assigns a role (twice counts as done)', async () => {
    const invitation = await directory.invite({ email: 'new@fabrikam.com', displayName: 'New', message: 'Hi', redirectUrl: 'https://myapps.microsoft.com' });
    expect(invitation.redeemUrl).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem/);
    expect(await directory.addGroupMember(DEMO_GROUP_IDS.projectFalcon, invitation.guestId)).toBe('added');
    expect(await directory.addGroupMember(DEMO_GROUP_IDS.projectFalcon, invitation.guestId)).toBe('alreadyMember');
    const guestInviter = '95e79109-95c0-4d8e-aee3-d01accf2d47b';
    expect(await directory.assignDirectoryRole(guestInviter, invitation.guestId)).toEqual({ outcome: 'assigned', assignmentId: expect.any(String) });
    expect(await directory.assignDirectoryRole(guestInviter, invitation.guestId)).toEqual({ outcome: 'alreadyAssigned' });
    expect(await directory.getRoleDefinitions([guestInviter])).toEqual([{ id: guestInviter, displayName: 'Guest Inviter' }]);
  });

  it('builds group references on the configured Graph origin, which Graph insists on', async () => {
    expect(
      new GraphDirectory(createGraphClient({ baseUrl: sim.url }), 'https://graph.microsoft.us').referenceTo('directoryObjects', DEMO_USER_IDS.alexWilber),
    ).toBe(`https://graph.microsoft.us/v1.0/directoryObjects/${DEMO_USER_IDS.alexWilber}`);
    expect(await directory.addGroupMember(DEMO_GROUP_IDS.contractors, DEMO_GUEST_IDS.danaWhitfieldContoso)).toBe('added');
    // A directory configured for another origin sends references the simulator's Graph root refuses.
    const elsewhere = new GraphDirectory(createGraphClient({ baseUrl: sim.url }), 'https://graph.microsoft.com');
    await expect(elsewhere.addGroupMember(DEMO_GROUP_IDS.contractors, DEMO_GUEST_IDS.janeDoeFabrikam)).rejects.toMatchObject({
      status: 400,
      code: 'Request_BadRequest',
    });
  });

  it("reads a user's app roles completely, including those held through a group", async () => {
    const submitter = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';
    sim.directory.appRoles.assign({ principalId: DEMO_GROUP_IDS.contractors, resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, appRoleId: submitter });
    const roles = await directory.listAppRoleAssignments(DEMO_GUEST_IDS.liamOBrienNorthwind);
    expect(roles).toContainEqual(
      expect.objectContaining({
        principalId: DEMO_GROUP_IDS.contractors,
        principalType: 'Group',
        principalDisplayName: 'Contractors',
        resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub,
        appRoleId: submitter,
      }),
    );
  });

  it('turns Graph errors into failures a person can read', async () => {
    const failure = await directory.addGroupMember(DEMO_GROUP_IDS.financeDistribution, DEMO_USER_IDS.alexWilber).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GraphFailure);
    expect(failure).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', transient: false });
    expect((failure as GraphFailure).userMessage).toContain('lacks a Graph permission this needs');
  });

  it('retries a throttled read after Retry-After, but never a write', async () => {
    sim.injectFault({ status: 429, retryAfter: 0, method: 'GET', path: '/users', times: 2 });
    expect(await directory.countGuestsFromDomain('fabrikam.com')).toBe(2);

    sim.injectFault({ status: 503, retryAfter: 0, method: 'POST', path: '/invitations' });
    const failure = await directory
      .invite({ email: 'once@fabrikam.com', displayName: '', message: '', redirectUrl: 'https://myapps.microsoft.com' })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 503, transient: true });
    expect(requests.filter((r) => r.includes('/invitations'))).toHaveLength(1);
  });

  it('removes exactly the assignment it made, and counts what is already gone as done', async () => {
    const invitation = await directory.invite({
      email: 'ending@fabrikam.com',
      displayName: 'Ending',
      message: '',
      redirectUrl: 'https://myapps.microsoft.com',
      sponsorIds: [DEMO_USER_IDS.alexWilber],
    });
    expect(sim.directory.getUser(invitation.guestId)?.sponsorIds).toEqual([DEMO_USER_IDS.alexWilber.toLowerCase()]);
    await directory.addGroupMember(DEMO_GROUP_IDS.projectFalcon, invitation.guestId);
    const role = await directory.assignDirectoryRole('95e79109-95c0-4d8e-aee3-d01accf2d47b', invitation.guestId);
    const app = await directory.assignAppRole(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal, invitation.guestId, 'ee7f21b6-09b0-4fcc-a52e-726c1f589aeb');
    if (role.outcome !== 'assigned' || app.outcome !== 'assigned') throw new Error('expected new assignments');

    expect(await directory.removeGroupMember(DEMO_GROUP_IDS.projectFalcon, invitation.guestId)).toBe('removed');
    expect(await directory.removeGroupMember(DEMO_GROUP_IDS.projectFalcon, invitation.guestId)).toBe('gone');
    expect(await directory.removeDirectoryRoleAssignment(role.assignmentId)).toBe('removed');
    expect(await directory.removeDirectoryRoleAssignment(role.assignmentId)).toBe('gone');
    expect(await directory.removeAppRoleAssignment(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal, app.assignmentId)).toBe('removed');
    expect(await directory.removeAppRoleAssignment(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal, app.assignmentId)).toBe('gone');
    expect(sim.directory.isMember(DEMO_GROUP_IDS.projectFalcon, invitation.guestId)).toBe(false);
    expect(sim.directory.roleAssignments.some((a) => a.principalId === invitation.guestId)).toBe(false);
    expect(sim.directory.appRoles.ofPrincipal(invitation.guestId)).toEqual([]);
  });

  it('adds and removes sponsors, a second add or remove counting as done', async () => {
    const guest = DEMO_GUEST_IDS.raviKumarFabrikam;
    expect(await directory.addSponsor(guest, { kind: 'group', id: DEMO_GROUP_IDS.approvers })).toBe('added');
    expect(await directory.addSponsor(guest, { kind: 'group', id: DEMO_GROUP_IDS.approvers })).toBe('alreadySponsor');
    expect((await directory.listSponsors(guest)).map((s) => s.id)).toContain(DEMO_GROUP_IDS.approvers);
    expect(await directory.removeSponsor(guest, DEMO_GROUP_IDS.approvers)).toBe('removed');
    expect(await directory.removeSponsor(guest, DEMO_GROUP_IDS.approvers)).toBe('gone');
  });

  it('reads many guests in batches of 20 requests, correlating the answers by id', async () => {
    const guests = Array.from({ length: 25 }, (_, i) =>
      sim.directory.addUser({
        displayName: `Batch ${i}`,
        userPrincipalName: `batch${i}_x.com#EXT#@example.onmicrosoft.com`,
        mail: `batch${i}@x.com`,
        userType: 'Guest',
      }),
    );
    sim.directory.addMember(DEMO_GROUP_IDS.contractors, guests[3].id);
    requests.length = 0;
    const access = await directory.readGuestAccess(guests.map((g) => g.id));
    // Two reads a guest, 20 to a batch: 50 reads in 3 calls.
    expect(requests.filter((r) => r.startsWith('POST /v1.0/$batch'))).toHaveLength(3);
    expect(requests.filter((r) => !r.startsWith('$batch ') && !r.startsWith('POST /v1.0/$batch'))).toEqual([]);
    expect(access.get(guests[3].id)?.groups).toEqual({ ok: true, value: [{ id: DEMO_GROUP_IDS.contractors, displayName: 'Contractors' }] });
    expect(access.get(guests[4].id)?.groups).toEqual({ ok: true, value: [] });

    sim.directory.updateUser(guests[0].id, { accountEnabled: false });
    sim.directory.deleteUser(guests[1].id);
    const presence = await directory.readUsersPresence([guests[0].id, guests[1].id, guests[2].id]);
    expect(presence.get(guests[0].id)).toEqual({ exists: true, displayName: 'Batch 0', accountEnabled: false });
    expect(presence.get(guests[1].id)).toEqual({ exists: false });
    expect(presence.get(guests[2].id)).toEqual({ exists: true, displayName: 'Batch 2', accountEnabled: true });
  });

  it('gives the reason for a part Graph refuses inside a batch, and throws when a request inside it is throttled', async () => {
    sim.setPermissions(['User.Read.All', 'AppRoleAssignment.ReadWrite.All']);
    const read = await directory.readGuestAccess([DEMO_GUEST_IDS.janeDoeFabrikam]);
    expect(read.get(DEMO_GUEST_IDS.janeDoeFabrikam)?.groups).toMatchObject({ ok: false, reason: expect.stringContaining('Authorization_RequestDenied') });
    expect(read.get(DEMO_GUEST_IDS.janeDoeFabrikam)?.appRoles.ok).toBe(true);
    sim.setPermissions('all');
    sim.injectFault({ status: 429, retryAfter: 9, method: 'GET', path: '/users/' });
    await expect(directory.readUsersPresence([DEMO_USER_IDS.alexWilber])).rejects.toMatchObject({ status: 429, transient: true, retryAfterSeconds: 9 });
  });

  it('refuses a nextLink that points at another host', async () => {
    const foreign = new GraphDirectory(createGraphClient({ baseUrl: sim.url }), 'http://graph.invalid');
    sim.directory.addUser({ displayName: 'x', userPrincipalName: 'x@example.com', mail: 'x@example.com' });
    for (let i = 0; i < 1000; i += 1) sim.directory.addUser({ displayName: `p${i}`, userPrincipalName: `p${i}@example.com`, otherMails: ['page@x.com'] });
    await expect(foreign.findUsersByEmail('page@x.com')).rejects.toMatchObject({ code: 'UnexpectedNextLink' });
  });
});
