/**
 * The heap limit `npm start` gives Node (scripts/node-options.env, read with --env-file): without
 * one, V8 sizes its heap from the machine's memory and leaves garbage lying far past what the bot
 * needs (README, Performance). An operator's own NODE_OPTIONS takes its place.
 */
import { spawnSync } from 'node:child_process';
import { npmStartNodeArgs, startBotProcess, ensureBuilt, type BotProcess } from '../helpers/botProcess';

/** What Node reports when started with `npm start`'s options and `env`: its heap limit in MB and NODE_OPTIONS. */
function nodeAsNpmStartRunsIt(env: Record<string, string>): { heapLimitMb: number; nodeOptions: string | undefined } {
  const options = npmStartNodeArgs().slice(0, -1);
  const probe =
    "process.stdout.write(JSON.stringify({ heapLimitMb: require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20, nodeOptions: process.env.NODE_OPTIONS }))";
  const run = spawnSync(process.execPath, [...options, '-e', probe], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node did not start with ${options.join(' ')}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as { heapLimitMb: number; nodeOptions: string | undefined };
}

/** The bot's output once it holds `text` (stderr and stdout arrive on separate pipes), or after five seconds. */
async function outputOnceItHolds(bot: BotProcess, text: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!bot.output().includes(text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return bot.output();
}

describe('the heap limit of npm start', () => {
  let bot: BotProcess | undefined;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });

  it('limits the old generation to 256 MB (the young one adds its own few tens)', () => {
    const node = nodeAsNpmStartRunsIt({});

    expect(node.nodeOptions).toBe('--max-old-space-size=256');
    expect(node.heapLimitMb).toBeGreaterThanOrEqual(256);
    expect(node.heapLimitMb).toBeLessThan(256 + 64);
  });

  it("gives way to the operator's NODE_OPTIONS", () => {
    const node = nodeAsNpmStartRunsIt({ NODE_OPTIONS: '--max-old-space-size=512' });

    expect(node.nodeOptions).toBe('--max-old-space-size=512');
    expect(node.heapLimitMb).toBeGreaterThanOrEqual(512);
  });

  it('is missing when NODE_OPTIONS replaces it with none, and the start says so and how to set one', async () => {
    bot = await startBotProcess({ LOG_LEVEL: 'error', NODE_OPTIONS: '--enable-source-maps' });

    expect(await outputOnceItHolds(bot, 'heap limit')).toContain(
      "Warning: Node runs without a heap limit, so V8 sizes its heap from the machine's memory and leaves garbage uncollected far past what the bot needs: " +
        'start with npm start, or put a heap limit such as --max-old-space-size=256 in NODE_OPTIONS.',
    );
  });

  it('is there when the bot starts as npm start starts it, which then warns of nothing', async () => {
    bot = await startBotProcess({ LOG_LEVEL: 'error' });

    expect(bot.output()).toContain('listening on');
    expect(bot.output()).not.toContain('heap limit');
  });
});
