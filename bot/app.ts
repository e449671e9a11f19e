import { DefaultAzureCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type * as restify from 'restify';
import { Capabilities } from '../services/directory/capabilities';
import { systemClock, type Clock } from '../services/platform/clock';
import type { AppConfig } from '../services/platform/config';
import { DirectoryCatalog } from '../services/directory/directoryCatalog';
import { DEFAULT_WORKER_OPTIONS, ExecutionWorker, type WorkerOptions } from '../services/requests/executionWorker';
import { BatchExecution } from '../services/requests/batches/batchExecution';
import { BatchPreview } from '../services/requests/batches/batchPreview';
import { BatchRequests } from '../services/requests/batches/batchRequests';
import { createGraphClient } from '../services/directory/graphClient';
import { GraphDirectory } from '../services/directory/graphDirectory';
import { GuestAdmin } from '../services/guests/guestAdmin';
import { GuestWrites } from '../services/guests/guestWrites';
import { GuestListing } from '../services/guests/guestListing';
import type { Logger } from '../services/platform/logger';
import { DEFAULT_OUTBOX_ATTEMPTS, OutboxDeliverer } from '../services/platform/outboxDeliverer';
import { PeriodicTasks } from '../services/platform/periodicTasks';
import { checkGraphPermissions, uncheckedReport, type PermissionReport } from '../services/directory/permissionCheck';
import { EXPIRE_PENDING_REQUESTS, RequestExpiry } from '../services/requests/requestExpiry';
import { newRequestId } from '../services/requests/requestIds';
import { ApprovalRouter } from '../services/requests/approvalRouting';
import { RequestPolicy } from '../services/requests/requestPolicy';
import { createPersonLimits, TurnGate, type PersonLimits } from '../services/platform/rateLimits';
import { RequestValidator } from '../services/requests/requestValidator';
import { OutboxAnnouncements } from '../services/requests/announcements';
import { RequestNotices } from '../services/requests/requestNotices';
import { RequestWorkflow } from '../services/requests/requestWorkflow';
import { RoleService } from '../services/directory/roles';
import type { Store } from '../services/store/store';
import type { AccessRequest } from '../services/requests/model';
import { GUEST_ACCESS_ENDS, GuestLifecycle } from '../services/lifecycle/guestLifecycle';
import { LifecycleJobs } from '../services/lifecycle/lifecycleJobs';
import { LifecycleNotices } from '../services/lifecycle/lifecycleNotices';
import type { LifecycleServices } from '../services/lifecycle/lifecycleServices';
import { SET_SPONSOR, SPONSOR_CHECK, Sponsors } from '../services/lifecycle/sponsors';
import { Cleanup, CLEANUP_GUEST, CLEANUP_PLAN } from '../services/lifecycle/cleanup';
import {
  CAMPAIGN_DEADLINES,
  Recertification,
  RECERTIFICATION_COLLECT,
  RECERTIFICATION_DIGEST,
  RECERTIFICATION_SCHEDULE,
} from '../services/lifecycle/recertification';
import { createBot } from './createBot';
import { ProactiveNotifier } from './proactiveNotifier';
import { createServer } from './server';
import { registerTab } from './tab';
import { defaultTabFilesDir } from './tab/tabPages';
import { GuestTotalsService } from '../services/guests/guestTotals';
import type { LocalIssuer, LocalPerson } from '../services/identity/localIssuer';
import { tabIdentityFor, type TabIdentity } from '../services/identity/tabIdentity';
import { RequestHistory } from '../services/requests/requestHistory';
import { ApprovalStages } from '../services/requests/policies/approvalStages';
import { PolicyBook } from '../services/requests/policies/policyMatching';
import { ESCALATE_APPROVAL_STAGES, StageEscalation } from '../services/requests/policies/stageEscalation';

type BotFrameworkAuthentication = NonNullable<ConstructorParameters<typeof CloudAdapter>[0]>;

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  /** The store to use, opened by the caller: `openStore` in a real start (DATABASE_URL or the SQLite file). */
  store: Store;
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
  /** Invite many: previews, batch filing and a batch's rows. */
  batches: BatchRequests;
  worker: ExecutionWorker;
  /** Request expiry and other timed work, run once across instances (tests call `runDue`). */
  periodic: PeriodicTasks;
  /** Sends the notices and card updates the outbox holds (tests call `drain`). */
  outbox: OutboxDeliverer;
  /** Access that ends, sponsors, recertification and cleanup (tests call their periodic runs directly). */
  lifecycle: LifecycleServices;
  directory: GraphDirectory;
  /** The features on and off, decided at start from the app's Graph permissions. */
  capabilities: Capabilities;
  /** How much each person may file and search, and where that is counted. */
  limits: PersonLimits;
  /** Whose tokens the tab's API trusts; in local mode it holds the local issuer. */
  tabIdentity: TabIdentity;
  /** Starts listening (port 0 picks a free one) and returns the server's base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Waits for the worker and the outbox to go quiet (tests). */
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
    : uncheckedReport(
        config.graphClientId,
        config.directoryMode === 'tenant' ? 'GRAPH_PERMISSION_CHECK is false' : 'a simulated directory grants every permission unless told otherwise',
      );
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
  const { store } = options;
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
  const roles = new RoleService(directory, config, clock, capabilities, config.roleCacheSeconds * 1000);
  const catalog = new DirectoryCatalog(directory, config, clock, capabilities);
  const policy = new RequestPolicy({ catalog, settings: config });
  const notifier = new ProactiveNotifier(adapter, config.microsoftAppId, store, logger);
  const router = new ApprovalRouter({ catalog, roles, notifier, store, settings: config, logger });
  /** Names this process in job, outbox and task leases, so instances sharing a database tell theirs apart. */
  const instanceId = `instance-${randomUUID()}`;
  const workerOptions: WorkerOptions = {
    ...DEFAULT_WORKER_OPTIONS,
    workerId: instanceId,
    leaseMs: config.workerLeaseSeconds * 1000,
    pollMs: config.workerPollMs,
    backoffBaseMs: config.workerBackoffBaseMs,
    maxAttempts: config.workerMaxAttempts,
    concurrency: config.workerConcurrency,
    directoryWaitMs: config.directoryReplicationWaitSeconds * 1000,
    ...options.worker,
  };
  const guestWrites = new GuestWrites({ store, directory, roles, settings: config, capabilities, clock, logger });
  // Lifecycle steps wake the worker and the outbox, built just below; they only run once both exist.
  const wake = { outbox: { poke: () => outbox.poke() }, worker: { poke: () => worker.poke() } };
  const access: GuestLifecycle = new GuestLifecycle({
    store,
    directory,
    roles,
    capabilities,
    settings: config,
    clock,
    logger,
    wake,
    // The workflow is built further down; an extension is only filed once it exists.
    extensions: { file: (...args): Promise<AccessRequest> => workflow.fileExtension(...args) },
  });
  const sponsors = new Sponsors({ store, directory, roles, capabilities, settings: config, clock, logger, wake });
  const recertification = new Recertification({ store, directory, roles, capabilities, settings: config, clock, logger, access, wake });
  const cleanup = new Cleanup({ store, directory, roles, capabilities, settings: config, clock, logger, access, wake });
  const lifecycle: LifecycleServices = { access, sponsors, recertification, cleanup };
  const lifecycleNotices = new LifecycleNotices({
    store,
    messenger: notifier,
    lifecycle: access,
    approvers: { channel: () => router.approvalsChannel(), people: () => catalog.approvers() },
    logger,
    campaigns: async (payload) => (await recertification.render(payload)) ?? cleanup.render(payload),
  });
  const outbox = new OutboxDeliverer({
    store,
    clock,
    logger,
    handlers: {
      ...new RequestNotices({ store, notifier, roles, catalog, router, logger }).handlers(),
      ...guestWrites.handlers(notifier),
      ...lifecycleNotices.handlers(),
    },
    options: {
      ownerId: instanceId,
      leaseMs: workerOptions.leaseMs,
      pollMs: workerOptions.pollMs,
      backoffBaseMs: workerOptions.backoffBaseMs,
      maxAttempts: DEFAULT_OUTBOX_ATTEMPTS,
      concurrency: workerOptions.concurrency,
    },
  });
  const announcements = new OutboxAnnouncements(outbox);
  const batchExecution = new BatchExecution({
    store,
    directory,
    policy,
    settings: config,
    announcements,
    clock,
    logger,
    directoryWaitMs: workerOptions.directoryWaitMs,
  });
  const worker = new ExecutionWorker({
    store,
    directory,
    policy,
    settings: config,
    clock,
    logger,
    options: workerOptions,
    announcements,
    guestJobs: guestWrites,
    batches: batchExecution,
    extensions: access,
    lifecycleJobs: new LifecycleJobs({
      store,
      logger,
      lifecycle: access,
      more: {
        [SET_SPONSOR]: { run: (step, _lease, source) => sponsors.recordInDirectory(step, source) },
        [RECERTIFICATION_COLLECT]: { run: (step, _lease, source) => recertification.collect(step.campaignId, source) },
        [RECERTIFICATION_DIGEST]: { run: (step, _lease, source) => recertification.digest(step.campaignId, step.sponsorId, source) },
        [CLEANUP_PLAN]: { run: (step, _lease, source) => cleanup.buildPlan(step.campaignId, source) },
        [CLEANUP_GUEST]: { run: (step, _lease, source) => cleanup.applyToGuest(step.campaignId, step.guestId, source) },
      },
    }),
    capabilities,
  });
  const expiry = new RequestExpiry({ store, logger, timeoutDays: config.requestTimeoutDays, announcements });
  // Without POLICIES_PATH there is no book and no stages: every request has today's single stage.
  const policyBook = new PolicyBook(config.policies);
  const stages = config.policies
    ? new ApprovalStages({
        book: policyBook,
        directory,
        catalog,
        notifier,
        approvalsChannel: () => router.approvalsChannel(),
        store,
        settings: config,
        capabilities,
        logger,
      })
    : undefined;
  const escalation = stages ? new StageEscalation({ store, stages, announcements, logger }) : undefined;
  const periodic = new PeriodicTasks({
    store,
    clock,
    logger,
    // Timeouts are counted in days, so looking every ten minutes is precise enough.
    tasks: [
      { name: EXPIRE_PENDING_REQUESTS, intervalMs: 10 * 60_000, run: async (now) => void (await expiry.expireStale(now)) },
      // Access ends at midnight UTC, and notices go out on a day: five minutes late is soon enough.
      { name: GUEST_ACCESS_ENDS, intervalMs: 5 * 60_000, run: async (now) => void (await access.run(now)) },
      // A sponsor who left is noticed within a day; each check reads every sponsor once.
      { name: SPONSOR_CHECK, intervalMs: 24 * 60 * 60_000, run: async (now) => void (await sponsors.checkLeavers(now)) },
      {
        name: CAMPAIGN_DEADLINES,
        intervalMs: 10 * 60_000,
        run: async (now) => {
          await recertification.deadlines(now);
          await cleanup.deadlines(now);
        },
      },
      // Stages escalate after hours or days: looking every five minutes is soon enough.
      ...(escalation ? [{ name: ESCALATE_APPROVAL_STAGES, intervalMs: 5 * 60_000, run: async (now: Date) => void (await escalation.run(now)) }] : []),
      // Off by default: campaigns then start only when an admin types "recertify".
      ...(config.recertifyDays > 0
        ? [{ name: RECERTIFICATION_SCHEDULE, intervalMs: config.recertifyDays * 24 * 60 * 60_000, run: (now: Date) => recertification.scheduled(now) }]
        : []),
    ],
    options: { ownerId: instanceId, tickMs: 30_000, leaseMs: 5 * 60_000 },
  });
  const validator = new RequestValidator({
    store,
    directory,
    catalog,
    policy,
    settings: config,
    capabilities,
    logger,
    clock,
    access: config,
    policies: stages ? policyBook : undefined,
  });
  const workflow = new RequestWorkflow({
    store,
    directory,
    catalog,
    validator,
    router,
    policy,
    roles,
    announcements,
    limits,
    queue: worker,
    clock,
    newId: newRequestId,
    capabilities,
    logger,
    access: config,
    policies: stages ? { book: policyBook, stages } : undefined,
  });
  const batches = new BatchRequests({
    store,
    preview: new BatchPreview({
      store,
      directory,
      policy,
      policies: stages ? policyBook : undefined,
      settings: config,
      capabilities,
      access: config,
      clock,
      logger,
    }),
    router,
    policies: stages ? { book: policyBook, stages } : undefined,
    limits,
    capabilities,
    clock,
    newId: newRequestId,
    logger,
  });
  const guestAdmin = new GuestAdmin({
    store,
    directory,
    listing: new GuestListing({ store, directory, clock, capabilities, logger }),
    roles,
    catalog,
    router,
    writes: guestWrites,
    queue: worker,
    capabilities,
    clock,
    logger,
  });
  const bot = createBot(adapter, { workflow, guestAdmin, lifecycle, store, limits, expectedTenantId: config.expectedTenantId, clock, logger });
  const server = createServer({ adapter, bot, store, turns, logger });
  const tabIdentity = tabIdentityFor(config, clock, options.localIssuer);
  registerTab(server, {
    identity: tabIdentity,
    workflow,
    batches,
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
    outbox.start();
    periodic.start();
  }

  return {
    server,
    store,
    workflow,
    batches,
    worker,
    periodic,
    outbox,
    lifecycle,
    directory,
    capabilities,
    limits,
    tabIdentity,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          resolve(`http://${reachableHost(host)}:${address.port}`);
        });
      }),
    async settle() {
      for (let i = 0; i < 10; i += 1) {
        await worker.settled();
        await worker.drain();
        await outbox.settled();
        await outbox.drain();
      }
    },
    async close() {
      await periodic.stop();
      await worker.stop();
      await outbox.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
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
