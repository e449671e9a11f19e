/**
 * 200 approved requests executed by two bot processes on one PostgreSQL database while 30% of all
 * Graph calls fail transiently (429, 503, dropped connections; half of the failed writes carried
 * out before failing): every request completes exactly once, with one guest and one invitation.
 */
import { randomUUID } from 'node:crypto';
import type { NamedRef } from '../../services/requests/model';
import { DEMO_GROUP_IDS } from '../../simulator/seed';
import { people } from '../helpers/botHarness';
import { querySchema } from '../helpers/postgres';
import { Cluster, waitFor } from './cluster';

jest.setTimeout(240_000);

const REQUESTS = 200;
const FALCON: NamedRef = { id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' };
const FINANCE: NamedRef = { id: DEMO_GROUP_IDS.financeDistribution, displayName: 'Finance distribution' };

describe('execution under transient Graph failures, on two instances', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({
      bots: 2,
      env: {
        // Fast polling and backoff keep the run short; enough attempts that 30% failures cannot exhaust them.
        WORKER_POLL_MS: '50',
        WORKER_BACKOFF_BASE_MS: '20',
        WORKER_MAX_ATTEMPTS: '30',
        WORKER_LEASE_SECONDS: '30',
      },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  /** Files and approves a request straight in the shared store, as an approval on any instance would. */
  async function approvedRequest(email: string, groups: NamedRef[]): Promise<string> {
    const id = `GA-T${randomUUID().slice(0, 8).toUpperCase()}`;
    const at = new Date().toISOString();
    const request = await cluster.store.createRequest(
      {
        id,
        kind: 'invite',
        requester: people.alex,
        tenantId: 'tenant',
        details: { email, displayName: 'Fault Guest', message: 'Welcome', groups, justification: 'Failure testing' },
        createdAt: at,
      },
      { actor: people.alex.aadObjectId, action: 'request_created', at },
    );
    const approved = await cluster.store.transition({
      id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'approved',
      patch: { decision: { outcome: 'approved', by: people.megan, at } },
      audit: { actor: people.megan.aadObjectId, action: 'request_approved', at },
      enqueueJob: true,
    });
    if (!approved.ok) throw new Error(`could not approve ${id}`);
    return id;
  }

  it(`completes ${REQUESTS} requests with 30% of Graph calls failing, none duplicated, none lost; a permanent failure ends failed with its reason`, async () => {
    cluster.simulator.setFaults({
      failures: { probability: 0.3, seed: 2026, kinds: [429, 503, 'drop'], retryAfter: 0, afterHandlingShare: 0.5 },
    });
    const emails = Array.from({ length: REQUESTS }, (_, i) => `fault-${i}@fabrikam.com`);
    const ids = new Map<string, string>();
    for (const email of emails) ids.set(await approvedRequest(email, [FALCON]), email);
    const refusedEmail = 'fault-refused@fabrikam.com';
    const refused = await approvedRequest(refusedEmail, [FINANCE]);

    await waitFor(
      async () => (await cluster.count('requests', "state NOT IN ('completed', 'failed')")) === 0,
      180_000,
      async () => {
        const states = await querySchema<{ state: string; n: number }>(cluster.schema, 'SELECT state, count(*)::integer AS n FROM requests GROUP BY state');
        return `${JSON.stringify(states)}\n${cluster.output().slice(-4000)}`;
      },
    );
    cluster.simulator.clearFaults();

    // None lost: every request finished, the refused one as failed, all others completed.
    expect(await cluster.count('requests')).toBe(REQUESTS + 1);
    expect(await cluster.count('requests', "state = 'completed'")).toBe(REQUESTS);
    expect(await cluster.count('jobs')).toBe(REQUESTS + 1);
    expect(await cluster.count('jobs', "state <> 'done'")).toBe(0);

    // None duplicated: one guest, one invitation and one completion per request.
    const directory = cluster.simulator.directory;
    for (const [id, email] of ids) {
      const users = directory.findUsersByEmail(email);
      expect(users).toHaveLength(1);
      expect(directory.invitations.filter((i) => i.email === email)).toHaveLength(1);
      expect(directory.isMember(FALCON.id, users[0].id)).toBe(true);
      expect((await cluster.store.getRequest(id))?.outcome?.guestId).toBe(users[0].id);
    }
    const doubled = await querySchema(
      cluster.schema,
      "SELECT request_id FROM audit_log WHERE action IN ('request_completed', 'request_failed', 'execution_started') GROUP BY request_id, action HAVING count(*) > 1",
    );
    expect(doubled).toEqual([]);

    // The failures really happened, including writes whose answer was lost after they were carried out.
    const retries = await cluster.count('audit_log', "action = 'execution_retry_scheduled'");
    expect(retries).toBeGreaterThan(REQUESTS * 0.2);
    // An invitation whose answer was lost is found by the next attempt's lookup: its guest, without a redeem link.
    const recoveredInvites = await cluster.count('execution_steps', "step_key = 'invite' AND output->>'redeemUrl' = '' AND output->>'existing' IS NULL");
    expect(recoveredInvites).toBeGreaterThan(0);
    expect(await cluster.count('execution_steps', "step_key = 'invite' AND output->>'existing' = 'true'")).toBe(0);

    // The permanent refusal (403 on a mail-enabled group) ended the request with the step and Graph's reason.
    const failed = await cluster.store.getRequest(refused);
    expect(failed?.state).toBe('failed');
    expect(failed?.outcome?.failedStep).toBe(`group:${FINANCE.id}`);
    expect(failed?.outcome?.error).toMatch(/not allowed to do this in the directory/);
    expect(directory.findUsersByEmail(refusedEmail)).toHaveLength(1);
    expect(directory.invitations.filter((i) => i.email === refusedEmail)).toHaveLength(1);
  });
});
