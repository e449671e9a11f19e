import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, say } from '../helpers/conversation';

const CHANNEL = '19:approvals@thread.tacv2';
const lynne = { aadObjectId: '00000000-0000-0000-0000-0000000000025', name: 'Lynne Robbins' };

const FORM = {
  displayName: 'Chan Guest',
  email: 'chan.guest@fabrikam.com',
  message: '',
  groupIds: DEMO_GROUP_IDS.partnerPortalUsers,
  directoryRoleId: 'none',
  justification: 'Needs the partner portal for the audit.',
};

describe('approvals channel', () => {
  let harness: BotHarness;

  beforeEach(async () => {
    harness = await BotHarness.start();
  });

  afterEach(() => harness.stop());

  function channelCards() {
    return harness.connector.in(CHANNEL).flatMap((record) =>
      harness.connector.cards([record]).map((content) => {
        parseCardStrict(content);
        return { record, text: cardText(content as AdaptiveCard) };
      }),
    );
  }

  async function setChannel(user: { aadObjectId: string; name: string }): Promise<string> {
    const result = await harness.post(harness.activities.channelMessage(user, 'set approvals channel', CHANNEL));
    expect(result.status).toBe(200);
    const replies = harness.connector.recorded.filter((r) => r.conversationId.startsWith(CHANNEL));
    return JSON.stringify(replies[replies.length - 1]?.activity ?? {});
  }

  it('is set by an admin typing the command in the channel', async () => {
    expect(await setChannel(lynne)).toContain('Approvals channel set');
    expect(await harness.app.workflow.approvalsChannel()).toBe(CHANNEL);
  });

  it('cannot be set by someone who is not an admin', async () => {
    expect(await setChannel(people.alex)).toContain('Only for admins');
    expect(await harness.app.workflow.approvalsChannel()).toBeUndefined();
  });

  it('asks to be set from a channel when typed in a 1:1 chat', async () => {
    expect((await say(harness, lynne, 'set approvals channel')).text).toContain('Type this in a channel');
  });

  it('receives the approval card, updated in place when the request ends, and hears about failures', async () => {
    await setChannel(lynne);
    const form = await say(harness, people.alex, 'invite');
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, form.activityId))));
    expect(status).not.toContain('No approver could be reached');
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];

    const posted = channelCards().find((c) => c.text.includes(requestId));
    expect(posted?.record.kind).toBe('send');
    // Approvers were not messaged one by one, since the channel took the card.
    expect(cardsFor(harness, people.megan)).toHaveLength(0);

    // The address turns out to belong to a member before the worker runs: a permanent failure.
    harness.simulator.directory.addUser({ displayName: 'Chan', userPrincipalName: 'chan@example.com', mail: FORM.email });
    await harness.post(harness.activities.channelCardAction(people.megan, VERBS.approve, { requestId }, posted!.record.activityId, CHANNEL));
    await harness.settle();

    const request = await harness.app.store.getRequest(requestId);
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.failedStep).toBe('invite');
    const channel = channelCards();
    expect(channel.some((c) => c.record.kind === 'update' && c.record.activityId === posted!.record.activityId && c.text.includes('Failed'))).toBe(true);
    expect(channel.some((c) => c.record.kind === 'send' && c.text.includes('belongs to a member'))).toBe(true);
    expect(cardsFor(harness, people.alex).some((c) => c.text.includes('belongs to a member'))).toBe(true);

    for (const card of harness.connector.cards()) parseCardStrict(card);
  });
});

describe('first contact', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await BotHarness.start();
  });
  afterEach(() => harness.stop());

  it('greets a user once when the bot is installed in their personal scope', async () => {
    await harness.post(harness.activities.installation(people.alex));
    await harness.post(harness.activities.installation(people.alex));
    const greetings = cardsFor(harness, people.alex).filter((c) => c.text.includes('Hi Alex Wilber'));
    expect(greetings).toHaveLength(1);
    expect(await harness.app.store.getConversation(`user:${people.alex.aadObjectId}`)).toBeDefined();
  });

  it('greets without a name when the install event carries none', async () => {
    const install = harness.activities.installation(people.isaiah) as { from: Record<string, unknown> };
    await harness.post({ ...install, from: { id: install.from.id, aadObjectId: people.isaiah.aadObjectId } });
    expect(
      cardsFor(harness, people.isaiah)
        .map((c) => c.text)
        .join('\n'),
    ).toContain('Hi! I handle guest access');
  });

  it('answers a HEAD probe of the messaging endpoint', async () => {
    expect((await fetch(`${harness.url}/api/messages`, { method: 'HEAD' })).status).toBe(200);
  });
});
