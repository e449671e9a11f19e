/**
 * A redeem link lets whoever holds it take the guest account: it appears only in the requester's
 * 1:1 chat, never in a channel or on an approver's card, and never in the logs.
 */
import { Writable } from 'node:stream';
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { BotHarness, people, type PostResult } from '../helpers/botHarness';
import { invokeCard, say } from '../helpers/conversation';
import { personalConversationId } from '../helpers/teamsActivities';

const CHANNEL = '19:approvals@thread.tacv2';
const FORM = {
  displayName: 'Rita Redeem',
  email: 'rita.redeem@fabrikam.com',
  message: '',
  groupIds: DEMO_GROUP_IDS.contractors,
  directoryRoleId: 'none',
  justification: 'Joins the contractors for the Falcon audit.',
};

describe('redeem links', () => {
  let harness: BotHarness;
  let logLines: string[];
  /** Every answer the bot gave to a click in these tests. */
  let answers: PostResult[];

  beforeEach(async () => {
    logLines = [];
    answers = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    harness = await BotHarness.start({ LOG_LEVEL: 'trace', WORKER_MAX_ATTEMPTS: '1' }, { logStream: sink });
    // Approval cards go to the approvals channel; Megan also has a 1:1 chat with the bot.
    await harness.post(harness.activities.channelMessage(people.lynne, 'set approvals channel', CHANNEL));
    await say(harness, people.megan, 'hello');
  });

  afterEach(() => harness.stop());

  async function click(activity: Record<string, unknown>): Promise<PostResult> {
    const answer = await harness.post(activity);
    answers.push(answer);
    return answer;
  }

  /** Alex files, Megan approves on the channel's card; `beforeExecution` runs in between. Returns the request id. */
  async function approvedAndExecuted(beforeExecution: () => void = () => undefined): Promise<string> {
    const opened = await say(harness, people.alex, `invite ${FORM.email}`);
    const status = cardText(invokeCard(await click(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
    const posted = harness.connector.recorded.find((r) => r.kind === 'send' && r.conversationId === CHANNEL && JSON.stringify(r.activity).includes(requestId))!;
    beforeExecution();
    invokeCard(await click(harness.activities.channelCardAction(people.megan, VERBS.approve, { requestId }, posted.activityId, CHANNEL)));
    await harness.settle();
    // An admin reads the request's timeline and the waiting list in the channel.
    await harness.post(harness.activities.channelMessage(people.lynne, `audit ${requestId}`, CHANNEL));
    await harness.post(harness.activities.channelMessage(people.lynne, 'pending', CHANNEL));
    return requestId;
  }

  /** Where the link shows up: each conversation the connector saw it in, and whether any answer or log line held it. */
  function whereShown(redeemUrl: string) {
    const variants = [redeemUrl, JSON.stringify(redeemUrl).slice(1, -1), encodeURIComponent(redeemUrl), redeemUrl.replace(/_/g, '\\_')];
    const holds = (text: string) => variants.some((v) => text.includes(v));
    return {
      conversations: [...new Set(harness.connector.recorded.filter((r) => holds(JSON.stringify(r.activity))).map((r) => r.conversationId))],
      inAnswers: answers.some((a) => holds(JSON.stringify(a.body))),
      inLogs: holds(logLines.join('')),
    };
  }

  it("appear only in the requester's 1:1 chat, never in the channel, an approver's chat or the logs", async () => {
    const requestId = await approvedAndExecuted();
    const request = await harness.app.store.getRequest(requestId);
    expect(request?.state).toBe('completed');
    const redeemUrl = request!.outcome!.redeemUrl!;
    expect(redeemUrl).toMatch(/^https:\/\//);

    expect(whereShown(redeemUrl)).toEqual({ conversations: [personalConversationId(people.alex)], inAnswers: false, inLogs: false });
  });

  it('stay out of the failure notices that approvers and the channel get when a later step fails', async () => {
    // The group turns mail-enabled after approval, so adding the invited guest to it fails for good.
    const requestId = await approvedAndExecuted(() => {
      harness.simulator.directory.getGroup(DEMO_GROUP_IDS.contractors)!.mailEnabled = true;
    });
    const request = await harness.app.store.getRequest(requestId);
    expect(request?.state).toBe('failed');
    expect(request?.outcome?.failedStep).toBe(`group:${DEMO_GROUP_IDS.contractors}`);
    const redeemUrl = request!.outcome!.redeemUrl!;
    expect(redeemUrl).toMatch(/^https:\/\//);
    const channelNotices = harness.connector.recorded.filter(
      (r) => r.conversationId.startsWith(CHANNEL) && JSON.stringify(r.activity).includes('Failed while'),
    );
    expect(channelNotices.length).toBeGreaterThan(0);

    const shown = whereShown(redeemUrl);
    expect(shown.conversations.filter((c) => c !== personalConversationId(people.alex))).toEqual([]);
    expect(shown).toMatchObject({ inAnswers: false, inLogs: false });
  });
});
