import { DefaultAzureCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type * as restify from 'restify';
import { BackgroundTasks } from '../services/platform/backgroundTasks';
import { Capabilities } from '../services/directory/capabilities';
import { systemClock, type Clock } from '../services/platform/clock';
import type { AppConfig } from '../services/platform/config';
import { DirectoryCatalog } from '../services/directory/directoryCatalog';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker, type WorkerOptions } from '../services/requests/executionWorker';
import { createGraphClient } from '../services/directory/graphClient';
import { GraphDirectory } from '../services/directory/graphDirectory';
import { GuestAdmin } from '../services/guests/guestAdmin';
import { GuestListing } from '../services/guests/guestListing';
import type { Logger } from '../services/platform/logger';
import { PeriodicTasks } from '../services/platform/periodicTasks';
import { checkGraphPermissions, uncheckedReport, type PermissionReport } from '../services/directory/permissionCheck';
import { EXPIRE_PENDING_REQUESTS, RequestExpiry } from '../services/requests/requestExpiry';
import { newRequestId } from '../services/requests/requestIds';
import { ApprovalRouter } from '../services/requests/approvalRouting';
import { RequestPolicy } from '../services/requests/requestPolicy';
import { createPersonLimits, TurnGate, type PersonLimits } from '../services/platform/rateLimits';
import { RequestValidator } from '../services/requests/requestValidator';
import { RequestWorkflow } from '../services/requests/requestWorkflow';
import { RoleService } from '../services/directory/roles';
import { SqliteStore } from '../services/store/sqliteStore';
import type { Store } from '../services/store/store';
import { createActions } from './actions';
import { createCommands } from './commands';
import { GuestAccessBot } from './guestAccessBot';
import { ProactiveNotifier } from './proactiveNotifier';
import { createServer } from './server';
import { registerTab } from './tab';
import { defaultTabFilesDir } from './tab/tabPages';
import { GuestTotalsService } from '../services/guests/guestTotals';
import type { LocalIssuer, LocalPerson } from '../services/identity/localIssuer';
import { tabIdentityFor, type TabIdentity } from '../services/identity/tabIdentity';
import { RequestHistory } from '../services/requests/requestHistory';

type BotFrameworkAuthentication = NonNullable<ConstructorParameters<typeof CloudAdapter>[0]>;

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  /** Defaults to SQLite at `config.sqlitePath`. */
  store?: Store;
  /** Defaults to a client for `config.graphBaseUrl`, with a token only in tenant mode. */
  graphClient?: Client;
  /** Defaults to the configuration's Bot Framework settings. */
  botFrameworkAuthentication?: BotFrameworkAuthentication;
  clock?: Clock;
  /** Defaults to limits counted in PostgreSQL with DATABASE_URL (shared by instances), in memory otherwise. */
  limits?: PersonLimits;
  worker?: Partial<WorkerOptions>;
  /** Tests run the worker by hand; a real process polls. */
  startWorker?: boolean;
  /** The features the app's Graph permissions allow; default every one (see createCheckedApp). */
  capabilities?: Capabilities;
  /** Local mode only: signs the tab's tokens instead of the issuer made at start (tests bring their keys). */
  localIssuer?: LocalIssuer;
  /** Local mode only: serve the local Teams host page, which lets these people open the tab. */
  localTeamsHost?: { people: readonly LocalPerson[] };
  /** Where the tab's built pages are; default `dist/tab`. */
  tabFilesDir?: string;
}

export interface App {
  server: restify.Server;
  store: Store;
  workflow: RequestWorkflow;
  worker: ExecutionWorker;
  /** Request expiry and other timed work, run once across instances (tests call `runDue`). */
  periodic: PeriodicTasks;
  background: BackgroundTasks;
  directory: GraphDirectory;
  /** The features on and off, decided at start from the app's Graph permissions. */
  capabilities: Capabilities;
  /** How much each person may file and search, and where that is counted. */
  limits: PersonLimits;
  /** Whose tokens the tab's API trusts; in local mode it holds the local issuer. */
  tabIdentity: TabIdentity;
  /** Starts listening (port 0 picks a free one) and returns the server's base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Waits for background work and the worker to go quiet (tests). */
  settle(): Promise<void>;
  /** Stops taking work, finishes what is in hand, closes the store. */
  close(): Promise<void>;
}

/** The Graph client for the configured directory: with a token in tenant mode only. */
function graphClientFor(config: AppConfig): Client {
  return createGraphClient({
    baseUrl: config.graphBaseUrl,
    credential: config.directoryMode === 'tenant' ? new DefaultAzureCredential() : undefined,
  });
}

/**
 * The app, built after reading which Graph permissions its app holds (when the configuration asks
 * for that check, or `checkPermissions` does), with the features those permissions do not allow
 * turned off. A check that cannot read the grants leaves every feature on; the report says why.
 */
export async function createCheckedApp(options: AppOptions & { checkPermissions?: boolean }): Promise<{ app: App; permissions: PermissionReport }> {
  const { config } = options;
  const graphClient = options.graphClient ?? graphClientFor(config);
  const check = options.checkPermissions ?? config.graphPermissionCheck;
  const permissions = check
    ? await checkGraphPermissions(new GraphDirectory(graphClient, config.graphBaseUrl), config.graphClientId)
    : uncheckedReport(config.graphClientId, config.directoryMode === 'tenant' ? 'GRAPH_PERMISSION_CHECK is false' : 'a simulated directory grants every permission unless told otherwise');
  if (permissions.outcome !== 'skipped') {
    const off = permissions.capabilities.off();
    const fields = { outcome: permissions.outcome, granted: permissions.granted, off };
    if (permissions.outcome === 'unreadable' || off.length > 0) options.logger.warn(fields, 'graph permissions checked: features off or grants unreadable');
    else options.logger.info(fields, 'graph permissions checked');
  }
  return { app: createApp({ ...options, graphClient, capabilities: permissions.capabilities }), permissions };
}

/** The composition root: every collaborator is built here once and passed by constructor. */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const store = options.store ?? SqliteStore.open(config.sqlitePath);
  const capabilities = options.capabilities ?? Capabilities.everything();
  const graphClient = options.graphClient ?? graphClientFor(config);
  const directory = new GraphDirectory(graphClient, config.graphBaseUrl);
  const auth =
    options.botFrameworkAuthentication ??
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: config.microsoftAppId,
      MicrosoftAppPassword: config.microsoftAppPassword,
      MicrosoftAppType: config.microsoftAppType,
      MicrosoftAppTenantId: config.microsoftAppTenantId,
    });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ activityId: context.activity.id, err: `${error.name}: ${error.message}` }, 'turn failed');
    if (context.activity.type === 'message') {
      await context.sendActivity('Something went wrong on my side and nothing was changed. Please try again in a moment.');
    }
  };

  const limits = options.limits ?? createPersonLimits(config, { databaseUrl: config.databaseUrl, logger });
  const turns = new TurnGate(config.maxConcurrentTurns);
  const background = new BackgroundTasks(logger);
  const roles = new RoleService(directory, config, clock, capabilities);
  const catalog = new DirectoryCatalog(directory, config, clock, capabilities);
  const policy = new RequestPolicy({ catalog, settings: config });
  const notifier = new ProactiveNotifier(adapter, config.microsoftAppId, store, logger);
  let workflow: RequestWorkflow | undefined;
  /** Names this process in job and task leases, so instances sharing a database tell theirs apart. */
  const instanceId = `instance-${randomUUID()}`;
  const worker = new ExecutionWorker({
    store,
    directory,
    policy,
    settings: config,
    clock,
    logger,
    options: {
      ...DEFAULT_WORKER_OPTIONS,
      workerId: instanceId,
      leaseMs: config.workerLeaseSeconds * 1000,
      pollMs: config.workerPollMs,
      backoffBaseMs: config.workerBackoffBaseMs,
      maxAttempts: config.workerMaxAttempts,
      concurrency: config.workerConcurrency,
      directoryWaitMs: config.directoryReplicationWaitSeconds * 1000,
      ...options.worker,
    },
    onFinished: (request) => workflow?.announceOutcome(request),
    onWaitingForDirectory: (request) => workflow?.announceWaitingForDirectory(request),
  });
  const expiry = new RequestExpiry({
    store,
    logger,
    timeoutDays: config.requestTimeoutDays,
    onExpired: (request) => workflow?.announceOutcome(request),
  });
  const periodic = new PeriodicTasks({
    store,
    clock,
    logger,
    // Timeouts are counted in days, so looking every ten minutes is precise enough.
    tasks: [{ name: EXPIRE_PENDING_REQUESTS, intervalMs: 10 * 60_000, run: async (now) => void (await expiry.expireStale(now)) }],
    options: { ownerId: instanceId, tickMs: 30_000, leaseMs: 5 * 60_000 },
  });
  const validator = new RequestValidator({ store, directory, catalog, policy, settings: config, capabilities, logger });
  const router = new ApprovalRouter({ catalog, roles, notifier, store, settings: config, logger });
  workflow = new RequestWorkflow({
    store,
    directory,
    catalog,
    validator,
    router,
    policy,
    roles,
    notifier,
    limits,
    queue: worker,
    background,
    clock,
    newId: newRequestId,
    capabilities,
    logger,
  });
  const guestAdmin = new GuestAdmin({
    store,
    directory,
    listing: new GuestListing({ store, directory, clock, capabilities, logger }),
    roles,
    catalog,
    router,
    settings: config,
    capabilities,
    clock,
    logger,
  });
  const bot = new GuestAccessBot({
    workflow,
    guestAdmin,
    store,
    commands: createCommands(),
    actions: createActions(),
    limits,
    expectedTenantId: config.expectedTenantId,
    clock,
    logger,
  });
  const server = createServer({ adapter, bot, store, turns, logger });
  const tabIdentity = tabIdentityFor(config, clock, options.localIssuer);
  registerTab(server, {
    identity: tabIdentity,
    workflow,
    guestAdmin,
    history: new RequestHistory({ store }),
    totals: new GuestTotalsService({ directory, roles, store, capabilities, clock, logger }),
    roles,
    limits,
    turns,
    logger,
    filesDir: options.tabFilesDir ?? defaultTabFilesDir(),
    localHostPeople: options.localTeamsHost?.people,
  });
  if (options.startWorker !== false) {
    worker.start();
    periodic.start();
  }

  return {
    server,
    store,
    workflow,
    worker,
    periodic,
    background,
    directory,
    capabilities,
    limits,
    tabIdentity,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve(`http://${reachableHost(host)}:${address.port}`);
        });
      }),
    async settle() {
      for (let i = 0; i < 10; i += 1) {
        await background.idle();
        await worker.settled();
        await worker.drain();
        await background.idle();
      }
    },
    async close() {
      await periodic.stop();
      await worker.stop();
      await background.idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await limits.close();
      await store.close();
    },
  };
}

/** Where this machine reaches a server listening on `host` (every interface means loopback will do). */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
