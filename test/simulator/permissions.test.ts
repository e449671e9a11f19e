import {
  DEMO_BOT_APP_ID,
  DEMO_GROUP_IDS,
  DEMO_GUEST_IDS,
  DEMO_USER_IDS,
  GRAPH_APP_ROLES,
  MICROSOFT_GRAPH_APP_ID,
  parsePermissionList,
  requiredPermissions,
} from '../../simulator';
import { ROUTES } from '../../simulator/routes';
import { asCollection, asEntity, asError, call, useSimulator } from './helpers';

const REDIRECT = 'https://myapps.microsoft.com';
const GRAPH_IDS = new Map(GRAPH_APP_ROLES.map((r) => [r.value, r.id]));

describe("the calling app's Graph permissions", () => {
  const t = useSimulator();

  afterEach(() => t.sim.setPermissions('all'));

  it('grants every permission by default, so nothing is refused', async () => {
    expect(t.sim.permissions()).toBe('all');
    expect((await t.graph('/users?$select=id')).status).toBe(200);
    expect((await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/memberOf`)).status).toBe(200);
    expect((await t.graph('/roleManagement/directory/roleDefinitions')).status).toBe(200);
  });

  it("refuses a call without its permission with 403 Authorization_RequestDenied and Graph's error body", async () => {
    t.sim.setPermissions(['User.Read.All']);
    const refused = await t.graph('/groups?$select=id', { headers: { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001' } });
    expect(refused.status).toBe(403);
    const error = asError(refused);
    expect(error.code).toBe('Authorization_RequestDenied');
    expect(error.message).toBe('Insufficient privileges to complete the operation.');
    expect(error.innerError['request-id']).toBe(refused.headers.get('request-id'));
    expect(error.innerError['client-request-id']).toBe('c0ffee00-0000-4000-8000-000000000001');
    expect(error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect((await t.graph('/users?$select=id')).status).toBe(200);
  });

  it('takes any permission of a requirement, and needs every requirement of a call', async () => {
    const check = () => t.graph(`/users/${DEMO_USER_IDS.adeleVance}/checkMemberGroups`, { json: { groupIds: [DEMO_GROUP_IDS.admins] } });
    t.sim.setPermissions(['User.Read.All']);
    expect((await check()).status).toBe(403);
    t.sim.setPermissions(['User.Read.All', 'GroupMember.Read.All']);
    expect((await check()).status).toBe(200);
    t.sim.setPermissions(['Directory.Read.All']);
    expect((await check()).status).toBe(200);
  });

  it('needs AuditLog.Read.All on top of User.Read.All when signInActivity is selected', async () => {
    t.sim.setPermissions(['User.Read.All']);
    expect((await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id`)).status).toBe(200);
    expect((await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id,signInActivity`)).status).toBe(403);
    t.sim.setPermissions(['User.Read.All', 'AuditLog.Read.All']);
    expect((await t.graph(`/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id,signInActivity`)).status).toBe(200);
  });

  it('invites with User.Invite.All but resets a redemption only with User.ReadWrite.All', async () => {
    t.sim.setPermissions(['User.Invite.All']);
    const invited = await t.graph('/invitations', { json: { invitedUserEmailAddress: 'ola.berg@fabrikam.com', inviteRedirectUrl: REDIRECT } });
    expect(invited.status).toBe(201);
    const reset = {
      invitedUserEmailAddress: 'jane.doe@fabrikam.com',
      inviteRedirectUrl: REDIRECT,
      invitedUser: { id: DEMO_GUEST_IDS.janeDoeFabrikam },
      resetRedemption: true,
    };
    expect((await t.graph('/invitations', { json: reset })).status).toBe(403);
    t.sim.setPermissions(['User.ReadWrite.All']);
    expect((await t.graph('/invitations', { json: reset })).status).toBe(201);
  });

  it('changes nothing when it refuses a write', async () => {
    t.sim.setPermissions(['User.Read.All', 'User.EnableDisableAccount.All']);
    expect((await t.graph(`/users/${DEMO_GUEST_IDS.raviKumarFabrikam}`, { method: 'DELETE' })).status).toBe(403);
    expect(t.sim.directory.getUser(DEMO_GUEST_IDS.raviKumarFabrikam)).toBeDefined();
    expect((await t.graph(`/users/${DEMO_GUEST_IDS.raviKumarFabrikam}`, { method: 'PATCH', json: { accountEnabled: false } })).status).toBe(204);
  });

  it("lists Microsoft Graph's app roles with their real ids, and the calling app's grants as assignments of them", async () => {
    t.sim.setPermissions(['Application.Read.All', 'User.Invite.All']);
    const graph = asEntity(await t.graph(`/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')?$select=id,appRoles`));
    const roles = graph.appRoles as Array<{ id: string; value: string; allowedMemberTypes: string[] }>;
    expect(roles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'df021288-bdef-4463-88db-98f22de89214', value: 'User.Read.All', allowedMemberTypes: ['Application'] }),
      ]),
    );
    expect(roles.find((r) => r.value === 'User.Invite.All')?.id).toBe('09850681-111b-4a89-9bed-3f2cae46d706');

    const granted = asCollection(await t.graph(`/servicePrincipals(appId='${DEMO_BOT_APP_ID}')/appRoleAssignments`));
    expect(granted.value.map((a) => a.appRoleId).sort()).toEqual([GRAPH_IDS.get('Application.Read.All'), GRAPH_IDS.get('User.Invite.All')].sort());
    expect(granted.value.every((a) => a.resourceId === graph.id && a.principalType === 'ServicePrincipal')).toBe(true);

    t.sim.setPermissions('all');
    const all = asCollection(await t.graph(`/servicePrincipals(appId='${DEMO_BOT_APP_ID}')/appRoleAssignments`));
    expect(all.value).toHaveLength(GRAPH_APP_ROLES.length);
  });

  it('needs Application.Read.All (or more) to read them', async () => {
    t.sim.setPermissions(['User.Read.All']);
    expect((await t.graph(`/servicePrincipals(appId='${DEMO_BOT_APP_ID}')/appRoleAssignments`)).status).toBe(403);
    expect((await t.graph(`/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')`)).status).toBe(403);
  });

  it('is read and set over HTTP at /_simulator/permissions, which names what it cannot grant', async () => {
    const control = `${t.sim.url}/_simulator/permissions`;
    expect((await call(control)).body).toEqual({ appId: DEMO_BOT_APP_ID, granted: 'all' });
    const set = await call(control, { method: 'PUT', json: { granted: ['user.read.all', 'User.Invite.All'] } });
    expect(set.body).toEqual({ appId: DEMO_BOT_APP_ID, granted: ['User.Read.All', 'User.Invite.All'] });
    expect((await t.graph('/groups')).status).toBe(403);
    const unknown = await call(control, { method: 'PUT', json: { granted: ['Group.ReadBasic.All'] } });
    expect(unknown.status).toBe(400);
    expect(asError(unknown).message).toContain('unknown Graph application permission(s): Group.ReadBasic.All');
    expect(t.sim.permissions()).toEqual(['User.Read.All', 'User.Invite.All']);
    expect((await call(control, { method: 'DELETE' })).body).toEqual({ appId: DEMO_BOT_APP_ID, granted: 'all' });
    expect((await t.graph('/groups')).status).toBe(200);
  });
});

describe('starting with fewer permissions', () => {
  const t = useSimulator(() => ({ permissions: ['User.Read.All'] }));

  it('refuses from the first request', async () => {
    expect((await t.graph('/users?$select=id')).status).toBe(200);
    expect((await t.graph('/servicePrincipals')).status).toBe(403);
  });
});

describe("reading a user's manager", () => {
  const t = useSimulator(() => ({ permissions: ['GroupMember.Read.All'] }));

  it('is refused without User.Read.All', async () => {
    expect((await t.graph(`/users/${DEMO_USER_IDS.alexWilber}/manager`)).status).toBe(403);
  });
});

describe('the permission table of the routes', () => {
  it('covers every route the simulator serves', () => {
    const guid = '11111111-2222-4333-8444-555555555555';
    const undeclared: string[] = [];
    for (const route of ROUTES) {
      const segments = route.pattern.map((p) => (p instanceof RegExp ? `servicePrincipals(appId='${guid}')` : p.startsWith(':') ? guid : p));
      if (segments.join('/') === 'me') continue; // only delegated tokens may call /me
      for (const method of Object.keys(route.handlers)) {
        if (!requiredPermissions(method, segments, { query: new Map() })) undeclared.push(`${method} /${segments.join('/')}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('reads --permissions as all or a list of names it offers', () => {
    expect(parsePermissionList('all')).toBe('all');
    expect(parsePermissionList('user.read.all, User.Invite.All')).toEqual(['User.Read.All', 'User.Invite.All']);
    expect(() => parsePermissionList('User.Read.All,Nope.All')).toThrow('unknown Graph application permission(s): Nope.All');
  });
});
