import { VERBS } from '../../../cards/verbs';
import type { DecisionOutcome } from '../../../bot/tab/decisionRoutes';
import type { RequestView } from '../../../bot/tab/views';
import { DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../../simulator/seed';
import { cardText } from '../../helpers/adaptiveCards';
import { people } from '../../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, say } from '../../helpers/conversation';
import { TabClient } from '../../helpers/tabClient';

const patti = { aadObjectId: DEMO_USER_IDS.pattiFernandez, name: 'Patti Fernandez' }; // owns Expense Hub
const EXPENSE_HUB_SUBMITTER = `${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}|f4d13516-93d1-4864-95c3-c4e7ccd55c80`;

const invite = (email: string) => ({
  displayName: 'A partner',
  email,
  justification: 'Fabrikam engineers co-develop the Falcon release with us.',
});

describe('To decide in the tab', () => {
  let tab: TabClient;

  beforeEach(async () => {
    tab = await TabClient.start();
  });

  afterEach(async () => {
    await tab.stop();
  });

  async function fileInTab(person: typeof people.alex, email: string): Promise<string> {
    const answer = await tab.post(person, '/forms/invite', { values: invite(email) });
    if (answer.body.filed !== true) throw new Error(`not filed: ${JSON.stringify(answer.body)}`);
    return (answer.body.request as RequestView).id;
  }

  /** Files in chat, as Alex would: the form turns into his status card, which the bot records. */
  async function fileInChat(email: string): Promise<string> {
    const opened = await say(tab.harness, people.alex, 'invite');
    const answer = await tab.harness.post(tab.harness.activities.cardAction(people.alex, VERBS.submitInvite, invite(email), opened.activityId));
    return /GA-[0-9A-Z]{6}/.exec(cardText(invokeCard(answer)))![0];
  }

  async function decide(person: typeof people.alex, requestIds: string[], outcome: 'approve' | 'deny', reason?: string): Promise<DecisionOutcome[]> {
    const answer = await tab.post(person, '/decisions', { requestIds, outcome, ...(reason !== undefined ? { reason } : {}) });
    expect(answer.status).toBe(200);
    return answer.body.outcomes as DecisionOutcome[];
  }

  it("lists what waits for an approver, with the approval card's context", async () => {
    const requestId = await fileInTab(people.alex, 'jane.new@fabrikam.com');
    const pending = await tab.get(people.megan, '/decisions/pending');
    expect(pending.body.mayDecide).toBe(true);
    const [request] = pending.body.requests as RequestView[];
    expect(request).toMatchObject({
      id: requestId,
      requester: 'Alex Wilber',
      guest: { email: 'jane.new@fabrikam.com' },
      context: { guestsFromDomain: 2, grantsDirectoryRole: false },
    });
  });

  it('refuses self-approval, as in chat, and leaves the request waiting', async () => {
    const requestId = await fileInTab(people.adele, 'jane.new@fabrikam.com');
    const [outcome] = await decide(people.adele, [requestId], 'approve');
    expect(outcome).toEqual({ requestId, result: 'forbidden', message: 'You asked for this guest, so another approver has to decide.' });
    expect((await tab.harness.app.store.getRequest(requestId))?.state).toBe('pending');
    const audit = await tab.harness.app.store.listAudit(requestId);
    expect(audit.at(-1)).toMatchObject({ action: 'approve_refused', detail: { why: 'self_approval' } });
  });

  it('lets the first decision win: a request approved in chat meanwhile is shown as decided by whom', async () => {
    await say(tab.harness, people.megan, 'hello');
    const requestId = await fileInChat('jane.new@fabrikam.com');
    const inChat = invokeCard(await clickOnCard(tab.harness, people.megan, VERBS.approve, { requestId }));
    expect(cardText(inChat)).toContain('Approved by Megan Bowen');

    const [late] = await decide(people.adele, [requestId], 'deny', 'Too late anyway.');
    expect(late).toMatchObject({ requestId, result: 'alreadyDecided', message: 'This request was already approved by Megan Bowen.' });
    expect((await tab.harness.app.store.getRequest(requestId))?.decision?.by.name).toBe('Megan Bowen');
  });

  it('updates the chat cards of a request decided in the tab, as a decision in chat does', async () => {
    await say(tab.harness, people.megan, 'hello');
    const requestId = await fileInChat('jane.new@fabrikam.com');
    const [outcome] = await decide(people.megan, [requestId], 'approve');
    expect(outcome).toMatchObject({ requestId, result: 'decided', request: { state: 'approved', decision: { by: 'Megan Bowen' } } });
    await tab.harness.settle();

    // Alex's form turned status card, and Megan's approval card, were updated in place.
    const alexUpdates = cardsFor(tab.harness, people.alex, 'update').filter((c) => c.text.includes(requestId));
    expect(alexUpdates.at(-1)?.text).toContain('Guest invited');
    const meganUpdates = cardsFor(tab.harness, people.megan, 'update').filter((c) => c.text.includes(requestId));
    expect(meganUpdates.some((c) => c.text.includes('Approved by Megan Bowen'))).toBe(true);
    // And Alex heard of it in chat.
    expect(cardsFor(tab.harness, people.alex, 'send').some((c) => c.text.includes('Megan Bowen approved your request'))).toBe(true);
  });

  it("approves several at once, each under the chat's rules", async () => {
    const alexs = [await fileInTab(people.alex, 'one@fabrikam.com'), await fileInTab(people.alex, 'two@fabrikam.com')];
    const megans = await fileInTab(people.megan, 'three@fabrikam.com');
    const outcomes = await decide(people.megan, [...alexs, megans], 'approve');
    expect(outcomes.map((o) => [o.requestId, o.result])).toEqual([
      [alexs[0], 'decided'],
      [alexs[1], 'decided'],
      [megans, 'forbidden'],
    ]);
    for (const id of alexs) {
      const audit = await tab.harness.app.store.listAudit(id);
      expect(audit.find((e) => e.action === 'request_approved')).toMatchObject({ actor: people.megan.aadObjectId, source: expect.stringMatching(/^tab:/) });
    }
    expect((await tab.harness.app.store.getRequest(megans))?.state).toBe('pending');
  });

  it('needs a reason to deny, and the requester then sees it', async () => {
    const requestId = await fileInTab(people.alex, 'jane.new@fabrikam.com');
    const [noReason] = await decide(people.megan, [requestId], 'deny', '  ');
    expect(noReason).toEqual({ requestId, result: 'invalid', message: 'Give a reason for denying: the requester will see it.' });
    const [denied] = await decide(people.megan, [requestId], 'deny', 'Auditors get access through the partner portal.');
    expect(denied).toMatchObject({ result: 'decided', request: { state: 'denied', decision: { reason: 'Auditors get access through the partner portal.' } } });
    const mine = (await tab.get(people.alex, '/requests/mine')).body.requests as RequestView[];
    expect(mine[0]?.decision).toMatchObject({ outcome: 'denied', by: 'Megan Bowen', reason: 'Auditors get access through the partner portal.' });
  });

  it('shows someone who may not decide nothing waiting, and nothing of a request they try to decide', async () => {
    const requestId = await fileInTab(people.alex, 'jane.new@fabrikam.com');
    const pending = await tab.get(people.isaiah, '/decisions/pending');
    expect(pending.body).toEqual({ mayDecide: false, requests: [] });
    for (const [outcome, reason] of [
      ['approve', undefined],
      ['deny', 'No.'],
      ['deny', ''],
    ] as const) {
      const [answer] = await decide(people.isaiah, [requestId], outcome, reason);
      expect(answer.request).toBeUndefined();
      expect(['forbidden', 'invalid']).toContain(answer.result);
    }
    expect((await tab.harness.app.store.getRequest(requestId))?.state).toBe('pending');
  });

  it('shows an app owner the requests for their app only, and lets them decide those', async () => {
    const appRequest = await tab.post(people.alex, '/forms/appAccess', {
      values: { guestId: DEMO_GUEST_IDS.raviKumarFabrikam, appRole: EXPENSE_HUB_SUBMITTER, justification: 'Submits expenses for the Falcon project.' },
    });
    expect(appRequest.body.filed).toBe(true);
    const appRequestId = (appRequest.body.request as RequestView).id;
    const inviteId = await fileInTab(people.alex, 'jane.new@fabrikam.com');

    const me = await tab.get(patti, '/me');
    expect(me.body.views).toEqual({ myRequests: true, toDecide: true, guests: false });
    const pending = await tab.get(patti, '/decisions/pending');
    expect((pending.body.requests as RequestView[]).map((r) => r.id)).toEqual([appRequestId]);
    const outcomes = await decide(patti, [appRequestId, inviteId], 'approve');
    expect(outcomes.map((o) => o.result)).toEqual(['decided', 'forbidden']);
  });
});
