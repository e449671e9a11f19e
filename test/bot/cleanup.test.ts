/**
 * Stale-guest cleanup as an admin and sponsors meet it: the plan built in the background and
 * posted where the admin asked, Dry run (nothing changes) and Run, sponsors told and able to keep
 * a guest during the notice period, then GUEST_END_ACTION applied in throttled jobs to the rest,
 * each guest checked again first. Without an Entra ID P1 licence, "stale" means an invitation
 * never accepted, and the plan says so.
 */
import { VERBS } from '../../cards/verbs';
import { NO_SIGN_IN_LICENCE } from '../../services/lifecycle/guestWalk';
import { CAMPAIGN_DEADLINES } from '../../services/lifecycle/recertification';
import { DEMO_GUEST_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { buttonData, GraphLog } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, invokeError, say } from '../helpers/conversation';

const DAY = 24 * 60 * 60 * 1000;
const DANA = DEMO_GUEST_IDS.danaWhitfieldContoso;

describe('stale-guest cleanup', () => {
  let harness: BotHarness;
  let graph: GraphLog;
  let now: Date;

  async function start(options: { premium?: boolean } = {}) {
    now = new Date('2026-11-27T09:00:00Z');
    graph = new GraphLog();
    harness = await BotHarness.start(
      { GUEST_EXPIRY_NOTICE_DAYS: '7', CLEANUP_GUESTS_PER_MINUTE: '30' },
      { clock: { now: () => now }, simulator: { log: graph.log, premium: options.premium } },
    );
    for (const person of [people.megan, people.isaiah, people.adele]) await say(harness, person, 'hello');
  }

  afterEach(() => harness.stop());

  /** Two more stale guests: Sam, whom the bot knows Isaiah sponsors, and Tom, sponsored by Megan in Entra. */
  async function staleGuests(): Promise<{ sam: string; tom: string }> {
    const stale = { lastSignInDateTime: '2026-01-05T10:00:00Z', lastSuccessfulSignInDateTime: '2026-01-05T10:00:00Z' };
    const sam = harness.simulator.directory.addUser({
      displayName: 'Sam Stale',
      userPrincipalName: 'sam.stale_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      mail: 'sam.stale@fabrikam.com',
      userType: 'Guest',
      externalUserState: 'Accepted',
      signInActivity: stale,
    });
    const tom = harness.simulator.directory.addUser({
      displayName: 'Tom Stale',
      userPrincipalName: 'tom.stale_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      mail: 'tom.stale@fabrikam.com',
      userType: 'Guest',
      externalUserState: 'Accepted',
      signInActivity: stale,
      sponsors: [DEMO_USER_IDS.meganBowen],
    });
    await say(harness, people.adele, 'sponsor sam.stale@fabrikam.com isaiahl@example.com');
    await harness.settle();
    return { sam: sam.id, tom: tom.id };
  }

  async function later(days: number) {
    now = new Date(now.getTime() + days * DAY);
    expect(await harness.app.periodic.runDue()).toContain(CAMPAIGN_DEADLINES);
    await harness.settle();
  }

  const plans = () => cardsFor(harness, people.adele, 'send').filter((c) => c.text.includes('Cleanup plan: stale:90d'));

  it('plans in the background, dry-runs without a change, then tells sponsors, lets them keep a guest, and disables the rest', async () => {
    await start();
    const { sam, tom } = await staleGuests();
    graph.clear();
    const asked = await say(harness, people.adele, 'cleanup stale:90d');
    expect(asked.text).toContain('Building the cleanup plan');
    await harness.settle();

    const [plan] = plans();
    expect(plan.text).toContain('**3** guests with no successful sign-in for 90 days');
    expect(plan.text).toContain('Dana Whitfield (Contoso)');
    expect(plan.text).toContain('Sponsors told: Megan Bowen (1), Isaiah Langer (1)');
    expect(plan.text).toContain('1 guest has no sponsor');
    expect(plan.text).toContain('1 guest has no recorded sign-in and is left out');
    expect(plan.text).toMatch(/Call per guest: PATCH http:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/\{guest id\} \{"accountEnabled":false\}/);
    // One walk of the guests and one batch for the sponsors Entra knows; nothing written.
    expect(graph.lines.filter((l) => l.startsWith('POST /v1.0/$batch'))).toHaveLength(1);
    expect(graph.writes()).toEqual([]);
    const campaignId = buttonData(plan.card, VERBS.runCleanup)!.campaignId;

    const dry = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.adele, VERBS.dryRunCleanup, { campaignId }, plan.activityId))));
    expect(dry).toContain('Dry run: nothing changed. Run tells 2 sponsors now; on 2026-12-04 the guests they did not keep are disabled, 30 a minute');
    expect(graph.writes()).toEqual([]);

    const ran = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.adele, VERBS.runCleanup, { campaignId }, plan.activityId))));
    expect(ran).toContain('Running: the sponsors were told; on 2026-12-04 the cleanup acts on the guests they did not keep.');
    expect(ran).not.toContain('Dry run');
    await harness.settle();
    const [isaiahNotice] = cardsFor(harness, people.isaiah, 'send').filter((c) => c.text.includes('Stale guests you sponsor'));
    expect(isaiahNotice.text).toContain('After **2026-12-04** (UTC) they are disabled, unless you keep them.');
    expect(cardsFor(harness, people.megan, 'send').some((c) => c.text.includes('Tom Stale'))).toBe(true);
    const kept = cardText(
      invokeCard(
        await harness.post(harness.activities.cardAction(people.isaiah, VERBS.keepFromCleanup, { campaignId, guestId: sam }, isaiahNotice.activityId)),
      ),
    );
    expect(kept).toContain('Kept by Isaiah Langer');
    const notHis = invokeError(
      await harness.post(harness.activities.cardAction(people.isaiah, VERBS.keepFromCleanup, { campaignId, guestId: tom }, isaiahNotice.activityId)),
    );
    expect(notHis.statusCode).toBe(403);

    // Tom signs in during the notice period: the cleanup looks again and leaves him alone.
    harness.simulator.directory.getUser(tom)!.signInActivity = {
      lastSignInDateTime: '2026-12-01T08:00:00Z',
      lastSignInRequestId: null,
      lastNonInteractiveSignInDateTime: null,
      lastNonInteractiveSignInRequestId: null,
      lastSuccessfulSignInDateTime: '2026-12-01T08:00:00Z',
      lastSuccessfulSignInRequestId: null,
    };
    await later(7.7);
    now = new Date(now.getTime() + 60_000); // the jobs are spaced two seconds apart
    await harness.settle();
    expect(harness.simulator.directory.getUser(DANA)?.accountEnabled).toBe(false);
    expect(harness.simulator.directory.getUser(sam)?.accountEnabled).toBe(true);
    expect(harness.simulator.directory.getUser(tom)?.accountEnabled).toBe(true);
    expect(graph.writes().filter((w) => w.startsWith('PATCH'))).toEqual([`PATCH /v1.0/users/${DANA} -> 204`]);

    await later(0.01);
    const done = plans().at(-1)!;
    expect(done.text).toContain('Done: 1 kept by their sponsors, the rest disabled or skipped');
    expect(done.text).toContain('skipped: signed in since the plan');
  });

  it('judges staleness by invitations never accepted without an Entra ID P1 licence, and says so', async () => {
    await start({ premium: false });
    harness.simulator.directory.addUser({
      displayName: 'Paula Pending',
      userPrincipalName: 'paula_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      mail: 'paula@fabrikam.com',
      userType: 'Guest',
      externalUserState: 'PendingAcceptance',
      externalUserStateChangeDateTime: '2026-01-10T00:00:00Z',
      createdDateTime: '2026-01-10T00:00:00Z',
    });
    await say(harness, people.adele, 'cleanup stale:90d');
    await harness.settle();
    const [plan] = plans();
    expect(plan.text).toContain('**1** guest with an invitation not accepted for 90 days');
    expect(plan.text).toContain(NO_SIGN_IN_LICENCE);
    expect(plan.text).toContain('invitation not accepted since 2026-01-10');
  });

  it('is for admins, and wants to know how stale', async () => {
    await start();
    expect((await say(harness, people.megan, 'cleanup stale:90d')).text).toContain('Only members of the guest access admin group can clean up guests.');
    expect((await say(harness, people.adele, 'cleanup')).text).toContain('for example: cleanup stale:90d');
    const notMine = await say(harness, people.adele, 'cleanup stale:90d');
    await harness.settle();
    const campaignId = /CL-[0-9A-Z]{6}/.exec(notMine.text)![0];
    const [plan] = plans();
    expect(invokeError(await harness.post(harness.activities.cardAction(people.megan, VERBS.runCleanup, { campaignId }, plan.activityId))).statusCode).toBe(
      403,
    );
  });
});
