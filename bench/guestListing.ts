/**
 * Benchmark 3: `guests` over simulated directories of 10,000 and 50,000 guests, walked to the end
 * with Next. Counts the Graph listing calls (target: ceil(N/999) for the full walk), the time per
 * card, and the bot process's peak memory (target < 200 MB at 50,000). The bot runs as `npm start`
 * runs it (its command line, heap limit included), against the directory in a process of its own.
 * BENCH_BOT_NODE_OPTIONS, when set, is the bot's NODE_OPTIONS, as an operator's would be.
 */
import type { AdaptiveCard } from '../cards/adaptiveCard';
import { VERBS } from '../cards/verbs';
import { demoWellKnownIds, DEMO_USER_IDS, loadDemoSeed } from '../simulator/seed';
import { startBotProcess, type BotProcess } from '../test/helpers/botProcess';
import { teamsActivities } from '../test/helpers/teamsActivities';
import { fmt, summarise } from './lib/load';
import { NullConnector } from './lib/nullConnector';
import { processMemory, resetPeak, type ProcessMemory } from './lib/processMemory';
import { benchMain, type BenchRow } from './lib/report';
import { SimulatorProcess } from './lib/simulatorProcess';

const SIZES = (process.env.BENCH_GUEST_SIZES ?? '10000,50000').split(',').map(Number);
const BOT_NODE_OPTIONS = process.env.BENCH_BOT_NODE_OPTIONS;
const MEMORY_TARGET_MB = 200;
const adele = { aadObjectId: DEMO_USER_IDS.adeleVance, name: 'Adele Vance' };

function nextCursor(card: AdaptiveCard | undefined): string | undefined {
  const next = (card?.actions ?? []).find((a) => a.type === 'Action.Execute' && a.title === 'Next');
  if (next?.type !== 'Action.Execute' || !('cursorId' in next.data)) return undefined;
  return next.data.cursorId;
}

function cardOf(activity: unknown): AdaptiveCard | undefined {
  const attachments = (activity as { attachments?: { content: unknown }[] } | undefined)?.attachments;
  return attachments?.[0]?.content as AdaptiveCard | undefined;
}

/** Lists the guests as Adele and pages on with Next to the end, measuring the bot process's memory and the time per card. */
async function walkToTheEnd(bot: BotProcess, connector: NullConnector, activities: ReturnType<typeof teamsActivities>) {
  const post = async (activity: unknown) => {
    const response = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(activity),
    });
    return (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  };

  // The peak counts from here: the start's own peak (loading code, migrating the store) is not the listing's.
  resetPeak(bot.pid);
  const before = processMemory(bot.pid);

  const started = process.hrtime.bigint();
  const pageTimes: number[] = [];
  let t0 = process.hrtime.bigint();
  await post(activities.message(adele, 'guests'));
  pageTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  let cursorId = nextCursor(cardOf(connector.last));
  let cards = 1;
  while (cursorId) {
    t0 = process.hrtime.bigint();
    const answer = await post(activities.cardAction(adele, VERBS.guestsPage, { cursorId }));
    pageTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cards += 1;
    cursorId = nextCursor(answer?.value as AdaptiveCard | undefined);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { cards, seconds, pageTimes, before, after: processMemory(bot.pid) };
}

async function walk(guests: number): Promise<BenchRow[]> {
  const simulator = new SimulatorProcess();
  simulator.count('listings', (line) => line.startsWith('GET /v1.0/users?'));
  const connector = new NullConnector();
  connector.keepLast = true;
  let bot: BotProcess | undefined;
  let walked: { cards: number; seconds: number; pageTimes: number[]; before: ProcessMemory; after: ProcessMemory };
  try {
    await simulator.start(['--guests', String(guests)]);
    const serviceUrl = await connector.start();
    bot = await startBotProcess({
      GRAPH_BASE_URL: simulator.url,
      LOG_LEVEL: 'silent',
      ...(BOT_NODE_OPTIONS !== undefined ? { NODE_OPTIONS: BOT_NODE_OPTIONS } : {}),
    });
    walked = await walkToTheEnd(bot, connector, teamsActivities({ serviceUrl, tenantId: demoWellKnownIds().tenantId }));
  } finally {
    // Stopped on failure too, so that no bot or directory of 50,000 guests outlives the benchmark.
    await bot?.stop();
    await connector.stop();
    // The count is read once the simulator has exited, so that its last log lines are in.
    await simulator.stop();
  }
  const { cards, seconds, pageTimes, before, after } = walked;
  const listings = simulator.counted('listings');
  const total = guests + loadDemoSeed().users.filter((u) => u.userType === 'Guest').length;
  const optimum = Math.ceil(total / 999);
  const times = summarise(pageTimes);

  // The target is for the bot as npm start runs it; with an operator's NODE_OPTIONS the figure is reported only.
  const memoryTargeted = guests >= 50000 && BOT_NODE_OPTIONS === undefined;
  const name = `3. guests over ${guests.toLocaleString('en')} guests`;
  return [
    {
      benchmark: name,
      measure: `Graph listing calls, full walk (${cards} cards)`,
      value: String(listings),
      baseline: `ceil(${total}/999) = ${optimum}`,
      ratio: `${fmt(listings / optimum, 2)}x`,
      target: '= ceil(N/999)',
      met: listings === optimum,
    },
    {
      benchmark: name,
      measure: 'time: whole walk; per card p50 / p99',
      value: `${fmt(seconds)} s; ${fmt(times.p50)} / ${fmt(times.p99)} ms`,
      baseline: '—',
      ratio: '—',
      target: 'reported',
      met: undefined,
    },
    {
      benchmark: name,
      measure: 'bot process peak RSS (npm start)',
      value: `${fmt(after.peakMb, 0)} MB`,
      baseline: `${fmt(before.rssMb, 0)} MB before the walk`,
      ratio: `+${fmt(after.peakMb - before.rssMb, 0)} MB`,
      target: memoryTargeted ? `< ${MEMORY_TARGET_MB} MB` : 'reported',
      met: memoryTargeted ? after.peakMb < MEMORY_TARGET_MB : undefined,
    },
  ];
}

export async function guestListing(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of SIZES) rows.push(...(await walk(size)));
  return rows;
}

if (require.main === module) benchMain(guestListing);
