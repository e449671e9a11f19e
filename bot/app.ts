import { DefaultAzureCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type * as restify from 'restify';
import { BackgroundTasks } from '../services/backgroundTasks';
import { systemClock, type Clock } from '../services/clock';
import type { AppConfig } from '../services/config';
import { DirectoryCatalog } from '../services/directoryCatalog';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker, type WorkerOptions } from '../services/executionWorker';
import { createGraphClient } from '../services/graph/graphClient';
import { GraphDirectory } from '../services/graph/graphDirectory';
import { GuestAdmin } from '../services/guestAdmin';
import { GuestListing } from '../services/guestListing';
import type { Logger } from '../services/logger';
import { PeriodicTasks } from '../services/periodicTasks';
import { EXPIRE_PENDING_REQUESTS, RequestExpiry } from '../services/requestExpiry';
import { newRequestId } from '../services/requestIds';
import { ApprovalRouter } from '../services/approvalRouting';
import { createPersonLimits, TurnGate, type PersonLimits } from '../services/rateLimits';
import { RequestValidator } from '../services/requestValidator';
import { RequestWorkflow } from '../services/requestWorkflow';
import { RoleService } from '../services/roles';
import { SqliteStore } from '../services/store/sqliteStore';
import type { Store } from '../services/store/store';
import { createActions } from './actions';
import { createCommands } from './commands';
import { GuestAccessBot } from './guestAccessBot';
import { ProactiveNotifier } from './proactiveNotifier';
import { createServer } from './server';

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
  /** How much each person may file and search, and where that is counted. */
  limits: PersonLimits;
  /** Starts listening (port 0 picks a free one) and returns the server's base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Waits for background work and the worker to go quiet (tests). */
  settle(): Promise<void>;
  /** Stops taking work, finishes what is in hand, closes the store. */
  close(): Promise<void>;
}

/** The composition root: every collaborator is built here once and passed by constructor. */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const store = options.store ?? SqliteStore.open(config.sqlitePath);
  const graphClient =
    options.graphClient ??
    createGraphClient({
      baseUrl: config.graphBaseUrl,
      credential: config.directoryMode === 'tenant' ? new DefaultAzureCredential() : undefined,
    });
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
  const roles = new RoleService(directory, config, clock);
  const catalog = new DirectoryCatalog(directory, config, clock);
  const notifier = new ProactiveNotifier(adapter, config.microsoftAppId, store, logger);
  let workflow: RequestWorkflow | undefined;
  /** Names this process in job and task leases, so instances sharing a database tell theirs apart. */
  const instanceId = `instance-${randomUUID()}`;
  const worker = new ExecutionWorker({
    store,
    directory,
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
      ...options.worker,
    },
    onFinished: (request) => workflow?.announceOutcome(request),
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
  const validator = new RequestValidator({ store, directory, catalog, settings: config, logger });
  const router = new ApprovalRouter({ catalog, roles, notifier, store, settings: config, logger });
  workflow = new RequestWorkflow({
    store,
    directory,
    catalog,
    validator,
    router,
    roles,
    notifier,
    limits,
    queue: worker,
    background,
    clock,
    newId: newRequestId,
    logger,
  });
  const guestAdmin = new GuestAdmin({
    store,
    directory,
    listing: new GuestListing({ store, directory, clock, logger }),
    roles,
    catalog,
    router,
    settings: config,
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
    limits,
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
