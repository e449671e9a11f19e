/**
 * Sponsors as admins and approvers meet them: the `sponsor` command, the sponsor on the guest card
 * and in the guest list, Entra kept in step, and a sponsor who left handing their guests to the
 * approver group with one card.
 */
import { VERBS } from '../../cards/verbs';
import { SPONSOR_CHECK } from '../../services/lifecycle/sponsors';
import { GRAPH_APP_ROLES } from '../../simulator/permissions';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS } from '../../simulator/seed';
import { cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, say } from '../helpers/conversation';

const RAVI = DEMO_GUEST_IDS.raviKumarFabrikam;
const lee = { aadObjectId: 'cbfdc99b-7697-4c8b-948e-084d3978b2e3', name: 'Lee Gu' };

describe('sponsors', () => {
  let harness: BotHarness;
  let now: Date;

  async function start(options: { permissions?: string[] } = {}) {
    now = new Date('2026-03-01T09:00:00Z');
    harness = await BotHarness.start(
      {},
      { clock: { now: () => now }, simulator: { permissions: options.permissions }, checkPermissions: options.permissions !== undefined },
    );
  }

  afterEach(() => harness.stop());

  const sponsorsInEntra = (guestId: string) => harness.simulator.directory.getUser(guestId)?.sponsorIds ?? [];

  it('makes a colleague the sponsor with the sponsor command, in Entra too, and shows them on the guest card and in the list', async () => {
    await start();
    const answer = await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com IsaiahL@example.com');
    expect(answer.text).toContain('Isaiah Langer now sponsors Ravi Kumar (Fabrikam) (ravi.kumar@fabrikam.com). Entra shows the new sponsor shortly.');
    await harness.settle();
    expect(sponsorsInEntra(RAVI)).toContain(people.isaiah.aadObjectId);
    expect((await say(harness, people.adele, 'guest ravi.kumar@fabrikam.com')).text).toContain('Sponsor (told before access ends): Isaiah Langer');
    expect((await say(harness, people.adele, 'guests domain:fabrikam.com')).text).toContain('sponsor Isaiah Langer');

    const again = await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com leeg@example.com');
    expect(again.text).toContain('(before: Isaiah Langer)');
    await harness.settle();
    expect(sponsorsInEntra(RAVI)).toContain(lee.aadObjectId);
    expect(sponsorsInEntra(RAVI)).not.toContain(people.isaiah.aadObjectId);
    const audit = harness.app.store;
    expect((await audit.getManagedGuest(RAVI))?.sponsor).toEqual({ kind: 'user', id: lee.aadObjectId, name: 'Lee Gu' });
  });

  it('refuses someone who is not an admin, and an address that is no colleague', async () => {
    await start();
    expect((await say(harness, people.alex, 'sponsor ravi.kumar@fabrikam.com isaiahl@example.com')).text).toContain(
      'Only members of the guest access admin group can change sponsors.',
    );
    expect((await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com jane.doe@fabrikam.com')).text).toContain(
      'jane.doe@fabrikam.com is not someone in your organisation',
    );
    expect((await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com')).text).toContain("Type the guest's address, then the colleague's");
    expect(await harness.app.store.getManagedGuest(RAVI)).toBeUndefined();
  });

  it('keeps the sponsor in the bot and says so when the app may not write sponsors in Entra', async () => {
    await start({ permissions: GRAPH_APP_ROLES.map((r) => r.value).filter((p) => p !== 'User.ReadWrite.All' && p !== 'Directory.ReadWrite.All') });
    const answer = await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com isaiahl@example.com');
    expect(answer.text).toContain("Entra keeps showing the old sponsors: the bot's app lacks User.ReadWrite.All");
    await harness.settle();
    expect(sponsorsInEntra(RAVI)).not.toContain(people.isaiah.aadObjectId);
    expect((await harness.app.store.getManagedGuest(RAVI))?.sponsor.id).toBe(people.isaiah.aadObjectId);
  });

  it('hands the guests of a sponsor who left to the approver group, with one card to the approvers', async () => {
    await start();
    await say(harness, people.megan, 'hello');
    // Isaiah sponsors a guest invited through the bot and Ravi, whom an admin gave him.
    const opened = await say(harness, people.alex, 'invite');
    const form = {
      displayName: 'Sam Sponsored',
      email: 'sam.sponsored@fabrikam.com',
      message: '',
      groupIds: DEMO_GROUP_IDS.projectFalcon,
      directoryRoleId: 'none',
      sponsorEmail: 'isaiahl@example.com',
      justification: 'Works with Isaiah on Falcon.',
    };
    const requestId = /GA-[0-9A-Z]{6}/.exec(
      cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId)))),
    )![0];
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId));
    await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com isaiahl@example.com');
    await harness.settle();
    const [sam] = harness.simulator.directory.findUsersByEmail(form.email);
    expect(sponsorsInEntra(sam.id)).toEqual([people.isaiah.aadObjectId]);

    // Nothing happens while Isaiah is there.
    expect(await harness.app.periodic.runDue()).toContain(SPONSOR_CHECK);
    await harness.settle();
    expect(cardsFor(harness, people.megan).filter((c) => c.text.includes('A sponsor left'))).toHaveLength(0);

    harness.simulator.directory.updateUser(people.isaiah.aadObjectId, { accountEnabled: false });
    now = new Date(now.getTime() + 24 * 60 * 60 * 1000);
    expect(await harness.app.periodic.runDue()).toContain(SPONSOR_CHECK);
    await harness.settle();
    const [card, ...more] = cardsFor(harness, people.megan).filter((c) => c.text.includes('A sponsor left'));
    expect(more).toEqual([]);
    expect(card.text).toContain('Isaiah Langer no longer answers for guests (their account was disabled). The approver group now sponsors these 2 guests:');
    expect(card.text).toContain('Sam Sponsored (sam.sponsored@fabrikam.com)');
    expect(card.text).toContain('Ravi Kumar (Fabrikam) (ravi.kumar@fabrikam.com)');
    for (const guestId of [sam.id, RAVI]) {
      expect((await harness.app.store.getManagedGuest(guestId))?.sponsor).toMatchObject({ kind: 'group', id: harness.config.approverGroupId });
      expect(sponsorsInEntra(guestId)).toContain(DEMO_GROUP_IDS.approvers.toLowerCase());
      expect(sponsorsInEntra(guestId)).not.toContain(people.isaiah.aadObjectId);
    }
    expect((await harness.app.store.listAudit(requestId)).map((a) => a.action)).toContain('sponsor_left');

    // The next check finds nobody left to hand over.
    now = new Date(now.getTime() + 24 * 60 * 60 * 1000);
    await harness.app.periodic.runDue();
    await harness.settle();
    expect(cardsFor(harness, people.megan).filter((c) => c.text.includes('A sponsor left'))).toHaveLength(1);
  });

  it('notices a sponsor whose account was deleted', async () => {
    await start();
    await say(harness, people.megan, 'hello');
    await say(harness, people.adele, 'sponsor ravi.kumar@fabrikam.com leeg@example.com');
    harness.simulator.directory.deleteUser(lee.aadObjectId);
    expect(await harness.app.lifecycle.sponsors.checkLeavers(now)).toBe(1);
    await harness.settle();
    expect(cardsFor(harness, people.megan).find((c) => c.text.includes('A sponsor left'))?.text).toContain(
      'Lee Gu no longer answers for guests (their account was deleted).',
    );
  });
});
