/**
 * The local demo as a library: the bot in local mode with the simulated directory and an in-memory
 * store, plus three Microsoft 365 Agents Playground instances (a requester, an approver, and an
 * approver who is also an admin and an app owner) pointed at it. `scripts/local.ts` runs it from
 * the command line; the browser end-to-end tests start it on ports of their own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { createApp, type App } from '../bot/app';
import { loadConfig } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { SqliteStore } from '../services/store/sqliteStore';
import { withGeneratedGuests } from '../simulator/guestGenerator';
import type { LocalPerson } from '../services/identity/localIssuer';
import { demoWellKnownIds, DEMO_USER_IDS, loadDemoSeed, type SeedFixture } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { repoRoot } from './repoRoot';

export type PlaygroundRole = 'requester' | 'approver' | 'admin';

export interface LocalRunPorts {
  bot: number;
  requester: number;
  approver: number;
  admin: number;
}

/** Fixed so that bookmarks and the README stay true; each can be changed by an environment variable. */
export const DEFAULT_LOCAL_PORTS: LocalRunPorts = { bot: 3978, requester: 56150, approver: 56151, admin: 56152 };

/** Who is signed in to each Playground; the users come from the checked-in config files. */
export const PLAYGROUNDS: Readonly<Record<PlaygroundRole, { configFile: string; user: string; part: string }>> = {
  requester: { configFile: 'playground/requester.yml', user: 'Alex Wilber', part: 'an employee who asks for guests' },
  approver: { configFile: 'playground/approver.yml', user: 'Megan Bowen', part: 'an approver' },
  admin: { configFile: 'playground/admin.yml', user: 'Adele Vance', part: 'an approver, admin and owner of the Partner Portal app' },
};

/** Where the local Teams host page is, below the bot's address. */
export const LOCAL_TAB_HOST_PATH = '/tab/local-host.html';

/** The people one can be on the local Teams host page: the three of the Playgrounds, from the seed. */
export function localTabPeople(seed: SeedFixture): LocalPerson[] {
  return [DEMO_USER_IDS.alexWilber, DEMO_USER_IDS.meganBowen, DEMO_USER_IDS.adeleVance].map((id) => {
    const user = seed.users.find((u) => u.id === id);
    if (!user) throw new Error(`The demo seed lacks the user ${id}.`);
    return { aadObjectId: user.id, name: user.displayName, userPrincipalName: user.userPrincipalName };
  });
}

/**
 * Generated guests added to the demo tenant's few named ones, so that `guests` has pages to walk
 * (25 a card) and its filters have something to pick from. Always the same ones (fixed seed).
 */
export const DEMO_GENERATED_GUESTS = 300;

/**
 * Bot settings a demo may change. Identity, directory and store settings are left out on purpose:
 * the Playground sends no token and the demo tenant lives in memory, whatever `.env` says.
 */
const POLICY_KEYS = ['ALLOWED_GUEST_DOMAINS', 'BLOCKED_GUEST_DOMAINS', 'ASSIGNABLE_DIRECTORY_ROLES', 'INVITE_REDIRECT_URL', 'LOG_LEVEL'] as const;

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export interface LocalRunOptions {
  ports: LocalRunPorts;
  /** Where the Playgrounds write their log files (a git-ignored folder). */
  logDir: string;
  /** Source of the policy settings (POLICY_KEYS); LOG_LEVEL defaults to `error` to keep the terminal readable. */
  env?: Record<string, string | undefined>;
  /** Receives the bot's JSON log lines; standard output when omitted. */
  botLog?: Writable;
}

export interface LocalRun {
  /** e.g. `http://127.0.0.1:3978/api/messages`. */
  botEndpoint: string;
  playgroundUrls: Record<PlaygroundRole, string>;
  /** The local Teams host page with the personal tab, e.g. `http://127.0.0.1:3978/tab/local-host.html`. */
  tabHostUrl: string;
  app: App;
  simulator: RunningSimulator;
  /** Settles with a description when a Playground stops on its own. */
  unexpectedExit: Promise<string>;
  /** Stops the Playgrounds, then the bot and the directory. Safe to call more than once. */
  close(): Promise<void>;
}

/** A port the run needs is taken; nothing was started. */
export class PortsBusyError extends Error {
  constructor(readonly busy: ReadonlyArray<{ name: string; port: number }>) {
    super(busy.map((b) => `port ${b.port} (${b.name}) is in use`).join('; '));
    this.name = 'PortsBusyError';
  }
}

/**
 * Whether nothing listens on `port`, on any interface. Binding the IPv6 wildcard also covers IPv4
 * on Linux, so a server on 127.0.0.1, 0.0.0.0 or :: all count as busy.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export async function findBusyPorts(ports: LocalRunPorts): Promise<Array<{ name: string; port: number }>> {
  const named = [
    { name: 'bot', port: ports.bot },
    { name: `${PLAYGROUNDS.requester.user}'s Playground`, port: ports.requester },
    { name: `${PLAYGROUNDS.approver.user}'s Playground`, port: ports.approver },
    { name: `${PLAYGROUNDS.admin.user}'s Playground`, port: ports.admin },
  ];
  const busy: Array<{ name: string; port: number }> = [];
  for (const entry of named) {
    if (!(await isPortFree(entry.port))) busy.push(entry);
  }
  return busy;
}

/**
 * Starts everything, or nothing: the ports are checked first, and a failure half-way stops what
 * had started before the error is thrown.
 */
export async function startLocalRun(options: LocalRunOptions): Promise<LocalRun> {
  const { ports } = options;
  const busy = await findBusyPorts(ports);
  if (busy.length > 0) throw new PortsBusyError(busy);

  const env = options.env ?? {};
  // `error` by default: the demo's terminal is for the two addresses, not for the bot's request logs.
  const settings: Record<string, string | undefined> = { LOG_LEVEL: 'error', PORT: String(ports.bot) };
  for (const key of POLICY_KEYS) if (env[key]) settings[key] = env[key];
  const baseConfig = loadConfig(settings, demoWellKnownIds());

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const seed = loadDemoSeed();
    const simulator = await startSimulator({ port: 0, seed: withGeneratedGuests(seed, DEMO_GENERATED_GUESTS) });
    stops.push(() => simulator.close());
    const config = { ...baseConfig, graphBaseUrl: simulator.url };
    // A fresh store each run: the simulated directory also starts fresh, and old requests would
    // point at guests it no longer has.
    const app = createApp({
      config,
      logger: createLogger(config.logLevel, options.botLog),
      store: SqliteStore.open(':memory:'),
      localTeamsHost: { people: localTabPeople(seed) },
    });
    stops.push(() => app.close());
    // Loopback only: in local mode the bot accepts unsigned requests.
    const botBase = await app.listen(ports.bot, '127.0.0.1');
    const botEndpoint = `${botBase}/api/messages`;

    mkdirSync(options.logDir, { recursive: true });
    const root = repoRoot();
    const start = (role: PlaygroundRole) => {
      const playground = startPlayground({
        role,
        port: ports[role],
        botEndpoint,
        configPath: path.join(root, PLAYGROUNDS[role].configFile),
        logFile: path.join(options.logDir, `playground-${role}.log`),
      });
      stops.push(() => playground.stop());
      return playground;
    };
    const requester = start('requester');
    const approver = start('approver');
    const admin = start('admin');
    const [requesterUrl, approverUrl, adminUrl] = await Promise.all([requester.ready, approver.ready, admin.ready]);

    let closing: Promise<void> | undefined;
    return {
      botEndpoint,
      playgroundUrls: { requester: requesterUrl, approver: approverUrl, admin: adminUrl },
      tabHostUrl: `${botBase}${LOCAL_TAB_HOST_PATH}`,
      app,
      simulator,
      unexpectedExit: Promise.race([requester.exited, approver.exited, admin.exited]),
      close: () => (closing ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface PlaygroundOptions {
  role: PlaygroundRole;
  port: number;
  botEndpoint: string;
  configPath: string;
  logFile: string;
}

interface RunningPlayground {
  /** The page's URL once `/_debug/ping` answers. */
  ready: Promise<string>;
  /** Settles when the process ends without being asked to. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

function startPlayground(options: PlaygroundOptions): RunningPlayground {
  const { role, port } = options;
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEAMSAPPTESTER_BROWSER: 'none',
    M365_AGENTS_PLAYGROUND_CONFIG_PATH: options.configPath,
    M365_AGENTS_PLAYGROUND_LOGFILE: options.logFile,
  };
  // These would override the command line's endpoint and port.
  delete env.BOT_ENDPOINT;
  delete env.TEAMSAPPTESTER_PORT;
  const child = spawn(process.execPath, [cli, '-e', options.botEndpoint, '-c', 'msteams', '-p', String(port), '--disable-telemetry'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = `${PLAYGROUNDS[role].user}'s Playground`;

  let stopping = false;
  const ended = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`${label} stopped (${signal ?? `exit code ${code}`}).`));
    child.once('error', (error) => resolve(`${label} could not start: ${error.message}`));
  });
  // A last resort if this process exits without close(): never leave a Playground behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void ended.then(() => process.removeListener('exit', killOnExit));

  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const ready = (async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const url = `http://127.0.0.1:${port}/`;
    let exitedEarly: string | undefined;
    void ended.then((description) => (exitedEarly = description));
    while (Date.now() < deadline) {
      // The Playground takes a random port without a word when its own is busy: refuse that.
      const listening = /Listening on (\d+)/.exec(output);
      if (listening && Number(listening[1]) !== port) {
        throw new Error(`${label} took port ${listening[1]} instead of ${port}, which became busy after the check.`);
      }
      if (exitedEarly) throw new Error(`${exitedEarly}\n${playgroundErrors(output, options.logFile)}`);
      if (listening && (await answersPing(url))) return url;
      await delay(200);
    }
    throw new Error(`${label} did not answer on ${url} within ${READY_TIMEOUT_MS / 1000} s.\n${playgroundErrors(output, options.logFile)}`);
  })();

  return {
    ready,
    exited: ended.then((description) => (stopping ? new Promise<string>(() => undefined) : description)),
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await ended;
      clearTimeout(timer);
    },
  };
}

async function answersPing(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}_debug/ping`, { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).includes('pong');
  } catch {
    return false;
  }
}

/** What the Playground said about its failure: an invalid config file is reported only in its log. */
function playgroundErrors(output: string, logFile: string): string {
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const lines = `${output}\n${log}`.split('\n').filter((line) => /^error\b|Error/.test(line));
  return lines.length > 0 ? lines.slice(-5).join('\n') : `See ${logFile}.`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
