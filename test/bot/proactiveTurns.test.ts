/**
 * The adapter's middleware (tenant guard, conversation capture) is for what Teams sends. The bot's
 * own proactive turns (approval cards, notices, card updates) run through the same adapter and must
 * pass untouched: not refused for lacking a tenant, and not stored again as if someone had written.
 */
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { SqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, say } from '../helpers/conversation';

const FORM = {
  displayName: 'Pat Partner',
  email: 'pat.partner@fabrikam.com',
  message: '',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Reviews the Falcon designs with us.',
};

describe("the bot's own proactive turns", () => {
  let harness: BotHarness;
  const saved: string[] = [];

  beforeEach(async () => {
    saved.length = 0;
    const sqlite = SqliteStore.open(':memory:');
    // The same store, noting each conversation it is asked to keep.
    const store = Object.create(sqlite, {
      saveConversation: { value: (key: string, reference: Record<string, unknown>) => (saved.push(key), sqlite.saveConversation(key, reference)) },
    }) as Store;
    harness = await BotHarness.start({}, { store });
  });
  afterEach(() => harness.stop());

  async function fileRequest(): Promise<string> {
    const opened = await say(harness, people.alex, 'invite');
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
    return /GA-[0-9A-Z]{6}/.exec(status)![0];
  }

  it('reach an approver whose chat named the tenant in channelData only', async () => {
    const hello = harness.activities.message(people.megan, 'hello');
    const conversation = { ...(hello.conversation as Record<string, unknown>) };
    delete conversation.tenantId;
    expect((await harness.post({ ...hello, conversation })).status).toBe(200);
    const requestId = await fileRequest();
    expect(cardsFor(harness, people.megan).some((c) => c.text.includes(requestId))).toBe(true);
  });

  it('store no conversation: only what people send is kept', async () => {
    await say(harness, people.megan, 'hello');
    const requestId = await fileRequest();
    const keptBySending = [...saved];
    // Approving sends a notice to Alex and updates both cards, all proactively.
    expect(cardText(invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId })))).toContain('Approved by Megan Bowen');
    await harness.settle();
    expect(harness.connector.recorded.length).toBeGreaterThan(3);
    expect(saved.slice(keptBySending.length)).toEqual([`user:${people.megan.aadObjectId}`]);
  });
});
