import { createGraphClient } from '../../../services/directory/graphClient';
import { GraphDirectory } from '../../../services/directory/graphDirectory';
import { checkGraphPermissions, describePermissionReport } from '../../../services/directory/permissionCheck';
import { DEMO_BOT_APP_ID, DEMO_SERVICE_PRINCIPAL_IDS, startSimulator, type RunningSimulator } from '../../../simulator';

describe('checkGraphPermissions', () => {
  let sim: RunningSimulator;
  let directory: GraphDirectory;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, permissions: ['User.Read.All', 'Application.Read.All'] });
    directory = new GraphDirectory(createGraphClient({ baseUrl: sim.url, maxRetries: 0 }), sim.url);
  });

  afterAll(() => sim.close());

  it("counts only Microsoft Graph's permissions among the app's role assignments", async () => {
    const expenses = sim.directory.getServicePrincipal(DEMO_SERVICE_PRINCIPAL_IDS.expenseHub)!;
    const daemonRole = expenses.appRoles.find((r) => r.allowedMemberTypes.includes('Application'))!;
    sim.directory.appRoles.assign({ principalId: DEMO_SERVICE_PRINCIPAL_IDS.guestAccessBot, resourceId: expenses.id, appRoleId: daemonRole.id });
    const report = await checkGraphPermissions(directory, DEMO_BOT_APP_ID);
    expect(report.outcome).toBe('checked');
    expect(report.granted).toEqual(['Application.Read.All', 'User.Read.All']);
    expect(report.capabilities.isOn('guestList')).toBe(true);
    expect(report.capabilities.isOn('invite')).toBe(false);
    expect(report.capabilities.offMessage('invite')).toBe(
      "Inviting guests is turned off: the bot's app lacks User.Invite.All; an admin can grant it in the Microsoft Entra admin center (App registrations › the bot's app › API permissions › Add a permission › Microsoft Graph › Application permissions, then Grant admin consent) and restart the bot.",
    );
  });

  it('reports an unknown app id as unreadable, with every feature on', async () => {
    const report = await checkGraphPermissions(directory, '0f0f0f0f-0000-4000-8000-000000000000');
    expect(report.outcome).toBe('unreadable');
    expect(report.capabilities.off()).toEqual([]);
    expect(describePermissionReport(report)[0]).toContain(
      'Graph knows no service principal for the app 0f0f0f0f-0000-4000-8000-000000000000 (404): check AZURE_CLIENT_ID',
    );
  });

  it('does not check without an app id, and says which setting names it', async () => {
    const report = await checkGraphPermissions(directory, '');
    expect(report.outcome).toBe('skipped');
    expect(describePermissionReport(report)).toEqual([
      'Graph permissions: not checked (no application (client) id to check: set AZURE_CLIENT_ID to the client id of the app or managed identity); every feature is on.',
    ]);
  });
});
