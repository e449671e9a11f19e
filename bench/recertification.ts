/**
 * Benchmark 6: a recertification campaign over 50,000 guests and 5,000 sponsors (ten guests each),
 * from the admin's `recertify` to the last digest card delivered. Counts the Graph calls (target:
 * one `$batch` per sponsor for their guests' groups and apps, plus one walk of the directory's
 * guests for sign-in activity), the cards sent, the time, and the bot process's peak memory
 * (target < 200 MB). The bot runs as `npm start` runs it, on a SQLite file the benchmark fills
 * with the guests the bot looks after, against the directory in a process of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../services/store/sqliteStore';
import { generatedGuestId } from '../simulator/guestGenerator';
import { demoWellKnownIds, DEMO_USER_IDS, loadDemoSeed } from '../simulator/seed';
import { startBotProcess, type BotProcess } from '../test/helpers/botProcess';
import { personalConversationId, teamsActivities } from '../test/helpers/teamsActivities';
import { fmt } from './lib/load';
import { NullConnector } from './lib/nullConnector';
import { processMemory, resetPeak } from './lib/processMemory';
import { benchMain, type BenchRow } from './lib/report';
import { SimulatorProcess } from './lib/simulatorProcess';

const GUESTS = Number(process.env.BENCH_RECERTIFY_GUESTS ?? 50_000);
const SPONSORS = Number(process.env.BENCH_RECERTIFY_SPONSORS ?? 5_000);
const MEMORY_TARGET_MB = 200;
const TIMEOUT_MS = 30 * 60_000;
const adele = { aadObjectId: DEMO_USER_IDS.adeleVance, name: 'Adele Vance' };

/** The id of the generated sponsor with this (0-based) index. */
function sponsorId(index: number): string {
  return `5b0a0000-0000-4000-8000-${(index + 1).toString(16).padStart(12, '0')}`;
}

/** The demo tenant with the sponsors as members of the organisation (the guests come from --guests). */
function seedWithSponsors(file: string): void {
  const seed = loadDemoSeed();
  for (let i = 0; i < SPONSORS; i += 1) {
    seed.users.push({
      id: sponsorId(i),
      displayName: `Sponsor ${i + 1}`,
      userPrincipalName: `sponsor${i + 1}@example.com`,
      mail: `sponsor${i + 1}@example.com`,
      userType: 'Member',
    });
  }
  writeFileSync(file, JSON.stringify(seed));
}

/** The bot's store: each generated guest looked after, sponsored by one of the sponsors, each of whom has a chat with the bot. */
async function fillStore(file: string, serviceUrl: string): Promise<void> {
  const store = SqliteStore.open(file);
  try {
    const at = new Date().toISOString();
    const chunk = 1000;
    for (let start = 0; start < GUESTS; start += chunk) {
      const guests = Array.from({ length: Math.min(chunk, GUESTS - start) }, (_, k) => {
        const i = start + k;
        const sponsor = i % SPONSORS;
        return {
          insert: {
            guestId: generatedGuestId(i),
            email: `guest${i + 1}@partner.example`,
            displayName: `Guest ${i + 1}`,
            sponsor: { kind: 'user' as const, id: sponsorId(sponsor), name: `Sponsor ${sponsor + 1}` },
            createdAt: at,
          },
        };
      });
      const result = await store.applyLifecycleChange({ guests, audit: [] });
      if (!result.ok) throw new Error(`could not fill the store: ${result.conflict}`);
    }
    for (let i = 0; i < SPONSORS; i += 1) {
      const person = { aadObjectId: sponsorId(i), name: `Sponsor ${i + 1}` };
      await store.saveConversation(`user:${person.aadObjectId}`, {
        serviceUrl,
        channelId: 'msteams',
        conversation: { id: personalConversationId(person), conversationType: 'personal' },
        user: { id: `29:${person.aadObjectId}`, aadObjectId: person.aadObjectId },
        bot: { id: '28:guest-access-bot' },
      });
    }
  } finally {
    await store.close();
  }
}

/** Waits until the counter stops moving for `quietMs`: the bot's start-up work (its first periodic runs) is over. */
async function settled(read: () => number, quietMs: number): Promise<void> {
  let last = read();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

export async function recertification(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recertify-'));
  const seedFile = join(dir, 'seed.json');
  const storeFile = join(dir, 'store.db');
  const simulator = new SimulatorProcess();
  simulator.count('requests', (line) => / -> \d+$/.test(line) && !line.startsWith('$batch '));
  simulator.count('batches', (line) => line.startsWith('POST /v1.0/$batch '));
  simulator.count('inBatches', (line) => line.startsWith('$batch '));
  simulator.count('walk', (line) => line.startsWith('GET /v1.0/users?'));
  const connector = new NullConnector();
  let bot: BotProcess | undefined;
  try {
    seedWithSponsors(seedFile);
    await simulator.start(['--seed', seedFile, '--guests', String(GUESTS)]);
    const serviceUrl = await connector.start();
    await fillStore(storeFile, serviceUrl);
    bot = await startBotProcess({ GRAPH_BASE_URL: simulator.url, SQLITE_PATH: storeFile, LOG_LEVEL: 'silent', RECERTIFY_GRACE_DAYS: '14' });
    await settled(() => simulator.counted('requests'), 3_000);

    const before = {
      requests: simulator.counted('requests'),
      batches: simulator.counted('batches'),
      inBatches: simulator.counted('inBatches'),
      walk: simulator.counted('walk'),
      cards: connector.received,
    };
    resetPeak(bot.pid);
    const idle = processMemory(bot.pid);
    const started = Date.now();
    const activities = teamsActivities({ serviceUrl, tenantId: demoWellKnownIds().tenantId });
    const answer = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(activities.message(adele, 'recertify')),
    });
    if (answer.status !== 200) throw new Error(`recertify answered ${answer.status}`);
    // The admin's answer, then one digest card per sponsor.
    const expected = before.cards + 1 + SPONSORS;
    while (connector.received < expected) {
      if (Date.now() - started > TIMEOUT_MS)
        throw new Error(`only ${connector.received - before.cards - 1} of ${SPONSORS} digests after ${TIMEOUT_MS / 60_000} minutes:\n${bot.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    const after = processMemory(bot.pid);
    await settled(() => simulator.counted('requests'), 1_000);
    const requests = simulator.counted('requests') - before.requests;
    const batches = simulator.counted('batches') - before.batches;
    const inBatches = simulator.counted('inBatches') - before.inBatches;
    const walk = simulator.counted('walk') - before.walk;
    const cards = connector.received - before.cards - 1;
    const walkOptimum = Math.ceil((GUESTS + loadDemoSeed().users.filter((u) => u.userType === 'Guest').length) / 500);
    const name = `6. Recertification, ${GUESTS.toLocaleString('en')} guests, ${SPONSORS.toLocaleString('en')} sponsors`;
    return [
      {
        benchmark: name,
        measure: 'digest reads: $batch calls (each up to 20 requests, 2 a guest)',
        value: `${batches} (${inBatches} requests in them)`,
        baseline: `${SPONSORS} sponsors`,
        ratio: `${fmt(batches / SPONSORS, 2)} a sponsor`,
        target: '1 a sponsor',
        met: batches === SPONSORS,
      },
      {
        benchmark: name,
        measure: 'sign-in activity: directory walk (500 guests a page)',
        value: String(walk),
        baseline: `ceil(${GUESTS + 4}/500) = ${walkOptimum}`,
        ratio: `${fmt(walk / walkOptimum, 2)}x`,
        target: '= ceil(N/500)',
        met: walk === walkOptimum,
      },
      {
        benchmark: name,
        measure: 'Graph HTTP calls in all',
        value: String(requests),
        baseline: `${SPONSORS} + ${walkOptimum} + role check`,
        ratio: '—',
        target: 'reported',
        met: undefined,
      },
      {
        benchmark: name,
        measure: 'digest cards sent',
        value: String(cards),
        baseline: `${SPONSORS} sponsors`,
        ratio: `${fmt(cards / SPONSORS, 2)} a sponsor`,
        target: '1 a sponsor',
        met: cards === SPONSORS,
      },
      {
        benchmark: name,
        measure: 'time: recertify to the last digest delivered',
        value: `${fmt(seconds)} s`,
        baseline: '—',
        ratio: `${fmt(SPONSORS / seconds, 0)} digests/s`,
        target: 'reported',
        met: undefined,
      },
      {
        benchmark: name,
        measure: 'bot process peak RSS (npm start)',
        value: `${fmt(after.peakMb, 0)} MB`,
        baseline: `${fmt(idle.rssMb, 0)} MB before`,
        ratio: `+${fmt(after.peakMb - idle.rssMb, 0)} MB`,
        target: `< ${MEMORY_TARGET_MB} MB`,
        met: after.peakMb < MEMORY_TARGET_MB,
      },
    ];
  } finally {
    await bot?.stop();
    await connector.stop();
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) benchMain(recertification);
