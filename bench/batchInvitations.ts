/**
 * Benchmark 7: Invite many. A 500-row CSV with 7 bad rows (and 5 rows to a domain the tenant's
 * collaboration restrictions refuse, which fail at Graph) is previewed, filed, approved once and
 * executed; then a 1,000-row batch (each guest also added to a group) is previewed and executed
 * under the simulator's write quota (Graph's per-app token bucket, scaled 1:10 as in benchmark 4)
 * with 100 ms added to every Graph call. Reports the preview's time, the execution time against
 * the throttle-bound optimum (target within 1.3x), invitations and duplicates, and the failures
 * named with Graph's reasons.
 */
import { createApp, type App } from '../bot/app';
import { loadConfig } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { SqliteStore } from '../services/store/sqliteStore';
import { demoWellKnownIds, DEMO_USER_IDS } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { fmt } from './lib/load';
import { benchMain, type BenchRow } from './lib/report';

const QUOTA = { writes: 300, windowMs: 15_000 };
const LATENCY_MS = 100;
const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 16);
const TARGET_RATIO = 1.3;
const PREVIEW_TARGET_MS = 2000;
const REFUSED_DOMAIN = 'refused.example';
const requester = { aadObjectId: DEMO_USER_IDS.alexWilber, name: 'Alex Wilber' };
const approver = { aadObjectId: DEMO_USER_IDS.meganBowen, name: 'Megan Bowen' };

/** 500 rows: 488 good, 5 to the refused domain (valid, fail at Graph), and 7 bad ones the preview catches. */
function fiveHundredRows(): string {
  const lines = ['email,displayName,groups,message,until'];
  for (let i = 0; i < 488; i++) lines.push(`five${i}@bench.example,Bench ${i},,,`);
  for (let i = 0; i < 5; i++) lines.push(`refused${i}@${REFUSED_DOMAIN},Refused ${i},,,`);
  lines.push('not an address,Bad 1,,,');
  lines.push('two@@bench.example,Bad 2,,,');
  lines.push('five1@bench.example,Bad 3 (same address as line 3),,,');
  lines.push('meganb@example.com,Bad 4 (a colleague),,,');
  lines.push('bad5@bench.example,Bad 5,No Such Group,,');
  lines.push('bad6@bench.example,Bad 6,,,1999-01-01');
  lines.push(`bad7@bench.example,Bad 7,,${'x'.repeat(501)},`);
  return lines.join('\n');
}

function thousandRows(): string {
  const lines = ['email,displayName,groups'];
  for (let i = 0; i < 1000; i++) lines.push(`many${i}@bench${i % 7}.example,Many ${i},${i % 2 === 0 ? 'Project Falcon' : 'Contractors'}`);
  return lines.join('\n');
}

interface Run {
  previewMs: number;
  valid: number;
  invalid: number;
  seconds: number;
  done: number;
  failed: number;
  invitations: number;
  duplicates: number;
  failures: string[];
}

async function runBatch(app: App, simulator: RunningSimulator, csv: string): Promise<Run> {
  const before = simulator.directory.invitations.length;
  const started = performance.now();
  const preview = await app.batches.preview(csv);
  const previewMs = performance.now() - started;
  if (!preview.ok) throw new Error(preview.message);
  const filed = await app.batches.file(requester, demoWellKnownIds().tenantId, { csv, justification: 'Benchmark batch of partner engineers' }, 'bench');
  if (!filed.ok) throw new Error(filed.message);
  const decided = await app.workflow.approve(approver, filed.request.id, 'bench');
  if (decided.kind !== 'decided') throw new Error(`not approved: ${decided.kind}`);
  const execStarted = Date.now();
  app.worker.poke();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const state = (await app.store.getRequest(filed.request.id))?.state;
    if (state === 'completed' || state === 'failed') break;
    if (Date.now() - execStarted > 8 * 60_000) break;
  }
  const seconds = (Date.now() - execStarted) / 1000;
  const rows = await app.store.listBatchRows(filed.request.id);
  const invitations = simulator.directory.invitations.slice(before);
  return {
    previewMs,
    valid: preview.valid,
    invalid: preview.invalid,
    seconds,
    done: rows.filter((r) => r.state === 'done').length,
    failed: rows.filter((r) => r.state === 'failed').length,
    invitations: invitations.length,
    duplicates: invitations.length - new Set(invitations.map((i) => i.email)).size,
    failures: rows.filter((r) => r.state === 'failed').map((r) => `line ${r.line} ${r.email}: ${r.error ?? ''}`),
  };
}

export async function batchInvitations(): Promise<BenchRow[]> {
  const simulator = await startSimulator({ port: 0, faults: { latency: [{ ms: LATENCY_MS }], writeQuota: QUOTA } });
  simulator.directory.denyInvitationsTo([REFUSED_DOMAIN]);
  const config = {
    ...loadConfig(
      { LOG_LEVEL: 'silent', WORKER_CONCURRENCY: String(CONCURRENCY), WORKER_POLL_MS: '100', REQUESTS_PER_USER_PER_HOUR: '100' },
      demoWellKnownIds(),
    ),
    graphBaseUrl: simulator.url,
  };
  const app = createApp({ config, logger: createLogger('silent'), store: SqliteStore.open(':memory:'), startWorker: false });
  app.worker.start();
  const small = await runBatch(app, simulator, fiveHundredRows());
  // The write bucket starts full again for the timed run.
  simulator.setFaults({ latency: [{ ms: LATENCY_MS }], writeQuota: QUOTA });
  const large = await runBatch(app, simulator, thousandRows());
  await app.worker.stop();
  await app.close();
  await simulator.close();

  const writes = large.valid * 2;
  const ratePerSecond = (QUOTA.writes / QUOTA.windowMs) * 1000;
  const optimum = Math.max(0, writes - QUOTA.writes) / ratePerSecond + (3 * LATENCY_MS) / 1000;
  const ratio = large.seconds / optimum;
  const graphReasonsNamed = small.failures.length === 5 && small.failures.every((f) => f.includes('Graph said:'));
  return [
    {
      benchmark: '7. Invite many',
      measure: '500-row CSV with 7 bad rows and 5 to a domain Graph refuses: preview, one approval, execution',
      value: `${small.valid} valid, ${small.invalid} bad; ${small.done} invited, ${small.failed} failed at Graph, ${small.invitations} invitations, ${small.duplicates} duplicates`,
      baseline: `e.g. ${small.failures[0] ?? 'no failure'}`,
      ratio: '—',
      target: '493 valid, 488 invited once, 5 failures with Graph’s reason',
      met: small.valid === 493 && small.done === 488 && small.failed === 5 && small.duplicates === 0 && small.invitations === 488 && graphReasonsNamed,
    },
    {
      benchmark: '7. Invite many',
      measure: `preview of 1000 rows (existing users one query per 15 addresses, groups by name once, open requests per chunk), Graph +${LATENCY_MS} ms`,
      value: `${fmt(large.previewMs, 0)} ms (${large.valid} valid)`,
      baseline: '—',
      ratio: '—',
      target: `< ${PREVIEW_TARGET_MS} ms`,
      met: large.previewMs < PREVIEW_TARGET_MS,
    },
    {
      benchmark: '7. Invite many',
      measure: `1000-row batch x 1 group, quota ${QUOTA.writes} writes / ${QUOTA.windowMs / 1000} s, Graph +${LATENCY_MS} ms, ${CONCURRENCY} jobs at once`,
      value: `${fmt(large.seconds)} s (${large.done} done, ${large.failed} failed, ${large.invitations} invitations, ${large.duplicates} duplicates)`,
      baseline: `${fmt(optimum)} s throttle-bound optimum`,
      ratio: `${fmt(ratio, 2)}x`,
      target: `<= ${TARGET_RATIO}x, 0 duplicates`,
      met: ratio <= TARGET_RATIO && large.duplicates === 0 && large.done === 1000,
    },
  ];
}

if (require.main === module) benchMain(batchInvitations);
