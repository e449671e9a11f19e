/**
 * Benchmark 4: 1,000 approved invitations, each adding the guest to two groups, executed against
 * the simulator's write quota (Graph's per-app token bucket, scaled down to keep the run short)
 * with 100 ms added to every Graph call. Compares the total time with the throttle-bound optimum
 * computed from the quota (target: within 1.3x), and checks for duplicates and failures. With
 * BENCH_REPLICATION_LAG_MS the simulator also imitates Graph's replication lag: each new guest is
 * unknown to writes that reference it for that long after its invitation.
 */
import { createApp } from '../bot/app';
import { loadConfig } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { SqliteStore } from '../services/store/sqliteStore';
import { demoWellKnownIds, DEMO_GROUP_IDS, DEMO_USER_IDS } from '../simulator/seed';
import { startSimulator } from '../simulator/server';
import { fmt } from './lib/load';
import { benchMain, type BenchRow } from './lib/report';
import { fileRequests } from './lib/requests';

const REQUESTS = Number(process.env.BENCH_EXECUTIONS ?? 1000);
const GROUPS = [
  { id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' },
  { id: DEMO_GROUP_IDS.contractors, displayName: 'Contractors' },
];
/** Writes per request: the invitation and one per group. */
const WRITES_PER_REQUEST = 1 + GROUPS.length;
/** Graph allows 3,000 writes per 150 s per app and tenant; the same rate, scaled 1:10 in bucket and window. */
const QUOTA = { writes: 300, windowMs: 15_000 };
const LATENCY_MS = 100;
const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 16);
const REPLICATION_LAG_MS = Number(process.env.BENCH_REPLICATION_LAG_MS ?? 0);
const TARGET_RATIO = 1.3;

export async function executionThroughput(): Promise<BenchRow[]> {
  const replication = REPLICATION_LAG_MS > 0 ? { replication: { lagMs: REPLICATION_LAG_MS } } : {};
  const simulator = await startSimulator({ port: 0, faults: { latency: [{ ms: LATENCY_MS }], writeQuota: QUOTA, ...replication } });
  const demo = demoWellKnownIds();
  const config = {
    ...loadConfig(
      // Polling is frequent so that a job whose Retry-After has passed starts again promptly;
      // throttled attempts are given back, so the default attempt limit stands.
      { LOG_LEVEL: 'silent', WORKER_CONCURRENCY: String(CONCURRENCY), WORKER_POLL_MS: '100' },
      demo,
    ),
    graphBaseUrl: simulator.url,
  };
  const app = createApp({ config, logger: createLogger('silent'), store: SqliteStore.open(':memory:'), startWorker: false });
  const ids = await fileRequests(app.store, {
    count: REQUESTS,
    requester: { aadObjectId: DEMO_USER_IDS.alexWilber, name: 'Alex Wilber' },
    approveBy: { aadObjectId: DEMO_USER_IDS.meganBowen, name: 'Megan Bowen' },
    idPrefix: 'GA-E',
    details: (i) => ({ email: `exec${i}@bench.example`, displayName: `Bench ${i}`, message: '', groups: GROUPS, justification: 'Benchmark request' }),
  });

  const started = Date.now();
  app.worker.start();
  let done = 0;
  while (done < REQUESTS) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    done = (await app.store.listRequestsByState(['completed', 'failed'], REQUESTS + 1)).length;
    if (Date.now() - started > 8 * 60_000) break;
  }
  const seconds = (Date.now() - started) / 1000;
  await app.worker.stop();
  const requests = await Promise.all(ids.map((id) => app.store.getRequest(id)));
  await app.close();

  const failed = requests.filter((r) => r?.state === 'failed').length;
  const completed = requests.filter((r) => r?.state === 'completed').length;
  const invitations = simulator.directory.invitations.filter((i) => i.email.endsWith('@bench.example'));
  const duplicates = invitations.length - new Set(invitations.map((i) => i.email)).size;
  await simulator.close();

  const writes = REQUESTS * WRITES_PER_REQUEST;
  const ratePerSecond = (QUOTA.writes / QUOTA.windowMs) * 1000;
  // The bucket starts full; every further write waits for a token. The last request's own calls add their latency.
  const optimum = Math.max(0, writes - QUOTA.writes) / ratePerSecond + ((WRITES_PER_REQUEST + 1) * LATENCY_MS) / 1000;
  const ratio = seconds / optimum;
  const lag = REPLICATION_LAG_MS > 0 ? `, replication lag ${REPLICATION_LAG_MS / 1000} s` : '';
  return [
    {
      benchmark: '4. Execution under throttling',
      measure: `${REQUESTS} invitations x ${GROUPS.length} groups, quota ${QUOTA.writes} writes / ${QUOTA.windowMs / 1000} s, Graph +${LATENCY_MS} ms${lag}, ${CONCURRENCY} jobs at once`,
      value: `${fmt(seconds)} s (${completed} completed, ${failed} failed, ${invitations.length} invitations, ${duplicates} duplicates)`,
      baseline: `${fmt(optimum)} s throttle-bound optimum`,
      ratio: `${fmt(ratio, 2)}x`,
      target: `<= ${TARGET_RATIO}x, 0 duplicates, 0 failures`,
      met: ratio <= TARGET_RATIO && duplicates === 0 && failed === 0 && completed === REQUESTS,
    },
  ];
}

if (require.main === module) benchMain(executionThroughput);
