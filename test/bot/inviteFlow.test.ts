import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { allActions, allInputs, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, invokeError, lastCardText, say } from '../helpers/conversation';

const FORM = {
  displayName: 'Jane New (Fabrikam)',
  email: 'jane.new@fabrikam.com',
  message: 'Welcome to Project Falcon!',
  groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}`,
  directoryRoleId: 'none',
  justification: 'Fabrikam engineers co-develop the Falcon release with us.',
};

describe('guest invitation over HTTP', () => {
  let harness: BotHarness;

  beforeEach(async () => {
    harness = await BotHarness.start();
  });

  afterEach(async () => {
    await harness.stop();
  });

  /** Alex files a request after Megan (an approver) has talked to the bot; returns the request id. */
  async function fileRequest(form: Record<string, string> = FORM): Promise<{ requestId: string; formId: string }> {
    await say(harness, people.megan, 'hello');
    const opened = await say(harness, people.alex, `invite ${form.email}`);
    const submitted = await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId));
    const status = cardText(invokeCard(submitted));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)?.[0];
    if (!requestId) throw new Error(`No request id on the status card:\n${status}`);
    return { requestId, formId: opened.activityId };
  }

  it('goes from "invite" to an invited guest in the directory, with groups joined', async () => {
    await say(harness, people.megan, 'hello');
    const form = await say(harness, people.alex, 'invite jane.new@fabrikam.com');
    expect(allInputs(form.card).find((i) => i.id === 'email')?.value).toBe('jane.new@fabrikam.com');

    const submitted = invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, form.activityId)));
    const statusText = cardText(submitted);
    expect(statusText).toContain('Waiting for approval');
    const requestId = /GA-[0-9A-Z]{6}/.exec(statusText)![0];

    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    expect(approval.text).toContain('Alex Wilber');
    expect(approval.text).toContain('jane.new@fabrikam.com');
    expect(approval.text).toContain('Fabrikam engineers co-develop');
    expect(approval.text).toContain('Project Falcon');
    expect(approval.text).toMatch(/2 guests from fabrikam\.com/);
    const approve = allActions(approval.card).find((a) => a.type === 'Action.Execute' && a.verb === VERBS.approve);
    expect(approve && approve.type === 'Action.Execute' ? approve.data : undefined).toEqual({ requestId });

    const decided = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId))));
    expect(decided).toMatch(/Approved by Megan Bowen on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

    // Nothing was written to the directory inside the click.
    expect(harness.simulator.directory.findUsersByEmail('jane.new@fabrikam.com')).toHaveLength(0);
    await harness.settle();

    const [guest] = harness.simulator.directory.findUsersByEmail('jane.new@fabrikam.com');
    expect(guest).toMatchObject({ userType: 'Guest', displayName: 'Jane New (Fabrikam)' });
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id)).toBe(true);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.contractors, guest.id)).toBe(true);
    const invitations = harness.simulator.directory.invitations.filter((i) => i.email === 'jane.new@fabrikam.com');
    expect(invitations).toHaveLength(1);
    expect(invitations[0]).toMatchObject({
      sendInvitationMessage: true,
      redirectUrl: 'https://myapps.microsoft.com',
      messageBody: 'Welcome to Project Falcon!',
    });

    const alexCards = cardsFor(harness, people.alex);
    expect(alexCards.some((c) => c.text.includes('Megan Bowen approved your request'))).toBe(true);
    const outcome = alexCards[alexCards.length - 1];
    expect(outcome.text).toContain('Guest invited');
    const redeem = allActions(outcome.card).find((a) => a.type === 'Action.OpenUrl');
    expect(redeem && redeem.type === 'Action.OpenUrl' ? redeem.url : '').toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem/);

    // The requester's form turned status card and the approver's card were updated in place.
    const updates = harness.connector.recorded.filter((r) => r.kind === 'update');
    expect(updates.some((u) => u.activityId === form.activityId && JSON.stringify(u.activity).includes('Guest invited'))).toBe(true);
    expect(updates.some((u) => u.activityId === approval.activityId && JSON.stringify(u.activity).includes('Guest invited'))).toBe(true);

    expect(lastCardText(harness, people.alex)).not.toContain('Cancel request');
    const mine = await say(harness, people.alex, 'my requests');
    expect(mine.text).toContain(requestId);
    expect(mine.text).toContain('Guest invited');
  });

  describe('a guest someone invited outside the request meanwhile', () => {
    /** Files Alex's (or another requester's) request, lets someone invite the address directly, then approves and executes. */
    async function executeAfterOutsideInvitation(requester = people.alex): Promise<string> {
      await say(harness, people.megan, 'hello');
      const opened = await say(harness, requester, `invite ${FORM.email}`);
      const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(requester, VERBS.submitInvite, FORM, opened.activityId))));
      const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
      harness.simulator.directory.invite({ invitedUserEmailAddress: FORM.email, inviteRedirectUrl: 'https://myapps.microsoft.com' });
      invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId }));
      await harness.settle();
      return requestId;
    }

    it('sends no second invitation and tells an employee that the guest has not accepted and which admins can resend', async () => {
      const requestId = await executeAfterOutsideInvitation();
      expect(harness.simulator.directory.invitations).toHaveLength(1);
      const [guest] = harness.simulator.directory.findUsersByEmail(FORM.email);
      expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id)).toBe(true);

      const alexCards = cardsFor(harness, people.alex);
      const outcome = alexCards[alexCards.length - 1];
      expect(outcome.text).toContain(requestId);
      expect(outcome.text).toContain(
        'jane.new@fabrikam.com was already a guest in your directory, invited before this request, so no new invitation was sent.',
      );
      expect(outcome.text).toContain('They have not accepted their invitation yet');
      expect(outcome.text).toMatch(
        /ask an admin of this bot \(.*Adele Vance.*\) to send a new one: only admins can, by typing "resend jane\.new@fabrikam\.com"/,
      );
      expect(outcome.text).not.toContain('Guest invited');
      expect(allActions(outcome.card).filter((a) => a.type === 'Action.OpenUrl')).toEqual([]);
    });

    it('tells a requester who is an admin to type resend themself', async () => {
      await executeAfterOutsideInvitation(people.lynne);
      const lynneCards = cardsFor(harness, people.lynne);
      expect(lynneCards[lynneCards.length - 1].text).toContain(
        'If they never received the invitation or lost it, type "resend jane.new@fabrikam.com" to send them a new one.',
      );
    });
  });

  it('ends the deny path with the reason shown to the requester', async () => {
    const { requestId } = await fileRequest();
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;

    const noReason = cardText(
      invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.deny, { requestId, reason: ' ' }, approval.activityId))),
    );
    expect(noReason).toContain('Give a reason for denying');

    const denied = cardText(
      invokeCard(
        await harness.post(
          harness.activities.cardAction(people.megan, VERBS.deny, { requestId, reason: 'Use the partner portal instead.' }, approval.activityId),
        ),
      ),
    );
    expect(denied).toContain('Denied by Megan Bowen');
    expect(denied).toContain('Use the partner portal instead.');
    await harness.settle();

    expect(lastCardText(harness, people.alex)).toContain('Use the partner portal instead.');
    expect(harness.simulator.directory.findUsersByEmail(FORM.email)).toHaveLength(0);
    expect(harness.simulator.directory.invitations).toHaveLength(0);
  });

  it('tells a second approver who decided first, and changes nothing', async () => {
    await say(harness, people.adele, 'hello');
    const { requestId } = await fileRequest();
    await clickOnCard(harness, people.megan, VERBS.approve, { requestId });
    const second = cardText(invokeCard(await clickOnCard(harness, people.adele, VERBS.deny, { requestId, reason: 'No' })));
    expect(second).toContain('already approved by Megan Bowen');
    const again = cardText(invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId })));
    expect(again).toContain('already approved by Megan Bowen');
    await harness.settle();
    expect(harness.simulator.directory.invitations).toHaveLength(1);
    const audit = await harness.app.store.listAudit(requestId);
    expect(audit.filter((a) => a.action === 'request_approved')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'request_denied')).toHaveLength(0);
  });

  it('lets the requester cancel while the request waits', async () => {
    const { requestId, formId } = await fileRequest();
    const cancelled = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.cancel, { requestId }, formId))));
    expect(cancelled).toContain('Cancelled');
    const late = cardText(invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId })));
    expect(late).toContain('already cancelled');
  });

  it('lists pending requests for approvers only', async () => {
    const { requestId } = await fileRequest();
    expect((await say(harness, people.megan, 'pending')).text).toContain(requestId);
    expect((await say(harness, people.alex, 'pending')).text).toContain('Only for approvers');
  });

  it('tells the requester plainly when no approver can be reached, and keeps the request pending', async () => {
    const form = await say(harness, people.alex, 'invite');
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, form.activityId))));
    expect(status).toContain('No approver could be reached yet');
    expect(status).toContain('Waiting for approval');
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
  });

  it('answers help, and anything else with a short help card', async () => {
    expect((await say(harness, people.alex, 'help')).text).toContain('my requests');
    const unknown = await say(harness, people.alex, 'please add my friend');
    expect(unknown.text).toContain('I did not understand');
    expect(unknown.text).toContain('invite \\[email\\]');
  });

  it('offers group typeahead results from the directory', async () => {
    const result = await harness.post(harness.activities.search(people.alex, 'groups', 'Pro'));
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.search.searchResponse',
      value: { results: [{ title: 'Project Falcon', value: DEMO_GROUP_IDS.projectFalcon }] },
    });
  });

  it('refuses an approval from someone outside the approver group', async () => {
    const { requestId } = await fileRequest();
    // Isaiah clicks the approval card in the approvals channel, where everyone sees it.
    const admin = { aadObjectId: people.lynne.aadObjectId, name: people.lynne.name };
    await harness.post(harness.activities.channelMessage(admin, 'set approvals channel'));
    const { requestId: second } = await fileRequest({ ...FORM, email: 'second.guest@fabrikam.com' });
    const posted = harness.connector.in('19:approvals@thread.tacv2').find((r) => r.kind === 'send' && JSON.stringify(r.activity).includes(second))!;
    const error = invokeError(await harness.post(harness.activities.channelCardAction(people.isaiah, VERBS.approve, { requestId: second }, posted.activityId)));
    expect(error).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect((await harness.app.store.getRequest(second))?.state).toBe('pending');
    // Clicking without any card of the request is refused before anything else is looked at.
    expect(invokeError(await harness.post(harness.activities.cardAction(people.isaiah, VERBS.approve, { requestId })))).toMatchObject({ statusCode: 400 });
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
  });
});
