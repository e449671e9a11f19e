import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_USER_IDS } from '../../simulator';
import { EVENTUAL, asCollection, asEntity, asError, call, ids, names, useSimulator } from './helpers';

describe('GET /groups', () => {
  const t = useSimulator();

  it('lists groups with their kind-revealing properties', async () => {
    const res = await t.graph('/groups');
    expect(res.status).toBe(200);
    const dynamic = asCollection(res).value.find((g) => g.id === DEMO_GROUP_IDS.allGuestsDynamic);
    expect(dynamic).toMatchObject({ groupTypes: ['DynamicMembership'], membershipRule: '(user.userType -eq "Guest")' });
    for (const key of [
      'id',
      'displayName',
      'description',
      'mail',
      'mailEnabled',
      'securityEnabled',
      'groupTypes',
      'isAssignableToRole',
      'membershipRule',
      'createdDateTime',
    ]) {
      expect(dynamic).toHaveProperty(key);
    }
  });

  it('filters by startswith(displayName), case-insensitively', async () => {
    const res = await t.graph("/groups?$filter=startswith(displayName,'guest access')&$select=displayName");
    expect(names(asCollection(res)).sort()).toEqual(['Guest Access Admins', 'Guest Access Approvers']);
  });

  it("filters Microsoft 365 groups with groupTypes/any(c:c eq 'Unified')", async () => {
    const res = await t.graph("/groups?$filter=groupTypes/any(c:c eq 'Unified')&$select=id");
    expect(ids(asCollection(res)).sort()).toEqual([DEMO_GROUP_IDS.projectFalcon, DEMO_GROUP_IDS.fabrikamCollaboration].sort());
  });

  it('filters on securityEnabled, mailEnabled, mail and displayName eq', async () => {
    const security = asCollection(await t.graph('/groups?$filter=securityEnabled eq true and mailEnabled eq false&$select=displayName'));
    expect(names(security)).toEqual(expect.arrayContaining(['Contractors', 'Privileged Helpdesk']));
    expect(names(security)).not.toContain('Finance Distribution');
    const byMail = asCollection(await t.graph("/groups?$filter=mail eq 'finance@example.com'&$select=id"));
    expect(ids(byMail)).toEqual([DEMO_GROUP_IDS.financeDistribution]);
    const byName = asCollection(await t.graph("/groups?$filter=displayName eq 'contractors'&$select=id"));
    expect(ids(byName)).toEqual([DEMO_GROUP_IDS.contractors]);
  });

  it('needs advanced parameters for not() on groupTypes', async () => {
    const filter = "not(groupTypes/any(c:c eq 'Unified'))";
    expect((await t.graph(`/groups?$filter=${filter}`)).status).toBe(400);
    const res = await t.graph(`/groups?$filter=${filter}&$count=true&$select=id`, { headers: EVENTUAL });
    expect(asCollection(res)['@odata.count']).toBe(t.sim.directory.groups.length - 2);
  });

  it('answers $select, $top paging and $search with the header rules', async () => {
    const page = asCollection(await t.graph('/groups?$top=3&$select=id,displayName'));
    expect(page.value).toHaveLength(3);
    expect(Object.keys(page.value[0])).toEqual(['id', 'displayName']);
    expect(page['@odata.nextLink']).toContain('$skiptoken=');
    expect((await t.graph('/groups?$top=1000')).status).toBe(400);
    expect((await t.graph('/groups?$skip=2')).status).toBe(400);
    expect((await t.graph('/groups?$search="displayName:falcon"')).status).toBe(400);
    const found = asCollection(await t.graph('/groups?$search="displayName:falcon"&$select=id', { headers: EVENTUAL }));
    expect(ids(found)).toEqual([DEMO_GROUP_IDS.projectFalcon]);
    expect((await t.graph('/groups/$count', { headers: EVENTUAL })).text).toBe(String(t.sim.directory.groups.length));
  });

  it('gets one group, with 400 for a malformed id and 404 for an unknown one', async () => {
    const res = await t.graph(`/groups/${DEMO_GROUP_IDS.approvers}?$select=displayName,securityEnabled`);
    expect(asEntity(res)).toEqual({
      '@odata.context': `${t.sim.url}/v1.0/$metadata#groups(displayName,securityEnabled)/$entity`,
      displayName: 'Guest Access Approvers',
      securityEnabled: true,
    });
    expect((await t.graph('/groups/12345')).status).toBe(400);
    expect((await t.graph('/groups/5f0e7b8e-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('group members', () => {
  const t = useSimulator();

  it('lists direct members with @odata.type, including nested groups', async () => {
    const res = await t.graph(`/groups/${DEMO_GROUP_IDS.admins}/members?$select=id,displayName`);
    const body = asCollection(res);
    expect(body['@odata.context']).toBe(`${t.sim.url}/v1.0/$metadata#directoryObjects(id,displayName)`);
    expect(body.value).toEqual(
      expect.arrayContaining([
        { '@odata.type': '#microsoft.graph.user', id: DEMO_USER_IDS.adeleVance, displayName: 'Adele Vance' },
        { '@odata.type': '#microsoft.graph.group', id: DEMO_GROUP_IDS.securityTeam, displayName: 'Security Team' },
      ]),
    );
    expect(body.value).toHaveLength(3);
  });

  it('lists transitive members through nested groups', async () => {
    const body = asCollection(await t.graph(`/groups/${DEMO_GROUP_IDS.admins}/transitiveMembers?$select=id`));
    expect(ids(body).sort()).toEqual(
      [DEMO_USER_IDS.adeleVance, DEMO_USER_IDS.lynneRobbins, DEMO_GROUP_IDS.securityTeam, DEMO_USER_IDS.johannaLorenz, DEMO_USER_IDS.leeGu].sort(),
    );
    const usersOnly = asCollection(await t.graph(`/groups/${DEMO_GROUP_IDS.admins}/transitiveMembers/microsoft.graph.user?$select=id`));
    expect(usersOnly.value).toHaveLength(4);
  });

  it('pages members with $top', async () => {
    const first = asCollection(await t.graph(`/groups/${DEMO_GROUP_IDS.approvers}/members?$top=2&$select=id`));
    expect(first.value).toHaveLength(2);
    const second = asCollection(await call(first['@odata.nextLink'] as string));
    expect(second.value).toHaveLength(1);
    expect(second['@odata.nextLink']).toBeUndefined();
  });

  it('answers 404 for the members of an unknown group', async () => {
    expect((await t.graph('/groups/5f0e7b8e-0000-4000-8000-000000000000/members')).status).toBe(404);
  });
});

describe('POST /groups/{id}/members/$ref', () => {
  const t = useSimulator();
  const addRef = (groupId: string, body: unknown) => t.graph(`/groups/${groupId}/members/$ref`, { method: 'POST', json: body });
  /** A reference on the simulator's own Graph root, as the service expects its own host. */
  const ref = (id: string, kind = 'directoryObjects', root = `${t.sim.url}/v1.0`) => ({ '@odata.id': `${root}/${kind}/${id}` });

  it('adds a guest and answers 204 without a body; the member shows up at once', async () => {
    const res = await addRef(DEMO_GROUP_IDS.partnerPortalUsers, ref(DEMO_GUEST_IDS.janeDoeFabrikam));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.partnerPortalUsers, DEMO_GUEST_IDS.janeDoeFabrikam)).toBe(true);
    const members = asCollection(await t.graph(`/groups/${DEMO_GROUP_IDS.partnerPortalUsers}/members?$select=id`));
    expect(ids(members)).toContain(DEMO_GUEST_IDS.janeDoeFabrikam);
  });

  it('answers 400 Request_BadRequest when the object is already a member', async () => {
    const res = await addRef(DEMO_GROUP_IDS.projectFalcon, ref(DEMO_USER_IDS.alexWilber));
    expect(res.status).toBe(400);
    expect(asError(res)).toMatchObject({
      code: 'Request_BadRequest',
      message: "One or more added object references already exist for the following modified properties: 'members'.",
    });
  });

  it('accepts the users/{id} form on its own Graph root', async () => {
    const res = await addRef(DEMO_GROUP_IDS.contractors, ref(DEMO_GUEST_IDS.raviKumarFabrikam, 'users'));
    expect(res.status).toBe(204);
  });

  it('answers 404 when the referenced object does not exist', async () => {
    const res = await addRef(DEMO_GROUP_IDS.contractors, ref('5f0e7b8e-0000-4000-8000-000000000000'));
    expect(res.status).toBe(404);
    expect(asError(res).code).toBe('Request_ResourceNotFound');
  });

  it('refuses a reference to another Graph host or another version root, like a malformed reference', async () => {
    for (const root of ['https://graph.microsoft.com/v1.0', `${t.sim.url}/beta`, t.sim.url]) {
      const res = await addRef(DEMO_GROUP_IDS.contractors, ref(DEMO_GUEST_IDS.danaWhitfieldContoso, 'directoryObjects', root));
      expect(res.status).toBe(400);
      expect(asError(res)).toMatchObject({ code: 'Request_BadRequest', message: 'Invalid URL format specified in payload.' });
    }
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.contractors, DEMO_GUEST_IDS.danaWhitfieldContoso)).toBe(false);
  });

  it('answers 400 for a malformed reference id, a malformed @odata.id and a missing body', async () => {
    expect((await addRef(DEMO_GROUP_IDS.contractors, ref('bogus'))).status).toBe(400);
    expect((await addRef(DEMO_GROUP_IDS.contractors, { '@odata.id': 'not a url' })).status).toBe(400);
    expect((await addRef(DEMO_GROUP_IDS.contractors, { id: DEMO_USER_IDS.alexWilber })).status).toBe(400);
    expect((await t.graph(`/groups/${DEMO_GROUP_IDS.contractors}/members/$ref`, { method: 'POST' })).status).toBe(400);
  });

  it('answers 400 with a dynamic-membership message for a dynamic group', async () => {
    const res = await addRef(DEMO_GROUP_IDS.allGuestsDynamic, ref(DEMO_USER_IDS.alexWilber));
    expect(res.status).toBe(400);
    expect(asError(res).code).toBe('Request_BadRequest');
    expect(asError(res).message).toMatch(/dynamic/);
  });

  it('answers 403 Authorization_RequestDenied for a mail-enabled security group', async () => {
    const res = await addRef(DEMO_GROUP_IDS.financeDistribution, ref(DEMO_USER_IDS.alexWilber));
    expect(res.status).toBe(403);
    expect(asError(res).code).toBe('Authorization_RequestDenied');
  });

  it('answers 403 Authorization_RequestDenied for a role-assignable group', async () => {
    const res = await addRef(DEMO_GROUP_IDS.privilegedHelpdesk, ref(DEMO_USER_IDS.alexWilber));
    expect(res.status).toBe(403);
    expect(asError(res).code).toBe('Authorization_RequestDenied');
  });

  it('refuses a group as a member of a Microsoft 365 group', async () => {
    const res = await addRef(DEMO_GROUP_IDS.projectFalcon, ref(DEMO_GROUP_IDS.contractors));
    expect(res.status).toBe(400);
  });

  it('removes a member with DELETE .../members/{id}/$ref (204)', async () => {
    const res = await t.graph(`/groups/${DEMO_GROUP_IDS.fabrikamCollaboration}/members/${DEMO_GUEST_IDS.janeDoeFabrikam}/$ref`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.fabrikamCollaboration, DEMO_GUEST_IDS.janeDoeFabrikam)).toBe(false);
  });
});

describe('POST checkMemberGroups', () => {
  const t = useSimulator();
  const check = (path: string, groupIds: unknown) => t.graph(path, { method: 'POST', json: { groupIds } });

  it('counts nested membership (transitive)', async () => {
    const res = await check(`/users/${DEMO_USER_IDS.johannaLorenz}/checkMemberGroups`, [DEMO_GROUP_IDS.admins, DEMO_GROUP_IDS.approvers]);
    expect(res.status).toBe(200);
    expect(asCollection(res).value).toEqual([DEMO_GROUP_IDS.admins]);
  });

  it('answers for Playground users, by id, by UPN and through /directoryObjects', async () => {
    const groups = [DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.admins];
    expect(asCollection(await check(`/users/${DEMO_USER_IDS.adeleVance}/checkMemberGroups`, groups)).value).toEqual(groups);
    expect(asCollection(await check('/users/meganb@example.com/checkMemberGroups', groups)).value).toEqual([DEMO_GROUP_IDS.approvers]);
    expect(asCollection(await check(`/directoryObjects/${DEMO_USER_IDS.alexWilber}/checkMemberGroups`, groups)).value).toEqual([]);
  });

  it('answers 400 to more than 20 group ids', async () => {
    const many = Array.from({ length: 21 }, (_, i) => `5f0e7b8e-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`);
    const res = await check(`/users/${DEMO_USER_IDS.adeleVance}/checkMemberGroups`, many);
    expect(res.status).toBe(400);
    expect(asError(res).code).toBe('Request_BadRequest');
  });

  it('fails the whole request for one malformed group id', async () => {
    const res = await check(`/users/${DEMO_USER_IDS.adeleVance}/checkMemberGroups`, [DEMO_GROUP_IDS.admins, 'oops']);
    expect(res.status).toBe(400);
    expect(asError(res).message).toBe("Invalid object identifier 'oops'.");
  });

  it('answers 400 to a body without groupIds and 404 for an unknown user', async () => {
    expect((await check(`/users/${DEMO_USER_IDS.adeleVance}/checkMemberGroups`, 'x')).status).toBe(400);
    expect((await check('/users/5f0e7b8e-0000-4000-8000-000000000000/checkMemberGroups', [])).status).toBe(404);
  });
});
