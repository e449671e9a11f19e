import { VERBS } from '../../cards/verbs';
import { EXPIRE_PENDING_REQUESTS } from '../../services/requests/requestExpiry';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, say } from '../helpers/conversation';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const FORM = {
  displayName: 'Olga Old',
  email: 'olga.old@fabrikam.com',
  message: 'Welcome',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Short engagement',
};

describe('expiry of requests nobody decided on', () => {
  let harness: BotHarness;
  let now: Date;

  beforeEach(async () => {
    now = new Date();
    harness = await BotHarness.start({ REQUEST_TIMEOUT_DAYS: '3' }, { clock: { now: () => now } });
  });

  afterEach(async () => {
    await harness.stop();
  });

  async function fileRequest(): Promise<string> {
    await say(harness, people.megan, 'hello');
    const opened = await say(harness, people.alex, 'invite');
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)?.[0];
    if (!requestId) throw new Error(`No request id on the status card:\n${status}`);
    return requestId;
  }

  it('expires a request after REQUEST_TIMEOUT_DAYS, tells the requester, updates the approval card and refuses a late approval', async () => {
    const requestId = await fileRequest();
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;

    now = new Date(now.getTime() + 3 * DAY - HOUR);
    expect(await harness.app.periodic.runDue()).toContain(EXPIRE_PENDING_REQUESTS);
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');

    now = new Date(now.getTime() + HOUR);
    expect(await harness.app.periodic.runDue()).toContain(EXPIRE_PENDING_REQUESTS);
    await harness.settle();

    const request = await harness.app.store.getRequest(requestId);
    expect(request?.state).toBe('expired');
    const expiredEntries = (await harness.app.store.listAudit(requestId)).filter((a) => a.action === 'request_expired');
    expect(expiredEntries).toEqual([
      { requestId, actor: 'system', action: 'request_expired', source: `task:${EXPIRE_PENDING_REQUESTS}`, detail: { timeoutDays: 3 }, at: now.toISOString() },
    ]);

    const notice = cardsFor(harness, people.alex).find((c) => c.text.includes(`Request ${requestId} expired`));
    expect(notice?.text).toContain('Nobody decided on your request for olga.old@fabrikam.com in time');
    const approvalUpdate = harness.connector.recorded.filter((r) => r.kind === 'update' && r.activityId === approval.activityId);
    expect(approvalUpdate.length).toBeGreaterThan(0);
    expect(JSON.stringify(approvalUpdate[approvalUpdate.length - 1].activity)).toContain('Expired');

    const late = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId))));
    expect(late).toContain('This request expired before anyone decided.');
    await harness.settle();
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('expired');
    expect(harness.simulator.directory.invitations).toHaveLength(0);
  });

  it('runs the expiry once per interval and leaves decided requests alone', async () => {
    const decided = await fileRequest();
    await clickOnCard(harness, people.megan, VERBS.approve, { requestId: decided });
    await harness.settle();

    now = new Date(now.getTime() + 10 * DAY);
    expect(await harness.app.periodic.runDue()).toContain(EXPIRE_PENDING_REQUESTS);
    // Not due again until its interval has passed.
    expect(await harness.app.periodic.runDue()).toEqual([]);
    now = new Date(now.getTime() + 10 * 60_000);
    expect(await harness.app.periodic.runDue()).toContain(EXPIRE_PENDING_REQUESTS);

    expect((await harness.app.store.getRequest(decided))?.state).toBe('completed');
    const actions = (await harness.app.store.listAudit(decided)).map((a) => a.action);
    expect(actions).not.toContain('request_expired');
  });
});
