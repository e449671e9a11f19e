import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VERBS } from '../../cards/verbs';
import { ESCALATE_APPROVAL_STAGES } from '../../services/requests/policies/stageEscalation';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS, DEMO_SERVICE_PRINCIPAL_IDS, DEMO_USER_IDS } from '../../simulator/seed';
import { allActions, allInputs, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, invokeCard, invokeError, say } from '../helpers/conversation';
import type { TeamsUser } from '../helpers/teamsActivities';

const HOUR = 60 * 60 * 1000;

/** Members of the demo tenant's Security Team. */
const johanna: TeamsUser = { aadObjectId: DEMO_USER_IDS.johannaLorenz, name: 'Johanna Lorenz' };
const lee: TeamsUser = { aadObjectId: DEMO_USER_IDS.leeGu, name: 'Lee Gu' };

const FORM = {
  displayName: 'Jane New (Fabrikam)',
  email: 'jane.new@fabrikam.com',
  message: 'Welcome',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Fabrikam engineers co-develop the Falcon release with us.',
};

const dir = mkdtempSync(path.join(tmpdir(), 'policies-conversation-'));
let files = 0;

/** Writes a policies file and returns its path, for POLICIES_PATH. */
function policiesFile(yaml: string): string {
  files += 1;
  const file = path.join(dir, `policies-${files}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** Manager first, then a group, for guests from fabrikam.com. */
const TWO_STAGES = (secondGroup: string, secondName: string) => `
policies:
  - name: Fabrikam guests
    match: { domains: [fabrikam.com] }
    stages:
      - name: the requester's manager
        approvers: manager
      - name: ${secondName}
        approvers: group
        group: { id: ${secondGroup}, name: ${secondName} }
`;

describe('approval policies over HTTP', () => {
  let harness: BotHarness;
  let now: Date;
  /** The message id of the form the last request was filed from, which became its status card. */
  let lastFormId = '';

  async function start(yaml: string): Promise<void> {
    now = new Date('2026-11-30T09:00:00Z');
    harness = await BotHarness.start({ POLICIES_PATH: policiesFile(yaml) }, { clock: { now: () => now } });
  }

  afterEach(async () => {
    await harness.stop();
  });

  /** The requester files the invite form; returns the request id from the status card. */
  async function file(form: Record<string, string> = FORM, requester: TeamsUser = people.alex): Promise<string> {
    const opened = await say(harness, requester, 'invite');
    const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(requester, VERBS.submitInvite, form, opened.activityId))));
    lastFormId = opened.activityId;
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)?.[0];
    if (!requestId) throw new Error(`No request id on the status card:\n${status}`);
    return requestId;
  }

  /** The latest card naming the request that `user` was sent (not an update). */
  function cardOf(user: TeamsUser, requestId: string) {
    const cards = cardsFor(harness, user, 'send').filter((c) => c.text.includes(requestId));
    const card = cards[cards.length - 1];
    if (!card) throw new Error(`${user.name} has no card naming ${requestId}`);
    return card;
  }

  function approve(user: TeamsUser, requestId: string, inputs: Record<string, string> = {}) {
    return harness.post(harness.activities.cardAction(user, VERBS.approve, { requestId, ...inputs }, cardOf(user, requestId).activityId));
  }

  it("runs a two-stage invite: the requester's manager, then the security team, a different person each, and executes only after the last", async () => {
    await start(TWO_STAGES(DEMO_GROUP_IDS.securityTeam, 'security team'));
    for (const user of [people.megan, people.isaiah, johanna, lee]) await say(harness, user, 'hello');
    const requestId = await file();

    // Stage 1 goes to Alex's manager only: not to the approver group.
    const first = cardOf(people.isaiah, requestId);
    expect(first.text).toContain("Stage 1 of 2: the requester's manager");
    expect(allInputs(first.card).map((i) => i.id)).toEqual(expect.arrayContaining(['accessUntil', 'comment', 'reason']));
    expect(cardsFor(harness, people.megan).some((c) => c.text.includes(requestId))).toBe(false);
    expect(cardsFor(harness, johanna).some((c) => c.text.includes(requestId))).toBe(false);

    const afterFirst = cardText(invokeCard(await approve(people.isaiah, requestId, { comment: 'Jane works on my team' })));
    expect(afterFirst).toContain('This stage was approved by Isaiah Langer. The request is now at Stage 2 of 2: security team.');
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
    await harness.settle();
    expect(harness.simulator.directory.invitations).toHaveLength(0);

    // Stage 2 goes to the security team, showing who decided stage 1 and why.
    const second = cardOf(johanna, requestId);
    expect(second.text).toContain('Stage 2 of 2: security team');
    expect(second.text).toMatch(/Stage 1 \(the requester's manager\): approved by Isaiah Langer on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: Jane works on my team/);
    expect(cardOf(lee, requestId).text).toContain('Stage 2 of 2: security team');
    // An admin's pending overview names who decides the stage waiting now.
    await say(harness, people.adele, 'hello');
    const overview = await say(harness, people.adele, 'pending');
    expect(overview.text).toContain('approvers: Johanna Lorenz, Lee Gu');
    expect(cardsFor(harness, people.isaiah, 'send').filter((c) => c.text.includes(requestId))).toHaveLength(1);
    // Isaiah's stage 1 card was updated in place: decided, and no buttons any more.
    const isaiahUpdates = harness.connector.recorded.filter((r) => r.kind === 'update' && r.activityId === first.activityId);
    const lastUpdate = isaiahUpdates[isaiahUpdates.length - 1];
    expect(JSON.stringify(lastUpdate?.activity)).toContain('This stage was approved by Isaiah Langer');
    expect(JSON.stringify(lastUpdate?.activity)).not.toContain(VERBS.approve);

    const decided = cardText(invokeCard(await approve(johanna, requestId)));
    expect(decided).toMatch(/Approved by Johanna Lorenz/);
    await harness.settle();
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('completed');
    expect(harness.simulator.directory.findUsersByEmail(FORM.email)).toHaveLength(1);

    const actions = (await harness.app.store.listAudit(requestId)).map((a) => `${a.action}:${a.actor}:${String(a.detail?.stage ?? '')}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `stage_approved:${DEMO_USER_IDS.isaiahLanger}:1`,
        `approval_requested:system:2`,
        `request_approved:${DEMO_USER_IDS.johannaLorenz}:2`,
        `request_completed:system:`,
      ]),
    );
    // Lee's card shows the request decided; the late click is told who was first.
    const late = cardText(invokeCard(await approve(lee, requestId)));
    expect(late).toContain('This request was already approved by Johanna Lorenz.');
  });

  it('refuses an approver on stage 2 after they decided stage 1, and never lets a requester decide their own', async () => {
    await start(TWO_STAGES(DEMO_GROUP_IDS.admins, 'admins'));
    // Adele is Alex's manager here, and also in the admin group that decides stage 2.
    harness.simulator.directory.setManager(DEMO_USER_IDS.alexWilber, DEMO_USER_IDS.adeleVance);
    for (const user of [people.adele, people.lynne]) await say(harness, user, 'hello');
    const requestId = await file();

    invokeCard(await approve(people.adele, requestId));
    // Adele decided stage 1, so the stage 2 card is not even sent to her; a click anyway is refused.
    expect(cardsFor(harness, people.lynne, 'send').filter((c) => c.text.includes(requestId))).toHaveLength(1);
    const refused = invokeError(
      await harness.post(harness.activities.cardAction(people.adele, VERBS.approve, { requestId }, cardOf(people.adele, requestId).activityId)),
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.message).toBe('You decided stage 1 of this request, so someone else has to decide stage 2 of 2: admins.');
    const denied = invokeError(
      await harness.post(harness.activities.cardAction(people.adele, VERBS.deny, { requestId, reason: 'no' }, cardOf(people.adele, requestId).activityId)),
    );
    expect(denied.statusCode).toBe(403);
    const audit = await harness.app.store.listAudit(requestId);
    expect(audit.filter((a) => a.action === 'approve_refused')).toEqual([
      expect.objectContaining({ actor: DEMO_USER_IDS.adeleVance, detail: { why: 'decided_other_stage' } }),
    ]);
    expect((await harness.app.store.getRequest(requestId))?.approval?.current).toBe(1);

    // Lynne, another admin, decides stage 2.
    invokeCard(await approve(people.lynne, requestId));
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('approved');

    // Lynne files one herself: she is the requester, so she can never decide it, whichever stage.
    harness.simulator.directory.setManager(DEMO_USER_IDS.lynneRobbins, DEMO_USER_IDS.adeleVance);
    const own = await file({ ...FORM, email: 'own.guest@fabrikam.com' }, people.lynne);
    invokeCard(await approve(people.adele, own));
    const self = invokeError(await harness.post(harness.activities.cardAction(people.lynne, VERBS.approve, { requestId: own }, lastFormId)));
    expect(self).toMatchObject({ statusCode: 403, message: 'You asked for this guest, so another approver has to decide.' });
  });

  it('needs N distinct people on a stage, each counted once', async () => {
    await start(`
policies:
  - name: Two of security
    stages:
      - { name: security team, approvers: group, group: { id: ${DEMO_GROUP_IDS.securityTeam}, name: Security Team }, approvals: 2 }
`);
    for (const user of [johanna, lee]) await say(harness, user, 'hello');
    const requestId = await file();
    const once = cardText(invokeCard(await approve(johanna, requestId)));
    expect(once).toContain('This stage needs 2 approvals from different people; 1 so far (Johanna Lorenz).');
    const twice = invokeError(await approve(johanna, requestId));
    expect(twice.message).toBe('You approved this stage already; it needs 2 approvals from different people.');
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
    invokeCard(await approve(lee, requestId));
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('approved');
  });

  it('reminds the stage, then escalates it to its fallback group, on the injected clock, audited', async () => {
    await start(`
policies:
  - name: Manager decides
    stages:
      - name: the requester's manager
        approvers: manager
        fallbackGroup: { id: ${DEMO_GROUP_IDS.approvers}, name: Guest Access Approvers }
        escalation: { remindAfter: 1h, escalateAfter: 3h }
`);
    for (const user of [people.isaiah, people.megan]) await say(harness, user, 'hello');
    const requestId = await file();
    const isaiahCards = () => cardsFor(harness, people.isaiah, 'send').filter((c) => c.text.includes(requestId));
    expect(isaiahCards()).toHaveLength(1);

    const filedAt = now.getTime();
    // The task looks every five minutes: before the hour nothing is due.
    now = new Date(filedAt + 50 * 60_000);
    expect(await harness.app.periodic.runDue()).toContain(ESCALATE_APPROVAL_STAGES);
    expect(isaiahCards()).toHaveLength(1);

    now = new Date(filedAt + HOUR + 5 * 60_000);
    expect(await harness.app.periodic.runDue()).toContain(ESCALATE_APPROVAL_STAGES);
    await harness.settle();
    expect(isaiahCards()).toHaveLength(2);
    expect(isaiahCards()[1]?.text).toContain('Reminder: this stage has waited for a decision since 2026-11-30 09:00 UTC.');
    expect(cardsFor(harness, people.megan).some((c) => c.text.includes(requestId))).toBe(false);

    now = new Date(filedAt + 2 * HOUR + 30 * 60_000);
    await harness.app.periodic.runDue();
    expect(cardsFor(harness, people.megan).some((c) => c.text.includes(requestId))).toBe(false);
    now = new Date(filedAt + 3 * HOUR);
    expect(await harness.app.periodic.runDue()).toContain(ESCALATE_APPROVAL_STAGES);
    await harness.settle();
    const escalated = cardOf(people.megan, requestId);
    expect(escalated.text).toContain('Nobody decided in time, so this stage was escalated to Guest Access Approvers as well.');
    const audit = (await harness.app.store.listAudit(requestId)).filter((a) => a.actor === 'system').map((a) => a.action);
    expect(audit).toEqual(['approval_requested', 'stage_reminder_sent', 'approval_reminded', 'stage_escalated', 'approval_requested']);

    invokeCard(await approve(people.megan, requestId));
    expect((await harness.app.store.getRequest(requestId))?.decision?.by.name).toBe('Megan Bowen');
  });

  it('sends a manager stage to its fallback group, saying so on the card, when the requester has no manager', async () => {
    await start(`
policies:
  - name: Manager decides
    stages:
      - { name: the requester's manager, approvers: manager, fallbackGroup: { id: ${DEMO_GROUP_IDS.approvers}, name: Guest Access Approvers } }
`);
    await say(harness, people.megan, 'hello');
    // Isaiah has no manager in the demo tenant.
    const requestId = await file(FORM, people.isaiah);
    const card = cardOf(people.megan, requestId);
    expect(card.text).toContain("Stage 1 of 1: the requester's manager");
    expect(card.text).toContain('Isaiah Langer has no manager in the directory, so this stage went to Guest Access Approvers.');
    invokeCard(await approve(people.megan, requestId));
    expect((await harness.app.store.getRequest(requestId))?.state).toBe('approved');
  });

  it('shows the questions on the form, enforces a required one with the values kept, and shows the answers on every card and in audit', async () => {
    await start(`
policies:
  - name: Invites need a ticket
    match: { kinds: [invite] }
    stages: [{ name: approvers, approvers: group, group: ${DEMO_GROUP_IDS.approvers} }]
    questions:
      - { id: ticket, label: Change ticket, type: text, required: true }
      - { id: site, label: Where they work, type: choice, choices: [On site, Remote] }
  - name: Watched domain
    match: { domains: [contoso.com] }
    stages:
      - { name: approvers, approvers: group, group: ${DEMO_GROUP_IDS.approvers} }
      - { name: security, approvers: group, group: ${DEMO_GROUP_IDS.securityTeam} }
    questions:
      - { id: nda, label: Date the NDA was signed, type: date, required: true }
`);
    for (const user of [people.megan, people.adele]) await say(harness, user, 'hello');
    const opened = await say(harness, people.alex, 'invite');
    expect(allInputs(opened.card).map((i) => i.id)).toEqual(expect.arrayContaining(['answer_ticket', 'answer_site']));

    const back = invokeCard(
      await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, { ...FORM, answer_site: 'Remote' }, opened.activityId)),
    );
    const backText = cardText(back);
    expect(backText).toContain('Your request falls under the policy "Invites need a ticket": answer its questions below.');
    expect(backText).toContain('Answer "Change ticket": this request\'s policy requires it.');
    const inputs = allInputs(back);
    expect(inputs.find((i) => i.id === 'displayName')?.value).toBe(FORM.displayName);
    expect(inputs.find((i) => i.id === 'justification')?.value).toBe(FORM.justification);
    expect(inputs.find((i) => i.id === 'answer_site')?.value).toBe('Remote');
    expect(await harness.app.store.listRequestsByState(['pending'], 10)).toEqual([]);

    // A guest from the watched domain brings that policy's question when the form comes back.
    const watched = invokeCard(
      await harness.post(
        harness.activities.cardAction(people.alex, VERBS.submitInvite, { ...FORM, email: 'sam@contoso.com', answer_ticket: 'CHG-1' }, opened.activityId),
      ),
    );
    expect(cardText(watched)).toContain('Your request falls under the policy "Watched domain"');
    expect(allInputs(watched).find((i) => i.id === 'answer_nda')).toBeDefined();

    const status = cardText(
      invokeCard(
        await harness.post(
          harness.activities.cardAction(people.alex, VERBS.submitInvite, { ...FORM, answer_ticket: 'CHG-4711', answer_site: 'Remote' }, opened.activityId),
        ),
      ),
    );
    const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
    expect(status).toContain('CHG-4711');
    expect((await harness.app.store.getRequest(requestId))?.details.answers).toEqual([
      { id: 'ticket', label: 'Change ticket', answer: 'CHG-4711' },
      { id: 'site', label: 'Where they work', answer: 'Remote' },
    ]);
    const approval = cardOf(people.megan, requestId);
    expect(approval.text).toContain('Change ticket');
    expect(approval.text).toContain('CHG-4711');
    const audit = await say(harness, people.adele, `audit ${requestId}`);
    expect(audit.text).toContain('Invites need a ticket');
    expect(audit.text).toContain('CHG-4711');
    expect(audit.text).toContain('Remote');
  });

  it('refuses on the form a request that would give a guest an incompatible combination, naming what conflicts', async () => {
    await start(`
policies:
  - name: Everything
    stages: [{ name: approvers, approvers: group, group: ${DEMO_GROUP_IDS.approvers} }]
separationOfDuties:
  - name: Contractors stay out of Project Falcon
    groups: [{ id: ${DEMO_GROUP_IDS.contractors}, name: Contractors }, { id: ${DEMO_GROUP_IDS.projectFalcon}, name: Project Falcon }]
  - name: Partners do not file expenses
    groups: [{ id: ${DEMO_GROUP_IDS.partnerPortalUsers}, name: Partner Portal Users }]
    apps: [{ id: ${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}, name: Expense Hub }]
`);
    await say(harness, people.megan, 'hello');
    const opened = await say(harness, people.alex, 'invite');
    const both = { ...FORM, groupIds: `${DEMO_GROUP_IDS.projectFalcon},${DEMO_GROUP_IDS.contractors}` };
    const back = invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, both, opened.activityId)));
    expect(cardText(back)).toContain(
      'Separation of duties (Contractors stay out of Project Falcon): jane.new@fabrikam.com would hold both Contractors and Project Falcon, which must not be held together.',
    );
    expect(allInputs(back).find((i) => i.id === 'email')?.value).toBe(FORM.email);

    // Dana is a member of Partner Portal Users already: Expense Hub would join the two.
    const appForm = await say(harness, people.alex, 'request app dana.whitfield@contoso.com');
    const submitted = invokeCard(
      await harness.post(
        harness.activities.cardAction(
          people.alex,
          VERBS.submitAppAccess,
          {
            guestId: DEMO_GUEST_IDS.danaWhitfieldContoso,
            appRole: `${DEMO_SERVICE_PRINCIPAL_IDS.expenseHub}|f4d13516-93d1-4864-95c3-c4e7ccd55c80`,
            justification: 'Dana files the quarterly partner expenses.',
          },
          appForm.activityId,
        ),
      ),
    );
    expect(cardText(submitted)).toContain(
      'Separation of duties (Partners do not file expenses): Dana Whitfield (Contoso) would hold both Partner Portal Users and Expense Hub (already holds Partner Portal Users)',
    );
    expect(await harness.app.store.listRequestsByState(['pending'], 10)).toEqual([]);
  });

  it('lists the policies in force to admins and tests which one a hypothetical request would match', async () => {
    await start(`
policies:
  - name: Everything
    stages: [{ name: approvers, approvers: group, group: ${DEMO_GROUP_IDS.approvers} }]
  - name: Falcon
    description: Project Falcon is confidential.
    match: { groups: [{ id: ${DEMO_GROUP_IDS.projectFalcon}, name: Project Falcon }] }
    stages:
      - { name: the requester's manager, approvers: manager, escalation: { remindAfter: 1d, escalateAfter: 2d } }
      - { name: security team, approvers: group, group: { id: ${DEMO_GROUP_IDS.securityTeam}, name: Security Team }, approvals: 2 }
`);
    const list = await say(harness, people.adele, 'policies');
    expect(list.text).toContain('Approval policies in force');
    expect(list.text).toContain('Everything');
    expect(list.text).toContain('**Falcon** — requests adding Project Falcon');
    expect(list.text).toContain(
      "Stage 1 of 2: the requester's manager — the requester's manager (any one); reminder after 1d, then the approver group after 2d",
    );

    const tested = await say(harness, people.adele, 'policies test invite jane@fabrikam.com groups:"Project Falcon"');
    expect(tested.text).toContain('An invitation for fabrikam.com adding Project Falcon');
    expect(tested.text).toContain('Falls under the policy **Falcon**');
    expect(tested.text).toContain('Stage 2 of 2: security team — a member of Security Team (2 different people)');
    expect(tested.text).toContain('Also matching, less strict: Everything');

    const plain = await say(harness, people.adele, 'policies test invite jane@fabrikam.com groups:"No Such Group"');
    expect(plain.text).toContain('Falls under the policy **Everything**');
    expect(plain.text).toContain('Not found in the directory, left out of the test: group "No Such Group"');

    const refused = await say(harness, people.alex, 'policies');
    expect(refused.text).toContain('Only members of the guest access admin group can see the approval policies.');
    expect(allActions(refused.card)).toEqual([]);
  });
});
