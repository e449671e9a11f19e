/**
 * Changes to the approver group reach decisions: someone removed can no longer approve once the
 * role cache lifetime (ROLE_CACHE_SECONDS) has passed, and someone added can approve at once.
 */
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { clickOnCard, invokeCard, invokeError, say } from '../helpers/conversation';

const FORM = {
  displayName: 'Pat Partner',
  email: 'pat.partner@fabrikam.com',
  message: '',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Reviews the Falcon designs with us.',
};
const CHANNEL = '19:approvals@thread.tacv2';
const NOT_AN_APPROVER = 'Only members of the approver group can decide on this request';

describe('approver group changes', () => {
  let harness: BotHarness;
  let now: Date;

  async function start(env: Record<string, string>): Promise<void> {
    now = new Date('2026-11-27T10:00:00Z');
    harness = await BotHarness.start(env, { clock: { now: () => now } });
  }

  afterEach(() => harness.stop());

  const advanceSeconds = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  async function fileRequest(email: string): Promise<string> {
    const opened = await say(harness, people.alex, 'invite');
    const status = cardText(
      invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, { ...FORM, email }, opened.activityId))),
    );
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)?.[0];
    if (!requestId) throw new Error(`not filed:\n${status}`);
    return requestId;
  }

  const stateOf = async (requestId: string) => (await harness.app.store.getRequest(requestId))?.state;

  it('refuses a removed approver once ROLE_CACHE_SECONDS have passed since the bot last asked', async () => {
    await start({ ROLE_CACHE_SECONDS: '30' });
    await say(harness, people.megan, 'hello');
    const first = await fileRequest('pat.partner@fabrikam.com');
    const second = await fileRequest('sam.partner@fabrikam.com');
    expect(cardText(invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId: first })))).toContain('Approved by Megan Bowen');

    harness.simulator.directory.removeMember(DEMO_GROUP_IDS.approvers, people.megan.aadObjectId);
    advanceSeconds(31);
    const refused = invokeError(await clickOnCard(harness, people.megan, VERBS.approve, { requestId: second }));
    expect(refused).toMatchObject({ statusCode: 403, message: expect.stringContaining(NOT_AN_APPROVER) });
    expect(await stateOf(second)).toBe('pending');
    const audit = await harness.app.store.listAudit(second);
    expect(audit.filter((a) => a.action === 'approve_refused').map((a) => a.detail?.why)).toEqual(['not_approver']);
  });

  it('refuses a removed approver at the next click when ROLE_CACHE_SECONDS is 0', async () => {
    await start({ ROLE_CACHE_SECONDS: '0' });
    await say(harness, people.megan, 'hello');
    const first = await fileRequest('pat.partner@fabrikam.com');
    const second = await fileRequest('sam.partner@fabrikam.com');
    expect(cardText(invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId: first })))).toContain('Approved by Megan Bowen');

    harness.simulator.directory.removeMember(DEMO_GROUP_IDS.approvers, people.megan.aadObjectId);
    expect(invokeError(await clickOnCard(harness, people.megan, VERBS.approve, { requestId: second }))).toMatchObject({ statusCode: 403 });
    expect(await stateOf(second)).toBe('pending');
  });

  it('lets someone just added to the approver group approve at once, though the bot had been told they were not', async () => {
    await start({});
    // Approval cards go to the channel, where Isaiah, an employee, sees them too.
    await harness.post(harness.activities.channelMessage(people.lynne, 'set approvals channel', CHANNEL));
    const requestId = await fileRequest('pat.partner@fabrikam.com');
    const card = harness.connector.in(CHANNEL).find((r) => r.kind === 'send' && JSON.stringify(r.activity).includes(requestId))!;
    const approveOnCard = () => harness.post(harness.activities.channelCardAction(people.isaiah, VERBS.approve, { requestId }, card.activityId, CHANNEL));

    expect(invokeError(await approveOnCard())).toMatchObject({ statusCode: 403, message: expect.stringContaining(NOT_AN_APPROVER) });
    harness.simulator.directory.addMember(DEMO_GROUP_IDS.approvers, people.isaiah.aadObjectId);
    expect(cardText(invokeCard(await approveOnCard()))).toContain('Approved by Isaiah Langer');
    expect((await harness.app.store.getRequest(requestId))?.decision).toMatchObject({ outcome: 'approved', by: { aadObjectId: people.isaiah.aadObjectId } });
  });
});
