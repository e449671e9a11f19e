/**
 * Access that ends, as requesters, approvers and the directory see it: the forms ask until when,
 * an approver may shorten it, a colleague may be named sponsor, and a completed request records
 * what it gave with its end date and the guest with its sponsor (in the directory too).
 */
import { VERBS } from '../../cards/verbs';
import { endOfDay } from '../../services/lifecycle/accessPeriod';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS } from '../../simulator/seed';
import { allInputs, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, say } from '../helpers/conversation';

const NOW = new Date('2026-03-01T09:00:00Z');
const PARTNER_PORTAL = DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal;
const PORTAL_READER = 'ee7f21b6-09b0-4fcc-a52e-726c1f589aeb';

const FORM = {
  displayName: 'Tia Temporary',
  email: 'tia.temporary@fabrikam.com',
  message: '',
  groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}`,
  directoryRoleId: 'none',
  justification: 'A four-week audit of the Falcon release.',
};

describe('access that ends, on the forms and at approval', () => {
  let harness: BotHarness;

  beforeEach(async () => {
    harness = await BotHarness.start({ GUEST_ACCESS_DEFAULT_DAYS: '30', GUEST_ACCESS_MAX_DAYS: '180' }, { clock: { now: () => NOW } });
    await say(harness, people.megan, 'hello');
  });

  afterEach(() => harness.stop());

  async function submit(form: Record<string, string>) {
    const opened = await say(harness, people.alex, 'invite');
    const card = invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId)));
    return { opened, card, text: cardText(card), requestId: /GA-[0-9A-Z]{6}/.exec(cardText(card))?.[0] };
  }

  async function approve(requestId: string, accessUntil?: string) {
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    const data = accessUntil === undefined ? { requestId } : { requestId, accessUntil };
    return invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, data, approval.activityId)));
  }

  it('suggests the default end date, refuses one past the maximum keeping what was typed, and records each grant with the end asked for', async () => {
    const opened = await say(harness, people.alex, 'invite');
    expect(allInputs(opened.card).find((i) => i.id === 'accessUntil')).toMatchObject({
      type: 'Input.Date',
      value: '2026-03-31',
      min: '2026-03-02',
      max: '2026-08-28',
    });

    const tooLong = await submit({ ...FORM, accessUntil: '2026-12-31' });
    expect(tooLong.requestId).toBeUndefined();
    expect(tooLong.text).toContain('Choose 2026-08-28 or earlier: access lasts at most 180 days without a new approval.');
    expect(allInputs(tooLong.card).find((i) => i.id === 'accessUntil')?.value).toBe('2026-12-31');
    expect(allInputs(tooLong.card).find((i) => i.id === 'email')?.value).toBe(FORM.email);

    const filed = await submit({ ...FORM, accessUntil: '2026-03-31' });
    const requestId = filed.requestId!;
    expect(filed.text).toContain('Access until: 2026-03-31');
    expect(cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))?.text).toContain('Access until: 2026-03-31');
    await approve(requestId);
    await harness.settle();

    const [guest] = harness.simulator.directory.findUsersByEmail(FORM.email);
    const grants = await harness.app.store.listGrants({ requestId });
    expect(grants.map((g) => [g.kind, g.targetName, g.given, g.state, g.endsAt])).toEqual([
      ['account', 'Guest account', true, 'active', endOfDay('2026-03-31')],
      ['group', 'Project Falcon', true, 'active', endOfDay('2026-03-31')],
      ['group', 'Contractors', true, 'active', endOfDay('2026-03-31')],
    ]);
    expect(grants.every((g) => g.guestId === guest.id)).toBe(true);
    expect(await harness.app.store.getManagedGuest(guest.id)).toMatchObject({
      sponsor: { kind: 'user', id: people.alex.aadObjectId, name: 'Alex Wilber' },
      createdByRequest: requestId,
    });
    // The sponsor is set in the directory with the invitation, so Entra shows it.
    expect(guest.sponsorIds).toEqual([people.alex.aadObjectId]);
  });

  it('lets the approver shorten the access but not lengthen it, and audits the date set', async () => {
    const { requestId } = await submit({ ...FORM, accessUntil: '2026-04-30' });
    const longer = cardText(await approve(requestId!, '2026-05-31'));
    expect(longer).toContain('Choose 2026-04-30 or earlier: an approver can shorten the access asked for, not lengthen it.');
    expect((await harness.app.store.getRequest(requestId!))?.state).toBe('pending');

    const shorter = cardText(await approve(requestId!, '2026-03-20'));
    expect(shorter).toContain('Access until: 2026-03-20 (shortened by the approver from 2026-04-30)');
    await harness.settle();
    expect((await harness.app.store.listGrants({ requestId: requestId! })).map((g) => g.endsAt)).toEqual([
      endOfDay('2026-03-20'),
      endOfDay('2026-03-20'),
      endOfDay('2026-03-20'),
    ]);
    const approved = (await harness.app.store.listAudit(requestId!)).find((a) => a.action === 'request_approved');
    expect(approved?.detail).toEqual({ accessUntil: '2026-03-20', asked: '2026-04-30' });
    expect(cardsFor(harness, people.alex).some((c) => c.text.includes('2026-03-20 (shortened by the approver from 2026-04-30)'))).toBe(true);
  });

  it('makes a colleague named on the form the sponsor, and refuses a guest or an unknown address as sponsor', async () => {
    const guestSponsor = await submit({ ...FORM, sponsorEmail: 'jane.doe@fabrikam.com' });
    expect(guestSponsor.text).toContain('jane.doe@fabrikam.com is a guest: a sponsor must be someone in your organisation.');
    expect(allInputs(guestSponsor.card).find((i) => i.id === 'sponsorEmail')?.value).toBe('jane.doe@fabrikam.com');
    const nobody = await submit({ ...FORM, sponsorEmail: 'nobody@example.com' });
    expect(nobody.text).toContain('There is nobody with the address nobody@example.com in your organisation.');

    const { requestId, text } = await submit({ ...FORM, sponsorEmail: 'IsaiahL@example.com' });
    expect(text).toContain('Sponsor: Isaiah Langer');
    await approve(requestId!);
    await harness.settle();
    const [guest] = harness.simulator.directory.findUsersByEmail(FORM.email);
    expect(guest.sponsorIds).toEqual([people.isaiah.aadObjectId]);
    expect((await harness.app.store.getManagedGuest(guest.id))?.sponsor).toEqual({ kind: 'user', id: people.isaiah.aadObjectId, name: 'Isaiah Langer' });
  });

  it('records an app role given to an existing guest with its assignment, and adds the sponsor in the directory', async () => {
    const ravi = DEMO_GUEST_IDS.raviKumarFabrikam;
    await say(harness, people.adele, 'hello'); // owns Partner Portal
    const opened = await say(harness, people.alex, 'request app ravi.kumar@fabrikam.com');
    const form = {
      guestId: ravi,
      email: '',
      displayName: '',
      message: '',
      appRole: `${PARTNER_PORTAL}|${PORTAL_READER}`,
      accessUntil: '2026-05-01',
      justification: 'Reads the partner portal for Falcon.',
    };
    const filed = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitAppAccess, form, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(filed)![0];
    const approval = cardsFor(harness, people.adele).find((c) => c.text.includes(requestId))!;
    await harness.post(harness.activities.cardAction(people.adele, VERBS.approve, { requestId }, approval.activityId));
    await harness.settle();

    const [grant] = await harness.app.store.listGrants({ requestId });
    const assignment = harness.simulator.directory.appRoles.ofPrincipal(ravi).find((a) => a.appRoleId === PORTAL_READER);
    expect(grant).toMatchObject({
      kind: 'appRole',
      targetId: `${PARTNER_PORTAL}:${PORTAL_READER}`,
      given: true,
      assignmentId: assignment?.id,
      endsAt: endOfDay('2026-05-01'),
    });
    // Ravi was invited outside the bot: no account grant, and the bot does not end his account.
    expect((await harness.app.store.getManagedGuest(ravi))?.createdByRequest).toBeUndefined();
    expect(harness.simulator.directory.getUser(ravi)?.sponsorIds).toContain(people.alex.aadObjectId);
  });

  it('records a group the guest was in already as not given by the request, and no account for a guest invited outside it', async () => {
    const { requestId } = await submit({ ...FORM, accessUntil: '2026-04-15' });
    // Meanwhile someone invites the guest outside the bot and puts them in Project Falcon.
    const outside = harness.simulator.directory.invite({ invitedUserEmailAddress: FORM.email, inviteRedirectUrl: 'https://myapps.microsoft.com' });
    harness.simulator.directory.addMember(DEMO_GROUP_IDS.projectFalcon, outside.user.id);
    await approve(requestId!);
    await harness.settle();

    const grants = await harness.app.store.listGrants({ requestId: requestId! });
    expect(grants.map((g) => [g.kind, g.targetName, g.given])).toEqual([
      ['group', 'Project Falcon', false],
      ['group', 'Contractors', true],
    ]);
    expect((await harness.app.store.getManagedGuest(outside.user.id))?.createdByRequest).toBeUndefined();
  });
});
