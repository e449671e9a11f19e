/**
 * The admins' policy (protected groups, allowed directory roles, guest domains) applies when a
 * request is filed, when someone approves, and again before the worker writes to the directory:
 * a change after filing wins, and nobody gets more than policy allows at that moment.
 */
import { VERBS } from '../../cards/verbs';
import { ROLE_TEMPLATE_IDS } from '../../simulator/roles';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { allActions, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardNaming, cardsFor, clickOnCard, invokeCard, say } from '../helpers/conversation';

const FORM = {
  displayName: 'Pat Partner',
  email: 'pat.partner@fabrikam.com',
  message: '',
  groupIds: DEMO_GROUP_IDS.contractors,
  directoryRoleId: 'none',
  justification: 'Joins the contractors for the Falcon audit.',
};
const GUEST_INVITER = ROLE_TEMPLATE_IDS.guestInviter;
/** The directory lists behind the protected groups are read again after this long. */
const CATALOG_CACHE_MS = 60_000;

describe('policy changes between filing and execution', () => {
  let harness: BotHarness;
  let later: BotHarness | undefined;
  let now: Date;

  async function start(env: Record<string, string> = {}) {
    now = new Date();
    harness = await BotHarness.start(env, { clock: { now: () => now } });
    await say(harness, people.megan, 'hello');
  }

  afterEach(async () => {
    await later?.stop();
    later = undefined;
    await harness.stop();
  });

  async function fileRequest(form: Record<string, string> = FORM): Promise<string> {
    const opened = await say(harness, people.alex, 'invite');
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, form, opened.activityId))));
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)?.[0];
    if (!requestId) throw new Error(`not filed:\n${status}`);
    return requestId;
  }

  /** Approves through `bot` with the first harness's worker kept idle, so that `bot`'s worker is the one that executes. */
  async function approveWithoutExecuting(bot: BotHarness, requestId: string): Promise<void> {
    await harness.app.worker.stop();
    expect(cardText(invokeCard(await clickOnCard(bot, people.megan, VERBS.approve, { requestId })))).toContain('Approved by Megan Bowen');
  }

  const auditActions = async (requestId: string) => (await harness.app.store.listAudit(requestId)).map((a) => a.action);
  const contractorsMembers = () => harness.simulator.directory.memberIds(DEMO_GROUP_IDS.contractors);

  describe('a group nested in the approver group after filing', () => {
    it('refuses the approval, says why on the card, keeps Deny, and audits the refusal', async () => {
      await start();
      const requestId = await fileRequest();
      harness.simulator.directory.addMember(DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.contractors);
      now = new Date(now.getTime() + CATALOG_CACHE_MS + 1_000);

      const card = invokeCard(await clickOnCard(harness, people.megan, VERBS.approve, { requestId }));
      expect(cardText(card)).toContain('This request can no longer be approved: Contractors is protected (the approver or admin group, a group nested in them');
      expect(cardText(card)).toContain('Deny it with a reason so the requester knows.');
      expect(allActions(card).map((a) => a.title)).toEqual(expect.arrayContaining(['Approve', 'Deny', 'Confirm deny']));
      expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
      const refusal = (await harness.app.store.listAudit(requestId)).find((a) => a.action === 'approve_refused');
      expect(refusal).toMatchObject({ actor: people.megan.aadObjectId, detail: { why: 'policy', fields: 'groupIds' } });

      const denied = cardText(
        invokeCard(await clickOnCard(harness, people.megan, VERBS.deny, { requestId, reason: 'Contractors now grants approval rights.' })),
      );
      expect(denied).toContain('Denied by Megan Bowen');
      await harness.settle();
      expect(harness.simulator.directory.invitations).toHaveLength(0);
    });

    it('stops the worker before its first write, and the request fails with the reason', async () => {
      await start();
      const requestId = await fileRequest();
      const membersBefore = contractorsMembers();
      await approveWithoutExecuting(harness, requestId);
      // Nested after the approval: the worker reads the protected groups afresh, not from the minute-old copy.
      harness.simulator.directory.addMember(DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.contractors);
      harness.app.worker.start();
      await harness.settle();

      const request = await harness.app.store.getRequest(requestId);
      expect(request?.state).toBe('failed');
      expect(request?.outcome).toMatchObject({ failedStep: 'policy', error: expect.stringContaining('Contractors is protected') });
      expect(harness.simulator.directory.invitations).toHaveLength(0);
      expect(harness.simulator.directory.findUsersByEmail(FORM.email)).toHaveLength(0);
      expect(contractorsMembers()).toEqual(membersBefore);
      const failure = (await harness.app.store.listAudit(requestId)).find((a) => a.action === 'request_failed');
      expect(failure?.detail).toMatchObject({ step: 'policy', nextStep: 'invite', refused: 'groupIds', stepsDone: '' });
      expect(cardsFor(harness, people.alex).at(-1)?.text).toContain("Failed while checking the request against your admins' policy");
    });
  });

  describe('a domain blocked after filing', () => {
    it('refuses the approval on a bot restarted with the new list', async () => {
      await start();
      const requestId = await fileRequest({ ...FORM, groupIds: '' });
      later = await BotHarness.alongside(harness, { BLOCKED_GUEST_DOMAINS: 'fabrikam.com' });
      const card = cardText(invokeCard(await clickOnCard(later, people.megan, VERBS.approve, { requestId })));
      expect(card).toContain('This request can no longer be approved: Guests from fabrikam.com are not allowed: the domain is blocked by your admins.');
      expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
      expect(await auditActions(requestId)).toContain('approve_refused');
    });

    it('fails an approved request on the worker of a bot restarted with the new list, inviting nobody', async () => {
      await start();
      const requestId = await fileRequest({ ...FORM, groupIds: '' });
      await approveWithoutExecuting(harness, requestId);
      later = await BotHarness.alongside(harness, { BLOCKED_GUEST_DOMAINS: 'fabrikam.com' });
      await later.app.worker.drain();
      await later.settle();

      const request = await harness.app.store.getRequest(requestId);
      expect(request?.state).toBe('failed');
      expect(request?.outcome?.error).toBe('Guests from fabrikam.com are not allowed: the domain is blocked by your admins.');
      expect(harness.simulator.directory.invitations).toHaveLength(0);
    });
  });

  describe('a directory role withdrawn from the allowed list', () => {
    const withRole = { ...FORM, groupIds: '', directoryRoleId: GUEST_INVITER };

    it('refuses the approval on a bot restarted without it', async () => {
      await start({ ASSIGNABLE_DIRECTORY_ROLES: GUEST_INVITER });
      const requestId = await fileRequest(withRole);
      later = await BotHarness.alongside(harness, { ASSIGNABLE_DIRECTORY_ROLES: '' });
      const card = cardText(invokeCard(await clickOnCard(later, people.megan, VERBS.approve, { requestId })));
      expect(card).toContain(
        'This request can no longer be approved: Guest Inviter cannot be requested here; your admins choose which directory roles can be.',
      );
      expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
    });

    it('assigns nothing when the worker of a bot restarted without it executes the approved request', async () => {
      await start({ ASSIGNABLE_DIRECTORY_ROLES: GUEST_INVITER });
      const requestId = await fileRequest(withRole);
      const inviters = () => harness.simulator.directory.roleAssignments.filter((a) => a.roleDefinitionId === GUEST_INVITER).length;
      const invitersBefore = inviters();
      await approveWithoutExecuting(harness, requestId);
      later = await BotHarness.alongside(harness, { ASSIGNABLE_DIRECTORY_ROLES: '' });
      await later.app.worker.drain();
      await later.settle();

      const request = await harness.app.store.getRequest(requestId);
      expect(request?.state).toBe('failed');
      expect(request?.outcome?.error).toContain('Guest Inviter cannot be requested here');
      expect(inviters()).toBe(invitersBefore);
      expect(harness.simulator.directory.invitations).toHaveLength(0);
      // The approver hears about the failure too.
      expect(cardNaming(harness, people.megan, requestId)).toBeDefined();
      expect(cardsFor(harness, people.megan).at(-1)?.text).toContain('Failed');
    });
  });
});
