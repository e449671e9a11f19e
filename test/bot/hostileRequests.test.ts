/**
 * Requests meant to take the bot down, sent to a real bot process (`node dist/scripts/start.js`)
 * so that a failure shows as a dead or bloated process rather than a crashed test runner.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { demoWellKnownIds } from '../../simulator/seed';
import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { cardText } from '../helpers/adaptiveCards';
import { people } from '../helpers/botHarness';
import { ensureBuilt, startBotProcess, type BotProcess } from '../helpers/botProcess';
import { RecordingConnector } from '../helpers/recordingConnector';
import { teamsActivities } from '../helpers/teamsActivities';

/** Resident and peak resident memory of a process, in MiB (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Starts a new peak: Linux resets a process's VmHWM to its current resident size on "5" in clear_refs. */
function idleMemoryOf(pid: number): { rss: number; peak: number } {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  return memoryOf(pid);
}

/** How much the bot's memory may move over hostile requests that it refuses or answers cheaply. */
const NEAR_IDLE_MIB = 48;

/** The growth of resident and peak memory from `idle` to `after`, and whether both stayed near idle. */
function nearIdle(idle: { rss: number; peak: number }, after: { rss: number; peak: number }) {
  const growth = { rss: after.rss - idle.rss, peak: after.peak - Math.max(idle.peak, idle.rss) };
  return { idle, after, growth, nearIdle: growth.rss < NEAR_IDLE_MIB && growth.peak < NEAR_IDLE_MIB };
}

describe('hostile requests to a bot process', () => {
  let bot: BotProcess;
  let tempDir: string;
  const connector = new RecordingConnector();
  let activities: ReturnType<typeof teamsActivities>;

  beforeAll(async () => {
    ensureBuilt();
    tempDir = mkdtempSync(join(tmpdir(), 'guest-bot-tmpdir-'));
    const serviceUrl = await connector.start();
    activities = teamsActivities({ serviceUrl, tenantId: demoWellKnownIds().tenantId });
    // An empty temporary folder of its own: whatever the bot writes there shows.
    bot = await startBotProcess({ TMPDIR: tempDir, LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await bot?.stop();
    await connector.stop();
    rmSync(tempDir, { recursive: true, force: true });
  });

  const post = (body: string | Buffer | FormData, headers: Record<string, string>) => fetch(`${bot.url}/api/messages`, { method: 'POST', headers, body });
  const healthy = async () => (await fetch(`${bot.url}/healthz`)).status === 200;
  const helpWorks = async () => {
    connector.clear();
    const answer = await post(JSON.stringify(activities.message(people.megan, 'help')), { 'Content-Type': 'application/json' });
    return answer.status === 200 && connector.cards().length === 1;
  };

  it('refuses a concurrent burst of gzip bodies that inflate to 128 MiB each, and stays healthy with its memory near idle', async () => {
    expect(await helpWorks()).toBe(true);
    const idle = idleMemoryOf(bot.pid);

    // 126 KiB on the wire, 128 MiB inflated: well under the body cap before inflating.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.alloc(128 * 1024 * 1024, 'a'), Buffer.from('"}')]), { level: 9 });
    expect(bomb.length).toBeLessThan(256 * 1024);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).then((r) => r.status)),
    );
    const after = memoryOf(bot.pid);

    expect(nearIdle(idle, after)).toMatchObject({ nearIdle: true });
    expect(answers).toEqual(Array(8).fill(415));
    expect(await healthy()).toBe(true);
    expect(await helpWorks()).toBe(true);
  });

  it('refuses multipart uploads and writes nothing to the temporary folder', async () => {
    expect(readdirSync(tempDir)).toEqual([]);
    const uploads = Array.from({ length: 5 }, (_, i) => {
      const form = new FormData();
      form.append('activity', JSON.stringify(activities.message(people.megan, 'help')));
      form.append('file', new Blob([Buffer.alloc(100 * 1024, i)]), `upload-${i}.bin`);
      return post(form, {}).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string } }));
    });
    const answers = await Promise.all(uploads);

    for (const answer of answers) expect(answer).toEqual({ status: 415, body: { error: 'Only application/json is accepted: send a Bot Framework activity.' } });
    expect(readdirSync(tempDir)).toEqual([]);
    expect(await healthy()).toBe(true);
  });

  it('answers a 1.4 KB activity with 26 empty mention entities as the command it carries, with its memory near idle', async () => {
    connector.clear();
    const hostile = { ...activities.message(people.megan, 'help'), entities: Array.from({ length: 26 }, () => ({ type: 'mention', text: '' })) };
    expect(JSON.stringify(hostile).length).toBeLessThan(1500);

    const idle = idleMemoryOf(bot.pid);
    const answer = await post(JSON.stringify(hostile), { 'Content-Type': 'application/json' });
    const after = memoryOf(bot.pid);

    expect(nearIdle(idle, after)).toMatchObject({ nearIdle: true });
    expect(answer.status).toBe(200);
    const cards = connector.cards();
    expect(cards).toHaveLength(1);
    const reply = cardText(cards[0] as AdaptiveCard);
    expect(reply).toContain('What I can do');
    expect(reply).not.toContain('I did not understand');
    expect(await healthy()).toBe(true);
  });
});
