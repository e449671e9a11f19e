import type { BatchRowView, PreviewRowView } from '../../../bot/tab/batchRoutes';
import type { DecisionOutcome } from '../../../bot/tab/decisionRoutes';
import type { RequestView } from '../../../bot/tab/views';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_GROUP_IDS, DEMO_USER_IDS } from '../../../simulator/seed';
import { people } from '../../helpers/botHarness';
import { cardsFor, say } from '../../helpers/conversation';
import { TabClient } from '../../helpers/tabClient';

const JUSTIFICATION = 'Fabrikam and Contoso engineers join the Falcon release for the spring.';

function csv(...lines: string[]): string {
  return ['email,displayName,groups,message', ...lines].join('\n');
}

describe('Invite many in the tab', () => {
  let tab: TabClient;

  beforeEach(async () => {
    tab = await TabClient.start();
  });

  afterEach(async () => {
    await tab.stop();
  });

  async function fileBatch(file: string): Promise<{ id: string; filed: number; skipped: number }> {
    const answer = await tab.post(people.alex, '/batches', { csv: file, justification: JUSTIFICATION });
    if (answer.status !== 200) throw new Error(`not filed: ${JSON.stringify(answer.body)}`);
    return { id: (answer.body.request as RequestView).id, filed: answer.body.filed as number, skipped: answer.body.skipped as number };
  }

  async function decide(person: typeof people.alex, requestId: string): Promise<DecisionOutcome | undefined> {
    const answer = await tab.post(person, '/decisions', { requestIds: [requestId], outcome: 'approve' });
    return (answer.body.outcomes as DecisionOutcome[])[0];
  }

  it("previews every row with the single form's checks, duplicates inside the file included, and files nothing", async () => {
    const file = csv(
      'ana@fabrikam.com,Ana,Project Falcon,Welcome',
      'bad address@fabrikam.com,Bad,,',
      'ANA@fabrikam.com,Ana again,,',
      'meganb@example.com,Megan,,',
      'ben@contoso.com,Ben,No Such Group,',
      'cy@contoso.com,Cy,Contractors; Project Falcon,',
    );
    const answer = await tab.post(people.alex, '/batches/preview', { csv: file });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ valid: 2, invalid: 4 });
    const rows = answer.body.rows as PreviewRowView[];
    expect(rows.map((r) => [r.line, r.problems])).toEqual([
      [2, []],
      [3, ['Microsoft Entra invitations do not accept spaces before the @.']],
      [4, ['ana@fabrikam.com is on line 2 already.']],
      [5, ['meganb@example.com belongs to someone in your organisation; guests are for people outside it.']],
      [6, ['There is no group named "No Such Group".']],
      [7, []],
    ]);
    expect(rows[5]).toMatchObject({ groups: ['Contractors', 'Project Falcon'], accessUntil: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(await tab.harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).toEqual([]);
  });

  it('names the line a broken file goes wrong on, and refuses a file over the row cap', async () => {
    const broken = await tab.post(people.alex, '/batches/preview', { csv: csv('ana@fabrikam.com,Ana,,', 'ben@contoso.com,Ben,"Project Falcon,') });
    expect(broken).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^Line 3: a quoted value is never closed/) } });
    const many = csv(...Array.from({ length: 1001 }, (_, i) => `g${i}@fabrikam.com,G ${i},,`));
    const tooMany = await tab.post(people.alex, '/batches/preview', { csv: many });
    expect(tooMany).toMatchObject({ status: 400, body: { error: expect.stringContaining('one batch takes at most 1000') } });
  });

  it('files the valid rows as one batch; one approval invites each guest once, and a row Graph refuses fails with its reason while the others go on', async () => {
    tab.harness.simulator.directory.denyInvitationsTo(['refused.example']);
    await say(tab.harness, people.alex, 'hello');
    await say(tab.harness, people.megan, 'hello');
    const batch = await fileBatch(
      csv('ana@fabrikam.com,Ana,Project Falcon,', 'ben@contoso.com,Ben,,', 'zed@refused.example,Zed,,', 'cy@contoso.com,Cy,Contractors,', 'not an address,X,,'),
    );
    expect(batch).toMatchObject({ filed: 4, skipped: 1 });

    // The approver's card summarises the batch: count, domains with counts, groups.
    const approval = cardsFor(tab.harness, people.megan, 'send').find((c) => c.text.includes(batch.id));
    expect(approval?.text).toContain('**Alex Wilber** asks to invite **4 guests** from a CSV file');
    expect(approval?.text).toContain('Guests: 4');
    expect(approval?.text).toContain('contoso.com (2), fabrikam.com (1), refused.example (1)');
    expect(approval?.text).toMatch(/Groups: Project Falcon\s*,\s*Contractors/);

    expect(await decide(people.alex, batch.id)).toMatchObject({ result: 'forbidden', message: 'You asked for this guest, so another approver has to decide.' });
    expect(await decide(people.megan, batch.id)).toMatchObject({ result: 'decided', request: { state: 'approved' } });
    await tab.harness.settleUntilFinished(batch.id);

    const answer = await tab.get(people.alex, `/batches/${batch.id}`);
    expect(answer.status).toBe(200);
    const rows = answer.body.rows as BatchRowView[];
    expect(rows.map((r) => [r.line, r.email, r.state])).toEqual([
      [2, 'ana@fabrikam.com', 'done'],
      [3, 'ben@contoso.com', 'done'],
      [4, 'zed@refused.example', 'failed'],
      [5, 'cy@contoso.com', 'done'],
    ]);
    expect(rows[2]?.error).toBe(
      "The directory refused the change. Graph said: Invitations to 'refused.example' are blocked by your organization's B2B collaboration restrictions.",
    );
    expect((answer.body.request as RequestView).batch?.progress).toMatchObject({ total: 4, done: 3, failed: 1, waiting: 0 });

    const invited = tab.harness.simulator.directory.invitations.map((i) => i.email).sort();
    expect(invited).toEqual(['ana@fabrikam.com', 'ben@contoso.com', 'cy@contoso.com']);

    // The requester's card shows the end, naming the failure with Graph's reason.
    const alexCards = cardsFor(tab.harness, people.alex).filter((c) => c.text.includes(batch.id));
    const last = alexCards.at(-1)?.text ?? '';
    expect(last).toContain('Batch finished: 3 of 4 invited, 1 failed.');
    expect(last).toContain("Line 4, zed@refused.example: The directory refused the change. Graph said: Invitations to 'refused.example' are blocked");
  });

  it("invites a row's guest once when Graph carried out the invitation but its answer was lost, the retried job finding the guest first", async () => {
    tab.harness.simulator.injectFault({ status: 504, method: 'POST', path: '/invitations', afterHandling: true });
    const batch = await fileBatch(csv('ana@fabrikam.com,Ana,Project Falcon,', 'ben@contoso.com,Ben,,'));
    await decide(people.megan, batch.id);
    await tab.harness.settleUntilFinished(batch.id);
    const rows = (await tab.get(people.alex, `/batches/${batch.id}`)).body.rows as BatchRowView[];
    expect(rows.map((r) => r.state)).toEqual(['done', 'done']);
    expect(tab.harness.simulator.directory.invitations.map((i) => i.email).sort()).toEqual(['ana@fabrikam.com', 'ben@contoso.com']);
    const ana = (await tab.harness.app.store.listBatchRows(batch.id))[0];
    expect(ana?.progress.groupsDone).toEqual([expect.any(String)]);
  });

  it("checks the admins' policy again before each row's writes: a row whose group became protected after the approval fails with the reason, and the others go on", async () => {
    const batch = await fileBatch(csv('ana@fabrikam.com,Ana,Contractors,', 'ben@contoso.com,Ben,,'));
    expect(await decide(people.megan, batch.id)).toMatchObject({ result: 'decided' });
    tab.harness.simulator.directory.addMember(DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.contractors);
    await tab.harness.settleUntilFinished(batch.id);
    const rows = (await tab.get(people.alex, `/batches/${batch.id}`)).body.rows as BatchRowView[];
    expect(rows.map((r) => [r.email, r.state])).toEqual([
      ['ana@fabrikam.com', 'failed'],
      ['ben@contoso.com', 'done'],
    ]);
    expect(rows[0]?.error).toContain('Contractors is protected');
    expect(tab.harness.simulator.directory.invitations.map((i) => i.email)).toEqual(['ben@contoso.com']);
  });

  it('shows a batch to its requester and its approvers only', async () => {
    const batch = await fileBatch(csv('ana@fabrikam.com,Ana,,'));
    expect((await tab.get(people.megan, `/batches/${batch.id}`)).status).toBe(200);
    expect(await tab.get(people.isaiah, `/batches/${batch.id}`)).toMatchObject({ status: 404 });
  });

  it('counts a batch as one filing, and an address in a batch waiting for approval is an open request for the single form', async () => {
    const batch = await fileBatch(csv('ana@fabrikam.com,Ana,,', 'ben@contoso.com,Ben,,'));
    const audit = await tab.harness.app.store.listAudit(batch.id);
    expect(audit.filter((e) => e.action === 'request_created')).toHaveLength(1);
    const single = await tab.post(people.isaiah, '/forms/invite', { values: { email: 'ben@contoso.com', displayName: 'Ben', justification: JUSTIFICATION } });
    expect(single.body.filed).toBe(false);
    expect(JSON.stringify(single.body.card)).toContain(`There is already an open request for ben@contoso.com (${batch.id})`);
    const again = await tab.post(people.isaiah, '/batches/preview', { csv: csv('ben@contoso.com,Ben,,') });
    expect((again.body.rows as PreviewRowView[])[0]?.problems).toEqual([
      `There is already an open request for ben@contoso.com (${batch.id}); wait for it to be decided.`,
    ]);
  });

  it("previews 493 valid of a 500-row file with 7 bad rows; one approval invites each exactly once under the write quota, and the end list names Graph's refusals", async () => {
    tab.harness.simulator.directory.denyInvitationsTo(['refused.example']);
    tab.harness.simulator.setFaults({ writeQuota: { writes: 100, windowMs: 1_000 } });
    await say(tab.harness, people.alex, 'hello');
    const lines: string[] = [];
    for (let i = 0; i < 488; i++)
      lines.push(`partner${i}@${i % 2 === 0 ? 'fabrikam.com' : 'contoso.com'},Partner ${i},${i % 5 === 0 ? 'Project Falcon' : ''},`);
    for (let i = 0; i < 5; i++) lines.push(`refused${i}@refused.example,Refused ${i},,`);
    lines.push('not an address,Bad 1,,', 'also bad@fabrikam.com,Bad 2,,', 'partner0@fabrikam.com,Twice,,', 'PARTNER1@contoso.com,Twice,,');
    lines.push('x1@fabrikam.com,Unknown group,No Such Group,', 'meganb@example.com,Member,,', 'no-at-sign.fabrikam.com,Bad 3,,');
    const file = csv(...lines);

    const preview = await tab.post(people.alex, '/batches/preview', { csv: file });
    expect(preview.body).toMatchObject({ valid: 493, invalid: 7 });
    const batch = await fileBatch(file);
    expect(batch).toMatchObject({ filed: 493, skipped: 7 });
    expect(await decide(people.megan, batch.id)).toMatchObject({ result: 'decided', request: { state: 'approved' } });
    const started = Date.now();
    await tab.harness.settleUntilFinished(batch.id, 120_000);
    // The quota held them back: after its first 100, the 488 invitations alone need 3.9 s at 100 writes a second.
    expect(Date.now() - started).toBeGreaterThan(3_800);

    const invited = tab.harness.simulator.directory.invitations.map((i) => i.email);
    expect(invited).toHaveLength(488);
    expect(new Set(invited).size).toBe(488);
    const rows = (await tab.get(people.alex, `/batches/${batch.id}`)).body.rows as BatchRowView[];
    expect(rows.filter((r) => r.state === 'done')).toHaveLength(488);
    const failed = rows.filter((r) => r.state === 'failed');
    expect(failed.map((r) => r.email)).toEqual([
      'refused0@refused.example',
      'refused1@refused.example',
      'refused2@refused.example',
      'refused3@refused.example',
      'refused4@refused.example',
    ]);
    expect(failed.every((r) => r.error?.includes("Graph said: Invitations to 'refused.example' are blocked"))).toBe(true);
    const last =
      cardsFor(tab.harness, people.alex)
        .filter((c) => c.text.includes(batch.id))
        .at(-1)?.text ?? '';
    expect(last).toContain('Batch finished: 488 of 493 invited, 5 failed.');
  }, 150_000);

  describe('under an approval policy', () => {
    /** Batches with a Fabrikam guest: Alex's manager (Isaiah), then the security team; a change ticket; Contractors never with Project Falcon. */
    const POLICY = `
policies:
  - name: Partner onboarding
    match: { kinds: [batch], domains: [fabrikam.com] }
    stages:
      - name: the requester's manager
        approvers: manager
      - name: security team
        approvers: group
        group: { id: ${DEMO_GROUP_IDS.securityTeam}, name: Security Team }
    questions:
      - { id: ticket, label: Onboarding ticket, type: text, required: true }
separationOfDuties:
  - name: Contractors stay out of Falcon
    groups: [{ id: ${DEMO_GROUP_IDS.contractors}, name: Contractors }, { id: ${DEMO_GROUP_IDS.projectFalcon}, name: Project Falcon }]
`;

    beforeEach(async () => {
      await tab.stop();
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'batch-policy-')), 'policies.yaml');
      writeFileSync(file, POLICY);
      tab = await TabClient.start({ POLICIES_PATH: file });
    });

    it("asks the policy's questions, refuses a row a separation rule forbids, and runs no row before the last stage approves", async () => {
      const isaiah = { aadObjectId: DEMO_USER_IDS.isaiahLanger, name: 'Isaiah Langer' };
      const johanna = { aadObjectId: DEMO_USER_IDS.johannaLorenz, name: 'Johanna Lorenz' };
      const file = csv('ana@fabrikam.com,Ana,Project Falcon,', 'ben@contoso.com,Ben,,', 'cy@fabrikam.com,Cy,Contractors; Project Falcon,');

      const preview = await tab.post(people.alex, '/batches/preview', { csv: file });
      expect(preview.body).toMatchObject({ valid: 2, invalid: 1, questions: [{ id: 'ticket', label: 'Onboarding ticket', required: true }] });
      const problems = (preview.body.rows as PreviewRowView[])[2]?.problems.join(' ') ?? '';
      expect(problems).toContain('Contractors stay out of Falcon');

      // A required answer left empty: nothing is filed, and the answer's problem is named.
      const unanswered = await tab.post(people.alex, '/batches', { csv: file, justification: JUSTIFICATION, answers: { ticket: ' ' } });
      expect(unanswered.status).toBe(400);
      expect(unanswered.body.error).toContain('it falls under the policy "Partner onboarding"');
      expect(unanswered.body.questionErrors).toEqual({ ticket: 'Answer "Onboarding ticket": this request\'s policy requires it.' });
      expect(await tab.harness.app.store.listRequestsByRequester(people.alex.aadObjectId, 10)).toEqual([]);

      const filed = await tab.post(people.alex, '/batches', { csv: file, justification: JUSTIFICATION, answers: { ticket: 'ONB-42' } });
      expect(filed.status).toBe(200);
      const id = (filed.body.request as RequestView).id;
      const stored = await tab.harness.app.store.getRequest(id);
      expect(stored?.details.answers).toEqual([{ id: 'ticket', label: 'Onboarding ticket', answer: 'ONB-42' }]);
      expect(stored?.approval).toMatchObject({ policy: 'Partner onboarding', current: 0 });

      // The approver group alone cannot decide it: stage 1 is Alex's manager's.
      expect(await decide(people.megan, id)).toMatchObject({ result: 'forbidden' });
      expect(await decide(isaiah, id)).toMatchObject({ result: 'decided', request: { state: 'pending' } });
      await tab.harness.settle();
      expect(tab.harness.simulator.directory.invitations).toHaveLength(0);
      // Isaiah decided stage 1, so he cannot decide stage 2 too; a member of the security team does.
      expect(await decide(isaiah, id)).toMatchObject({ result: 'forbidden' });
      expect((await tab.get(johanna, `/batches/${id}`)).status).toBe(200);
      expect(await decide(johanna, id)).toMatchObject({ result: 'decided', request: { state: 'approved' } });
      await tab.harness.settleUntilFinished(id);

      expect(tab.harness.simulator.directory.invitations.map((i) => i.email).sort()).toEqual(['ana@fabrikam.com', 'ben@contoso.com']);
      const audit = (await tab.harness.app.store.listAudit(id)).map((a) => a.action);
      expect(audit).toEqual(expect.arrayContaining(['request_created', 'stage_approved', 'request_approved']));
    });
  });
});
