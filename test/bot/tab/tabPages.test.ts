import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../../bot/app';
import { TEAMS_FRAME_ANCESTORS } from '../../../bot/tab/tabPages';
import { loadConfig } from '../../../services/platform/config';
import { createLogger } from '../../../services/platform/logger';
import { SqliteStore } from '../../../services/store/sqliteStore';
import { demoWellKnownIds } from '../../../simulator/seed';
import { BotHarness, people } from '../../helpers/botHarness';
import { TabClient } from '../../helpers/tabClient';

const LOCAL_PEOPLE = [
  { aadObjectId: people.alex.aadObjectId, name: 'Alex Wilber', userPrincipalName: 'alexw@example.com' },
  { aadObjectId: people.megan.aadObjectId, name: 'Megan Bowen', userPrincipalName: 'meganb@example.com' },
];

/** A stand-in for `dist/tab`: the server serves whatever the build put there. */
function fakeBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'guest-access-tab-'));
  for (const name of ['index.html', 'dialog.html', 'tab.js', 'tab.css', 'dialog.js', 'dialog.css', 'local-host.html', 'local-host.js', 'local-host.css']) {
    writeFileSync(path.join(dir, name), name.endsWith('.html') ? `<!doctype html><title>${name}</title>` : `/* ${name} */`);
  }
  return dir;
}

function directives(policy: string | null): Map<string, string[]> {
  return new Map(
    (policy ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );
}

describe("the tab's pages", () => {
  let dir: string;
  let tab: TabClient | undefined;
  let harness: BotHarness | undefined;

  beforeEach(() => {
    dir = fakeBuild();
  });

  afterEach(async () => {
    await tab?.stop();
    await harness?.stop();
    tab = undefined;
    harness = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('are framed only by Teams, Outlook and Microsoft 365, run only their own scripts, and send no X-Frame-Options', async () => {
    harness = await BotHarness.start({}, { tab: {} });
    const app = createApp({
      config: harness.config,
      logger: createLogger('silent'),
      store: SqliteStore.open(':memory:'),
      startWorker: false,
      tabFilesDir: dir,
    });
    try {
      const url = await app.listen(0, '127.0.0.1');
      for (const page of ['/tab/', '/tab/dialog.html', '/tab/tab.js']) {
        const response = await fetch(`${url}${page}`);
        expect({ page, status: response.status }).toEqual({ page, status: 200 });
        expect(response.headers.get('x-frame-options')).toBeNull();
        const policy = directives(response.headers.get('content-security-policy'));
        expect(policy.get('frame-ancestors')).toEqual([...TEAMS_FRAME_ANCESTORS]);
        expect(policy.get('script-src')).toEqual(["'self'"]);
        expect(policy.get('default-src')).toEqual(["'none'"]);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
      expect((await fetch(`${url}/tab/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect((await fetch(`${url}/tab/tab.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await (await fetch(`${url}/tab/`)).text()).toContain('index.html');
      // Only the listed files: no path leads elsewhere on the disk.
      for (const other of ['/tab/..%2Fpackage.json', '/tab/local-host.html', '/tab/local-host/people']) {
        expect({ other, status: (await fetch(`${url}${other}`)).status }).toEqual({ other, status: 404 });
      }
    } finally {
      await app.close();
    }
  });

  it('say how to build them when they are missing', async () => {
    harness = await BotHarness.start();
    const app = createApp({
      config: harness.config,
      logger: createLogger('silent'),
      store: SqliteStore.open(':memory:'),
      startWorker: false,
      tabFilesDir: path.join(dir, 'nothing'),
    });
    try {
      const response = await fetch(`${await app.listen(0, '127.0.0.1')}/tab/`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build');
    } finally {
      await app.close();
    }
  });

  it('in local mode with the host page: let their own origin frame the tab, and hand out tokens the API accepts for the listed people only', async () => {
    tab = await TabClient.start({}, { tab: { localTeamsHost: { people: LOCAL_PEOPLE } } });
    const base = tab.harness.url;
    const hostPage = await fetch(`${base}/tab/local-host.html`);
    // The real build is not needed for the API; the host page's file may or may not exist yet.
    expect([200, 503]).toContain(hostPage.status);
    const policy = directives((await fetch(`${base}/tab/`)).headers.get('content-security-policy'));
    expect(policy.get('frame-ancestors')).toEqual(["'self'", ...TEAMS_FRAME_ANCESTORS]);

    const listed = (await (await fetch(`${base}/tab/local-host/people`)).json()) as { people: Array<{ name: string }> };
    expect(listed.people.map((p) => p.name)).toEqual(['Alex Wilber', 'Megan Bowen']);

    const token = async (aadObjectId: string) =>
      fetch(`${base}/tab/local-host/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ aadObjectId }) });
    const megan = (await (await token(people.megan.aadObjectId)).json()) as { token: string };
    const me = await tab.get({ authorization: `Bearer ${megan.token}` }, '/me');
    expect(me.body).toEqual({ name: 'Megan Bowen', views: { myRequests: true, toDecide: true, guests: false } });
    expect((await token(people.adele.aadObjectId)).status).toBe(404);

    const keys = (await (await fetch(`${base}/tab/local-issuer/keys`)).json()) as { keys: Array<{ kty: string; alg: string; d?: string }> };
    expect(keys.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256' })]);
    expect(keys.keys[0].d).toBeUndefined();
  });

  it('with an app id: no local issuer and no host page; the API wants an Entra token', async () => {
    harness = await BotHarness.start({
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppTenantId: demoWellKnownIds().tenantId,
    });
    expect(harness.app.tabIdentity.localIssuer).toBeUndefined();
    expect(harness.app.tabIdentity.description).toContain('Entra');
    expect((await fetch(`${harness.url}/tab/local-issuer/keys`)).status).toBe(404);
    expect((await fetch(`${harness.url}/tab/local-host/token`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${harness.url}/tab/api/me`)).status).toBe(401);

    const config = loadConfig(
      {
        LOG_LEVEL: 'silent',
        MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
        MicrosoftAppPassword: 'x',
        MicrosoftAppTenantId: demoWellKnownIds().tenantId,
      },
      demoWellKnownIds(),
    );
    expect(() =>
      createApp({
        config: { ...config, graphBaseUrl: harness!.simulator.url },
        logger: createLogger('silent'),
        store: SqliteStore.open(':memory:'),
        startWorker: false,
        localTeamsHost: { people: LOCAL_PEOPLE },
      }),
    ).toThrow(/local mode/);
  });
});
