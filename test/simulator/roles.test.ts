import { DEMO_GROUP_IDS, DEMO_USER_IDS, ROLE_TEMPLATE_IDS } from '../../simulator';
import { asCollection, asEntity, asError, names, useSimulator } from './helpers';

const CONFLICT = 'A conflicting object with one or more of the specified property values is present in the directory.';

describe('role definitions', () => {
  const t = useSimulator();

  it('lists the built-in roles with their real template ids', async () => {
    const body = asCollection(await t.graph('/roleManagement/directory/roleDefinitions?$select=displayName,templateId'));
    expect(body['@odata.context']).toBe(`${t.sim.url}/v1.0/$metadata#roleManagement/directory/roleDefinitions(displayName,templateId)`);
    expect(body.value).toEqual(
      expect.arrayContaining([
        { displayName: 'Guest Inviter', templateId: '95e79109-95c0-4d8e-aee3-d01accf2d47b' },
        { displayName: 'Directory Readers', templateId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b' },
        { displayName: 'Reports Reader', templateId: '4a5d8f65-41da-4de4-8968-e035b65339cf' },
        { displayName: 'User Administrator', templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1' },
        { displayName: 'Global Administrator', templateId: '62e90394-69f5-4237-9190-012177145e10' },
      ]),
    );
  });

  it('filters by displayName, templateId and id', async () => {
    const byName = asCollection(await t.graph("/roleManagement/directory/roleDefinitions?$filter=displayName eq 'Guest Inviter'"));
    expect(byName.value).toHaveLength(1);
    expect(byName.value[0]).toMatchObject({ id: ROLE_TEMPLATE_IDS.guestInviter, isBuiltIn: true, isEnabled: true });
    const byTemplate = asCollection(
      await t.graph(`/roleManagement/directory/roleDefinitions?$filter=templateId eq '${ROLE_TEMPLATE_IDS.reportsReader}'&$select=displayName`),
    );
    expect(names(byTemplate)).toEqual(['Reports Reader']);
    const one = await t.graph(`/roleManagement/directory/roleDefinitions/${ROLE_TEMPLATE_IDS.userAdministrator}?$select=displayName`);
    expect(asEntity(one).displayName).toBe('User Administrator');
  });
});

describe('POST /roleManagement/directory/roleAssignments', () => {
  const t = useSimulator();
  const assign = (body: Record<string, unknown>) => t.graph('/roleManagement/directory/roleAssignments', { method: 'POST', json: body });

  it('answers 201 with an opaque (non-GUID) id', async () => {
    const res = await assign({
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      principalId: DEMO_USER_IDS.meganBowen,
      roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter,
      directoryScopeId: '/',
    });
    expect(res.status).toBe(201);
    const body = asEntity(res);
    expect(body).toMatchObject({
      '@odata.context': `${t.sim.url}/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity`,
      roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter,
      principalId: DEMO_USER_IDS.meganBowen,
      directoryScopeId: '/',
    });
    expect(String(body.id)).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(String(body.id)).toMatch(/^[A-Za-z0-9_-]+-1$/);
    const listed = asCollection(await t.graph(`/roleManagement/directory/roleAssignments?$filter=principalId eq '${DEMO_USER_IDS.meganBowen}'`));
    expect(listed.value.map((a) => a.id)).toEqual([body.id]);
  });

  it('answers 400 Request_BadRequest with the conflict message to a duplicate', async () => {
    const body = { principalId: DEMO_USER_IDS.alexWilber, roleDefinitionId: ROLE_TEMPLATE_IDS.directoryReaders, directoryScopeId: '/' };
    expect((await assign(body)).status).toBe(201);
    const again = await assign(body);
    expect(again.status).toBe(400);
    expect(asError(again)).toMatchObject({ code: 'Request_BadRequest', message: CONFLICT });
  });

  it('treats a seeded assignment as existing', async () => {
    const res = await assign({ principalId: DEMO_USER_IDS.pattiFernandez, roleDefinitionId: ROLE_TEMPLATE_IDS.globalAdministrator, directoryScopeId: '/' });
    expect(asError(res).message).toBe(CONFLICT);
  });

  it.each([
    ['no principalId', { roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' }],
    ['no roleDefinitionId', { principalId: DEMO_USER_IDS.alexWilber, directoryScopeId: '/' }],
    ['no scope', { principalId: DEMO_USER_IDS.alexWilber, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter }],
    ['both scopes', { principalId: DEMO_USER_IDS.alexWilber, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/', appScopeId: '/' }],
    ['a malformed principalId', { principalId: 'alex', roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' }],
    [
      'a group that is not role-assignable',
      { principalId: DEMO_GROUP_IDS.contractors, roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter, directoryScopeId: '/' },
    ],
  ])('answers 400 Request_BadRequest to %s', async (_case, body) => {
    const res = await assign(body);
    expect(res.status).toBe(400);
    expect(asError(res).code).toBe('Request_BadRequest');
  });

  it('answers 404 to an unknown role or principal', async () => {
    const unknownRole = await assign({
      principalId: DEMO_USER_IDS.alexWilber,
      roleDefinitionId: '5f0e7b8e-0000-4000-8000-000000000000',
      directoryScopeId: '/',
    });
    expect(unknownRole.status).toBe(404);
    const unknownPrincipal = await assign({
      principalId: '5f0e7b8e-0000-4000-8000-000000000000',
      roleDefinitionId: ROLE_TEMPLATE_IDS.guestInviter,
      directoryScopeId: '/',
    });
    expect(unknownPrincipal.status).toBe(404);
  });

  it('assigns a role to a role-assignable group', async () => {
    const res = await assign({ principalId: DEMO_GROUP_IDS.privilegedHelpdesk, roleDefinitionId: ROLE_TEMPLATE_IDS.userAdministrator, directoryScopeId: '/' });
    expect(res.status).toBe(201);
    expect(t.sim.directory.roleAssignments.some((a) => a.principalId === DEMO_GROUP_IDS.privilegedHelpdesk)).toBe(true);
  });
});
