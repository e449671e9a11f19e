import {
  DEMO_GROUP_IDS,
  DEMO_GUEST_IDS,
  DEMO_SERVICE_PRINCIPAL_IDS,
  DEMO_USER_IDS,
  Directory,
  ROLE_TEMPLATE_IDS,
  generateGuests,
  generatedGuestId,
  loadDemoSeed,
  startSimulator,
  validateSeed,
  withGeneratedGuests,
} from '../../simulator';
import { EVENTUAL, asCollection, asEntity, asError, call, ids, useSimulator, type CollectionJson } from './helpers';

const REDIRECT = 'https://myapps.microsoft.com';
const GUEST_SELECT = 'id,displayName,mail,externalUserState,createdDateTime,accountEnabled';

describe('generated guests', () => {
  it('are the same for the same seed and differ for another one', () => {
    expect(generateGuests(50, { seed: 7 })).toEqual(generateGuests(50, { seed: 7 }));
    expect(generateGuests(50, { seed: 8 })).not.toEqual(generateGuests(50, { seed: 7 }));
  });

  it('make a valid fixture of any size with unique ids, mixed states and disabled accounts', () => {
    const fixture = validateSeed(withGeneratedGuests(loadDemoSeed(), 3000));
    const guests = fixture.users.filter((u) => u.id.startsWith(generatedGuestId(0).slice(0, 24)));
    expect(guests).toHaveLength(3000);
    expect(new Set(fixture.users.map((u) => u.id.toLowerCase())).size).toBe(fixture.users.length);
    expect(new Set(guests.map((u) => u.userPrincipalName)).size).toBe(3000);
    const pending = guests.filter((g) => g.externalUserState === 'PendingAcceptance').length;
    expect(pending).toBeGreaterThan(500);
    expect(pending).toBeLessThan(1000);
    expect(guests.filter((g) => g.accountEnabled === false).length).toBeGreaterThan(50);
    expect(
      guests.every((g) => g.userType === 'Guest' && g.creationType === 'Invitation' && g.userPrincipalName.includes('#EXT#@example.onmicrosoft.com')),
    ).toBe(true);
    // Pending guests never signed in; redeemed ones mostly did.
    expect(guests.some((g) => g.externalUserState === 'PendingAcceptance' && g.signInActivity)).toBe(false);
    expect(guests.filter((g) => g.signInActivity?.lastSignInDateTime).length).toBeGreaterThan(1800);
  });

  it('carry the last successful sign-in, sometimes older than a failed interactive attempt or newer than the last interactive one', () => {
    const signedIn = generateGuests(1000).filter((g) => g.signInActivity);
    expect(signedIn.every((g) => g.signInActivity?.lastSuccessfulSignInDateTime)).toBe(true);
    const time = (value: string | null | undefined) => Date.parse(value ?? '');
    const failedLater = signedIn.filter((g) => time(g.signInActivity?.lastSignInDateTime) > time(g.signInActivity?.lastSuccessfulSignInDateTime));
    const nonInteractive = signedIn.filter((g) => time(g.signInActivity?.lastSignInDateTime) < time(g.signInActivity?.lastSuccessfulSignInDateTime));
    expect(failedLater.length).toBeGreaterThan(30);
    expect(nonInteractive.length).toBeGreaterThan(30);
    expect(nonInteractive.every((g) => g.signInActivity?.lastNonInteractiveSignInDateTime === g.signInActivity?.lastSuccessfulSignInDateTime)).toBe(true);
  });
});

describe('listing 2,500 generated guests', () => {
  const t = useSimulator(() => ({ seed: withGeneratedGuests(loadDemoSeed(), 2500) }));
  const guestTotal = 2500 + 4;

  it('takes three pages of 999 with ConsistencyLevel re-sent, counting only on the first', async () => {
    const pages: CollectionJson[] = [];
    let link: string | undefined = `${t.sim.url}/v1.0/users?$filter=userType eq 'Guest'&$select=${GUEST_SELECT}&$top=999&$count=true`;
    while (link) {
      const page = asCollection(await call(link, { headers: EVENTUAL }));
      pages.push(page);
      link = page['@odata.nextLink'];
    }
    expect(pages.map((p) => p.value.length)).toEqual([999, 999, guestTotal - 1998]);
    expect(pages.map((p) => p['@odata.count'])).toEqual([guestTotal, undefined, undefined]);
    expect(new Set(pages.flatMap(ids)).size).toBe(guestTotal);
  });

  it('caps $top at 500 when signInActivity is selected, and returns it', async () => {
    const tooBig = await t.graph(`/users?$filter=userType eq 'Guest'&$select=id,signInActivity&$top=999`);
    expect(tooBig.status).toBe(400);
    expect(asError(tooBig).code).toBe('Request_BadRequest');
    const page = asCollection(await t.graph(`/users?$filter=userType eq 'Guest'&$select=id,signInActivity&$top=500`));
    expect(page.value).toHaveLength(500);
    expect(page.value.some((u) => (u.signInActivity as { lastSignInDateTime?: string } | null)?.lastSignInDateTime)).toBe(true);
  });

  it('refuses to filter signInActivity together with userType', async () => {
    const res = await t.graph("/users?$filter=userType eq 'Guest' and signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z&$top=500");
    expect(res.status).toBe(400);
  });
});

describe('a tenant without an Entra ID P1 licence', () => {
  const t = useSimulator(() => ({ premium: false }));

  it.each([
    ["/users?$filter=userType eq 'Guest'&$select=id,signInActivity&$top=500", 'selected in a list'],
    ['/users?$filter=signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z', 'filtered'],
    [`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id,signInActivity`, 'selected on one user'],
  ])('answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant to signInActivity %#: %s', async (path, _what) => {
    const res = await t.graph(path);
    expect(res.status).toBe(403);
    expect(asError(res)).toMatchObject({
      code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      message: "Neither tenant is B2C or tenant doesn't have premium license",
    });
  });

  it('still lists guests without it', async () => {
    const res = await t.graph(`/users?$filter=userType eq 'Guest'&$select=${GUEST_SELECT}`);
    expect(res.status).toBe(200);
    expect(asCollection(res).value).toHaveLength(4);
  });

  it('can be switched on at run time', async () => {
    t.sim.directory.premium = true;
    try {
      expect((await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id,signInActivity`)).status).toBe(200);
    } finally {
      t.sim.directory.premium = false;
    }
  });
});

describe('PATCH /users/{id}', () => {
  const t = useSimulator();
  const patch = (id: string, json: unknown) => t.graph(`/users/${id}`, { method: 'PATCH', json });

  it('disables sign-in with 204 and no body', async () => {
    const res = await patch(DEMO_GUEST_IDS.danaWhitfieldContoso, { accountEnabled: false });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(t.sim.directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso)?.accountEnabled).toBe(false);
    const read = asEntity(await t.graph(`/users/${DEMO_GUEST_IDS.danaWhitfieldContoso}?$select=accountEnabled`));
    expect(read.accountEnabled).toBe(false);
    expect((await patch(DEMO_GUEST_IDS.danaWhitfieldContoso, { accountEnabled: true })).status).toBe(204);
    expect(t.sim.directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso)?.accountEnabled).toBe(true);
  });

  it('refuses a property the user type does not have, a read-only one and a wrong type with 400', async () => {
    const unknown = await patch(DEMO_GUEST_IDS.danaWhitfieldContoso, { enabled: false });
    expect(unknown.status).toBe(400);
    expect(asError(unknown).message).toContain("The property 'enabled' does not exist on type 'microsoft.graph.user'");
    const readOnly = await patch(DEMO_GUEST_IDS.danaWhitfieldContoso, { externalUserState: 'Accepted' });
    expect(readOnly.status).toBe(400);
    expect(asError(readOnly).code).toBe('Request_BadRequest');
    const wrongType = await patch(DEMO_GUEST_IDS.danaWhitfieldContoso, { accountEnabled: 'no' });
    expect(wrongType.status).toBe(400);
    expect(t.sim.directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso)?.accountEnabled).toBe(true);
  });

  it('makes a new mail the primary SMTP proxy address, keeps the old one as secondary, and refuses setting proxyAddresses', async () => {
    const liam = DEMO_GUEST_IDS.liamOBrienNorthwind;
    const before = t.sim.directory.getUser(liam)!.mail!;
    expect((await patch(liam, { mail: 'liam.new@northwind.example' })).status).toBe(204);
    const read = asEntity(await t.graph(`/users/${liam}?$select=mail,proxyAddresses`));
    expect(read).toMatchObject({ mail: 'liam.new@northwind.example', proxyAddresses: ['SMTP:liam.new@northwind.example', `smtp:${before}`] });
    const readOnly = await patch(liam, { proxyAddresses: ['SMTP:x@northwind.example'] });
    expect(readOnly.status).toBe(400);
    expect(asError(readOnly).code).toBe('Request_BadRequest');
  });

  it('answers 404 Request_ResourceNotFound for an unknown user and 400 for a malformed id', async () => {
    const missing = await patch('0f0f0f0f-0000-4000-8000-000000000000', { accountEnabled: false });
    expect(missing.status).toBe(404);
    expect(asError(missing).code).toBe('Request_ResourceNotFound');
    expect((await patch('not-an-id', { accountEnabled: false })).status).toBe(400);
  });
});

describe('DELETE /users/{id} and deleted items', () => {
  const t = useSimulator();
  const jane = DEMO_GUEST_IDS.janeDoeFabrikam;

  it('answers 204, moves the user to deleted items with its memberships, and restores it with them', async () => {
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.projectFalcon, jane)).toBe(true);
    const res = await t.graph(`/users/${jane}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect((await t.graph(`/users/${jane}`)).status).toBe(404);
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.projectFalcon, jane)).toBe(false);
    const guests = asCollection(await t.graph("/users?$filter=userType eq 'Guest'&$select=id"));
    expect(ids(guests)).not.toContain(jane);

    const deleted = asCollection(await t.graph('/directory/deletedItems/microsoft.graph.user?$select=id,displayName,deletedDateTime'));
    expect(deleted.value).toEqual([{ id: jane, displayName: 'Jane Doe (Fabrikam)', deletedDateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) }]);
    const one = asEntity(await t.graph(`/directory/deletedItems/${jane}`));
    expect(one['@odata.type']).toBe('#microsoft.graph.user');

    const restored = await t.graph(`/directory/deletedItems/${jane}/restore`, { method: 'POST' });
    expect(restored.status).toBe(200);
    expect(asEntity(restored).id).toBe(jane);
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.projectFalcon, jane)).toBe(true);
    expect(asCollection(await t.graph('/directory/deletedItems/microsoft.graph.user')).value).toEqual([]);
  });

  it('answers 404 to deleting a user twice', async () => {
    const liam = DEMO_GUEST_IDS.liamOBrienNorthwind;
    expect((await t.graph(`/users/${liam}`, { method: 'DELETE' })).status).toBe(204);
    const again = await t.graph(`/users/${liam}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(asError(again).code).toBe('Request_ResourceNotFound');
  });

  it('keeps deleted users restorable for 30 days only', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const directory = new Directory(loadDemoSeed(), { now: () => new Date(now) });
    directory.deleteUser(DEMO_GUEST_IDS.raviKumarFabrikam);
    now += 29 * 24 * 3600_000;
    expect(directory.deletedUsers).toHaveLength(1);
    now += 2 * 24 * 3600_000;
    expect(directory.deletedUsers).toHaveLength(0);
    expect(() => directory.restoreUser(DEMO_GUEST_IDS.raviKumarFabrikam)).toThrow(/does not exist/);
  });
});

describe('deleting a user who holds a directory role', () => {
  const t = useSimulator();
  const dana = DEMO_GUEST_IDS.danaWhitfieldContoso;
  const ravi = DEMO_GUEST_IDS.raviKumarFabrikam;

  it('is refused with 403 Authorization_RequestDenied for a privileged role, and changes nothing', async () => {
    t.sim.directory.assignRole({ principalId: dana, roleDefinitionId: ROLE_TEMPLATE_IDS.userAdministrator, directoryScopeId: '/' });
    const refused = await t.graph(`/users/${dana}`, { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect(asError(refused)).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect(t.sim.directory.getUser(dana)).toBeDefined();
  });

  it('goes ahead for a role that is not privileged', async () => {
    t.sim.directory.assignRole({ principalId: ravi, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' });
    expect((await t.graph(`/users/${ravi}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('goes ahead when the calling app itself holds Privileged Authentication Administrator', async () => {
    t.sim.directory.assignRole({
      principalId: DEMO_SERVICE_PRINCIPAL_IDS.guestAccessBot,
      roleDefinitionId: ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator,
      directoryScopeId: '/',
    });
    expect((await t.graph(`/users/${dana}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe("a guest's groups and sponsors", () => {
  const t = useSimulator();

  it('lists the groups a user is a direct member of, typed, with $select and paging', async () => {
    const page = asCollection(await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/memberOf?$select=id,displayName`));
    expect(page.value.map((g) => g.displayName).sort()).toEqual(['All Guests (dynamic)', 'Fabrikam Collaboration', 'Project Falcon']);
    expect(page.value.every((g) => g['@odata.type'] === '#microsoft.graph.group')).toBe(true);
    const first = asCollection(await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/memberOf?$select=id&$top=2`));
    expect(first.value).toHaveLength(2);
    const rest = asCollection(await call(first['@odata.nextLink'] as string));
    expect(rest.value).toHaveLength(1);
  });

  it('answers 404 for the groups of an unknown user', async () => {
    expect((await t.graph('/users/0f0f0f0f-0000-4000-8000-000000000000/memberOf')).status).toBe(404);
  });

  it("lists a guest's sponsors as typed directory objects", async () => {
    const page = asCollection(await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/sponsors?$select=id,displayName`));
    expect(page.value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: DEMO_USER_IDS.meganBowen, displayName: 'Megan Bowen' }]);
    expect(asCollection(await t.graph(`/users/${DEMO_GUEST_IDS.raviKumarFabrikam}/sponsors`)).value).toEqual([]);
  });
});

describe('re-inviting', () => {
  const t = useSimulator();
  const invite = (body: Record<string, unknown>) => t.graph('/invitations', { method: 'POST', json: body });

  it('answers a second invitation of a pending guest with the same user and a new redeem link', async () => {
    const body = { invitedUserEmailAddress: 'ravi.kumar@fabrikam.com', inviteRedirectUrl: REDIRECT };
    const first = asEntity(await invite(body));
    const second = asEntity(await invite(body));
    expect((second.invitedUser as { id: string }).id).toBe(DEMO_GUEST_IDS.raviKumarFabrikam);
    expect((first.invitedUser as { id: string }).id).toBe(DEMO_GUEST_IDS.raviKumarFabrikam);
    expect(second.inviteRedeemUrl).not.toBe(first.inviteRedeemUrl);
  });

  it('resets the redemption of a guest who accepted: same id, pending again, with a redeem link', async () => {
    const res = await invite({
      invitedUserEmailAddress: 'dana.whitfield@contoso.com',
      inviteRedirectUrl: REDIRECT,
      invitedUser: { id: DEMO_GUEST_IDS.danaWhitfieldContoso },
      resetRedemption: true,
    });
    expect(res.status).toBe(201);
    expect(asEntity(res)).toMatchObject({ resetRedemption: true, invitedUser: { id: DEMO_GUEST_IDS.danaWhitfieldContoso } });
    expect(String(asEntity(res).inviteRedeemUrl)).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem\?rd=/);
    expect(t.sim.directory.getUser(DEMO_GUEST_IDS.danaWhitfieldContoso)?.externalUserState).toBe('PendingAcceptance');
  });
});

describe('the request log', () => {
  it('has one line per request, which tests use to count Graph calls', async () => {
    const lines: string[] = [];
    const sim = await startSimulator({ log: (line) => lines.push(line) });
    try {
      await call(`${sim.url}/v1.0/users/${DEMO_GUEST_IDS.janeDoeFabrikam}`, { method: 'PATCH', json: { accountEnabled: false } });
      expect(lines).toEqual([`PATCH /v1.0/users/${DEMO_GUEST_IDS.janeDoeFabrikam} -> 204`]);
    } finally {
      await sim.close();
    }
  });
});
