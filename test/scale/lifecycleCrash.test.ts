/**
 * A bot process killed with SIGKILL while it removes what an ended grant gave: Graph has taken the
 * member out but the answer never reached the process. Started again on the same PostgreSQL
 * schema, the next process takes the job over when its lease lapses, finds the membership gone
 * (404), counts that as done, and finishes the guest's end without an error or a second write.
 */
import { VERBS } from '../../cards/verbs';
import { END_GRANT } from '../../services/lifecycle/guestLifecycle';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { people } from '../helpers/botHarness';
import { Cluster, waitFor } from './cluster';

jest.setTimeout(120_000);

describe("a bot process killed while ending a guest's access", () => {
  let cluster: Cluster;

  beforeEach(async () => {
    cluster = await Cluster.start({ bots: 1, env: { WORKER_LEASE_SECONDS: '2', WORKER_POLL_MS: '100' } });
    await cluster.say(0, people.megan, 'hello');
  });

  afterEach(async () => {
    await cluster?.stop();
  });

  it('resumes the removal after a restart, without an error and without removing anything twice', async () => {
    const email = 'crash-end@fabrikam.com';
    const requestId = await cluster.fileRequest(0, people.alex, email);
    const card = cluster.approvalCard(people.megan, requestId);
    await cluster.post(0, cluster.activities.cardAction(people.megan, VERBS.approve, { requestId }, card.activityId));
    await waitFor(
      async () => (await cluster.store.getRequest(requestId))?.state === 'completed',
      20_000,
      () => cluster.output(),
    );
    const [guest] = cluster.simulator.directory.findUsersByEmail(email);
    expect(cluster.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id)).toBe(true);

    // The removal is carried out at once and its answer held back: the process dies waiting for it.
    cluster.simulator.setFaults({ latency: [{ ms: 10_000, method: 'DELETE', path: '/groups', afterHandling: true }] });
    // The end has come, as the periodic run would find it: every grant starts ending, with its job.
    const grants = await cluster.store.listGrants({ requestId });
    for (const grant of grants) {
      const started = await cluster.store.applyLifecycleChange({
        grants: [{ id: grant.id, expectedVersion: grant.version, set: { state: 'ending' } }],
        audit: [{ requestId, actor: 'system', action: 'grant_ending', at: new Date().toISOString() }],
        jobs: [{ payload: { op: END_GRANT, grantId: grant.id } }],
      });
      expect(started.ok).toBe(true);
    }
    await waitFor(
      async () => !cluster.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id),
      15_000,
      () => cluster.output(),
    );
    await cluster.bots[0].kill('SIGKILL');
    cluster.simulator.clearFaults();
    expect((await cluster.store.listGrants({ requestId })).find((g) => g.kind === 'group')?.state).toBe('ending');

    await cluster.addBot();
    await waitFor(
      async () => (await cluster.store.getManagedGuest(guest.id))?.endState === 'disabled',
      30_000,
      async () => `${JSON.stringify(await cluster.store.listGrants({ requestId }))}\n${cluster.output()}`,
    );

    expect((await cluster.store.listGrants({ requestId })).map((g) => [g.kind, g.state, g.endReason])).toEqual([
      ['account', 'ended', 'accountGrantEnded'],
      // Gone when the new process asked: the killed one's write had gone through.
      ['group', 'ended', 'alreadyGone'],
    ]);
    expect(cluster.simulator.directory.getUser(guest.id)?.accountEnabled).toBe(false);
    const actions = (await cluster.store.listAudit(requestId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'grant_ended')).toHaveLength(2);
    expect(actions.filter((a) => a === 'guest_ended')).toHaveLength(1);
    expect(actions).not.toContain('grant_end_failed');
    expect(actions).not.toContain('guest_end_failed');
    expect(await cluster.count('jobs', "kind = 'lifecycle' AND state <> 'done'")).toBe(0);
    await waitFor(
      async () => cluster.cardsFor(people.alex).some((c) => c.text.includes('Access ended:')),
      10_000,
      () => cluster.output(),
    );
    expect(cluster.cardsFor(people.alex).filter((c) => c.text.includes('Access ended:'))).toHaveLength(1);
  });
});
