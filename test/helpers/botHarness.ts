import type { Writable } from 'node:stream';
import { createApp, createCheckedApp, type App, type AppOptions } from '../../bot/app';
import type { Clock } from '../../services/platform/clock';
import { loadConfig, type AppConfig } from '../../services/platform/config';
import type { PermissionReport } from '../../services/directory/permissionCheck';
import { createLogger } from '../../services/platform/logger';
import { SqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { demoWellKnownIds, DEMO_USER_IDS } from '../../simulator/seed';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/server';
import { RecordingConnector } from './recordingConnector';
import { teamsActivities, type TeamsUser } from './teamsActivities';

/** People of the demo tenant, by role. */
export const people = {
  /** An employee with no special role. */
  alex: { aadObjectId: DEMO_USER_IDS.alexWilber, name: 'Alex Wilber' },
  /** An approver. */
  megan: { aadObjectId: DEMO_USER_IDS.meganBowen, name: 'Megan Bowen' },
  /** An approver and an admin. */
  adele: { aadObjectId: DEMO_USER_IDS.adeleVance, name: 'Adele Vance' },
  /** Another employee with no special role. */
  isaiah: { aadObjectId: DEMO_USER_IDS.isaiahLanger, name: 'Isaiah Langer' },
  /** An admin who is not an approver. */
  lynne: { aadObjectId: DEMO_USER_IDS.lynneRobbins, name: 'Lynne Robbins' },
} satisfies Record<string, TeamsUser>;

export interface PostResult {
  status: number;
  body: unknown;
}

/**
 * The whole bot over HTTP: the simulated directory, an in-memory store, a recording Bot
 * Connector, and the real restify server, with the worker run by hand for determinism.
 */
export class BotHarness {
  private constructor(
    readonly app: App,
    readonly url: string,
    readonly simulator: RunningSimulator,
    readonly connector: RecordingConnector,
    readonly config: AppConfig,
    readonly activities: ReturnType<typeof teamsActivities>,
    /** What the start-up permission check found (skipped unless `checkPermissions`). */
    readonly permissions: PermissionReport,
    /** False for a harness started alongside another: the directory, connector and store are the other's. */
    private readonly ownsSharedParts = true,
  ) {}

  /**
   * `simulator` options go to the simulated directory: a seed (e.g. generated guests), `premium`,
   * `permissions`, a request `log`. `store` replaces the in-memory SQLite store (e.g. a file the test
   * reads too). `checkPermissions` builds the app the way a tenant start does, after reading which
   * Graph permissions the simulator grants the bot's app.
   */
  static async start(
    env: Record<string, string> = {},
    options: {
      logStream?: Writable;
      clock?: Clock;
      simulator?: Omit<SimulatorOptions, 'port'>;
      store?: Store;
      checkPermissions?: boolean;
      /** The tab's local issuer and host page (tab tests bring their own signing key). */
      tab?: Pick<AppOptions, 'localIssuer' | 'localTeamsHost'>;
    } = {},
  ): Promise<BotHarness> {
    const simulator = await startSimulator({ ...options.simulator, port: 0 });
    const connector = new RecordingConnector();
    try {
      const serviceUrl = await connector.start();
      const demo = demoWellKnownIds();
      const config = {
        ...loadConfig({ LOG_LEVEL: 'silent', ...env }, demo),
        graphBaseUrl: simulator.url,
      };
      const { app, permissions } = await createCheckedApp({
        config,
        logger: createLogger(config.logLevel, options.logStream),
        store: options.store ?? SqliteStore.open(':memory:'),
        clock: options.clock,
        startWorker: false,
        checkPermissions: options.checkPermissions ?? false,
        ...options.tab,
      });
      const url = await app.listen(0, '127.0.0.1');
      return new BotHarness(app, url, simulator, connector, config, teamsActivities({ serviceUrl, tenantId: config.expectedTenantId }), permissions);
    } catch (error) {
      // A harness that fails to start must not leave servers behind to keep jest from exiting.
      await simulator.close();
      await connector.stop();
      throw error;
    }
  }

  /**
   * A second bot process, as after a restart with changed settings: its own app and worker built
   * from `env`, over the first one's simulated directory, Bot Connector and store.
   */
  static async alongside(first: BotHarness, env: Record<string, string> = {}, options: { clock?: Clock; store?: Store } = {}): Promise<BotHarness> {
    const demo = demoWellKnownIds();
    const config = { ...loadConfig({ LOG_LEVEL: 'silent', ...env }, demo), graphBaseUrl: first.simulator.url };
    // A store of its own (another connection pool on the same database) is closed with this app;
    // the first harness's store stays open when this app closes: it belongs to that harness.
    const store = options.store ?? (Object.create(first.app.store, { close: { value: async () => undefined } }) as Store);
    const app = createApp({ config, logger: createLogger(config.logLevel), store, clock: options.clock, startWorker: false });
    const url = await app.listen(0, '127.0.0.1');
    return new BotHarness(app, url, first.simulator, first.connector, config, first.activities, first.permissions, false);
  }

  /** Posts an activity to /api/messages like the Bot Connector does. */
  async post(activity: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
    const response = await fetch(`${this.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body };
  }

  /** Lets background notices and the worker finish. */
  settle(): Promise<void> {
    return this.app.settle();
  }

  /**
   * Runs the worker on the real clock until the request has ended, for waits that lie in the
   * future (the directory's replication lag); then lets the notices go out.
   */
  async settleUntilFinished(requestId: string, limitMs = 30_000): Promise<void> {
    const started = Date.now();
    for (;;) {
      await this.app.settle();
      const state = (await this.app.store.getRequest(requestId))?.state;
      if (state === 'completed' || state === 'failed') break;
      if (Date.now() - started > limitMs) throw new Error(`${requestId} is still ${state ?? 'missing'} after ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.app.settle();
  }

  async stop(): Promise<void> {
    await this.app.close();
    if (!this.ownsSharedParts) return;
    await this.simulator.close();
    await this.connector.stop();
  }
}
