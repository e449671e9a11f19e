import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { allInputs, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { invokeCard, say } from '../helpers/conversation';

const FORM = {
  displayName: 'Guest',
  email: 'new.person@fabrikam.com',
  message: 'Hello',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Working together on the Falcon launch plan.',
};

describe('invite form validation', () => {
  let harness: BotHarness;

  beforeAll(async () => {
    harness = await BotHarness.start({ BLOCKED_GUEST_DOMAINS: 'gmail.com', ASSIGNABLE_DIRECTORY_ROLES: '95e79109-95c0-4d8e-aee3-d01accf2d47b' });
  });

  afterAll(async () => {
    await harness.stop();
  });

  async function submit(changes: Record<string, string>) {
    const form = await say(harness, people.isaiah, 'invite');
    return invokeCard(await harness.post(harness.activities.cardAction(people.isaiah, VERBS.submitInvite, { ...FORM, ...changes }, form.activityId)));
  }

  function valueOf(card: ReturnType<typeof invokeCard>, id: string): unknown {
    return allInputs(card).find((input) => input.id === id)?.value;
  }

  it('offers the assignable groups and only the roles admins allowed', async () => {
    const form = await say(harness, people.isaiah, 'invite');
    expect(form.text).toContain('Project Falcon');
    expect(form.text).not.toContain('All Guests (dynamic)');
    expect(form.text).not.toContain('Finance Distribution');
    expect(form.text).not.toContain('Privileged Helpdesk');
    expect(form.text).toContain('Guest Inviter');
    expect(form.text).not.toContain('Global Administrator');
  });

  it('comes back with the values kept and the problem named when the address is malformed', async () => {
    const card = await submit({ email: 'not-an-address' });
    expect(cardText(card)).toContain('Enter one address of the form name@company.com.');
    expect(valueOf(card, 'email')).toBe('not-an-address');
    expect(valueOf(card, 'justification')).toBe(FORM.justification);
    expect(valueOf(card, 'message')).toBe('Hello');
    expect(valueOf(card, 'groupIds')).toBe(DEMO_GROUP_IDS.projectFalcon);
  });

  it('refuses a blocked domain', async () => {
    expect(cardText(await submit({ email: 'someone@gmail.com' }))).toContain('Guests from gmail.com are not allowed: the domain is blocked by your admins.');
  });

  it('refuses an address that already belongs to a guest, matching otherMails too', async () => {
    expect(cardText(await submit({ email: 'jane.doe@fabrikam.com' }))).toContain('jane.doe@fabrikam.com is already a guest');
    const alias = harness.simulator.directory.users.find((u) => u.userType === 'Guest' && u.otherMails.some((m) => m !== u.mail))!;
    const other = alias.otherMails.find((m) => m !== alias.mail)!;
    expect(cardText(await submit({ email: other.toUpperCase() }))).toContain('in your directory');
  });

  it('refuses an address of a member of the organisation', async () => {
    expect(cardText(await submit({ email: 'meganb@example.com' }))).toContain('belongs to someone in your organisation');
  });

  it('refuses a second request for an address that already has one open', async () => {
    const first = await submit({ email: 'twice@fabrikam.com' });
    expect(cardText(first)).toContain('Waiting for approval');
    const second = await submit({ email: 'Twice@Fabrikam.com' });
    expect(cardText(second)).toMatch(/already an open request for twice@fabrikam\.com \(GA-/);
  });

  it('refuses a group that cannot take guests', async () => {
    const card = await submit({ email: 'grouped@fabrikam.com', groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.allGuestsDynamic}` });
    expect(cardText(card)).toContain('1 of the chosen groups no longer exist or cannot take guests');
  });

  it('never offers or accepts the approver and admin groups, or groups nested in them', async () => {
    const form = await say(harness, people.isaiah, 'invite');
    for (const name of ['Guest Access Approvers', 'Guest Access Admins', 'Security Team']) expect(form.text).not.toContain(name);
    const card = await submit({ email: 'sneaky@fabrikam.com', groupIds: DEMO_GROUP_IDS.securityTeam });
    expect(cardText(card)).toContain(
      'Security Team is protected (the approver or admin group, a group nested in them, or a group that can hold directory roles)',
    );
    const search = await harness.post(harness.activities.search(people.isaiah, 'groups', 'Guest Access'));
    expect(search.body).toMatchObject({ value: { results: [] } });
  });

  it('requires a justification', async () => {
    expect(cardText(await submit({ email: 'why@fabrikam.com', justification: '' }))).toContain('Say why this guest needs access');
  });

  it('records the requested role and warns approvers about it', async () => {
    await say(harness, people.megan, 'hello');
    const card = await submit({ email: 'role@fabrikam.com', directoryRoleId: '95e79109-95c0-4d8e-aee3-d01accf2d47b' });
    expect(cardText(card)).toContain('Guest Inviter');
    const approvals = harness.connector
      .cards()
      .map((c) => JSON.stringify(c))
      .filter((c) => c.includes('role@fabrikam.com'));
    expect(approvals.join('')).toContain('grants a directory role');
  });
});
