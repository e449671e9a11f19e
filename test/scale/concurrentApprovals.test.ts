/**
 * Two bot processes on one PostgreSQL database, as behind a load balancer: simultaneous decisions,
 * replayed and forged clicks, and bad input, each sent to both instances over HTTP.
 */
import { VERBS } from '../../cards/verbs';
import { people } from '../helpers/botHarness';
import { teamsActivities } from '../helpers/teamsActivities';
import { Cluster, invokeText, waitFor } from './cluster';

jest.setTimeout(120_000);

const RACES = 30;

describe('two bot instances on one PostgreSQL database', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ bots: 2, env: { WORKER_POLL_MS: '100' } });
    // Approvers must have talked to the bot for their approval cards to be sent.
    await cluster.say(0, people.megan, 'hello');
    await cluster.say(1, people.adele, 'hello');
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function waitUntilFinal(requestIds: string[], timeoutMs: number): Promise<void> {
    await waitFor(
      async () => (await Promise.all(requestIds.map((id) => cluster.store.getRequest(id)))).every((r) => r?.state === 'completed' || r?.state === 'failed'),
      timeoutMs,
      async () => {
        const states = await Promise.all(requestIds.map(async (id) => `${id}:${(await cluster.store.getRequest(id))?.state}`));
        return `${states.join(' ')}\n${cluster.output()}`;
      },
    );
  }

  it(`two approvers approving the same request at the same moment on different instances: one decision, one execution, one invitation (${RACES} requests)`, async () => {
    const races: { requestId: string; email: string; answers: string[] }[] = [];
    for (let i = 0; i < RACES; i += 1) {
      const email = `race-${i}@fabrikam.com`;
      const requestId = await cluster.fileRequest(i % 2, people.alex, email);
      const megansCard = cluster.approvalCard(people.megan, requestId);
      const adelesCard = cluster.approvalCard(people.adele, requestId);
      // Both clicks leave together; which instance gets which alternates.
      const [first, second] = i % 2 === 0 ? [0, 1] : [1, 0];
      const answers = await Promise.all([
        cluster.post(first, cluster.activities.cardAction(people.megan, VERBS.approve, { requestId }, megansCard.activityId)),
        cluster.post(second, cluster.activities.cardAction(people.adele, VERBS.approve, { requestId }, adelesCard.activityId)),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      races.push({ requestId, email, answers: answers.map(invokeText) });
    }

    await waitUntilFinal(
      races.map((r) => r.requestId),
      60_000,
    );

    for (const { requestId, email, answers } of races) {
      const request = await cluster.store.getRequest(requestId);
      expect(request?.state).toBe('completed');
      const winner = request?.decision?.by.name;
      expect(['Megan Bowen', 'Adele Vance']).toContain(winner);
      // One click decided; the other was told who was first.
      expect(answers.filter((a) => a.includes(`Approved by ${winner}`) && !a.includes('already approved'))).toHaveLength(1);
      expect(answers.filter((a) => a.includes(`This request was already approved by ${winner}.`))).toHaveLength(1);

      const actions = (await cluster.store.listAudit(requestId)).map((a) => a.action);
      expect(actions.filter((a) => a === 'request_approved')).toHaveLength(1);
      expect(actions.filter((a) => a === 'execution_started')).toHaveLength(1);
      expect(actions.filter((a) => a === 'request_completed')).toHaveLength(1);
      expect(await cluster.count('jobs', 'request_id = $1', [requestId])).toBe(1);
      expect(cluster.simulator.directory.invitations.filter((inv) => inv.email === email)).toHaveLength(1);
      expect(cluster.simulator.directory.findUsersByEmail(email)).toHaveLength(1);
    }
  });

  it('a replayed approval (the same activity delivered to both instances) decides and executes once', async () => {
    const email = 'replayed@fabrikam.com';
    const requestId = await cluster.fileRequest(0, people.alex, email);
    const click = cluster.activities.cardAction(people.megan, VERBS.approve, { requestId }, cluster.approvalCard(people.megan, requestId).activityId);
    const answers = (await Promise.all([cluster.post(0, click), cluster.post(1, click)])).map(invokeText);
    const again = invokeText(await cluster.post(1, click));

    expect(answers.filter((a) => a.includes('already approved by Megan Bowen'))).toHaveLength(1);
    expect(again).toContain('This request was already approved by Megan Bowen.');
    await waitUntilFinal([requestId], 30_000);
    const actions = (await cluster.store.listAudit(requestId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'request_approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'execution_started')).toHaveLength(1);
    expect(cluster.simulator.directory.invitations.filter((inv) => inv.email === email)).toHaveLength(1);
  });

  it('refuses, on either instance, card data naming another request than the card clicked, and changes nothing but the audit of the refusals', async () => {
    const first = await cluster.fileRequest(0, people.alex, 'forged-first@fabrikam.com');
    const second = await cluster.fileRequest(1, people.alex, 'forged-second@fabrikam.com');
    const auditBefore = await cluster.count('audit_log');
    const firstCard = cluster.approvalCard(people.megan, first);

    for (const bot of [0, 1]) {
      const approve = await cluster.post(bot, cluster.activities.cardAction(people.megan, VERBS.approve, { requestId: second }, firstCard.activityId));
      expect(approve.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest' } });
      const deny = await cluster.post(
        bot,
        cluster.activities.cardAction(people.megan, VERBS.deny, { requestId: second, reason: 'forged' }, firstCard.activityId),
      );
      expect(deny.body).toMatchObject({ statusCode: 400 });
    }
    expect((await cluster.store.getRequest(first))?.state).toBe('pending');
    expect((await cluster.store.getRequest(second))?.state).toBe('pending');
    expect(await cluster.count('audit_log')).toBe(auditBefore + 4);
    expect(await cluster.count('audit_log', "action = 'card_click_refused' AND request_id = $1", [second])).toBe(4);
  });

  it('refuses activities from another tenant on every instance and remembers nothing of them', async () => {
    const pending = await cluster.fileRequest(0, people.alex, 'foreign-tenant@fabrikam.com');
    const foreign = teamsActivities({ serviceUrl: cluster.connector.url, tenantId: '99999999-9999-9999-9999-999999999999' });
    const stranger = { aadObjectId: '77777777-7777-7777-7777-777777777777', name: 'Mallory' };
    const before = { audit: await cluster.count('audit_log'), conversations: await cluster.count('conversations'), sent: cluster.connector.recorded.length };

    for (const bot of [0, 1]) {
      expect((await cluster.post(bot, foreign.cardAction(people.megan, VERBS.approve, { requestId: pending }))).status).toBe(403);
      expect((await cluster.post(bot, foreign.message(stranger, 'invite eve@evil.example'))).status).toBe(200);
    }
    expect((await cluster.store.getRequest(pending))?.state).toBe('pending');
    expect(await cluster.store.getConversation(`user:${stranger.aadObjectId}`)).toBeUndefined();
    expect({ audit: await cluster.count('audit_log'), conversations: await cluster.count('conversations'), sent: cluster.connector.recorded.length }).toEqual(
      before,
    );
  });

  it('answers malformed and oversized bodies and unknown verbs with 4xx on both instances, which keep serving', async () => {
    const before = { requests: await cluster.count('requests'), audit: await cluster.count('audit_log') };
    for (const bot of [0, 1]) {
      expect((await cluster.post(bot, '{"type": "message", ')).status).toBe(400);
      expect((await cluster.post(bot, '[1, 2, 3]')).status).toBe(400);
      expect((await cluster.post(bot, { type: 'message', text: 'x'.repeat(300 * 1024) })).status).toBe(413);
      const unknownVerb = await cluster.post(bot, cluster.activities.cardAction(people.megan, 'request.delete', { requestId: 'GA-000000' }));
      expect(unknownVerb.body).toMatchObject({ statusCode: 400, value: { code: 'NotSupported' } });
      const health = await fetch(`${cluster.bots[bot].url}/healthz`);
      expect(health.status).toBe(200);
    }
    expect({ requests: await cluster.count('requests'), audit: await cluster.count('audit_log') }).toEqual(before);
  });
});
