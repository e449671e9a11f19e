/**
 * What ending a guest's access needs of the directory: sponsors read and written, group members,
 * app role assignments and directory role assignments removed, sponsors who were disabled or
 * deleted, and JSON batching for the reads a recertification makes.
 */
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS, ROLE_TEMPLATE_IDS } from '../../simulator';
import { asCollection, asError, call, ids, useSimulator, type GraphResponse } from './helpers';

const SUBMITTER = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';

interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

describe('simulator: guest lifecycle endpoints', () => {
  const t = useSimulator();
  const ref = (kind: 'users' | 'groups' | 'servicePrincipals', id: string) => ({ '@odata.id': `${t.sim.url}/v1.0/${kind}/${id}` });
  const batch = async (requests: unknown[]): Promise<{ res: GraphResponse; responses: BatchResponse[] }> => {
    const res = await t.graph('/$batch', { json: { requests } });
    return { res, responses: (res.body as { responses?: BatchResponse[] } | undefined)?.responses ?? [] };
  };

  afterEach(() => {
    t.sim.clearFaults();
    t.sim.setPermissions('all');
  });

  describe('sponsors', () => {
    it('adds a sponsor with 204, lists it, refuses it twice with 400 and removes it with 204', async () => {
      const guest = DEMO_GUEST_IDS.raviKumarFabrikam;
      const added = await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('users', DEMO_USER_IDS.isaiahLanger) });
      expect(added.status).toBe(204);
      expect(added.text).toBe('');
      expect(ids(asCollection(await t.graph(`/users/${guest}/sponsors?$select=id,displayName`)))).toContain(DEMO_USER_IDS.isaiahLanger);

      const again = await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('users', DEMO_USER_IDS.isaiahLanger) });
      expect(again.status).toBe(400);
      expect(asError(again)).toMatchObject({ code: 'Request_BadRequest', message: expect.stringContaining("'sponsors'") });

      const removed = await t.graph(`/users/${guest}/sponsors/${DEMO_USER_IDS.isaiahLanger}/$ref`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      expect(ids(asCollection(await t.graph(`/users/${guest}/sponsors`)))).not.toContain(DEMO_USER_IDS.isaiahLanger);
      // The sponsor's own account is untouched: $ref removes the link only.
      expect(t.sim.directory.getUser(DEMO_USER_IDS.isaiahLanger)).toBeDefined();

      const gone = await t.graph(`/users/${guest}/sponsors/${DEMO_USER_IDS.isaiahLanger}/$ref`, { method: 'DELETE' });
      expect(gone.status).toBe(404);
      expect(asError(gone).code).toBe('Request_ResourceNotFound');
    });

    it('takes a group as a sponsor but refuses an application, and a reference on another host', async () => {
      const guest = DEMO_GUEST_IDS.danaWhitfieldContoso;
      expect((await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('groups', DEMO_GROUP_IDS.approvers) })).status).toBe(204);
      const listed = asCollection(await t.graph(`/users/${guest}/sponsors`));
      expect(listed.value.find((s) => s.id === DEMO_GROUP_IDS.approvers)).toMatchObject({ '@odata.type': '#microsoft.graph.group' });

      const app = await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('servicePrincipals', DEMO_SERVICE_PRINCIPAL_IDS.expenseHub) });
      expect(app.status).toBe(400);
      const elsewhere = await t.graph(`/users/${guest}/sponsors/$ref`, {
        json: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${DEMO_USER_IDS.leeGu}` },
      });
      expect(elsewhere.status).toBe(400);
    });

    it('sets sponsors at invitation with invitedUserSponsors', async () => {
      const res = await t.graph('/invitations', {
        json: {
          invitedUserEmailAddress: 'sponsored.guest@fabrikam.com',
          inviteRedirectUrl: 'https://myapps.microsoft.com',
          invitedUserSponsors: [{ id: DEMO_USER_IDS.alexWilber }],
        },
      });
      expect(res.status).toBe(201);
      const guestId = (res.body as { invitedUser: { id: string } }).invitedUser.id;
      expect(ids(asCollection(await t.graph(`/users/${guestId}/sponsors`)))).toEqual([DEMO_USER_IDS.alexWilber]);
    });

    it('keeps listing a disabled sponsor, as disabled, and stops listing a deleted one', async () => {
      const sponsor = t.sim.directory.addUser({ displayName: 'Leaving Soon', userPrincipalName: 'leaving.soon@contoso.com', mail: 'leaving.soon@contoso.com' });
      const guest = DEMO_GUEST_IDS.liamOBrienNorthwind;
      expect((await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('users', sponsor.id) })).status).toBe(204);

      t.sim.directory.updateUser(sponsor.id, { accountEnabled: false });
      const disabled = asCollection(await t.graph(`/users/${guest}/sponsors?$select=id,accountEnabled`));
      expect(disabled.value.find((s) => s.id === sponsor.id)).toMatchObject({ accountEnabled: false });
      expect((await t.graph(`/users/${sponsor.id}?$select=id,accountEnabled`)).body).toMatchObject({ accountEnabled: false });

      expect((await t.graph(`/users/${sponsor.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(ids(asCollection(await t.graph(`/users/${guest}/sponsors`)))).not.toContain(sponsor.id);
      expect((await t.graph(`/users/${sponsor.id}`)).status).toBe(404);
    });

    it('needs User.ReadWrite.All to write sponsors, and User.Read.All to read them', async () => {
      t.sim.setPermissions(['User.Read.All', 'User.Invite.All']);
      const guest = DEMO_GUEST_IDS.janeDoeFabrikam;
      expect((await t.graph(`/users/${guest}/sponsors`)).status).toBe(200);
      const refused = await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('users', DEMO_USER_IDS.leeGu) });
      expect(refused.status).toBe(403);
      expect(asError(refused).code).toBe('Authorization_RequestDenied');
      expect((await t.graph(`/users/${guest}/sponsors/${DEMO_USER_IDS.meganBowen}/$ref`, { method: 'DELETE' })).status).toBe(403);
      t.sim.setPermissions(['User.ReadWrite.All']);
      expect((await t.graph(`/users/${guest}/sponsors/$ref`, { json: ref('users', DEMO_USER_IDS.leeGu) })).status).toBe(204);
    });
  });

  describe('removing what was given', () => {
    it('removes a group member with 204 and answers 404 when they are no member', async () => {
      const guest = DEMO_GUEST_IDS.danaWhitfieldContoso;
      expect((await t.graph(`/groups/${DEMO_GROUP_IDS.projectFalcon}/members/$ref`, { json: ref('users', guest) })).status).toBe(204);
      const removed = await t.graph(`/groups/${DEMO_GROUP_IDS.projectFalcon}/members/${guest}/$ref`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      expect(t.sim.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest)).toBe(false);
      const again = await t.graph(`/groups/${DEMO_GROUP_IDS.projectFalcon}/members/${guest}/$ref`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(asError(again).code).toBe('Request_ResourceNotFound');
    });

    it('deletes an app role assignment by its id on the resource, 404 once gone or through another resource', async () => {
      const guest = DEMO_GUEST_IDS.raviKumarFabrikam;
      const created = await t.graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo`, {
        json: { principalId: guest, resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, appRoleId: SUBMITTER },
      });
      expect(created.status).toBe(201);
      const assignmentId = (created.body as { id: string }).id;

      const wrongResource = await t.graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal}/appRoleAssignedTo/${assignmentId}`, {
        method: 'DELETE',
      });
      expect(wrongResource.status).toBe(404);
      const removed = await t.graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo/${assignmentId}`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      expect(t.sim.directory.appRoles.ofPrincipal(guest).map((a) => a.id)).not.toContain(assignmentId);
      const again = await t.graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}/appRoleAssignedTo/${assignmentId}`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(asError(again).code).toBe('Request_ResourceNotFound');
    });

    it('deletes an app role assignment through the user too, with AppRoleAssignment.ReadWrite.All only', async () => {
      const guest = DEMO_GUEST_IDS.danaWhitfieldContoso;
      const created = await t.graph(`/users/${guest}/appRoleAssignments`, {
        json: { principalId: guest, resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, appRoleId: SUBMITTER },
      });
      const assignmentId = (created.body as { id: string }).id;
      t.sim.setPermissions(['User.Read.All']);
      expect((await t.graph(`/users/${guest}/appRoleAssignments/${assignmentId}`, { method: 'DELETE' })).status).toBe(403);
      t.sim.setPermissions(['AppRoleAssignment.ReadWrite.All']);
      expect((await t.graph(`/users/${guest}/appRoleAssignments/${assignmentId}`, { method: 'DELETE' })).status).toBe(204);
    });

    it('deletes a directory role assignment by id with RoleManagement.ReadWrite.Directory, 404 once gone', async () => {
      const guest = DEMO_GUEST_IDS.janeDoeFabrikam;
      const created = await t.graph('/roleManagement/directory/roleAssignments', {
        json: { principalId: guest, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' },
      });
      expect(created.status).toBe(201);
      const assignmentId = (created.body as { id: string }).id;
      t.sim.setPermissions(['RoleManagement.Read.Directory']);
      expect((await t.graph(`/roleManagement/directory/roleAssignments/${assignmentId}`, { method: 'DELETE' })).status).toBe(403);
      t.sim.setPermissions(['RoleManagement.ReadWrite.Directory']);
      expect((await t.graph(`/roleManagement/directory/roleAssignments/${assignmentId}`, { method: 'DELETE' })).status).toBe(204);
      expect(t.sim.directory.roleAssignments.some((a) => a.id === assignmentId)).toBe(false);
      expect((await t.graph(`/roleManagement/directory/roleAssignments/${assignmentId}`, { method: 'DELETE' })).status).toBe(404);
    });
  });

  describe('$batch', () => {
    it('answers each request with its own status, correlated by id, not in the order sent', async () => {
      const { res, responses } = await batch([
        { id: '1', method: 'GET', url: `/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id,displayName` },
        { id: '2', method: 'GET', url: `/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/memberOf?$select=id,displayName` },
        { id: '3', method: 'GET', url: '/users/0d8b1d5e-7a4c-4a8e-9f1e-2a4b6c8d0e1f' },
      ]);
      expect(res.status).toBe(200);
      expect(responses.map((r) => r.id)).toEqual(['3', '2', '1']);
      const byId = new Map(responses.map((r) => [r.id, r]));
      expect(byId.get('1')).toMatchObject({ status: 200, body: { id: DEMO_GUEST_IDS.janeDoeFabrikam, displayName: 'Jane Doe (Fabrikam)' } });
      expect(byId.get('2')?.status).toBe(200);
      expect(byId.get('3')).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    });

    it('refuses more than 20 requests, a repeated id and a write without Content-Type, as a whole', async () => {
      const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users?$top=1' }));
      const tooMany = await batch(many);
      expect(tooMany.res.status).toBe(400);
      expect(asError(tooMany.res).message).toBe('Number of requests inside batch exceeds the limit.');

      const twice = await batch([
        { id: 'a', method: 'GET', url: '/users?$top=1' },
        { id: 'a', method: 'GET', url: '/groups?$top=1' },
      ]);
      expect(twice.res.status).toBe(400);

      const noType = await batch([
        { id: '1', method: 'POST', url: `/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/sponsors/$ref`, body: ref('users', DEMO_USER_IDS.leeGu) },
      ]);
      expect(noType.res.status).toBe(400);
      expect(asError(noType.res).message).toBe('Write request id : 1 does not contain Content-Type header or body.');
    });

    it("checks each request's own permissions and fails the requests that depend on a failed one with 424", async () => {
      t.sim.setPermissions(['User.Read.All']);
      const { res, responses } = await batch([
        { id: 'groups', method: 'GET', url: `/users/${DEMO_GUEST_IDS.janeDoeFabrikam}/memberOf` },
        { id: 'user', method: 'GET', url: `/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id`, dependsOn: ['groups'] },
      ]);
      expect(res.status).toBe(200);
      const byId = new Map(responses.map((r) => [r.id, r]));
      expect(byId.get('groups')).toMatchObject({ status: 403, body: { error: { code: 'Authorization_RequestDenied' } } });
      expect(byId.get('user')?.status).toBe(424);
    });

    it('throttles a request inside the batch with its own 429 and Retry-After, while the batch answers 200', async () => {
      t.sim.injectFault({ status: 429, retryAfter: 7, path: '/users/', method: 'GET' });
      const { res, responses } = await batch([
        { id: '1', method: 'GET', url: `/users/${DEMO_GUEST_IDS.janeDoeFabrikam}?$select=id` },
        { id: '2', method: 'GET', url: '/groups?$top=1' },
      ]);
      expect(res.status).toBe(200);
      const byId = new Map(responses.map((r) => [r.id, r]));
      expect(byId.get('1')).toMatchObject({ status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: 'TooManyRequests' } } });
      expect(byId.get('2')?.status).toBe(200);
    });

    it('carries out writes with their body and headers, and counts them against the write quota one by one', async () => {
      t.sim.setFaults({ writeQuota: { writes: 1, windowMs: 60_000 } });
      const guest = DEMO_GUEST_IDS.liamOBrienNorthwind;
      const { res, responses } = await batch([
        {
          id: '1',
          method: 'POST',
          url: `/users/${guest}/sponsors/$ref`,
          headers: { 'Content-Type': 'application/json' },
          body: ref('users', DEMO_USER_IDS.nestorWilke),
        },
        {
          id: '2',
          method: 'POST',
          url: `/users/${guest}/sponsors/$ref`,
          headers: { 'Content-Type': 'application/json' },
          body: ref('users', DEMO_USER_IDS.miriamGraham),
        },
      ]);
      expect(res.status).toBe(200);
      const byId = new Map(responses.map((r) => [r.id, r]));
      expect(byId.get('1')?.status).toBe(204);
      expect(byId.get('2')?.status).toBe(429);
      expect(t.sim.directory.getUser(guest)?.sponsorIds).toContain(DEMO_USER_IDS.nestorWilke.toLowerCase());
    });

    it('answers a request with an absolute URL, or a batch inside a batch, with 400 for that request', async () => {
      const { responses } = await batch([
        { id: '1', method: 'GET', url: `https://graph.microsoft.com/v1.0/users/${DEMO_GUEST_IDS.janeDoeFabrikam}` },
        { id: '2', method: 'POST', url: '/$batch', headers: { 'Content-Type': 'application/json' }, body: { requests: [] } },
      ]);
      expect(responses.map((r) => r.status)).toEqual([400, 400]);
    });

    it('logs the batch once and each request inside it on a line of its own', async () => {
      const lines: string[] = [];
      const { startSimulator } = await import('../../simulator');
      const logged = await startSimulator({ port: 0, log: (line) => lines.push(line) });
      try {
        await call(`${logged.url}/v1.0/$batch`, { json: { requests: [{ id: '1', method: 'GET', url: '/groups?$top=1' }] } });
      } finally {
        await logged.close();
      }
      expect(lines).toEqual(['$batch GET /v1.0/groups?$top=1 -> 200', 'POST /v1.0/$batch -> 200']);
    });
  });
});
