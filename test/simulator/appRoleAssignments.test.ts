import { DEFAULT_ACCESS_ROLE_ID } from '../../simulator/appRoleAssignments';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { startSimulator, type RunningSimulator } from '../../simulator/server';

const SUBMITTER = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';
const DAEMON_ONLY = '3ea8eafa-38f9-489f-94ca-c873c274a99a';
const PORTAL_READER = 'ee7f21b6-09b0-4fcc-a52e-726c1f589aeb';

describe('simulator: enterprise application owners and app role assignments', () => {
  let sim: RunningSimulator;
  const graph = (path: string, init?: RequestInit) => fetch(`${sim.url}/v1.0${path}`, init);
  const post = (path: string, body: unknown) => graph(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  beforeEach(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterEach(() => sim.close());

  it("lists an application's owners with their @odata.type", async () => {
    const response = await graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal}/owners?$select=id,displayName`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { value: Array<Record<string, string>> };
    expect(body.value).toEqual(
      expect.arrayContaining([
        { '@odata.type': '#microsoft.graph.user', id: DEMO_USER_IDS.lynneRobbins, displayName: 'Lynne Robbins' },
        { '@odata.type': '#microsoft.graph.user', id: DEMO_USER_IDS.adeleVance, displayName: 'Adele Vance' },
      ]),
    );
    const none = (await (await graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.fabrikamProjectTracker}/owners`)).json()) as { value: unknown[] };
    expect(none.value).toEqual([]);
  });

  it('creates an assignment with 201 and an opaque, non-GUID id, visible from both sides', async () => {
    const response = await post(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo`, {
      principalId: DEMO_GUEST_IDS.raviKumarFabrikam,
      resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub,
      appRoleId: SUBMITTER,
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, string>;
    expect(created).toMatchObject({
      principalId: DEMO_GUEST_IDS.raviKumarFabrikam,
      principalType: 'User',
      resourceDisplayName: 'Expense Hub',
      appRoleId: SUBMITTER,
    });
    expect(created.id).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(created['@odata.context']).toContain(`servicePrincipals('${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}')/appRoleAssignedTo/$entity`);

    const mine = (await (await graph(`/users/${DEMO_GUEST_IDS.raviKumarFabrikam}/appRoleAssignments`)).json()) as { value: Array<{ id: string }> };
    expect(mine.value.map((a) => a.id)).toEqual([created.id]);
    const theirs = (await (await graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo`)).json()) as {
      value: Array<{ id: string }>;
    };
    expect(theirs.value.map((a) => a.id)).toContain(created.id);
  });

  it('refuses a duplicate assignment with 400', async () => {
    const response = await post(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal}/appRoleAssignedTo`, {
      principalId: DEMO_GUEST_IDS.janeDoeFabrikam,
      resourceId: DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal,
      appRoleId: PORTAL_READER,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: {
        code: 'Request_BadRequest',
        message: 'Permission being assigned already exists on the object',
        innerError: { 'request-id': expect.any(String) },
      },
    });
  });

  it.each([
    ['a role the app does not declare', { appRoleId: '11111111-2222-3333-4444-555555555555' }, 'Permission being assigned was not found on application'],
    ['an application-only role to a user', { appRoleId: DAEMON_ONLY }, 'allowedMemberTypes'],
    ['default access on an app that declares roles', { appRoleId: DEFAULT_ACCESS_ROLE_ID }, 'Permission being assigned was not found'],
    ['a resourceId other than the one in the path', { resourceId: DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal }, 'One or more properties are invalid.'],
    ['a principal that does not exist', { principalId: '11111111-2222-3333-4444-555555555555' }, 'Not a valid reference update.'],
    ['a malformed id', { principalId: 'jane' }, "property 'principalId'"],
  ])('answers 400 to %s', async (_case, change, message) => {
    const response = await post(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo`, {
      principalId: DEMO_GUEST_IDS.raviKumarFabrikam,
      resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub,
      appRoleId: SUBMITTER,
      ...change,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain(message);
  });

  it('accepts default access for an application without roles', async () => {
    const response = await post(`/users/${DEMO_GUEST_IDS.raviKumarFabrikam}/appRoleAssignments`, {
      principalId: DEMO_GUEST_IDS.raviKumarFabrikam,
      resourceId: DEMO_SERVICE_PRINCIPAL_IDS.fabrikamProjectTracker,
      appRoleId: DEFAULT_ACCESS_ROLE_ID,
    });
    expect(response.status).toBe(201);
  });

  it("lists a user's roles held through their direct groups only with ConsistencyLevel: eventual and $count=true", async () => {
    // Liam is a direct member of Contractors; the group, not Liam, holds Submitter in Expense Hub.
    sim.directory.appRoles.assign({ principalId: DEMO_GROUP_IDS.contractors, resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, appRoleId: SUBMITTER });
    const path = `/users/${DEMO_GUEST_IDS.liamOBrienNorthwind}/appRoleAssignments`;
    type Listing = { '@odata.count'?: number; value: Array<Record<string, string>> };
    const read = async (query: string, headers: Record<string, string> = {}) => (await (await graph(`${path}${query}`, { headers })).json()) as Listing;
    const viaGroup = (listing: Listing) => listing.value.filter((a) => a.principalType === 'Group');

    const complete = await read('?$count=true', { ConsistencyLevel: 'eventual' });
    expect(viaGroup(complete)).toEqual([
      expect.objectContaining({
        principalId: DEMO_GROUP_IDS.contractors,
        principalDisplayName: 'Contractors',
        resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub,
        appRoleId: SUBMITTER,
      }),
    ]);
    expect(complete['@odata.count']).toBe(complete.value.length);
    expect(viaGroup(await read(''))).toEqual([]);
    expect(viaGroup(await read('', { ConsistencyLevel: 'eventual' }))).toEqual([]);
    expect((await read('?$count=true'))['@odata.count']).toBeUndefined();
  });

  it('answers 404 for an unknown application', async () => {
    const response = await graph('/servicePrincipals/11111111-2222-3333-4444-555555555555/owners');
    expect(response.status).toBe(404);
  });
});
