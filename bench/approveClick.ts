/**
 * Benchmark 2: time from an approver's Action.Execute invoke to its response, with the simulated
 * directory adding 300 ms to every Graph call, next to the same clicks with no added latency.
 * Target: p99 under 50 ms once the approver's membership is cached, unchanged by Graph latency
 * (the click writes the decision and a job; execution happens afterwards).
 */
import { createApp } from '../bot/app';
import { VERBS } from '../cards/verbs';
import { loadConfig } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { SqliteStore } from '../services/store/sqliteStore';
import { demoWellKnownIds, DEMO_GROUP_IDS, DEMO_USER_IDS } from '../simulator/seed';
import { teamsActivities } from '../test/helpers/teamsActivities';
import { fmt, runLoad, type LoadResult } from './lib/load';
import { NullConnector } from './lib/nullConnector';
import { benchMain, type BenchRow } from './lib/report';
import { fileRequests } from './lib/requests';
import { SimulatorProcess } from './lib/simulatorProcess';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 300);
const GRAPH_LATENCY_MS = 300;
const TARGET_P99_MS = 50;
const alex = { aadObjectId: DEMO_USER_IDS.alexWilber, name: 'Alex Wilber' };
const megan = { aadObjectId: DEMO_USER_IDS.meganBowen, name: 'Megan Bowen' };

async function clicks(latencyMs: number): Promise<LoadResult> {
  const simulator = new SimulatorProcess();
  await simulator.start(['--quiet'], { SIMULATOR_FAULTS: JSON.stringify({ latency: [{ ms: latencyMs }] }) });
  const connector = new NullConnector();
  const serviceUrl = await connector.start();
  const demo = demoWellKnownIds();
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }, demo), graphBaseUrl: simulator.url };
  const app = createApp({ config, logger: createLogger('silent'), store: SqliteStore.open(':memory:') });
  const botUrl = await app.listen(0, '127.0.0.1');
  const activities = teamsActivities({ serviceUrl, tenantId: demo.tenantId });
  const ids = await fileRequests(app.store, {
    count: CLICKS + 1,
    requester: alex,
    idPrefix: 'GA-B',
    details: (i) => ({
      email: `click${i}@fabrikam.com`,
      displayName: '',
      message: '',
      groups: [{ id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' }],
      justification: 'Benchmark request',
    }),
  });
  // Each request's approval card, as if posted to Megan: a click is honoured only on the card of its request.
  for (const requestId of ids) {
    await app.store.saveCardMessage({ requestId, role: 'approval', conversationKey: `user:${megan.aadObjectId}`, activityId: `card-${requestId}` });
  }
  const approve = async (requestId: string) => {
    const response = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(activities.cardAction(megan, VERBS.approve, { requestId }, `card-${requestId}`)),
    });
    const body = (await response.json()) as { type?: string };
    return response.status === 200 && body.type === 'application/vnd.microsoft.card.adaptive';
  };
  // The first click pays for the membership check through Graph; the rest find it cached.
  await approve(ids[0]);
  // Clicks arrive one after another, as approvers click, while earlier approvals execute.
  const result = await runLoad({ concurrency: 1, requests: CLICKS, send: (i) => approve(ids[i + 1]) });
  await app.close();
  await connector.stop();
  await simulator.stop();
  return result;
}

export async function approveClick(): Promise<BenchRow[]> {
  const fast = await clicks(0);
  const slow = await clicks(GRAPH_LATENCY_MS);
  return [
    {
      benchmark: '2. Approve click',
      measure: `invoke to response, ${CLICKS} clicks, Graph +${GRAPH_LATENCY_MS} ms: p50 / p99`,
      value: `${fmt(slow.latencyMs.p50)} / ${fmt(slow.latencyMs.p99)} ms (${slow.errors} errors)`,
      baseline: `${fmt(fast.latencyMs.p50)} / ${fmt(fast.latencyMs.p99)} ms with Graph +0 ms`,
      ratio: `${fmt(slow.latencyMs.p99 / fast.latencyMs.p99, 2)}x (p99)`,
      target: `p99 < ${TARGET_P99_MS} ms`,
      met: slow.latencyMs.p99 < TARGET_P99_MS && slow.errors === 0,
    },
  ];
}

if (require.main === module) benchMain(approveClick);
