/**
 * Benchmark 5: the personal tab. The size of its script bundle (target ≤ 100 KB gzipped, the
 * dialog's bundle with the Adaptive Cards renderer reported beside it); the first render of To
 * decide with 50 pending requests, in headless Chromium through the local Teams host page, from
 * opening the page to the 50th request on screen (target ≤ 1 s); and the API's list endpoints under
 * 32 concurrent clients, each call with its SSO token checked (target p99 < 50 ms), over a
 * directory of 3,000 generated guests in a separate process.
 */
import path from 'node:path';
import { createApp, type App } from '../bot/app';
import { localTabPeople } from '../scripts/localRun';
import { bundleSizes, kib } from '../scripts/buildTab';
import { repoRoot } from '../scripts/repoRoot';
import { loadConfig } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { SqliteStore } from '../services/store/sqliteStore';
import { demoWellKnownIds, DEMO_GROUP_IDS, DEMO_USER_IDS, loadDemoSeed } from '../simulator/seed';
import { findChromium, launchBrowser } from '../test/e2e/browser';
import { fmt, runLoad, summarise, type LoadResult } from './lib/load';
import { benchMain, type BenchRow } from './lib/report';
import { fileRequests } from './lib/requests';
import { SimulatorProcess } from './lib/simulatorProcess';

const BENCHMARK = '5. Tab';
const PENDING = 50;
const GUESTS = 3000;
const RENDERS = Number(process.env.BENCH_TAB_RENDERS ?? 5);
const CONCURRENCY = 32;
const CALLS_PER_ENDPOINT = Number(process.env.BENCH_TAB_CALLS ?? 1000);
const WARM_UP_CALLS = 300;
const ROUNDS = 3;
/** A new listing reads a Graph page of 999 guests: fewer calls keep the run short. */
const NEW_LISTING_CALLS = 300;
const BUNDLE_TARGET_BYTES = 100 * 1024;
const RENDER_TARGET_MS = 1000;
const API_TARGET_P99_MS = 50;
const alex = { aadObjectId: DEMO_USER_IDS.alexWilber, name: 'Alex Wilber' };

function bundleRows(): BenchRow[] {
  const files = bundleSizes(path.join(repoRoot(), 'dist', 'tab'));
  const tab = files.find((f) => f.name === 'tab.js');
  const dialog = files.find((f) => f.name === 'dialog.js');
  if (!tab || !dialog) throw new Error('dist/tab has no tab.js or dialog.js: run "npm run build" first.');
  return [
    {
      benchmark: BENCHMARK,
      measure: 'script bundle tab.js, gzipped (minified)',
      value: `${kib(tab.gzipBytes)} (${kib(tab.bytes)})`,
      baseline: `dialog.js ${kib(dialog.gzipBytes)} (${kib(dialog.bytes)}), loaded by the New request dialog only`,
      ratio: '—',
      target: `<= ${kib(BUNDLE_TARGET_BYTES)}`,
      met: tab.gzipBytes <= BUNDLE_TARGET_BYTES,
    },
  ];
}

/** Opens To decide as Megan `RENDERS` times and times each until the 50th request is on screen. */
async function renderRows(hostUrl: string): Promise<BenchRow[]> {
  if (!findChromium()) {
    return [
      {
        benchmark: BENCHMARK,
        measure: 'first render of To decide',
        value: 'not measured: no Chromium (see Tests in the README)',
        baseline: '—',
        ratio: '—',
        target: `<= ${RENDER_TARGET_MS} ms`,
        met: undefined,
      },
    ];
  }
  const browser = await launchBrowser();
  const times: number[] = [];
  try {
    await browser.context.route('https://res.cdn.office.net/**', (route) => route.abort('internetdisconnected'));
    for (let i = 0; i < RENDERS; i += 1) {
      const page = await browser.context.newPage();
      const started = Date.now();
      await page.goto(`${hostUrl}?as=${DEMO_USER_IDS.meganBowen}#toDecide`);
      await page
        .frameLocator('#tab')
        .locator('article.request')
        .nth(PENDING - 1)
        .waitFor({ timeout: 30_000 });
      times.push(Date.now() - started);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const [cold, ...warm] = times;
  const warmMedian = summarise(warm).p50;
  return [
    {
      benchmark: BENCHMARK,
      measure: `first render of To decide, ${PENDING} pending, headless Chromium: first load / median of ${warm.length} reloads`,
      value: `${cold} / ${fmt(warmMedian, 0)} ms`,
      baseline: '—',
      ratio: '—',
      target: `<= ${RENDER_TARGET_MS} ms`,
      met: Math.max(...times) <= RENDER_TARGET_MS,
    },
  ];
}

async function apiRows(app: App, baseUrl: string): Promise<BenchRow[]> {
  const issuer = app.tabIdentity.localIssuer!;
  const people = localTabPeople(loadDemoSeed());
  const token = async (id: string) => `Bearer ${await issuer.issue(people.find((p) => p.aadObjectId === id)!)}`;
  const [alexToken, meganToken, adeleToken] = await Promise.all([DEMO_USER_IDS.alexWilber, DEMO_USER_IDS.meganBowen, DEMO_USER_IDS.adeleVance].map(token));
  const get = async (path: string, authorization: string) => {
    const response = await fetch(`${baseUrl}/tab/api${path}`, { headers: { Authorization: authorization } });
    await response.arrayBuffer();
    return response.ok;
  };
  // A listing's second page, whose Graph page is read once and then served from its stored cursor.
  const first = (await (await fetch(`${baseUrl}/tab/api/guests`, { headers: { Authorization: adeleToken } })).json()) as { nextCursorId: string };
  await get('/guests/totals', adeleToken);
  const endpoints: Array<[string, string, string]> = [
    [`GET /decisions/pending (${PENDING} requests)`, '/decisions/pending', meganToken],
    [`GET /requests/mine (${PENDING} requests)`, '/requests/mine', alexToken],
    [`GET /guests/pages/:cursor (${GUESTS} guests)`, `/guests/pages/${first.nextCursorId}`, adeleToken],
    [`GET /guests/totals (${GUESTS} guests, counted)`, '/guests/totals', adeleToken],
    [`GET /guests, a new listing (${GUESTS} guests: one Graph page of 999 a call)`, '/guests', adeleToken],
  ];
  // A warm-up of every endpoint first: V8 compiles the shared code paths (token check, JSON) on the
  // first calls, which would otherwise land in whichever endpoint is measured first.
  // The new listing, which reads a Graph page of 999 guests each time, is warmed and measured last:
  // the garbage it leaves would otherwise be collected during the next endpoint's measurement.
  for (const [, path, authorization] of endpoints.slice(0, -1)) {
    await runLoad({ concurrency: CONCURRENCY, requests: WARM_UP_CALLS, send: () => get(path, authorization) });
  }
  const rows: BenchRow[] = [];
  for (const [name, path, authorization] of endpoints) {
    const heavy = path === '/guests';
    const calls = heavy ? NEW_LISTING_CALLS : CALLS_PER_ENDPOINT;
    if (heavy) await runLoad({ concurrency: CONCURRENCY, requests: CONCURRENCY * 2, send: () => get(path, authorization) });
    // The round with the median p99 of three, as benchmark 1 does: one stall of this shared machine should not decide it.
    const rounds: LoadResult[] = [];
    for (let round = 0; round < ROUNDS; round += 1)
      rounds.push(await runLoad({ concurrency: CONCURRENCY, requests: calls, send: () => get(path, authorization) }));
    const result = [...rounds].sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99)[Math.floor(ROUNDS / 2)];
    const errors = rounds.reduce((sum, r) => sum + r.errors, 0);
    rows.push({
      benchmark: `${BENCHMARK} API`,
      measure: `${name}: p50 / p99, ${CONCURRENCY} clients, median of ${ROUNDS} rounds of ${calls} calls`,
      value: `${fmt(result.latencyMs.p50)} / ${fmt(result.latencyMs.p99)} ms (${errors} errors, ${fmt(result.throughput, 0)} calls/s)`,
      baseline: '—',
      ratio: '—',
      target: `p99 < ${API_TARGET_P99_MS} ms`,
      met: errors === 0 && result.latencyMs.p99 < API_TARGET_P99_MS,
    });
  }
  // One admin at a time starting a listing, for scale: the Graph page read is most of it.
  const alone = await runLoad({ concurrency: 1, requests: 50, send: () => get('/guests', adeleToken) });
  rows.push({
    benchmark: `${BENCHMARK} API`,
    measure: `GET /guests, a new listing, one client at a time: p50 / p99, 50 calls`,
    value: `${fmt(alone.latencyMs.p50)} / ${fmt(alone.latencyMs.p99)} ms (${alone.errors} errors)`,
    baseline: '—',
    ratio: '—',
    target: 'reported',
    met: undefined,
  });
  return rows;
}

async function main(): Promise<BenchRow[]> {
  const rows = bundleRows();
  const simulator = new SimulatorProcess();
  await simulator.start(['--quiet', '--guests', String(GUESTS)]);
  const demo = demoWellKnownIds();
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }, demo), graphBaseUrl: simulator.url };
  const app = createApp({
    config,
    logger: createLogger('silent'),
    store: SqliteStore.open(':memory:'),
    localTeamsHost: { people: localTabPeople(loadDemoSeed()) },
    startWorker: false,
  });
  try {
    const baseUrl = await app.listen(0, '127.0.0.1');
    await fileRequests(app.store, {
      count: PENDING,
      requester: alex,
      idPrefix: 'GA-T',
      details: (i) => ({
        email: `partner${i}@fabrikam.com`,
        displayName: `Partner ${i} (Fabrikam)`,
        message: '',
        groups: [{ id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' }],
        justification: 'Works with us on the Falcon release this quarter.',
      }),
    });
    // The API first: Chromium, once closed, goes on using the CPU for a while as its processes end.
    const api = await apiRows(app, baseUrl);
    rows.push(...(await renderRows(`${baseUrl}/tab/local-host.html`)), ...api);
  } finally {
    await app.close();
    await simulator.stop();
  }
  return rows;
}

benchMain(main);
