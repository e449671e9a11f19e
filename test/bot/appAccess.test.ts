import { VERBS } from '../../cards/verbs';
import { SELF_SERVICE_POLICY } from '../../services/requests/requestWorkflow';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { allInputs, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, invokeError, say } from '../helpers/conversation';

const patti = { aadObjectId: DEMO_USER_IDS.pattiFernandez, name: 'Patti Fernandez' }; // owns Expense Hub
const lynne = { aadObjectId: DEMO_USER_IDS.lynneRobbins, name: 'Lynne Robbins' }; // owns Partner Portal (with Adele)
const EXPENSE_HUB = DEMO_SERVICE_PRINCIPAL_IDS.expenseHub;
const SUBMITTER = 'f4d13516-93d1-4864-95c3-c4e7ccd55c80';
const PARTNER_PORTAL = DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal;
const PORTAL_READER = 'ee7f21b6-09b0-4fcc-a52e-726c1f589aeb';
const TRACKER = DEMO_SERVICE_PRINCIPAL_IDS.fabrikamProjectTracker;
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

const CHANNEL = '19:approvals@thread.tacv2';

const appForm = (changes: Record<string, string>) => ({
  guestId: 'new',
  email: '',
  displayName: '',
  message: '',
  appRole: `${EXPENSE_HUB}|${SUBMITTER}`,
  justification: 'Submits expenses for the Falcon project.',
  ...changes,
});

describe('app access for guests', () => {
  let harness: BotHarness;
  afterEach(() => harness.stop());

  async function start(env: Record<string, string> = {}) {
    harness = await BotHarness.start(env);
  }

  async function submitAppRequest(requester: typeof people.alex, form: Record<string, string>, command = 'request app') {
    const opened = await say(harness, requester, command);
    const answer = await harness.post(harness.activities.cardAction(requester, VERBS.submitAppAccess, form, opened.activityId));
    return { opened, card: invokeCard(answer), text: cardText(invokeCard(answer)) };
  }

  function requestIdIn(text: string): string {
    const id = /GA-[0-9A-Z]{6}/.exec(text)?.[0];
    if (!id) throw new Error(`no request id in:\n${text}`);
    return id;
  }

  /** The approval card the bot posted in the approvals channel for the request. */
  function channelPostNaming(requestId: string) {
    const post = harness.connector.recorded.find((r) => r.kind === 'send' && r.conversationId === CHANNEL && JSON.stringify(r.activity).includes(requestId));
    if (!post) throw new Error(`no card for ${requestId} in the approvals channel`);
    return post;
  }

  const holds = (principalId: string, resourceId: string, roleId: string) =>
    harness.simulator.directory.appRoleAssignments.some((a) => a.principalId === principalId && a.resourceId === resourceId && a.appRoleId === roleId);

  it("goes to the app's owner, who approves, and the existing guest gets the chosen role", async () => {
    await start();
    await say(harness, patti, 'hello');
    const opened = await say(harness, people.alex, 'request app ravi.kumar@fabrikam.com');
    expect(allInputs(opened.card).find((i) => i.id === 'guestId')?.value).toBe(DEMO_GUEST_IDS.raviKumarFabrikam);
    const answer = invokeCard(
      await harness.post(
        harness.activities.cardAction(people.alex, VERBS.submitAppAccess, appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam }), opened.activityId),
      ),
    );
    const requestId = requestIdIn(cardText(answer));
    expect(cardText(answer)).toContain('Waiting for approval');

    const approval = cardsFor(harness, patti).find((c) => c.text.includes(requestId))!;
    expect(approval.text).toContain('asks to give guest **ravi.kumar@fabrikam.com** access to **Expense Hub (Example Corp (demo)) as Submitter**');
    expect(cardsFor(harness, people.megan)).toHaveLength(0);

    const decided = cardText(invokeCard(await harness.post(harness.activities.cardAction(patti, VERBS.approve, { requestId }, approval.activityId))));
    expect(decided).toContain('Approved by Patti Fernandez');
    await harness.settle();

    expect(holds(DEMO_GUEST_IDS.raviKumarFabrikam, EXPENSE_HUB, SUBMITTER)).toBe(true);
    expect(harness.simulator.directory.invitations).toHaveLength(0);
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('completed');
    const outcome = cardsFor(harness, people.alex).at(-1)!;
    expect(outcome.text).toContain('Access granted: ravi.kumar@fabrikam.com can use Expense Hub');

    // Ravi was a guest before: asking for his access does not open his guest card to the requester.
    expect((await say(harness, people.alex, 'guest ravi.kumar@fabrikam.com')).text).toContain('Not allowed');
    expect((await say(harness, people.isaiah, 'guest ravi.kumar@fabrikam.com')).text).toContain('Not allowed');
  });

  it("lets the app's owner approve inviting a new guest for their app when APP_OWNERS_MAY_INVITE is on, under one approval", async () => {
    await start({ APP_OWNERS_MAY_INVITE: 'true' });
    await say(harness, lynne, 'hello');
    const opened = await say(harness, people.alex, 'invite');
    const form = {
      guestId: '',
      displayName: 'Nora New',
      email: 'nora.new@fabrikam.com',
      message: '',
      groupIds: '',
      directoryRoleId: 'none',
      appRole: `${PARTNER_PORTAL}|${PORTAL_READER}`,
      justification: 'Reads the partner portal for the supplier audit.',
    };
    const requestId = requestIdIn(
      cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId)))),
    );
    const approval = cardsFor(harness, lynne).find((c) => c.text.includes(requestId))!;
    expect(approval.text).toContain('as a guest with access to **Partner Portal');
    expect(harness.simulator.directory.invitations).toHaveLength(0);
    await harness.post(harness.activities.cardAction(lynne, VERBS.approve, { requestId }, approval.activityId));
    await harness.settle();

    const [nora] = harness.simulator.directory.findUsersByEmail('nora.new@fabrikam.com');
    expect(nora?.userType).toBe('Guest');
    expect(holds(nora.id, PARTNER_PORTAL, PORTAL_READER)).toBe(true);
    expect(harness.simulator.directory.invitations).toHaveLength(1);
    const steps = (await harness.app.store.getSteps(requestId)).map((s) => s.key);
    expect(steps).toEqual(expect.arrayContaining(['invite', `app:${PARTNER_PORTAL}:${PORTAL_READER}`]));
  });

  it("approves an owner's own request by policy when self-service is on, and audits that the policy decided", async () => {
    await start({ APP_OWNERS_SELF_SERVICE: 'true' });
    await say(harness, people.megan, 'hello');
    const { text } = await submitAppRequest(patti, appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam }));
    const requestId = requestIdIn(text);
    expect(text).toContain("Approved by the app owners' self-service policy");
    expect(text).not.toContain('No approver could be reached');
    await harness.settle();
    expect(holds(DEMO_GUEST_IDS.raviKumarFabrikam, EXPENSE_HUB, SUBMITTER)).toBe(true);
    expect(cardsFor(harness, people.megan).filter((c) => c.text.includes(requestId))).toHaveLength(0);
    const approval = (await harness.app.store.listAudit(requestId)).find((a) => a.action === 'request_approved');
    expect(approval).toMatchObject({ actor: SELF_SERVICE_POLICY.aadObjectId, detail: { policy: 'APP_OWNERS_SELF_SERVICE' } });
  });

  it('invites nobody for an app owner asking for a new address with self-service on, until a member of the approver group approves', async () => {
    await start({ APP_OWNERS_SELF_SERVICE: 'true' });
    await say(harness, people.megan, 'hello');
    const { text, opened } = await submitAppRequest(patti, appForm({ email: 'new.partner@fabrikam.com' }));
    const requestId = requestIdIn(text);
    expect(text).toContain('Waiting for approval');
    await harness.settle();
    expect(harness.simulator.directory.findUsersByEmail('new.partner@fabrikam.com')).toHaveLength(0);
    expect(harness.simulator.directory.invitations).toHaveLength(0);
    expect((await harness.app.store.listAudit(requestId)).map((a) => a.actor)).not.toContain(SELF_SERVICE_POLICY.aadObjectId);

    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    expect(approval.text).toContain('This request invites a new guest, which the approver group decides: app owners approve access for existing guests only.');
    expect(invokeError(await harness.post(harness.activities.cardAction(patti, VERBS.approve, { requestId }, opened.activityId))).statusCode).toBe(403);

    expect(cardText(invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId))))).toContain(
      'Approved by Megan Bowen',
    );
    await harness.settle();
    const [guest] = harness.simulator.directory.findUsersByEmail('new.partner@fabrikam.com');
    expect(guest?.userType).toBe('Guest');
    expect(holds(guest.id, EXPENSE_HUB, SUBMITTER)).toBe(true);
    expect(harness.simulator.directory.invitations).toHaveLength(1);
  });

  it("sends a request that would invite a guest to the approvers, not to the app's owners, while owners may not invite", async () => {
    await start();
    await say(harness, patti, 'hello');
    await say(harness, people.megan, 'hello');
    const requestId = requestIdIn((await submitAppRequest(people.alex, appForm({ email: 'another.partner@fabrikam.com' }))).text);
    expect(cardsFor(harness, patti).some((c) => c.text.includes(requestId))).toBe(false);
    expect(cardsFor(harness, people.megan).some((c) => c.text.includes(requestId))).toBe(true);
    expect((await say(harness, patti, 'pending')).text).not.toContain(requestId);
  });

  it("never approves an owner's own request for a new guest by policy, even when owners may invite", async () => {
    await start({ APP_OWNERS_SELF_SERVICE: 'true', APP_OWNERS_MAY_INVITE: 'true' });
    await say(harness, people.megan, 'hello');
    const { text } = await submitAppRequest(patti, appForm({ email: 'own.partner@fabrikam.com' }));
    const requestId = requestIdIn(text);
    expect(text).toContain('Waiting for approval');
    await harness.settle();
    expect(harness.simulator.directory.invitations).toHaveLength(0);
    // Patti is Expense Hub's only owner, so the approvers decide.
    expect(cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))?.text).toContain('Expense Hub has no other owner in the directory');
  });

  it("makes an owner's own request wait for a human when self-service is off, and says why it went to the approvers", async () => {
    await start();
    await say(harness, people.megan, 'hello');
    const { text } = await submitAppRequest(patti, appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam }));
    const requestId = requestIdIn(text);
    expect(text).toContain('Waiting for approval');
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    expect(approval.text).toContain('Expense Hub has no other owner in the directory, so this request came to the approver group.');
    const ownCard = (await harness.app.store.listCardMessages(requestId)).find((c) => c.role === 'requester')!;
    expect(invokeError(await harness.post(harness.activities.cardAction(patti, VERBS.approve, { requestId }, ownCard.activityId))).statusCode).toBe(403);
    await harness.settle();
    expect(holds(DEMO_GUEST_IDS.raviKumarFabrikam, EXPENSE_HUB, SUBMITTER)).toBe(false);
  });

  it('falls back to the approver group for an app without owners, and grants default access for an app without roles', async () => {
    await start();
    await say(harness, people.megan, 'hello');
    const { text } = await submitAppRequest(people.alex, appForm({ guestId: DEMO_GUEST_IDS.janeDoeFabrikam, appRole: `${TRACKER}|${DEFAULT_ACCESS}` }));
    const requestId = requestIdIn(text);
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    expect(approval.text).toContain('Fabrikam Project Tracker has no owner in the directory, so this request came to the approver group.');
    expect(approval.text).toContain('Default access');
    await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId));
    await harness.settle();
    expect(holds(DEMO_GUEST_IDS.janeDoeFabrikam, TRACKER, DEFAULT_ACCESS)).toBe(true);
  });

  it('falls back to the approver group when no owner has a chat with the bot', async () => {
    await start();
    await say(harness, people.megan, 'hello');
    const { text } = await submitAppRequest(people.alex, appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam }));
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestIdIn(text)))!;
    expect(approval.text).toContain('No owner of Expense Hub can be reached in Teams yet, so this request came to the approver group.');
  });

  it('offers only roles people can hold, only enterprise applications, and finds them by name', async () => {
    await start();
    const form = await say(harness, people.alex, 'request app');
    expect(form.text).toContain('Expense Hub (Example Corp (demo)) — Submitter');
    expect(form.text).toContain('Expense Hub (Example Corp (demo)) — Approver');
    expect(form.text).not.toContain('Read and write all expenses');
    expect(form.text).not.toContain('Guest Access Bot');
    const search = await harness.post(harness.activities.search(people.alex, 'appRoles', 'Part'));
    expect(search.body).toMatchObject({
      value: { results: [{ title: 'Partner Portal (Example Corp (demo)) — Portal reader', value: `${PARTNER_PORTAL}|${PORTAL_READER}` }] },
    });
    const guests = await harness.post(harness.activities.search(people.alex, 'guests', 'ravi'));
    expect(guests.body).toMatchObject({
      value: { results: [{ title: 'Ravi Kumar (Fabrikam) (ravi.kumar@fabrikam.com)', value: DEMO_GUEST_IDS.raviKumarFabrikam }] },
    });
  });

  it('says so on the form when the guest already holds the role, instead of filing a request', async () => {
    await start();
    const { text } = await submitAppRequest(people.alex, appForm({ guestId: DEMO_GUEST_IDS.janeDoeFabrikam, appRole: `${PARTNER_PORTAL}|${PORTAL_READER}` }));
    expect(text).toContain('Jane Doe (Fabrikam) already has Portal reader in Partner Portal: there is nothing to request.');
    expect(await harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).toHaveLength(0);
  });

  it('tells the requester on the form when the guest already holds the role through a group', async () => {
    await start();
    // Liam holds nothing in Expense Hub himself; the Contractors group he belongs to holds Submitter.
    harness.simulator.directory.appRoles.assign({ principalId: DEMO_GROUP_IDS.contractors, resourceId: EXPENSE_HUB, appRoleId: SUBMITTER });
    const { text } = await submitAppRequest(people.alex, appForm({ guestId: DEMO_GUEST_IDS.liamOBrienNorthwind }));
    expect(text).toContain('already has Submitter in Expense Hub through the group Contractors: there is nothing to request.');
    expect(await harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).toHaveLength(0);
  });

  it('refuses an application-only role and an app that does not exist', async () => {
    await start();
    const daemon = await submitAppRequest(
      people.alex,
      appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam, appRole: `${EXPENSE_HUB}|3ea8eafa-38f9-489f-94ca-c873c274a99a` }),
    );
    expect(daemon.text).toContain('That role cannot be given to people in Expense Hub');
    const missing = await submitAppRequest(
      people.alex,
      appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam, appRole: `11111111-2222-3333-4444-555555555555|${SUBMITTER}` }),
    );
    expect(missing.text).toContain('That application is no longer available');
  });

  it("treats a typed address of an existing guest as that guest, and refuses a member's address", async () => {
    await start();
    await say(harness, patti, 'hello');
    const typed = await submitAppRequest(people.alex, appForm({ email: 'Ravi.Kumar@fabrikam.com' }));
    expect(typed.text).toContain('ravi.kumar@fabrikam.com (existing guest)');
    const member = await submitAppRequest(people.alex, appForm({ email: 'meganb@example.com' }));
    expect(member.text).toContain('belongs to someone in your organisation');
  });

  it("lets only the app's owners or approvers decide, and owners only when nothing beyond their app is asked", async () => {
    await start();
    await say(harness, patti, 'hello');
    const requestId = requestIdIn((await submitAppRequest(people.alex, appForm({ guestId: DEMO_GUEST_IDS.raviKumarFabrikam }))).text);
    expect((await say(harness, patti, 'pending')).text).toContain(requestId);
    // Someone the card never reached cannot decide it with a click of their own making.
    expect(invokeError(await harness.post(harness.activities.cardAction(people.isaiah, VERBS.approve, { requestId }))).statusCode).toBe(400);

    // With groups asked too, the request is the approvers' alone: on its card in the approvals
    // channel, the app's owner and an admin who approves nothing are refused.
    await harness.post(harness.activities.channelMessage(lynne, 'set approvals channel', CHANNEL));
    const opened = await say(harness, people.alex, 'invite');
    const withGroups = {
      guestId: '',
      displayName: '',
      email: 'grouped@fabrikam.com',
      message: '',
      groupIds: DEMO_GROUP_IDS.projectFalcon,
      directoryRoleId: 'none',
      appRole: `${EXPENSE_HUB}|${SUBMITTER}`,
      justification: 'Falcon project with expenses.',
    };
    const second = requestIdIn(
      cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, withGroups, opened.activityId)))),
    );
    expect(cardsFor(harness, patti).some((c) => c.text.includes(second))).toBe(false);
    const posted = channelPostNaming(second);
    const clickInChannel = (user: typeof people.alex) =>
      harness.post(harness.activities.channelCardAction(user, VERBS.approve, { requestId: second }, posted.activityId, CHANNEL));
    expect(invokeError(await clickInChannel(patti)).statusCode).toBe(403);
    expect(invokeError(await clickInChannel(lynne)).statusCode).toBe(403);
    expect(cardText(invokeCard(await clickInChannel(people.megan)))).toContain('Approved by Megan Bowen');
  });
});
