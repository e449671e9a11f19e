/**
 * A bot process killed with SIGKILL in the middle of an execution, then started again on the same
 * PostgreSQL schema: the job's lease lapses, the new process resumes the request from its stored
 * steps, and the directory ends with exactly one guest and one invitation. Killed after a request
 * completed but before its notice reached the requester, the restart delivers the notice once.
 */
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { people } from '../helpers/botHarness';
import { Cluster, waitFor } from './cluster';

jest.setTimeout(120_000);

describe('a bot process killed while executing a request', () => {
  let cluster: Cluster;

  beforeEach(async () => {
    // A short lease (renewed by a heartbeat while a process lives) lets the restart take over quickly.
    cluster = await Cluster.start({ bots: 1, env: { WORKER_LEASE_SECONDS: '2', WORKER_POLL_MS: '100' } });
    await cluster.say(0, people.megan, 'hello');
  });

  afterEach(async () => {
    await cluster?.stop();
  });

  async function approve(requestId: string): Promise<void> {
    const card = cluster.approvalCard(people.megan, requestId);
    const answer = await cluster.post(0, cluster.activities.cardAction(people.megan, VERBS.approve, { requestId }, card.activityId));
    expect(answer.status).toBe(200);
  }

  async function restartAndWait(requestId: string): Promise<void> {
    await cluster.addBot();
    await waitFor(
      async () => (await cluster.store.getRequest(requestId))?.state === 'completed',
      30_000,
      async () => `state ${(await cluster.store.getRequest(requestId))?.state}\n${cluster.output()}`,
    );
  }

  it('killed after Graph created the guest but before the answer arrived: the restart finds the guest and invites nobody twice', async () => {
    const email = 'crash-invite@fabrikam.com';
    const requestId = await cluster.fileRequest(0, people.alex, email);
    // The invitation is carried out at once, its answer held back: the process dies waiting for it.
    cluster.simulator.setFaults({ latency: [{ ms: 10_000, method: 'POST', path: '/invitations', afterHandling: true }] });
    await approve(requestId);
    await waitFor(
      async () => cluster.simulator.directory.findUsersByEmail(email).length === 1,
      15_000,
      () => cluster.output(),
    );

    await cluster.bots[0].kill('SIGKILL');
    cluster.simulator.clearFaults();
    expect((await cluster.store.getRequest(requestId))?.state).toBe('executing');
    // Only the note that the invitation went out is stored, not its result.
    expect((await cluster.store.getSteps(requestId)).map((s) => s.key)).toEqual(['invite:sent']);

    await restartAndWait(requestId);

    const [guest, ...others] = cluster.simulator.directory.findUsersByEmail(email);
    expect(others).toEqual([]);
    expect(cluster.simulator.directory.invitations.filter((i) => i.email === email)).toHaveLength(1);
    expect(cluster.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, guest.id)).toBe(true);
    const request = await cluster.store.getRequest(requestId);
    // The guest is this request's own, not one invited outside it.
    expect(request?.outcome).toEqual({ guestId: guest.id });
    const actions = (await cluster.store.listAudit(requestId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'execution_started')).toHaveLength(1);
    expect(actions.filter((a) => a === 'execution_resumed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'request_completed')).toHaveLength(1);
    expect(actions.indexOf('execution_started')).toBeLessThan(actions.indexOf('execution_resumed'));
  });

  it('killed while adding the guest to a group: the restart skips the stored invitation and finishes the group', async () => {
    const email = 'crash-group@fabrikam.com';
    const requestId = await cluster.fileRequest(0, people.alex, email);
    cluster.simulator.setFaults({ latency: [{ ms: 10_000, method: 'POST', path: '/groups' }] });
    await approve(requestId);
    await waitFor(
      async () => (await cluster.store.getSteps(requestId)).some((s) => s.key === 'invite' && s.status === 'done'),
      15_000,
      () => cluster.output(),
    );
    // The group request is on its way: give it a moment to reach the simulator, then kill.
    await new Promise((resolve) => setTimeout(resolve, 200));

    await cluster.bots[0].kill('SIGKILL');
    cluster.simulator.clearFaults();
    expect((await cluster.store.getRequest(requestId))?.state).toBe('executing');

    await restartAndWait(requestId);

    const users = cluster.simulator.directory.findUsersByEmail(email);
    expect(users).toHaveLength(1);
    expect(cluster.simulator.directory.invitations.filter((i) => i.email === email)).toHaveLength(1);
    expect(cluster.simulator.directory.isMember(DEMO_GROUP_IDS.projectFalcon, users[0].id)).toBe(true);
    const actions = (await cluster.store.listAudit(requestId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'execution_resumed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'request_completed')).toHaveLength(1);
  });

  it('killed after the request completed but before the requester was told: the restart tells them, once', async () => {
    const email = 'crash-notice@fabrikam.com';
    const requestId = await cluster.fileRequest(0, people.alex, email);
    const outbox = async () => cluster.store.listOutbox(requestId);
    // The group step is slowed so that the approval's own notices are out before the Bot Connector is held.
    cluster.simulator.setFaults({ latency: [{ ms: 1_500, method: 'POST', path: '/groups' }] });
    await approve(requestId);
    await waitFor(
      async () => (await outbox()).filter((m) => m.key.includes(':approved:')).every((m) => m.state === 'done'),
      15_000,
      () => cluster.output(),
    );
    const release = cluster.connector.hold();
    let inFlight: string | undefined;
    try {
      await waitFor(
        async () => (await cluster.store.getRequest(requestId))?.state === 'completed',
        15_000,
        () => cluster.output(),
      );
      // The completion's notices are claimed and on their way: the connector holds them, unanswered.
      await cluster.connector.waitForHeld(1);
      const completed = (await outbox()).filter((m) => m.key.includes(':completed:'));
      expect(completed.map((m) => m.key.split(':').at(-1)).sort()).toEqual(['cards', 'requester']);
      inFlight = completed.find((m) => m.state === 'running')?.key;
      expect(inFlight).toBeDefined();
      expect(completed.every((m) => m.state !== 'done')).toBe(true);
      await cluster.bots[0].kill('SIGKILL');
    } finally {
      // What the dead process was sending is dropped unrecorded, as lost in flight.
      release();
    }
    cluster.simulator.clearFaults();
    const noticesOf = () => cluster.cardsFor(people.alex).filter((c) => c.text.includes(`Guest access request ${requestId}`));
    expect(noticesOf()).toEqual([]);

    await cluster.addBot();
    await waitFor(
      async () => (await outbox()).every((m) => m.state === 'done'),
      30_000,
      async () => `${JSON.stringify(await outbox())}\n${cluster.output()}`,
    );

    const notices = noticesOf();
    expect(notices).toHaveLength(1);
    expect(notices[0].text).toContain(email);
    // The entry the killed process was sending was taken over once its lease lapsed.
    expect((await outbox()).find((m) => m.key === inFlight)?.attempts).toBe(2);
  });
});
