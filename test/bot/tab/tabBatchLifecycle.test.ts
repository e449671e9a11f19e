/**
 * A batch's guests in the lifecycle, on the injected clock: each row's access ends at the row's own
 * `until` (two rows giving the same group end apart), its sponsor is told before and after, and the
 * guests still in are listed for recertification under the batch's sponsor.
 */
import type { RequestView } from '../../../bot/tab/views';
import { VERBS } from '../../../cards/verbs';
import { endOfDay } from '../../../services/lifecycle/accessPeriod';
import { GUEST_ACCESS_ENDS } from '../../../services/lifecycle/guestLifecycle';
import { DEMO_GROUP_IDS } from '../../../simulator/seed';
import { people } from '../../helpers/botHarness';
import { cardText } from '../../helpers/adaptiveCards';
import { cardsFor, invokeCard, say } from '../../helpers/conversation';
import { TabClient } from '../../helpers/tabClient';

const DAY = 24 * 60 * 60 * 1000;
const DAY_0 = new Date('2026-03-01T09:00:00Z');
const JUSTIFICATION = 'Fabrikam engineers join the Falcon release for the spring.';

describe("a batch's guests in the lifecycle", () => {
  let tab: TabClient;
  let now: Date;

  beforeEach(async () => {
    now = DAY_0;
    tab = await TabClient.start({ GUEST_ACCESS_DEFAULT_DAYS: '30', GUEST_EXPIRY_NOTICE_DAYS: '7' }, { clock: { now: () => now } });
    for (const person of [people.megan, people.alex]) await say(tab.harness, person, 'hello');
  });

  afterEach(async () => {
    await tab.stop();
  });

  /** Moves the clock to `days` after day 0 and runs what is due, as the periodic tick would. */
  async function dayAfter(days: number, hours = 0): Promise<void> {
    now = new Date(DAY_0.getTime() + days * DAY + hours * 60 * 60 * 1000);
    expect(await tab.harness.app.periodic.runDue()).toContain(GUEST_ACCESS_ENDS);
    await tab.harness.settle();
  }

  /** Alex files two guests for Project Falcon, ending on different days; Megan approves and the rows run. */
  async function batchOfTwo(): Promise<{ requestId: string; ana: string; ben: string }> {
    const file = [
      'email,displayName,groups,message,until',
      'ana@fabrikam.com,Ana,Project Falcon,,2026-03-10',
      'ben@fabrikam.com,Ben,Project Falcon,,2026-03-20',
    ].join('\n');
    const filed = await tab.post(people.alex, '/batches', { csv: file, justification: JUSTIFICATION });
    expect(filed).toMatchObject({ status: 200, body: { filed: 2 } });
    const requestId = (filed.body.request as RequestView).id;
    const decided = await tab.post(people.megan, '/decisions', { requestIds: [requestId], outcome: 'approve' });
    expect(decided.body.outcomes).toEqual([expect.objectContaining({ result: 'decided' })]);
    await tab.harness.settleUntilFinished(requestId);
    const idOf = (email: string) => tab.harness.simulator.directory.findUsersByEmail(email)[0].id;
    return { requestId, ana: idOf('ana@fabrikam.com'), ben: idOf('ben@fabrikam.com') };
  }

  it("records each row's grants with the row's end, removes the membership at that end, and tells the batch's requester as sponsor", async () => {
    const { requestId, ana, ben } = await batchOfTwo();
    const grants = await tab.harness.app.store.listGrants({ requestId });
    expect(grants.map((g) => [g.guestId, g.kind, g.targetId, g.given, g.endsAt])).toEqual([
      [ana.toLowerCase(), 'account', ana.toLowerCase(), true, endOfDay('2026-03-10')],
      [ana.toLowerCase(), 'group', DEMO_GROUP_IDS.projectFalcon, true, endOfDay('2026-03-10')],
      [ben.toLowerCase(), 'account', ben.toLowerCase(), true, endOfDay('2026-03-20')],
      [ben.toLowerCase(), 'group', DEMO_GROUP_IDS.projectFalcon, true, endOfDay('2026-03-20')],
    ]);
    expect(await tab.harness.app.store.getManagedGuest(ana)).toMatchObject({
      email: 'ana@fabrikam.com',
      sponsor: { kind: 'user', id: people.alex.aadObjectId },
      createdByRequest: requestId,
    });

    await dayAfter(3);
    const notices = cardsFor(tab.harness, people.alex, 'send').filter((c) => c.text.includes('Access ending:'));
    expect(notices).toHaveLength(1);
    expect(notices[0].text).toContain('You sponsor ana@fabrikam.com. This access ends after **2026-03-10** (UTC):');

    await dayAfter(9, 14); // 2026-03-10 23:00 UTC: Ana's last day, not over yet
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ana)).toBe(true);
    await dayAfter(10, -9); // 2026-03-11 00:00 UTC
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ana)).toBe(false);
    expect(tab.harness.simulator.directory.getUser(ana)?.accountEnabled).toBe(false);
    // Ben's row gave the same group, ending later: his membership stays until then.
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ben)).toBe(true);
    const ended = cardsFor(tab.harness, people.alex, 'send').filter((c) => c.text.includes('Access ended:'));
    expect(ended).toHaveLength(1);
    expect(ended[0].text).toContain('Removed: Project Falcon (group)');

    await dayAfter(20, -9); // 2026-03-21 00:00 UTC
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ben)).toBe(false);
    expect((await tab.harness.app.store.listGrants({ requestId })).map((g) => g.state)).toEqual(['ended', 'ended', 'ended', 'ended']);
  });

  it("extends one batch guest's access from the notice without moving the other row's end", async () => {
    const { requestId, ana, ben } = await batchOfTwo();
    await dayAfter(3);
    const [notice] = cardsFor(tab.harness, people.alex, 'send').filter((c) => c.text.includes('Access ending:'));
    const extended = cardText(
      invokeCard(
        await tab.harness.post(
          tab.harness.activities.cardAction(people.alex, VERBS.extendAccess, { guestId: ana, accessUntil: '2026-04-30' }, notice.activityId),
        ),
      ),
    );
    expect(extended).toContain('Extended until 2026-04-30 by Alex Wilber');
    const ends = (await tab.harness.app.store.listGrants({ requestId })).map((g) => [g.guestId, g.endsAt]);
    expect(ends).toEqual([
      [ana.toLowerCase(), endOfDay('2026-04-30')],
      [ana.toLowerCase(), endOfDay('2026-04-30')],
      [ben.toLowerCase(), endOfDay('2026-03-20')],
      [ben.toLowerCase(), endOfDay('2026-03-20')],
    ]);
    await dayAfter(20, -9); // 2026-03-21 00:00 UTC: Ben's end, not Ana's
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ana)).toBe(true);
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ben)).toBe(false);
  });

  it("lists a batch's guests for recertification under the batch's requester, and not once their access ended", async () => {
    const { ana } = await batchOfTwo();
    await dayAfter(10, -9); // Ana's access has ended; Ben's goes on
    expect(tab.harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, ana)).toBe(false);
    const started = await say(tab.harness, people.adele, 'recertify');
    expect(started.text).toMatch(/Recertification RC-[0-9A-Z]{6} started/);
    await tab.harness.settle();
    const digests = cardsFor(tab.harness, people.alex, 'send').filter((c) => c.text.includes('Recertify your guests'));
    expect(digests).toHaveLength(1);
    expect(digests[0].text).toContain('**Ben** · ben@fabrikam.com');
    expect(digests[0].text).toContain('groups: Project Falcon');
    expect(digests[0].text).not.toContain('ana@fabrikam.com');
  });
});
