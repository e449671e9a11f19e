import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS } from '../../simulator';
import { faultSettingsFromEnv } from '../../simulator/faults';
import { ROLE_TEMPLATE_IDS } from '../../simulator/roles';
import { EVENTUAL, asCollection, asEntity, asError, call, ids, useSimulator } from './helpers';

const REDIRECT = 'https://myapps.microsoft.com';
const SUBMITTER = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';
/** Long enough that nothing in a test outlives it by accident. */
const LONG_LAG = { replication: { lagMs: 60_000 } };

/** The lookup Microsoft's B2B invitation guidance runs before inviting, without advanced parameters. */
function lookupFilter(email: string): string {
  return encodeURIComponent(
    `userPrincipalName eq '${email}' or mail eq '${email}' or proxyAddresses/any(p:p eq 'SMTP:${email}') or otherMails/any(o:o eq '${email}')`,
  );
}

describe('replication lag after an invitation', () => {
  const t = useSimulator();
  afterEach(() => t.sim.clearFaults());

  async function invite(email: string): Promise<string> {
    const res = await t.graph('/invitations', { json: { invitedUserEmailAddress: email, inviteRedirectUrl: REDIRECT } });
    expect(res.status).toBe(201);
    return (asEntity(res).invitedUser as { id: string }).id;
  }

  it('leaves a new guest out of advanced queries, while the default-parameter lookup and a read by id find it', async () => {
    t.sim.setFaults(LONG_LAG);
    const id = await invite('fresh.guest@partner.example');

    const advanced = asCollection(await t.graph("/users?$filter=mail eq 'fresh.guest@partner.example'&$count=true&$select=id", { headers: EVENTUAL }));
    expect(advanced.value).toEqual([]);
    expect(advanced['@odata.count']).toBe(0);
    const searched = asCollection(await t.graph('/users?$search="mail:fresh.guest"&$select=id', { headers: EVENTUAL }));
    expect(searched.value).toEqual([]);
    const guests = Number((await t.graph("/users/$count?$filter=userType eq 'Guest'", { headers: EVENTUAL })).text);
    expect(guests).toBe(t.sim.directory.users.filter((u) => u.userType === 'Guest').length - 1);

    const lookup = await t.graph(`/users?$filter=${lookupFilter('fresh.guest@partner.example')}&$select=id,proxyAddresses`);
    expect(lookup.status).toBe(200);
    expect(asCollection(lookup).value).toEqual([{ id, proxyAddresses: ['SMTP:fresh.guest@partner.example'] }]);
    expect((await t.graph(`/users/${id}?$select=id`)).status).toBe(200);
    const roles = await t.graph(`/users/${id}/appRoleAssignments?$count=true`, { headers: EVENTUAL });
    expect(roles.status).toBe(404);
    expect(asError(roles).code).toBe('Request_ResourceNotFound');
    expect((await t.graph(`/users/${id}/appRoleAssignments`)).status).toBe(200);
  });

  it('answers 404 Request_ResourceNotFound naming the guest to every write that references it', async () => {
    t.sim.setFaults(LONG_LAG);
    const id = await invite('not.yet@partner.example');
    const notFound = {
      code: 'Request_ResourceNotFound',
      message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    };
    const writes = [
      t.graph(`/groups/${DEMO_GROUP_IDS.projectFalcon}/members/$ref`, { json: { '@odata.id': `${t.sim.url}/v1.0/directoryObjects/${id}` } }),
      t.graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo`, {
        json: { principalId: id, resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, appRoleId: SUBMITTER },
      }),
      t.graph(`/users/${id}/appRoleAssignments`, {
        json: { principalId: id, resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, appRoleId: SUBMITTER },
      }),
      t.graph('/roleManagement/directory/roleAssignments', {
        json: { principalId: id, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' },
      }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(404);
      expect(asError(res)).toMatchObject(notFound);
    }
    expect(t.sim.directory.isMember(DEMO_GROUP_IDS.projectFalcon, id)).toBe(false);
    expect(t.sim.directory.appRoles.ofPrincipal(id)).toEqual([]);
    expect(t.sim.directory.roleAssignments.filter((a) => a.principalId === id)).toEqual([]);
  });

  it('lets the same writes and queries through once the lag has passed', async () => {
    t.sim.setFaults({ replication: { lagMs: 200 } });
    const id = await invite('soon.there@partner.example');
    const addToGroup = () => t.graph(`/groups/${DEMO_GROUP_IDS.projectFalcon}/members/$ref`, { json: { '@odata.id': `${t.sim.url}/v1.0/users/${id}` } });
    expect((await addToGroup()).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await addToGroup()).status).toBe(204);
    const advanced = asCollection(await t.graph("/users?$filter=mail eq 'soon.there@partner.example'&$count=true&$select=id", { headers: EVENTUAL }));
    expect(ids(advanced)).toEqual([id]);
  });

  it('never hides users that existed before, and nothing without a lag set', async () => {
    t.sim.setFaults(LONG_LAG);
    const res = await t.graph(`/groups/${DEMO_GROUP_IDS.contractors}/members/$ref`, {
      json: { '@odata.id': `${t.sim.url}/v1.0/directoryObjects/${DEMO_GUEST_IDS.danaWhitfieldContoso}` },
    });
    expect(res.status).toBe(204);
    t.sim.clearFaults();
    const id = await invite('no.lag@partner.example');
    const role = await t.graph('/roleManagement/directory/roleAssignments', {
      json: { principalId: id, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' },
    });
    expect(role.status).toBe(201);
  });

  it('is set with the other standing faults: from code, SIMULATOR_FAULTS and the admin endpoint', async () => {
    expect(faultSettingsFromEnv({ SIMULATOR_FAULTS: '{"replication":{"lagMs":3000}}' })).toEqual({ replication: { lagMs: 3000 } });
    const set = await call(`${t.sim.url}/_simulator/faults`, { json: { replication: { lagMs: 2500 } } });
    expect(set.status).toBe(200);
    expect(t.sim.faultSettings()).toEqual({ replication: { lagMs: 2500 } });
    const invalid = await call(`${t.sim.url}/_simulator/faults`, { json: { replication: { lagMs: -1 } } });
    expect(invalid.status).toBe(400);
    expect(asError(invalid).message).toMatch(/replication\.lagMs/);
    const unknown = await call(`${t.sim.url}/_simulator/faults`, { json: { replication: { lag: 1 } } });
    expect(unknown.status).toBe(400);
  });
});
