/**
 * Recertification in chat: one digest card per sponsor (last sign-in, groups, apps; Keep, Remove,
 * Keep all), Remove through the same path as an end date, escalation to the approvers after the
 * grace, whose decision is final, and the progress an admin sees.
 */
import { VERBS } from '../../cards/verbs';
import { CAMPAIGN_DEADLINES, RECERTIFICATION_SCHEDULE } from '../../services/lifecycle/recertification';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { buttonData, GraphLog } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, invokeError, say } from '../helpers/conversation';
import type { TeamsUser } from '../helpers/teamsActivities';

const DAY = 24 * 60 * 60 * 1000;
const JANE = DEMO_GUEST_IDS.janeDoeFabrikam;
const RAVI = DEMO_GUEST_IDS.raviKumarFabrikam;
const lee = { aadObjectId: 'cbfdc99b-7697-4c8b-948e-084d3978b2e3', name: 'Lee Gu' };

describe('recertification', () => {
  let harness: BotHarness;
  let graph: GraphLog;
  let now: Date;

  async function start(env: Record<string, string> = {}) {
    now = new Date('2026-03-01T09:00:00Z');
    graph = new GraphLog();
    harness = await BotHarness.start({ RECERTIFY_GRACE_DAYS: '14', ...env }, { clock: { now: () => now }, simulator: { log: graph.log } });
    for (const person of [people.megan, people.alex, people.isaiah]) await say(harness, person, 'hello');
  }

  afterEach(() => harness.stop());

  /** Alex invites a guest for Project Falcon; Megan approves. */
  async function invite(email: string, name: string): Promise<string> {
    const opened = await say(harness, people.alex, 'invite');
    const form = {
      displayName: name,
      email,
      message: '',
      groupIds: DEMO_GROUP_IDS.projectFalcon,
      directoryRoleId: 'none',
      justification: 'Works on Falcon with us.',
    };
    const requestId = /GA-[0-9A-Z]{6}/.exec(
      cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId)))),
    )![0];
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId));
    await harness.settle();
    return harness.simulator.directory.findUsersByEmail(email)[0].id;
  }

  /** Alex sponsors two guests he invited; Isaiah sponsors Jane and Ravi, given to him by an admin. */
  async function sponsoredGuests(): Promise<{ kim: string; lou: string }> {
    const kim = await invite('kim.keep@fabrikam.com', 'Kim Keep');
    const lou = await invite('lou.leave@fabrikam.com', 'Lou Leave');
    await say(harness, people.adele, 'sponsor jane.doe@fabrikam.com isaiahl@example.com');
    await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com isaiahl@example.com');
    await harness.settle();
    return { kim, lou };
  }

  const digests = (user: TeamsUser) => cardsFor(harness, user, 'send').filter((c) => /Recertify your guests|the approvers decide/.test(c.text));
  const click = async (
    user: TeamsUser,
    verb: typeof VERBS.keepGuest | typeof VERBS.removeGuest | typeof VERBS.keepAllGuests,
    data: { campaignId: string; guestId: string },
    activityId: string,
  ) => harness.post(harness.activities.cardAction(user, verb, data, activityId));

  it('sends each sponsor one digest of their guests, read in one batch per sponsor, and takes Keep, Remove and Keep all', async () => {
    await start();
    const { kim, lou } = await sponsoredGuests();
    graph.clear();
    const started = await say(harness, people.adele, 'recertify');
    expect(started.text).toMatch(/Recertification RC-[0-9A-Z]{6} started/);
    await harness.settle();

    // One $batch per sponsor reads every guest's groups and apps, after one walk of the guests for sign-in activity.
    expect(graph.lines.filter((l) => l.startsWith('POST /v1.0/$batch'))).toHaveLength(2);
    expect(graph.lines.filter((l) => l.startsWith('GET /v1.0/users?'))).toHaveLength(1);
    const [alexDigest, ...moreForAlex] = digests(people.alex);
    expect(moreForAlex).toEqual([]);
    expect(alexDigest.text).toContain('**Kim Keep** · kim.keep@fabrikam.com');
    expect(alexDigest.text).toContain('groups: Project Falcon');
    const [isaiahDigest] = digests(people.isaiah);
    expect(isaiahDigest.text).toContain('**Jane Doe (Fabrikam)** · jane.doe@fabrikam.com');
    expect(isaiahDigest.text).toContain(
      'last sign-in 2026-10-02 · groups: All Guests (dynamic), Project Falcon, Fabrikam Collaboration · apps: Partner Portal',
    );
    expect(isaiahDigest.text).toContain('no sign-in recorded');
    expect(isaiahDigest.text).not.toContain('Kim Keep');

    const campaignId = buttonData(alexDigest.card, VERBS.keepGuest)!.campaignId;
    const removed = cardText(invokeCard(await click(people.alex, VERBS.removeGuest, { campaignId, guestId: lou }, alexDigest.activityId)));
    expect(removed).toContain('Removed by Alex Wilber: removing what the bot gave');
    const kept = cardText(invokeCard(await click(people.alex, VERBS.keepGuest, { campaignId, guestId: kim }, alexDigest.activityId)));
    expect(kept).toContain('Kept by Alex Wilber');
    expect(kept).not.toContain('Keep all');
    await harness.settle();
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, lou)).toBe(false);
    expect(harness.simulator.directory.getUser(lou)?.accountEnabled).toBe(false);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, kim)).toBe(true);
    expect(cardsFor(harness, people.alex).some((c) => c.text.includes('Access ended: Lou Leave'))).toBe(true);

    const all = cardText(
      invokeCard(
        await click(
          people.isaiah,
          VERBS.keepAllGuests,
          { campaignId, guestId: buttonData(isaiahDigest.card, VERBS.keepAllGuests)!.guestId },
          isaiahDigest.activityId,
        ),
      ),
    );
    expect(all.match(/Kept by Isaiah Langer/g)).toHaveLength(2);

    const progress = await say(harness, people.adele, 'recertification');
    expect(progress.text).toContain('Guests: 4');
    expect(progress.text).toContain('Answered: 4 of 4');
    expect(progress.text).toContain('Kept: 3');
    expect(progress.text).toContain('Removed: 1');
    expect(progress.text).toContain('Escalated to the approvers: 0');
  });

  it("takes an answer only from the guest's sponsor, and only once", async () => {
    await start();
    const { kim } = await sponsoredGuests();
    await say(harness, people.adele, 'recertify');
    await harness.settle();
    const [digest] = digests(people.alex);
    const campaignId = buttonData(digest.card, VERBS.keepGuest)!.campaignId;
    const refused = invokeError(await click(lee, VERBS.removeGuest, { campaignId, guestId: kim }, digest.activityId));
    expect(refused).toMatchObject({ statusCode: 403, message: expect.stringContaining("Only Kim Keep's sponsor (Alex Wilber) answers for them") });
    expect(harness.simulator.directory.getUser(kim)?.accountEnabled).toBe(true);

    await click(people.alex, VERBS.keepGuest, { campaignId, guestId: kim }, digest.activityId);
    const second = cardText(invokeCard(await click(people.alex, VERBS.removeGuest, { campaignId, guestId: kim }, digest.activityId)));
    expect(second).toContain('Kept by Alex Wilber');
    await harness.settle();
    expect(harness.simulator.directory.getUser(kim)?.accountEnabled).toBe(true);
  });

  it('hands what sponsors left unanswered to the approvers after the grace; their decision is final, and the campaign closes after another grace', async () => {
    await start();
    await sponsoredGuests();
    await say(harness, people.adele, 'recertify');
    await harness.settle();
    const [isaiahDigest] = digests(people.isaiah);
    const campaignId = buttonData(isaiahDigest.card, VERBS.keepGuest)!.campaignId;
    const [alexDigest] = digests(people.alex);
    await click(people.alex, VERBS.keepAllGuests, { campaignId, guestId: buttonData(alexDigest.card, VERBS.keepAllGuests)!.guestId }, alexDigest.activityId);

    now = new Date(now.getTime() + 14 * DAY);
    expect(await harness.app.periodic.runDue()).toContain(CAMPAIGN_DEADLINES);
    await harness.settle();
    const escalated = cardsFor(harness, people.megan, 'send').filter((c) => c.text.includes('Recertification: the approvers decide'));
    expect(escalated).toHaveLength(1);
    expect(escalated[0].text).toContain('jane.doe@fabrikam.com');
    expect(escalated[0].text).toContain('ravi.kumar@fabrikam.com');
    expect(escalated[0].text).not.toContain('kim.keep@fabrikam.com');

    const late = invokeError(await click(people.isaiah, VERBS.keepGuest, { campaignId, guestId: JANE }, isaiahDigest.activityId));
    expect(late).toMatchObject({ statusCode: 403, message: expect.stringContaining('the approvers decide now, and their decision is final') });
    const decided = cardText(invokeCard(await click(people.megan, VERBS.removeGuest, { campaignId, guestId: RAVI }, escalated[0].activityId)));
    expect(decided).toContain('Removed by Megan Bowen: nothing the bot gave to remove');

    const progress = await say(harness, people.adele, 'recertification');
    expect(progress.text).toContain('waiting for the approvers');
    expect(progress.text).toContain('Escalated to the approvers: 2');
    expect(progress.text).toContain('Unanswered: 1');

    now = new Date(now.getTime() + 14 * DAY);
    await harness.app.periodic.runDue();
    expect((await say(harness, people.adele, 'recertification')).text).toContain(': closed.');
    const closed = invokeError(await click(people.megan, VERBS.keepGuest, { campaignId, guestId: JANE }, escalated[0].activityId));
    expect(closed.message).toContain('This recertification is closed');
  });

  it('runs one campaign at a time, for one domain when asked, for admins only', async () => {
    await start();
    await sponsoredGuests();
    expect((await say(harness, people.alex, 'recertify')).text).toContain('Only members of the guest access admin group can start a recertification.');
    expect((await say(harness, people.adele, 'recertify fabrikam')).text).toContain('recertify domain:fabrikam.com');
    await say(harness, people.adele, 'recertify domain:contoso.com');
    expect((await say(harness, people.adele, 'recertify')).text).toContain('is still running');
    await harness.settle();
    expect(digests(people.alex)).toHaveLength(0);
    expect((await say(harness, people.adele, 'recertification')).text).toContain('for contoso.com: closed.');
  });

  it('starts a campaign every RECERTIFY_DAYS by itself', async () => {
    await start({ RECERTIFY_DAYS: '90' });
    await sponsoredGuests();
    expect(await harness.app.periodic.runDue()).toContain(RECERTIFICATION_SCHEDULE);
    await harness.settle();
    expect(digests(people.alex)).toHaveLength(1);
    expect((await say(harness, people.adele, 'recertification')).text).toContain('Started by the schedule');
  });
});
