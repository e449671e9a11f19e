/**
 * A guest's access ending, on the injected clock: the sponsor's notice GUEST_EXPIRY_NOTICE_DAYS
 * before the last day, Extend and Let it end, and at the end the removal of exactly what the
 * request gave, GUEST_END_ACTION for a guest the bot invited, and the sponsor told.
 */
import { VERBS } from '../../cards/verbs';
import { endOfDay } from '../../services/lifecycle/accessPeriod';
import { GUEST_ACCESS_ENDS } from '../../services/lifecycle/guestLifecycle';
import { GRAPH_APP_ROLES } from '../../simulator/permissions';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { allActions, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, invokeError, say } from '../helpers/conversation';
import type { TeamsUser } from '../helpers/teamsActivities';

const DAY = 24 * 60 * 60 * 1000;
const DAY_0 = new Date('2026-03-01T09:00:00Z');

const FORM = {
  displayName: 'Olga Auditor',
  email: 'olga.auditor@fabrikam.com',
  message: '',
  groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}`,
  directoryRoleId: 'none',
  justification: 'Audits the Falcon release for four weeks.',
};

describe('access that ends', () => {
  let harness: BotHarness;
  let now: Date;

  async function start(env: Record<string, string> = {}) {
    now = DAY_0;
    harness = await BotHarness.start({ GUEST_ACCESS_DEFAULT_DAYS: '30', GUEST_EXPIRY_NOTICE_DAYS: '7', ...env }, { clock: { now: () => now } });
    await say(harness, people.megan, 'hello');
  }

  afterEach(() => harness.stop());

  /** Alex asks for a 30-day invitation (the default date), Megan approves, the worker invites. */
  async function invited(form: Record<string, string> = FORM): Promise<{ requestId: string; guestId: string }> {
    const opened = await say(harness, people.alex, 'invite');
    const filed = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(filed)![0];
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId));
    await harness.settle();
    const [guest] = harness.simulator.directory.findUsersByEmail(form.email);
    return { requestId, guestId: guest.id };
  }

  /** Moves the clock to `days` after day 0 and runs what is due, as the periodic tick would. */
  async function dayAfter(days: number, hours = 0): Promise<void> {
    now = new Date(DAY_0.getTime() + days * DAY + hours * 60 * 60 * 1000);
    expect(await harness.app.periodic.runDue()).toContain(GUEST_ACCESS_ENDS);
    await harness.settle();
  }

  const notices = (user: TeamsUser) => cardsFor(harness, user, 'send').filter((c) => c.text.includes('Access ending:'));
  const endings = (user: TeamsUser) => cardsFor(harness, user, 'send').filter((c) => c.text.includes('Access ended:'));

  it('tells the sponsor on day 23 of a 30-day invitation, and Extend moves the end, audited on the request', async () => {
    await start();
    const { requestId, guestId } = await invited();
    expect((await harness.app.store.listGrants({ requestId })).map((g) => g.endsAt)).toEqual([
      endOfDay('2026-03-31'),
      endOfDay('2026-03-31'),
      endOfDay('2026-03-31'),
    ]);

    await dayAfter(22);
    expect(notices(people.alex)).toHaveLength(0);
    await dayAfter(23);
    const [notice] = notices(people.alex);
    expect(notice.text).toContain('You sponsor olga.auditor@fabrikam.com. This access ends after **2026-03-31** (UTC):');
    expect(notice.text).toContain('Project Falcon (group)');
    expect(notice.text).toContain('With nothing else left, their sign-in is disabled');
    expect(allActions(notice.card).map((a) => a.title)).toEqual(['Extend', 'Let it end']);

    const extended = cardText(
      invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.extendAccess, { guestId, accessUntil: '2026-06-30' }, notice.activityId))),
    );
    expect(extended).toContain('Extended until 2026-06-30 by Alex Wilber on 2026-03-24.');
    expect((await harness.app.store.listGrants({ requestId })).map((g) => g.endsAt)).toEqual([
      endOfDay('2026-06-30'),
      endOfDay('2026-06-30'),
      endOfDay('2026-06-30'),
    ]);
    const audit = (await harness.app.store.listAudit(requestId)).filter((a) => a.action === 'grant_extended');
    expect(audit).toHaveLength(3);
    expect(audit[0]).toMatchObject({ actor: people.alex.aadObjectId, detail: { from: '2026-03-31', to: '2026-06-30' } });
    const timeline = await say(harness, people.adele, `audit ${requestId}`);
    expect(timeline.text).toContain('**Alex Wilber** extended the access');

    // The old end passes without anything ending; the new end gets a notice of its own.
    await dayAfter(31);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guestId)).toBe(true);
    expect(notices(people.alex)).toHaveLength(1);
    await dayAfter(115);
    expect(notices(people.alex)).toHaveLength(2);
  });

  it('ends an ignored notice: the memberships are removed, the guest disabled, and the sponsor told', async () => {
    await start();
    const { requestId, guestId } = await invited();
    await dayAfter(23);
    expect(notices(people.alex)).toHaveLength(1);

    await dayAfter(30, 14); // 2026-03-31 23:00 UTC: the last day, not over yet
    expect(harness.simulator.directory.getUser(guestId)?.accountEnabled).toBe(true);
    await dayAfter(31, -9); // 2026-04-01 00:00 UTC
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guestId)).toBe(false);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.contractors, guestId)).toBe(false);
    expect(harness.simulator.directory.getUser(guestId)?.accountEnabled).toBe(false);
    expect((await harness.app.store.listGrants({ requestId })).map((g) => [g.state, g.endReason])).toEqual([
      ['ended', 'accountGrantEnded'],
      ['ended', 'removed'],
      ['ended', 'removed'],
    ]);
    expect(await harness.app.store.getManagedGuest(guestId)).toMatchObject({ endState: 'disabled' });

    const [ended] = endings(people.alex);
    expect(ended.text).toContain('Removed: Project Falcon (group), Contractors (group)');
    expect(ended.text).toContain('Their sign-in is disabled.');
    const actions = (await harness.app.store.listAudit(requestId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'grant_ended')).toHaveLength(3);
    expect(actions.filter((a) => a === 'guest_end_started')).toHaveLength(1);
    expect(actions.filter((a) => a === 'guest_ended')).toHaveLength(1);

    // Nothing is done twice: the next runs find nothing due and nothing left.
    await dayAfter(32);
    expect(endings(people.alex)).toHaveLength(1);
  });

  it('never removes what someone else gave: a group the guest was in already stays, and a guest invited outside the bot keeps its account', async () => {
    await start();
    const opened = await say(harness, people.alex, 'invite');
    const filed = cardText(
      invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, { ...FORM, accessUntil: '2026-03-10' }, opened.activityId))),
    );
    const requestId = /GA-[0-9A-Z]{6}/.exec(filed)![0];
    // Before the approval, an admin invites the guest in the portal and adds them to Project Falcon.
    const outside = harness.simulator.directory.invite({ invitedUserEmailAddress: FORM.email, inviteRedirectUrl: 'https://myapps.microsoft.com' });
    harness.simulator.directory.addMember(DEMO_GROUP_IDS.projectFalcon, outside.user.id);
    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
    await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId));
    await harness.settle();

    await dayAfter(10); // 2026-03-11 09:00 UTC
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, outside.user.id)).toBe(true);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.contractors, outside.user.id)).toBe(false);
    expect(harness.simulator.directory.getUser(outside.user.id)?.accountEnabled).toBe(true);
    const [ended] = endings(people.alex);
    expect(ended.text).toContain('Removed: Contractors (group)');
    expect(ended.text).not.toContain('sign-in is disabled');
    expect(harness.simulator.directory.invitations.filter((i) => i.email === FORM.email)).toHaveLength(1);
  });

  it("hands a membership over to a later request of the bot's that asked for it too, instead of removing it", async () => {
    await start();
    const { guestId } = await invited({ ...FORM, groupIds: DEMO_GROUP_IDS.projectFalcon, accessUntil: '2026-03-10' });
    // A second request gives the guest an app, and a longer stay in Project Falcon through a group the worker finds it in.
    const grants = await harness.app.store.listGrants({ guestId });
    expect(grants.map((g) => g.kind)).toEqual(['account', 'group']);
    const second = await harness.app.store.createRequest(
      {
        id: 'GA-SECOND',
        kind: 'invite',
        requester: people.isaiah,
        tenantId: harness.config.expectedTenantId,
        details: {
          email: FORM.email,
          displayName: 'Olga',
          message: '',
          groups: [{ id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' }],
          justification: 'Stays longer',
          accessUntil: '2026-05-31',
        },
        createdAt: now.toISOString(),
      },
      { actor: people.isaiah.aadObjectId, action: 'request_created', at: now.toISOString() },
    );
    await harness.app.store.transition({
      id: second.id,
      from: 'pending',
      expectedVersion: 1,
      to: 'approved',
      patch: { decision: { outcome: 'approved', by: people.megan, at: now.toISOString() } },
      audit: { actor: people.megan.aadObjectId, action: 'request_approved', at: now.toISOString() },
      enqueueJob: true,
    });
    await harness.settle();
    expect((await harness.app.store.listGrants({ requestId: 'GA-SECOND' })).map((g) => [g.kind, g.given])).toEqual([['group', false]]);

    await dayAfter(10);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guestId)).toBe(true);
    expect((await harness.app.store.listGrants({ guestId })).map((g) => [g.requestId === 'GA-SECOND' ? 'second' : 'first', g.kind, g.state, g.given])).toEqual([
      ['first', 'account', 'ended', true],
      ['first', 'group', 'ended', true],
      ['second', 'group', 'active', true],
    ]);
    // The guest keeps its account: a grant is still live.
    expect(harness.simulator.directory.getUser(guestId)?.accountEnabled).toBe(true);
    await dayAfter(92);
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guestId)).toBe(false);
    expect(harness.simulator.directory.getUser(guestId)?.accountEnabled).toBe(false);
  });

  it('records Let it end and changes nothing', async () => {
    await start();
    const { requestId, guestId } = await invited();
    await dayAfter(23);
    const [notice] = notices(people.alex);
    const letEnd = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.letAccessEnd, { guestId }, notice.activityId))));
    expect(letEnd).toContain('Alex Wilber lets it end on 2026-03-31.');
    expect((await harness.app.store.listAudit(requestId)).map((a) => a.action)).toContain('grant_end_accepted');
    expect((await harness.app.store.listGrants({ requestId })).every((g) => g.endsAt === endOfDay('2026-03-31'))).toBe(true);
  });

  it('asks the approvers for an extension past the maximum, as a request of its own, and extends once they approve', async () => {
    await start({ GUEST_ACCESS_MAX_DAYS: '60' });
    const { requestId, guestId } = await invited();
    await dayAfter(23);
    const [notice] = notices(people.alex);
    const asked = cardText(
      invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.extendAccess, { guestId, accessUntil: '2026-12-31' }, notice.activityId))),
    );
    expect(asked).toMatch(
      /Until 2026-12-31 is past the 60 days access may last without a new approval, so it was asked of the approvers: request GA-[0-9A-Z]{6}\. Until they decide, the access still ends after 2026-03-31\./,
    );
    const extensionId = /GA-[0-9A-Z]{6}/.exec(asked)![0];
    expect((await harness.app.store.listGrants({ requestId })).every((g) => g.endsAt === endOfDay('2026-03-31'))).toBe(true);

    const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(extensionId))!;
    expect(approval.text).toContain(
      "asks to extend **olga.auditor@fabrikam.com**'s access until **2026-12-31**, longer than the policy allows without an approval.",
    );
    const decided = cardText(
      invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId: extensionId }, approval.activityId))),
    );
    expect(decided).toContain('Approved by Megan Bowen');
    await harness.settle();
    expect((await harness.app.store.getRequest(extensionId))?.state).toBe('completed');
    expect((await harness.app.store.listGrants({ requestId })).every((g) => g.endsAt === endOfDay('2026-12-31'))).toBe(true);
    const extended = (await harness.app.store.listAudit(requestId)).filter((a) => a.action === 'grant_extended');
    expect(extended[0]?.detail).toMatchObject({ from: '2026-03-31', to: '2026-12-31', byRequest: extensionId });
    expect(
      cardsFor(harness, people.alex).some((c) => c.text.includes('Access extended: olga.auditor@fabrikam.com keeps what the bot gave until 2026-12-31.')),
    ).toBe(true);
    // Asking again while the first is open files nothing new.
    await dayAfter(24);
    expect(harness.simulator.directory.invitations.filter((i) => i.email === FORM.email)).toHaveLength(1);
  });

  it('accepts Extend only on the card sent about that guest', async () => {
    await start();
    const { guestId } = await invited();
    await dayAfter(23);
    const [notice] = notices(people.alex);
    // Isaiah has no such card: a click naming the guest is refused and audited, and nothing moves.
    const forged = invokeError(
      await harness.post(harness.activities.cardAction(people.isaiah, VERBS.extendAccess, { guestId, accessUntil: '2026-06-30' }, notice.activityId)),
    );
    expect(forged).toMatchObject({ statusCode: 400 });
    expect((await harness.app.store.listGrants({ guestId })).every((g) => g.endsAt === endOfDay('2026-03-31'))).toBe(true);
  });

  it('marks a removal Graph refuses for good as failed, tells the sponsor why, and still ends the account', async () => {
    await start();
    const { requestId, guestId } = await invited({ ...FORM, groupIds: DEMO_GROUP_IDS.projectFalcon, accessUntil: '2026-03-05' });
    // An admin withdrew the permission to change group members since the guest was added.
    harness.simulator.setPermissions(
      GRAPH_APP_ROLES.map((r) => r.value).filter((p) => !['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'].includes(p)),
    );
    await dayAfter(5);
    const group = (await harness.app.store.listGrants({ requestId })).find((g) => g.kind === 'group');
    expect(group).toMatchObject({ state: 'failed', endReason: expect.stringContaining('Authorization_RequestDenied') });
    expect(harness.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guestId)).toBe(true);
    expect(harness.simulator.directory.getUser(guestId)?.accountEnabled).toBe(false);
    const [told, ...more] = endings(people.alex);
    expect(more).toEqual([]);
    expect(told.text).toContain('Project Falcon (group): The bot is not allowed to do this in the directory (Authorization\\_RequestDenied)');
    expect(told.text).toContain('Their sign-in is disabled.');
    expect((await harness.app.store.listAudit(requestId)).map((a) => a.action)).toContain('grant_end_failed');
  });

  it.each([
    ['delete', (h: BotHarness, id: string) => expect(h.simulator.directory.getUser(id)).toBeUndefined(), 'The guest is deleted (restorable for 30 days).'],
    ['none', (h: BotHarness, id: string) => expect(h.simulator.directory.getUser(id)?.accountEnabled).toBe(true), 'The guest account stays'],
  ] as const)('applies GUEST_END_ACTION=%s at the end', async (action, check, told) => {
    await start({ GUEST_END_ACTION: action });
    const { guestId } = await invited({ ...FORM, accessUntil: '2026-03-05' });
    await dayAfter(5);
    check(harness, guestId);
    expect(endings(people.alex)[0]?.text).toContain(told);
  });
});
