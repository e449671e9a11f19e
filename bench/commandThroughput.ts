/**
 * Benchmark 1: concurrent `help` and `my requests` messages through HTTP /api/messages, next to a
 * bare botbuilder CloudAdapter echo bot started by this script on the same machine and connector.
 * Target: at least 0.8x the echo bot's throughput; p99 reported.
 */
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import * as restify from 'restify';
import { createApp } from '../bot/app';
import { loadConfig } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { SqliteStore } from '../services/store/sqliteStore';
import { demoWellKnownIds, DEMO_USER_IDS } from '../simulator/seed';
import { startSimulator } from '../simulator/server';
import { teamsActivities } from '../test/helpers/teamsActivities';
import { fmt, runLoad, type LoadResult } from './lib/load';
import { NullConnector } from './lib/nullConnector';
import { benchMain, type BenchRow } from './lib/report';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = 3;

function median(results: LoadResult[]): LoadResult {
  return [...results].sort((a, b) => a.throughput - b.throughput)[Math.floor(results.length / 2)];
}
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

/** The smallest bot botbuilder allows: echo the text back. */
async function startEchoBot(): Promise<{ url: string; close: () => Promise<void> }> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
    await next();
  });
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}

async function load(url: string, activity: (i: number) => unknown): Promise<LoadResult> {
  return runLoad({
    concurrency: CONCURRENCY,
    requests: REQUESTS,
    send: async (i) => {
      const response = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(activity(i)),
      });
      await response.arrayBuffer();
      return response.status === 200;
    },
  });
}

export async function commandThroughput(): Promise<BenchRow[]> {
  const connector = new NullConnector();
  const serviceUrl = await connector.start();
  const simulator = await startSimulator({ port: 0 });
  const demo = demoWellKnownIds();
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }, demo), graphBaseUrl: simulator.url };
  const app = createApp({ config, logger: createLogger('silent'), store: SqliteStore.open(':memory:'), startWorker: false });
  const botUrl = await app.listen(0, '127.0.0.1');
  const echo = await startEchoBot();
  const activities = teamsActivities({ serviceUrl, tenantId: demo.tenantId });
  const users = Object.values(DEMO_USER_IDS).map((id, n) => ({ aadObjectId: id, name: `User ${n}` }));
  const message = (i: number) => activities.message(users[i % users.length], i % 2 === 0 ? 'help' : 'my requests');

  // Warm both up (JIT, connection pools, SQLite statements) before measuring.
  await runLoad({
    concurrency: 4,
    requests: 200,
    send: async (i) =>
      (await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(message(i)) })).ok,
  });
  await runLoad({
    concurrency: 4,
    requests: 200,
    send: async (i) =>
      (await fetch(`${echo.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(message(i)) })).ok,
  });

  // Alternate rounds so that a busy moment of the machine falls on both; keep each one's median round.
  const baselineRounds: LoadResult[] = [];
  const ourRounds: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    baselineRounds.push(await load(echo.url, message));
    ourRounds.push(await load(botUrl, message));
  }
  const baseline = median(baselineRounds);
  const ours = median(ourRounds);
  await echo.close();
  await app.close();
  await simulator.close();
  await connector.stop();

  const ratio = ours.throughput / baseline.throughput;
  return [
    {
      benchmark: '1. Commands (help, my requests)',
      measure: `throughput, ${CONCURRENCY} clients, median of ${ROUNDS} rounds of ${REQUESTS} requests`,
      value: `${fmt(ours.throughput, 0)} req/s (${ours.errors} errors)`,
      baseline: `${fmt(baseline.throughput, 0)} req/s echo bot`,
      ratio: `${fmt(ratio, 2)}x`,
      target: '>= 0.8x',
      met: ratio >= 0.8 && ours.errors === 0,
    },
    {
      benchmark: '1. Commands (help, my requests)',
      measure: 'latency p50 / p99',
      value: `${fmt(ours.latencyMs.p50)} / ${fmt(ours.latencyMs.p99)} ms`,
      baseline: `${fmt(baseline.latencyMs.p50)} / ${fmt(baseline.latencyMs.p99)} ms`,
      ratio: `${fmt(ours.latencyMs.p99 / baseline.latencyMs.p99, 2)}x (p99)`,
      target: 'reported',
      met: undefined,
    },
  ];
}

if (require.main === module) benchMain(commandThroughput);
