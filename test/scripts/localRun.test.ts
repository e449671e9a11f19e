import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_GENERATED_GUESTS, isPortFree, PortsBusyError, startLocalRun, type LocalRun } from '../../scripts/localRun';
import { freePorts } from '../e2e/support';

/** The bot and three Playground processes, without a browser: starting, refusing and stopping. */
describe('the local run (npm run local)', () => {
  let logDir: string;
  let run: LocalRun | undefined;
  let blocker: Server | undefined;

  beforeEach(() => {
    logDir = mkdtempSync(path.join(tmpdir(), 'guest-access-local-'));
  });

  afterEach(async () => {
    await run?.close();
    run = undefined;
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
    rmSync(logDir, { recursive: true, force: true });
  });

  it('starts the bot, the local Teams host page and the three Playgrounds on the given ports, and frees every port on close', async () => {
    const ports = await freePorts();
    run = await startLocalRun({ ports, logDir, env: { LOG_LEVEL: 'silent' } });

    expect(run.botEndpoint).toBe(`http://127.0.0.1:${ports.bot}/api/messages`);
    expect(run.playgroundUrls).toEqual({
      requester: `http://127.0.0.1:${ports.requester}/`,
      approver: `http://127.0.0.1:${ports.approver}/`,
      admin: `http://127.0.0.1:${ports.admin}/`,
    });
    for (const url of Object.values(run.playgroundUrls)) {
      expect(await (await fetch(`${url}_debug/ping`)).text()).toContain('pong');
    }
    expect((await fetch(`http://127.0.0.1:${ports.bot}/healthz`)).status).toBe(200);
    expect(run.tabHostUrl).toBe(`http://127.0.0.1:${ports.bot}/tab/local-host.html`);
    expect((await fetch(run.tabHostUrl)).status).toBe(200);
    const hostPeople = (await (await fetch(`http://127.0.0.1:${ports.bot}/tab/local-host/people`)).json()) as { people: Array<{ name: string }> };
    expect(hostPeople.people.map((p) => p.name)).toEqual(['Alex Wilber', 'Megan Bowen', 'Adele Vance']);

    await run.close();
    for (const port of [ports.bot, ports.requester, ports.approver, ports.admin]) expect(await isPortFree(port)).toBe(true);
  }, 60_000);

  it('refuses to start when one of its ports is taken, naming it, and leaves the others free', async () => {
    const ports = await freePorts();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(ports.approver, '127.0.0.1', () => resolve()));

    const started = startLocalRun({ ports, logDir, env: { LOG_LEVEL: 'silent' } });

    await expect(started).rejects.toThrow(PortsBusyError);
    await expect(started).rejects.toThrow(`port ${ports.approver} (Megan Bowen's Playground) is in use`);
    expect(await isPortFree(ports.bot)).toBe(true);
    expect(await isPortFree(ports.requester)).toBe(true);
    expect(await isPortFree(ports.admin)).toBe(true);
  }, 30_000);

  it("refuses to start when the admin's Playground port is taken, naming it", async () => {
    const ports = await freePorts();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(ports.admin, '127.0.0.1', () => resolve()));

    await expect(startLocalRun({ ports, logDir, env: { LOG_LEVEL: 'silent' } })).rejects.toThrow(`port ${ports.admin} (Adele Vance's Playground) is in use`);
    expect(await isPortFree(ports.bot)).toBe(true);
  }, 30_000);

  it('gives the simulated directory a few hundred generated guests beside the named ones, so that guests has pages', async () => {
    run = await startLocalRun({ ports: await freePorts(), logDir, env: { LOG_LEVEL: 'silent' } });

    const guests = run.simulator.directory.users.filter((user) => user.userType === 'Guest');
    expect(DEMO_GENERATED_GUESTS).toBeGreaterThanOrEqual(200);
    // The seed's four named guests stay, for the README's examples.
    expect(guests).toHaveLength(DEMO_GENERATED_GUESTS + 4);
    expect(guests.map((guest) => guest.mail)).toEqual(expect.arrayContaining(['jane.doe@fabrikam.com', 'ravi.kumar@fabrikam.com']));
  }, 60_000);
});
