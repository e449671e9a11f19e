import { VERBS } from '../../cards/verbs';
import { describePermissionReport } from '../../services/directory/permissionCheck';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, ROLE_TEMPLATE_IDS } from '../../simulator';
import { cardText } from '../helpers/adaptiveCards';
import { GraphLog, buttonTitles } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, invokeMessage, say } from '../helpers/conversation';

const JANE = DEMO_GUEST_IDS.janeDoeFabrikam;

/** Every permission the bot asks for. */
const ASKED = [
  'User.Read.All',
  'User.Invite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Application.Read.All',
  'AppRoleAssignment.ReadWrite.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'User.EnableDisableAccount.All',
  'User.DeleteRestore.All',
  'User.ReadWrite.All',
  'AuditLog.Read.All',
  'Directory.Read.All',
];

const without = (...missing: string[]) => ASKED.filter((p) => !missing.includes(p));

describe("the bot's Graph permissions, read at start", () => {
  let harness: BotHarness | undefined;
  let graph: GraphLog;

  beforeEach(() => {
    graph = new GraphLog();
  });

  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  function start(permissions: string[], env: Record<string, string> = {}): Promise<BotHarness> {
    return BotHarness.start(env, { checkPermissions: true, simulator: { permissions, log: graph.log } }).then((h) => (harness = h));
  }

  it('names what is missing and which features are off because of it', async () => {
    const h = await start(without('User.DeleteRestore.All', 'User.ReadWrite.All', 'AuditLog.Read.All'));
    expect(h.permissions.outcome).toBe('checked');
    const report = describePermissionReport(h.permissions).join('\n');
    expect(report).toContain(`Graph permissions of app ${h.config.graphClientId}: missing User.DeleteRestore.All, User.ReadWrite.All, AuditLog.Read.All.`);
    expect(report).toContain('Off: Deleting guests; needs User.DeleteRestore.All.');
    expect(report).toContain('Off: Resending invitations to guests who already redeemed (redemption reset); needs User.ReadWrite.All.');
    expect(report).toContain('Off: Reading sign-in activity (guests stale:N and the last sign-in on the guest card); needs AuditLog.Read.All.');
    expect(report).not.toContain('Off: Inviting guests');
    expect(report).toContain('To turn them on, an admin can grant them in the Microsoft Entra admin center');
  });

  it('says everything is granted when it is', async () => {
    const h = await start(ASKED);
    expect(h.permissions.capabilities.off()).toEqual([]);
    expect(describePermissionReport(h.permissions)).toEqual([
      expect.stringMatching(/: everything the bot needs is granted \(AppRoleAssignment\.ReadWrite\.All, /),
    ]);
  });

  it('answers a turned-off feature with the clear message, and its cards leave the button out', async () => {
    const h = await start(without('User.DeleteRestore.All', 'User.ReadWrite.All'));
    const revoke = await say(h, people.lynne, 'revoke jane.doe@fabrikam.com');
    expect(buttonTitles(revoke.card)).toEqual(['Disable sign-in']);
    expect(revoke.text).toContain(
      "Deleting guests is turned off: the bot's app lacks User.DeleteRestore.All; an admin can grant it in the Microsoft Entra admin center (App registrations › the bot's app › API permissions › Add a permission › Microsoft Graph › Application permissions, then Grant admin consent) and restart the bot.",
    );
    expect(revoke.text).not.toContain('**Delete:**');

    // A Delete button from an older card gets the same answer, and Graph is not asked.
    const clicked = await h.post(h.activities.cardAction(people.lynne, VERBS.deleteGuest, { guestId: JANE }, revoke.activityId));
    expect(invokeMessage(clicked)).toContain("Deleting guests is turned off: the bot's app lacks User.DeleteRestore.All");
    expect(graph.writes()).toEqual([]);
    expect(h.simulator.directory.getUser(JANE)).toBeDefined();

    // Jane redeemed, so resending would reset her redemption, which needs User.ReadWrite.All.
    const card = await say(h, people.lynne, 'guest jane.doe@fabrikam.com');
    expect(buttonTitles(card.card)).toEqual(['Disable sign-in']);
    expect(card.text).toContain(
      "Resending invitations to guests who already redeemed (redemption reset) is turned off: the bot's app lacks User.ReadWrite.All",
    );
    expect((await say(h, people.lynne, 'resend jane.doe@fabrikam.com')).text).toContain('Turned off');
    expect(buttonTitles((await say(h, people.lynne, 'guest ravi.kumar@fabrikam.com')).card)).toEqual(['Resend invitation', 'Disable sign-in']);
    expect(h.simulator.directory.invitations).toEqual([]);
  });

  it('leaves the groups out of the invite form when guests cannot be added to groups, and refuses them on a submitted form', async () => {
    const h = await start(without('GroupMember.ReadWrite.All'));
    const form = await say(h, people.alex, 'invite');
    expect(form.text).not.toContain('Groups to add the guest to');
    expect(form.text).toContain('Business justification');
    const submitted = {
      displayName: 'Nora Quinn (Fabrikam)',
      email: 'nora.quinn@fabrikam.com',
      message: '',
      groupIds: DEMO_GROUP_IDS.projectFalcon,
      directoryRoleId: 'none',
      justification: 'Joins the Falcon release reviews.',
    };
    const back = cardText(invokeCard(await h.post(h.activities.cardAction(people.alex, VERBS.submitInvite, submitted, form.activityId))));
    expect(back).toContain("Adding guests to groups is turned off: the bot's app lacks GroupMember.ReadWrite.All");
    expect(back).toContain('nora.quinn@fabrikam.com');
  });

  it('says the guest card parts it may not read are turned off, without asking Graph for them', async () => {
    const h = await start(without('Directory.Read.All', 'AuditLog.Read.All'));
    graph.clear();
    const card = await say(h, people.adele, 'guest jane.doe@fabrikam.com');
    expect(card.text).toContain("Groups: Could not be read: the bot's app lacks Directory.Read.All, so this is turned off");
    expect(card.text).toContain("Last sign-in: Unknown: the bot's app lacks AuditLog.Read.All, so this is turned off");
    // App roles still come through AppRoleAssignment.ReadWrite.All.
    expect(card.text).toContain('App roles: Partner Portal: Portal reader');
    expect(graph.lines.filter((l) => l.includes('/memberOf') || l.includes('signInActivity'))).toEqual([]);
  });

  it('tells everyone when roles cannot be checked at all', async () => {
    const h = await start(without('GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Directory.Read.All'));
    const reply = await say(h, people.adele, 'guests');
    expect(reply.text).toContain('Turned off');
    expect(reply.text).toContain("Checking who approves and who administers is turned off: the bot's app lacks GroupMember.Read.All");
  });

  it("blames a refused deletion on the guest's privileged role, not on a permission the app holds", async () => {
    const h = await start(without('RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All'));
    h.simulator.directory.assignRole({ principalId: JANE, roleDefinitionId: ROLE_TEMPLATE_IDS.globalAdministrator, directoryScopeId: '/' });
    const revoke = await say(h, people.lynne, 'revoke jane.doe@fabrikam.com');
    const clicked = await h.post(h.activities.cardAction(people.lynne, VERBS.deleteGuest, { guestId: JANE }, revoke.activityId));
    expect(cardText(invokeCard(clicked))).toContain('Deleting the guest…');
    await h.settle();
    // The job's result replaces the clicked card.
    const message =
      cardsFor(h, people.lynne, 'update')
        .filter((c) => c.activityId === revoke.activityId)
        .at(-1)?.text ?? '';
    // Without RoleManagement.Read.Directory the role cannot be named, but the permission is known to be there.
    expect(message).toContain("The bot's app holds the permission to delete users, so Jane Doe (Fabrikam) most likely holds a privileged administrator role.");
    expect(message).toContain('only when the app itself holds a higher privileged Entra role');
    expect(h.simulator.directory.getUser(JANE)).toBeDefined();
  });

  it('starts with every feature on, and says why, when it may not read its own grants', async () => {
    const h = await start(without('Application.Read.All', 'Directory.Read.All'));
    expect(h.permissions.outcome).toBe('unreadable');
    expect(describePermissionReport(h.permissions).join('\n')).toContain(
      'could not be read: Graph refused to show them (403 Authorization_RequestDenied): reading them needs Application.Read.All',
    );
    expect(describePermissionReport(h.permissions).join('\n')).toContain('Every feature is on');
    expect(buttonTitles((await say(h, people.lynne, 'revoke jane.doe@fabrikam.com')).card)).toEqual(['Disable sign-in', 'Delete']);
  });
});
