/**
 * Benchmark 0: the memory of `npm start` in local mode (the simulated directory in-process, SQLite)
 * when nothing is asked of it: the floor under every other memory figure, reported so that it does
 * not grow unnoticed. The bot runs as `npm start` runs it, its command line and heap limit included;
 * BENCH_IDLE_SECONDS (default 5) is how long it settles before it is read.
 */
import { startBotProcess } from '../test/helpers/botProcess';
import { fmt } from './lib/load';
import { processMemory, type ProcessMemory } from './lib/processMemory';
import { benchMain, type BenchRow } from './lib/report';

const SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? '5');

export async function idleMemory(): Promise<BenchRow[]> {
  const bot = await startBotProcess({});
  let memory: ProcessMemory;
  try {
    const health = await fetch(`${bot.url}/healthz`);
    if (health.status !== 200) throw new Error(`the bot answered /healthz with ${health.status}:\n${bot.output()}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    memory = processMemory(bot.pid);
  } finally {
    await bot.stop();
  }
  return [
    {
      benchmark: '0. Idle (npm start, local mode)',
      measure: `bot process RSS ${SETTLE_SECONDS} s after start, nothing asked`,
      value: `${fmt(memory.rssMb, 0)} MB`,
      baseline: `${fmt(memory.peakMb, 0)} MB peak while starting`,
      ratio: '—',
      target: 'reported',
      met: undefined,
    },
  ];
}

if (require.main === module) benchMain(idleMemory);
