import { DEMO_SERVICE_PRINCIPAL_IDS } from '../../simulator';
import { EVENTUAL, asCollection, asEntity, asError, ids, names, useSimulator } from './helpers';

describe('GET /servicePrincipals', () => {
  const t = useSimulator();

  it('lists the seeded enterprise apps with their app roles', async () => {
    const body = asCollection(await t.graph('/servicePrincipals?$select=displayName,appRoles,appRoleAssignmentRequired'));
    const expenses = body.value.find((sp) => sp.displayName === 'Expense Hub');
    expect(expenses?.appRoleAssignmentRequired).toBe(true);
    expect(expenses?.appRoles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ value: 'Expenses.Submitter', allowedMemberTypes: ['User'], isEnabled: true }),
        expect.objectContaining({ value: 'Expenses.ReadWrite.All', allowedMemberTypes: ['Application'] }),
      ]),
    );
  });

  it('filters by displayName eq, startswith and appId eq', async () => {
    const byName = asCollection(await t.graph("/servicePrincipals?$filter=displayName eq 'partner portal'&$select=id"));
    expect(ids(byName)).toEqual([DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal]);
    const starts = asCollection(await t.graph("/servicePrincipals?$filter=startswith(displayName,'Fab')&$select=displayName"));
    expect(names(starts)).toEqual(['Fabrikam Project Tracker']);
    const sp = t.sim.directory.getServicePrincipal(DEMO_SERVICE_PRINCIPAL_IDS.expenseHub);
    const byAppId = asCollection(await t.graph(`/servicePrincipals?$filter=appId eq '${sp?.appId}'&$select=id`));
    expect(ids(byAppId)).toEqual([DEMO_SERVICE_PRINCIPAL_IDS.expenseHub]);
  });

  it('gets one by object id and by the appId alternate key', async () => {
    const byId = asEntity(await t.graph(`/servicePrincipals/${DEMO_SERVICE_PRINCIPAL_IDS.fabrikamProjectTracker}?$select=publisherName,appRoles`));
    expect(byId).toMatchObject({ publisherName: 'Fabrikam', appRoles: [] });
    const sp = t.sim.directory.getServicePrincipal(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal);
    const byAppId = await t.graph(`/servicePrincipals(appId='${sp?.appId}')?$select=id`);
    expect(asEntity(byAppId).id).toBe(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal);
    expect((await t.graph('/servicePrincipals/5f0e7b8e-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('needs ConsistencyLevel for $search', async () => {
    const refused = await t.graph('/servicePrincipals?$search="displayName:expense"');
    expect(asError(refused).code).toBe('Request_UnsupportedQuery');
    const found = asCollection(await t.graph('/servicePrincipals?$search="displayName:expense"&$select=id', { headers: EVENTUAL }));
    expect(ids(found)).toEqual([DEMO_SERVICE_PRINCIPAL_IDS.expenseHub]);
  });
});
