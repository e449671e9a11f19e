import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS, ROLE_TEMPLATE_IDS } from '../../simulator';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { GraphLog, StoreOnDisk, buttonData, buttonTitles } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, invokeError, say } from '../helpers/conversation';
import type { TeamsUser } from '../helpers/teamsActivities';

const JANE = DEMO_GUEST_IDS.janeDoeFabrikam;
const RAVI = DEMO_GUEST_IDS.raviKumarFabrikam;
const DANA = DEMO_GUEST_IDS.danaWhitfieldContoso;
const EXPENSE_SUBMITTER = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';

const ADMIN_CHANNEL = '19:guest-admins@thread.tacv2';

const FORM = {
  displayName: 'Nora Quinn (Fabrikam)',
  email: 'nora.quinn@fabrikam.com',
  message: '',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Joins the Falcon release reviews.',
};

describe('guest administration over HTTP', () => {
  let harness: BotHarness;
  let disk: StoreOnDisk;
  let graph: GraphLog;

  beforeEach(async () => {
    disk = new StoreOnDisk();
    graph = new GraphLog();
    harness = await BotHarness.start({}, { store: disk.store, simulator: { log: graph.log } });
  });

  afterEach(async () => {
    await harness.stop();
    disk.remove();
  });

  /** What the bot posted in the admins' channel (replies go into the thread of the message they answer). */
  const channelPosts = () => harness.connector.recorded.filter((r) => r.kind === 'send' && r.conversationId.startsWith(ADMIN_CHANNEL));

  /** A click on the card the bot posted as message `cardId` (none: a click that names no card). */
  async function click(user: TeamsUser, verb: string, data: Record<string, unknown>, cardId?: string) {
    const activity = harness.activities.cardAction(user, verb, data, cardId);
    return { activity, result: await harness.post(activity) };
  }

  /** Alex asks for a guest, Megan approves, the worker invites; returns the request id. */
  async function inviteThroughTheBot(): Promise<string> {
    await say(harness, people.megan, 'hello');
    const opened = await say(harness, people.alex, `invite ${FORM.email}`);
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
    invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId }));
    await harness.settle();
    return requestId;
  }

  describe('guest <email>', () => {
    it("shows an admin the guest's state, sign-ins, groups, app roles and sponsor, with Resend, Disable and Delete", async () => {
      const reply = await say(harness, people.adele, 'guest Jane.Doe@fabrikam.com');
      expect(reply.text).toContain('Jane Doe (Fabrikam)');
      expect(reply.text).toContain('Invitation: Accepted since');
      expect(reply.text).toContain('Sign-in: Enabled');
      expect(reply.text).toContain('Created: 2025-03-10 09:05 UTC');
      expect(reply.text).toContain('Last sign-in: 2026-10-02 13:20 UTC');
      expect(reply.text).toMatch(/Groups: .*Project Falcon/);
      expect(reply.text).toMatch(/Groups: .*Fabrikam Collaboration/);
      expect(reply.text).toContain('App roles: Partner Portal: Portal reader');
      expect(reply.text).toContain('Sponsors: Megan Bowen');
      expect(reply.text).toContain('Requested by: Not invited through this bot');
      expect(buttonTitles(reply.card)).toEqual(['Resend invitation', 'Disable sign-in', 'Delete']);
      expect(buttonData(reply.card, VERBS.resendGuest)).toEqual({ guestId: JANE });
      expect(buttonData(reply.card, VERBS.disableGuest, 'Disable now')).toEqual({ guestId: JANE });
      expect(buttonData(reply.card, VERBS.deleteGuest, 'Delete now')).toEqual({ guestId: JANE });
      expect(buttonData(reply.card, VERBS.dryRunDeleteGuest, 'Dry run')).toEqual({ guestId: JANE });
      // Reading the card changed nothing.
      expect(graph.writes()).toEqual([]);
    });

    it('shows an app role the guest holds through a group as such', async () => {
      harness.simulator.directory.appRoles.assign({
        principalId: DEMO_GROUP_IDS.projectFalcon,
        resourceId: DEMO_SERVICE_PRINCIPAL_IDS.expenseHub,
        appRoleId: 'f4d13516-93d1-4864-95c3-c4e7ccd55c80',
      });
      const reply = await say(harness, people.adele, 'guest Jane.Doe@fabrikam.com');
      expect(reply.text).toMatch(/App roles: .*Expense Hub: Submitter \(through the group Project Falcon\)/);
      expect(reply.text).toMatch(/App roles: .*Partner Portal: Portal reader(,|\n|$)/);
    });

    it('names who asked for a guest invited through the bot and who approved', async () => {
      const requestId = await inviteThroughTheBot();
      const reply = await say(harness, people.lynne, `guest ${FORM.email}`);
      expect(reply.text).toMatch(new RegExp(`Requested by: Alex Wilber on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC \\(${requestId}\\)`));
      expect(reply.text).toMatch(/Approved by: Megan Bowen on \d{4}-\d{2}-\d{2}/);
      expect(reply.text).toContain('Invitation: Pending (invitation not redeemed)');
      expect(reply.text).toContain('Last sign-in: None recorded (never signed in, or not since April 2020)');
      expect(reply.text).toContain('Project Falcon');
    });

    it('says why the last sign-in is unknown in a tenant without an Entra ID P1 licence', async () => {
      harness.simulator.directory.premium = false;
      const reply = await say(harness, people.adele, 'guest jane.doe@fabrikam.com');
      expect(reply.text).toContain('Last sign-in: Unknown: needs a Microsoft Entra ID P1 licence, which this tenant does not have');
      expect(reply.text).toContain('Sponsors: Megan Bowen');
    });

    it('tells apart an unknown address, an employee and a typo', async () => {
      expect((await say(harness, people.adele, 'guest nobody@nowhere.example')).text).toContain('There is no guest with the address nobody@nowhere.example');
      expect((await say(harness, people.adele, 'guest meganb@example.com')).text).toContain('belongs to someone in your organisation, not to a guest');
      expect((await say(harness, people.adele, 'guest jane')).text).toContain("Type the guest's e-mail address");
    });

    it('shows a requester the guest their own completed request invited, without the buttons and without reading sign-in activity', async () => {
      const requestId = await inviteThroughTheBot();
      graph.clear();
      const view = await say(harness, people.alex, `guest ${FORM.email}`);
      expect(view.text).toContain('Nora Quinn (Fabrikam)');
      expect(view.text).toContain('Project Falcon');
      expect(view.text).toContain(`(${requestId})`);
      expect(view.text).toContain('You asked for this guest and your request invited them.');
      expect(view.text).not.toContain('Last sign-in');
      expect(buttonTitles(view.card)).toEqual([]);
      expect(graph.lines.filter((l) => /signInActivity/i.test(l))).toEqual([]);
      // Someone else who did not ask still sees nothing.
      expect((await say(harness, people.isaiah, `guest ${FORM.email}`)).text).toContain('Not allowed');
    });

    it("does not open a guest's card to someone who filed a request for them and cancelled it", async () => {
      const opened = await say(harness, people.isaiah, 'request app ravi.kumar@fabrikam.com');
      const appForm = {
        guestId: RAVI,
        email: '',
        displayName: '',
        message: '',
        appRole: `${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}|${EXPENSE_SUBMITTER}`,
        justification: 'Wants to see this guest.',
      };
      const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.isaiah, VERBS.submitAppAccess, appForm, opened.activityId))));
      const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
      expect(cardText(invokeCard(await harness.post(harness.activities.cardAction(people.isaiah, VERBS.cancel, { requestId }, opened.activityId))))).toContain(
        'Cancelled',
      );
      const reply = await say(harness, people.isaiah, 'guest ravi.kumar@fabrikam.com');
      expect(reply.text).toContain('Not allowed');
      expect(reply.text).not.toContain('Ravi Kumar');
    });

    it('does not open the card of a guest whom the completed request found already in the directory instead of inviting', async () => {
      await say(harness, people.megan, 'hello');
      const opened = await say(harness, people.alex, `invite ${FORM.email}`);
      const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
      const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
      await harness.app.worker.stop();
      invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId }));
      // Someone invites the address directly in Entra before the bot's worker gets to it.
      harness.simulator.directory.invite({ invitedUserEmailAddress: FORM.email, inviteRedirectUrl: 'https://myapps.microsoft.com' });
      harness.app.worker.start();
      await harness.settle();
      expect((await harness.app.store.getRequest(requestId))?.state).toBe('completed');
      expect((await harness.app.store.getSteps(requestId)).find((s) => s.key === 'invite')?.output.existing).toBe('true');

      expect((await say(harness, people.alex, `guest ${FORM.email}`)).text).toContain('Not allowed');
    });

    it('refuses someone who is not an admin and audits it', async () => {
      const message = harness.activities.message(people.alex, 'guest jane.doe@fabrikam.com');
      await harness.post(message);
      const reply = (await say(harness, people.alex, 'guest jane.doe@fabrikam.com')).text;
      expect(reply).toContain('Not allowed');
      expect(reply).not.toContain('Project Falcon');
      expect(disk.audit()[0]).toEqual({
        request_id: null,
        actor: people.alex.aadObjectId,
        action: 'admin_command_refused',
        source: message.id,
        detail: { command: 'guest', why: 'not_admin' },
      });
    });
  });

  describe('resend <email>', () => {
    it('sends a guest who has not redeemed a new invitation and shows the new redeem link', async () => {
      const message = harness.activities.message(people.lynne, 'resend ravi.kumar@fabrikam.com');
      await harness.post(message);
      const text = cardText(lastCard(people.lynne));
      expect(text).toContain('New invitation sent to Ravi Kumar (Fabrikam)');
      expect(text).toContain('had not redeemed their invitation yet');
      const invitation = harness.simulator.directory.invitations.at(-1)!;
      expect(invitation).toMatchObject({
        email: 'ravi.kumar@fabrikam.com',
        userId: RAVI,
        resetRedemption: false,
        sendInvitationMessage: true,
        createdUser: false,
      });
      expect(text).toContain(invitation.inviteRedeemUrl.replace(/_/g, '\\_'));
      const open = allActions(lastCard(people.lynne)).find((a) => a.type === 'Action.OpenUrl');
      expect(open?.type === 'Action.OpenUrl' ? open.url : '').toBe(invitation.inviteRedeemUrl);
      expect(disk.audit().at(-1)).toEqual({
        request_id: null,
        actor: people.lynne.aadObjectId,
        action: 'guest_reinvited',
        source: message.id,
        detail: { guestId: RAVI, resetRedemption: false },
      });
    });

    it('resets the redemption of a guest who had redeemed, keeping the same user', async () => {
      const text = (await say(harness, people.adele, 'resend dana.whitfield@contoso.com')).text;
      expect(text).toContain('their redemption was reset');
      expect(harness.simulator.directory.invitations.at(-1)).toMatchObject({ userId: DANA, resetRedemption: true });
      expect(harness.simulator.directory.getUser(DANA)?.externalUserState).toBe('PendingAcceptance');
    });

    it('works from the Resend invitation button on the guest card: answers at once, then shows the new redeem link on that card', async () => {
      const guest = await say(harness, people.adele, 'guest ravi.kumar@fabrikam.com');
      const { activity, result } = await click(people.adele, VERBS.resendGuest, { guestId: RAVI }, guest.activityId);
      expect(cardText(invokeCard(result))).toContain('Sending a new invitation…');
      expect(cardText(invokeCard(result))).toContain('You will see the result here');
      // Nothing was sent inside the click.
      expect(harness.simulator.directory.invitations).toEqual([]);

      await harness.settle();
      const updated = resultOn(people.adele, guest.activityId);
      expect(updated).toContain('New invitation sent to Ravi Kumar (Fabrikam)');
      const invitation = harness.simulator.directory.invitations.at(-1)!;
      expect(updated).toContain(invitation.inviteRedeemUrl.replace(/_/g, '\\_'));
      expect(guest.text).toContain('Pending (invitation not redeemed)');
      expect(harness.simulator.directory.invitations.filter((i) => i.userId === RAVI)).toHaveLength(1);
      expect(disk.audit().map((r) => [r.action, r.source])).toEqual([
        ['guest_resend_queued', activity.id],
        ['guest_reinvited', activity.id],
      ]);
    });

    it('refuses someone who is not an admin, and sends nothing', async () => {
      expect((await say(harness, people.isaiah, 'resend ravi.kumar@fabrikam.com')).text).toContain('Not allowed');
      // An admin's guest card in a channel: everyone there can click its button.
      await harness.post(harness.activities.channelMessage(people.adele, 'guest ravi.kumar@fabrikam.com', ADMIN_CHANNEL));
      const card = channelPosts()[0];
      const clicked = await harness.post(
        harness.activities.channelCardAction(people.isaiah, VERBS.resendGuest, { guestId: RAVI }, card.activityId, ADMIN_CHANNEL),
      );
      expect(invokeError(clicked).statusCode).toBe(403);
      expect(harness.simulator.directory.invitations).toEqual([]);
      expect(disk.audit().map((r) => r.detail?.command)).toEqual(['resend', 'resend']);
    });

    it('shows a new redeem link only in a 1:1 chat, never in a channel', async () => {
      await harness.post(harness.activities.channelMessage(people.lynne, 'resend ravi.kumar@fabrikam.com', ADMIN_CHANNEL));
      await harness.post(harness.activities.channelMessage(people.lynne, 'guest ravi.kumar@fabrikam.com', ADMIN_CHANNEL));
      const card = channelPosts().at(-1)!;
      const clicked = await harness.post(
        harness.activities.channelCardAction(people.lynne, VERBS.resendGuest, { guestId: RAVI }, card.activityId, ADMIN_CHANNEL),
      );
      expect(invokeError(clicked)).toMatchObject({ statusCode: 400, message: expect.stringContaining('type "resend <email>" in a 1:1 chat with me') });
      expect(JSON.stringify(channelPosts()[0])).toContain('redeem link, which is a secret');
      expect(harness.simulator.directory.invitations).toEqual([]);
    });
  });

  describe('revoke <email>', () => {
    it('shows what disabling and deleting would do and changes nothing until confirmed', async () => {
      const reply = await say(harness, people.lynne, 'revoke jane.doe@fabrikam.com');
      expect(reply.text).toContain('Revoke access: Jane Doe (Fabrikam)');
      expect(reply.text).toContain('Nothing changes until you open an option below and confirm it.');
      expect(reply.text).toContain('Disable sign-in:** Jane Doe (Fabrikam) can no longer sign in, from now on.');
      expect(reply.text).toMatch(/restore the guest, with their groups, from Deleted users in Microsoft Entra for 30 days \(until \d{4}-\d{2}-\d{2}\)/);
      expect(reply.text).toContain(`Request: PATCH ${harness.simulator.url}/v1.0/users/${JANE}`);
      expect(reply.text).toContain('Body: {"accountEnabled":false}');
      expect(reply.text).toContain(`Request: DELETE ${harness.simulator.url}/v1.0/users/${JANE}`);
      expect(buttonTitles(reply.card)).toEqual(['Disable sign-in', 'Delete']);
      expect(graph.writes()).toEqual([]);
      expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(true);
    });

    it('disables sign-in only when "Disable now" is pressed: answers at once, the worker disables, the card reports it, and it is audited', async () => {
      const revoke = await say(harness, people.lynne, 'revoke jane.doe@fabrikam.com');
      const { activity, result } = await click(people.lynne, VERBS.disableGuest, { guestId: JANE }, revoke.activityId);
      expect(cardText(invokeCard(result))).toContain('Disabling sign-in…');
      expect(graph.writes()).toEqual([]);
      expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(true);

      await harness.settle();
      const text = resultOn(people.lynne, revoke.activityId);
      expect(text).toContain('Sign-in disabled: Jane Doe (Fabrikam)');
      expect(text).toContain(`Request: PATCH ${harness.simulator.url}/v1.0/users/${JANE}`);
      expect(graph.writes()).toEqual([`PATCH /v1.0/users/${JANE} -> 204`]);
      expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(false);
      expect(disk.audit().at(-1)).toEqual({
        request_id: null,
        actor: people.lynne.aadObjectId,
        action: 'guest_disabled',
        source: activity.id,
        detail: { guestId: JANE },
      });

      // A second click finds it done and writes nothing.
      expect(cardText(invokeCard((await click(people.lynne, VERBS.disableGuest, { guestId: JANE }, revoke.activityId)).result))).toContain(
        'Disabling sign-in…',
      );
      await harness.settle();
      expect(resultOn(people.lynne, revoke.activityId)).toContain('Already disabled');
      expect(graph.writes()).toHaveLength(1);
    });

    it('deletes (restorable for 30 days) only when "Delete now" is pressed, after the click, and says so on the card', async () => {
      const guest = await say(harness, people.adele, 'guest ravi.kumar@fabrikam.com');
      const { result } = await click(people.adele, VERBS.deleteGuest, { guestId: RAVI }, guest.activityId);
      expect(cardText(invokeCard(result))).toContain('Deleting the guest…');
      expect(harness.simulator.directory.getUser(RAVI)).toBeDefined();

      await harness.settle();
      const text = resultOn(people.adele, guest.activityId);
      expect(text).toContain('Deleted: Ravi Kumar (Fabrikam)');
      expect(text).toMatch(/restore the guest from Deleted users in Microsoft Entra until \d{4}-\d{2}-\d{2}/);
      expect(graph.writes()).toEqual([`DELETE /v1.0/users/${RAVI} -> 204`]);
      expect(harness.simulator.directory.getUser(RAVI)).toBeUndefined();
      expect(harness.simulator.directory.deletedUsers.map((d) => d.user.id)).toEqual([RAVI]);
      expect(disk.audit().at(-1)).toMatchObject({ actor: people.adele.aadObjectId, action: 'guest_deleted', detail: { guestId: RAVI } });

      await click(people.adele, VERBS.deleteGuest, { guestId: RAVI }, guest.activityId);
      await harness.settle();
      expect(resultOn(people.adele, guest.activityId)).toContain('no longer exists');
      expect(graph.writes()).toHaveLength(1);
    });

    it('explains that a guest with a privileged role loses the role before Graph lets the bot delete them', async () => {
      harness.simulator.directory.assignRole({ principalId: DANA, roleDefinitionId: ROLE_TEMPLATE_IDS.userAdministrator, directoryScopeId: '/' });
      const card = await say(harness, people.lynne, 'revoke dana.whitfield@contoso.com');
      expect(card.text).toContain(
        'Dana Whitfield (Contoso) holds the directory role User Administrator. If it is a privileged administrator role, Microsoft Graph refuses to let the bot delete them: remove the role in Microsoft Entra first, or disable their sign-in instead.',
      );
      const { activity, result } = await click(people.lynne, VERBS.deleteGuest, { guestId: DANA }, card.activityId);
      expect(cardText(invokeCard(result))).toContain('Deleting the guest…');
      await harness.settle();
      const message = resultOn(people.lynne, card.activityId);
      expect(message).toContain('Could not finish');
      expect(message).toContain('Microsoft Graph refused to delete Dana Whitfield (Contoso): they hold the directory role User Administrator.');
      expect(message).toContain(
        'Microsoft Graph lets an app delete a user who holds a privileged administrator role only when the app itself holds a higher privileged Entra role (such as Privileged Authentication Administrator); User.DeleteRestore.All or User.ReadWrite.All is not enough.',
      );
      expect(message).toContain(
        "Remove Dana Whitfield (Contoso)'s role in Microsoft Entra (Roles and administrators) first, then delete them, or disable their sign-in instead.",
      );
      expect(message).not.toContain('lacks');
      expect(harness.simulator.directory.getUser(DANA)).toBeDefined();
      expect(disk.audit().at(-1)).toEqual({
        request_id: null,
        actor: people.lynne.aadObjectId,
        action: 'guest_delete_failed',
        source: activity.id,
        detail: { guestId: DANA, status: 403, code: 'Authorization_RequestDenied' },
      });
    });

    it('shows the Graph call of a dry run without making it, and audits the dry run', async () => {
      for (const [verb, method] of [
        [VERBS.dryRunDisableGuest, 'PATCH'],
        [VERBS.dryRunDeleteGuest, 'DELETE'],
      ] as const) {
        const { activity, result } = await click(people.lynne, verb, { guestId: JANE });
        const card = invokeCard(result);
        expect(cardText(card)).toContain('Nothing was changed. This is the Microsoft Graph call the bot would make:');
        expect(cardText(card)).toContain(`Request: ${method} ${harness.simulator.url}/v1.0/users/${JANE}`);
        expect(cardText(card)).toContain('Expected answer: 204 No Content');
        expect(disk.audit().at(-1)).toMatchObject({ actor: people.lynne.aadObjectId, source: activity.id, detail: { guestId: JANE } });
      }
      expect(disk.audit().map((r) => r.action)).toEqual(['guest_disable_dry_run', 'guest_delete_dry_run']);
      expect(graph.writes()).toEqual([]);
      expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(true);
    });

    it("records disabling a guest invited through the bot on that request's timeline", async () => {
      const requestId = await inviteThroughTheBot();
      const nora = harness.simulator.directory.findUsersByEmail(FORM.email)[0];
      const revoke = await say(harness, people.lynne, `revoke ${FORM.email}`);
      await click(people.lynne, VERBS.disableGuest, { guestId: nora.id }, revoke.activityId);
      await harness.settle();
      const timeline = (await say(harness, people.lynne, `audit ${requestId}`)).text;
      expect(timeline).toContain("**Lynne Robbins** disabled the guest's sign-in");
    });

    it("refuses a non-admin, and ids that are not the card's guest or no card at all, changing nothing, and audits each", async () => {
      // Lynne's revoke card in a channel, where Alex (no admin) can click it too.
      await harness.post(harness.activities.channelMessage(people.lynne, 'revoke jane.doe@fabrikam.com', ADMIN_CHANNEL));
      const card = channelPosts()[0];
      const notAdminClick = harness.activities.channelCardAction(people.alex, VERBS.deleteGuest, { guestId: JANE }, card.activityId, ADMIN_CHANNEL);
      expect(invokeError(await harness.post(notAdminClick))).toMatchObject({
        statusCode: 403,
        message: expect.stringContaining('Only members of the guest access admin group'),
      });
      const employeeClick = harness.activities.channelCardAction(
        people.lynne,
        VERBS.disableGuest,
        { guestId: DEMO_USER_IDS.meganBowen },
        card.activityId,
        ADMIN_CHANNEL,
      );
      expect(invokeError(await harness.post(employeeClick))).toMatchObject({
        statusCode: 400,
        message: 'This button belongs to a card of another guest, so nothing was changed.',
      });
      const noCard = await click(people.lynne, VERBS.deleteGuest, { guestId: JANE });
      expect(invokeError(noCard.result)).toMatchObject({ statusCode: 400, message: expect.stringContaining('not on a card I can find') });
      const garbage = await click(people.lynne, VERBS.deleteGuest, { guestId: '../users/someone' }, card.activityId);
      expect(invokeError(garbage.result).statusCode).toBe(400);
      expect(graph.writes()).toEqual([]);
      expect(harness.simulator.directory.getUser(DEMO_USER_IDS.meganBowen)?.accountEnabled).toBe(true);
      expect(harness.simulator.directory.getUser(JANE)).toBeDefined();
      expect(disk.audit()).toEqual([
        {
          request_id: null,
          actor: people.alex.aadObjectId,
          action: 'admin_command_refused',
          source: notAdminClick.id,
          detail: { command: 'delete', why: 'not_admin' },
        },
        {
          request_id: null,
          actor: people.lynne.aadObjectId,
          action: 'card_click_refused',
          source: employeeClick.id,
          detail: { verb: VERBS.disableGuest, why: 'otherSubject' },
        },
        {
          request_id: null,
          actor: people.lynne.aadObjectId,
          action: 'card_click_refused',
          source: noCard.activity.id,
          detail: { verb: VERBS.deleteGuest, why: 'untied' },
        },
        {
          request_id: null,
          actor: people.lynne.aadObjectId,
          action: 'card_click_refused',
          source: garbage.activity.id,
          detail: { verb: VERBS.deleteGuest, why: 'untied' },
        },
      ]);
    });

    it('refuses someone who is not an admin before showing anything', async () => {
      const reply = await say(harness, people.isaiah, 'revoke jane.doe@fabrikam.com');
      expect(reply.text).toContain('Not allowed');
      expect(buttonTitles(reply.card)).toEqual([]);
    });
  });

  describe('pending and audit', () => {
    it('lists every waiting request for an admin, with its age and approvers; approvers keep their own list', async () => {
      await say(harness, people.megan, 'hello');
      const opened = await say(harness, people.alex, `invite ${FORM.email}`);
      const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
      const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];

      const admin = (await say(harness, people.lynne, 'pending')).text;
      expect(admin).toContain('Waiting for approval: all requests');
      expect(admin).toContain(`**${requestId}** · ${FORM.email} · asked by Alex Wilber`);
      expect(admin).toMatch(/waiting \d+ minutes? · approvers: /);
      for (const approver of ['Megan Bowen', 'Adele Vance', 'Diego Siciliani']) expect(admin).toContain(approver);
      expect(admin).toContain("card sent to approvers' chats");

      const approver = (await say(harness, people.megan, 'pending')).text;
      expect(approver).not.toContain('all requests');
      expect(approver).toContain(requestId);
      expect((await say(harness, people.alex, 'pending')).text).toContain('Only for approvers');
    });

    it("shows an admin a request's full timeline, and refuses others", async () => {
      const requestId = await inviteThroughTheBot();
      const timeline = (await say(harness, people.adele, `audit ${requestId.toLowerCase()}`)).text;
      expect(timeline).toContain(`Timeline of ${requestId}`);
      const order = [
        '**Alex Wilber** asked for the guest',
        '**Guest Access bot** sent the approval card',
        '**Megan Bowen** approved',
        '**Guest Access bot** invited the guest',
      ];
      const positions = order.map((line) => timeline.indexOf(line));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);

      expect((await say(harness, people.alex, `audit ${requestId}`)).text).toContain('Not allowed');
      expect((await say(harness, people.adele, 'audit GA-ZZZZZZ')).text).toContain('There is no request GA-ZZZZZZ.');
      expect((await say(harness, people.adele, 'audit everything')).text).toContain('Type the request id after "audit"');
    });
  });

  describe('in a channel where the bot is @mentioned', () => {
    const CHANNEL = ADMIN_CHANNEL;
    const channelCardTexts = () =>
      harness.connector.recorded
        .filter((r) => r.conversationId.startsWith(CHANNEL))
        .flatMap((r) => harness.connector.cards([r]))
        .map((content) => {
          parseCardStrict(content);
          return cardText(content as AdaptiveCard);
        });

    it.each([
      ['guest jane.doe@fabrikam.com', 'Sponsors: Megan Bowen'],
      ['resend ravi.kumar@fabrikam.com', 'type "resend \\<email\\>" in a 1:1 chat with me'],
      ['revoke jane.doe@fabrikam.com', 'Nothing changes until you open an option below and confirm it.'],
      ['pending', 'Waiting for approval: all requests'],
      ['audit GA-ZZZZZZ', 'There is no request GA-ZZZZZZ.'],
    ])('answers an admin typing "%s", and tells anyone else they are not allowed', async (command, expected) => {
      expect((await harness.post(harness.activities.channelMessage(people.lynne, command, CHANNEL))).status).toBe(200);
      expect(channelCardTexts().at(-1)).toContain(expected);
      expect((await harness.post(harness.activities.channelMessage(people.alex, command, CHANNEL))).status).toBe(200);
      expect(channelCardTexts().at(-1)).toMatch(/Not allowed|Only for approvers/);
    });
  });

  it('lists the admin commands in help', async () => {
    const help = (await say(harness, people.alex, 'help')).text;
    for (const usage of ['guests [filter…]', 'guest <email>', 'resend <email>', 'revoke <email>', 'audit <request id>']) {
      expect(help).toContain(`${usage.replace(/[<>[\]]/g, (c) => `\\${c}`)}: `);
    }
    expect(help).toMatch(/revoke.*\(admins\)/);
  });

  /** The text of the latest update of the card the bot posted as `activityId` in the user's 1:1 chat. */
  function resultOn(user: TeamsUser, activityId: string): string {
    const updates = cardsFor(harness, user, 'update').filter((c) => c.activityId === activityId);
    if (updates.length === 0) throw new Error(`the card ${activityId} was never updated`);
    return updates.at(-1)!.text;
  }

  /** The last card a user received, checked to parse without warnings. */
  function lastCard(user: TeamsUser): AdaptiveCard {
    return cardsFor(harness, user).at(-1)!.card;
  }
});

describe('guest administration when Graph fails for a while', () => {
  let harness: BotHarness;
  let graph: GraphLog;

  beforeEach(async () => {
    graph = new GraphLog();
    harness = await BotHarness.start({ WORKER_BACKOFF_BASE_MS: '1', WORKER_MAX_ATTEMPTS: '2' }, { simulator: { log: graph.log } });
  });

  afterEach(() => harness.stop());

  /** Runs the worker and the outbox until the card the bot posted as `activityId` was updated. */
  async function resultOn(user: TeamsUser, activityId: string): Promise<string> {
    for (let i = 0; i < 50; i += 1) {
      await harness.settle();
      const updates = cardsFor(harness, user, 'update').filter((c) => c.activityId === activityId);
      if (updates.length > 0) return updates.at(-1)!.text;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the card ${activityId} was never updated`);
  }

  it('retries a disable Graph could not take, and the card shows the result once it went through', async () => {
    harness.simulator.injectFault({ status: 503, method: 'PATCH', path: '/users' });
    const revoke = await say(harness, people.lynne, 'revoke jane.doe@fabrikam.com');
    await harness.post(harness.activities.cardAction(people.lynne, VERBS.disableGuest, { guestId: JANE }, revoke.activityId));
    expect(await resultOn(people.lynne, revoke.activityId)).toContain('Sign-in disabled: Jane Doe (Fabrikam)');
    expect(graph.writes()).toEqual([`PATCH /v1.0/users/${JANE} -> 503`, `PATCH /v1.0/users/${JANE} -> 204`]);
    expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(false);
  });

  it("gives up after the attempts allowed and shows the failure with Graph's reason on the card", async () => {
    harness.simulator.injectFault({ status: 503, method: 'PATCH', path: '/users', times: 5 });
    const revoke = await say(harness, people.lynne, 'revoke jane.doe@fabrikam.com');
    await harness.post(harness.activities.cardAction(people.lynne, VERBS.disableGuest, { guestId: JANE }, revoke.activityId));
    const text = await resultOn(people.lynne, revoke.activityId);
    expect(text).toContain('Could not finish');
    expect(text).toContain('Gave up after 2 attempts.');
    expect(graph.writes()).toEqual([`PATCH /v1.0/users/${JANE} -> 503`, `PATCH /v1.0/users/${JANE} -> 503`]);
    expect(harness.simulator.directory.getUser(JANE)?.accountEnabled).toBe(true);
  });
});
