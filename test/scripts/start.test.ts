/**
 * `npm start` (the compiled dist/scripts/start.js) as an operator runs it: what it prints, where it
 * listens, and which configurations it refuses.
 */
import { ensureBuilt, startBotProcess, type BotProcess } from '../helpers/botProcess';
import { createTestSchema, type TestSchema } from '../helpers/postgres';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '11111111-2222-3333-4444-555555555555';
const GROUPS = { APPROVER_GROUP_ID: '6c1f6c0e-2a55-4c59-9d4f-0b1d7a5e0001', ADMIN_GROUP_ID: '6c1f6c0e-2a55-4c59-9d4f-0b1d7a5e0002' };

/** Whether something answers the health check at `host` on the bot's port. */
async function answersOn(bot: BotProcess, host: string): Promise<boolean> {
  const port = new URL(bot.url).port;
  try {
    return (await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })).status === 200;
  } catch {
    return false;
  }
}

/** The banner line that starts with `label:`. */
function bannerLine(output: string, label: string): string {
  return output.split('\n').find((line) => line.trimStart().startsWith(`${label}:`)) ?? `(no ${label} line in)\n${output}`;
}

async function waitForOutput(bot: BotProcess, text: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!bot.output().includes(text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return bot.output();
}

describe('npm start', () => {
  let bot: BotProcess | undefined;
  let schema: TestSchema | undefined;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await schema?.drop();
    schema = undefined;
  });

  it('in local mode names every security-relevant setting and listens on this machine only', async () => {
    bot = await startBotProcess({ LOG_LEVEL: 'error' });
    const output = bot.output();

    expect(output).toContain(`Guest access bot listening on ${bot.url}/api/messages`);
    expect(bannerLine(output, 'Auth')).toBe('  Auth:        OFF: /api/messages accepts unsigned requests');
    expect(bannerLine(output, 'Tenant')).toBe('  Tenant:      00000000-0000-0000-0000-0000000000001; activities from any other tenant are refused');
    expect(bannerLine(output, 'Channels')).toBe('  Channels:    msteams only; Web Chat, Direct Line, the Emulator and any other channel are refused');
    expect(bannerLine(output, 'Interface')).toBe('  Interface:   127.0.0.1 (this machine only)');
    expect(bannerLine(output, 'Limits')).toBe(
      '  Limits:      30 requests filed per person per hour; 5 searches per person per second (+10 per 10 s in bursts); ' +
        '64 turns at once per instance; counted in memory (this instance)',
    );
    expect(bannerLine(output, 'Tab')).toBe(`  Tab:         ${bot.url}/tab/ accepts tokens of the local issuer (local mode: a key made at start)`);
    expect(output).not.toContain('Warning:');
    expect(await answersOn(bot, '127.0.0.1')).toBe(true);
    // Another address of this machine stands in for a network interface.
    expect(await answersOn(bot, '127.0.0.2')).toBe(false);
  });

  it('warns when HOST opens a bot without an app id beyond this machine', async () => {
    bot = await startBotProcess({ LOG_LEVEL: 'error', HOST: '0.0.0.0' });
    const output = await waitForOutput(bot, 'Warning:');

    expect(output).toContain(
      'Warning: HOST is 0.0.0.0 and MicrosoftAppId is empty: /api/messages accepts unsigned requests from anyone who can reach this machine',
    );
    expect(bannerLine(output, 'Interface')).toBe('  Interface:   0.0.0.0 (reachable from the network)');
    expect(await answersOn(bot, '127.0.0.2')).toBe(true);
  });

  it('with an app id requires tokens, listens on every interface, and counts limits in PostgreSQL when it stores there', async () => {
    schema = await createTestSchema();
    bot = await startBotProcess({
      LOG_LEVEL: 'error',
      MicrosoftAppId: APP,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppTenantId: TENANT,
      DATABASE_URL: schema.url,
      REQUESTS_PER_USER_PER_HOUR: '12',
      SEARCHES_PER_USER_PER_SECOND: '3',
      SEARCH_BURST_PER_USER: '0',
      MAX_CONCURRENT_TURNS: '16',
    });
    const output = bot.output();

    expect(bannerLine(output, 'Mode')).toBe(`  Mode:        tenant mode: Azure Bot app ${APP} (SingleTenant)`);
    expect(bannerLine(output, 'Auth')).toBe('  Auth:        on: every request must carry a Bot Framework token for this app');
    expect(bannerLine(output, 'Tenant')).toContain(TENANT);
    expect(bannerLine(output, 'Tab')).toContain(`accepts Teams SSO tokens from Entra (tenant ${TENANT}, audience ${APP})`);
    expect(bannerLine(output, 'Interface')).toBe('  Interface:   0.0.0.0 (reachable from the network)');
    expect(bannerLine(output, 'Limits')).toBe(
      '  Limits:      12 requests filed per person per hour; 3 searches per person per second; 16 turns at once per instance; ' +
        'counted in PostgreSQL (shared by every instance)',
    );
    expect(output).not.toContain('Warning:');
    expect(await answersOn(bot, '127.0.0.2')).toBe(true);
  });

  it('refuses to start with Graph credentials for a real tenant and no app id, saying why', async () => {
    const started = startBotProcess({ ...GROUPS, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 'not-a-real-secret' });

    await expect(started).rejects.toThrow('AZURE_* credentials are set for a real tenant but MicrosoftAppId is empty');
    await expect(started).rejects.toThrow('anyone who can reach the port could approve requests, list, disable or delete guests');
    await expect(started).rejects.toThrow('Not started.');
  });
});
