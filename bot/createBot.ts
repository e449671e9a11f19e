import type { BotAdapter } from 'botbuilder';
import type { GuestAdmin } from '../services/guests/guestAdmin';
import type { LifecycleServices } from '../services/lifecycle/lifecycleServices';
import type { Clock } from '../services/platform/clock';
import type { Logger } from '../services/platform/logger';
import type { PersonLimits } from '../services/platform/rateLimits';
import type { RequestWorkflow } from '../services/requests/requestWorkflow';
import type { Store } from '../services/store/store';
import { createActions } from './actions';
import { createCommands } from './commands';
import { GuestAccessBot } from './guestAccessBot';
import { conversationCapture } from './middleware/conversationCapture';
import { invokeValueGuard } from './middleware/invokeValueGuard';
import { tenantGuard } from './middleware/tenantGuard';
import { createSearches } from './searches';
import { storeRecords } from './turnRecords';

export interface BotParts {
  workflow: RequestWorkflow;
  guestAdmin: GuestAdmin;
  lifecycle: LifecycleServices;
  store: Store;
  limits: Pick<PersonLimits, 'search'>;
  /** Activities from any other tenant are refused. */
  expectedTenantId: string;
  clock: Clock;
  logger: Logger;
}

/**
 * The bot with its middleware on `adapter`, in the order they run: the tenant guard (another
 * tenant's activity goes no further), the capture of conversation references, the guard against
 * invoke values the framework cannot read; then the bot's commands, verbs and searches. The
 * composition root (app.ts) wires production through this; tests pass botbuilder's TestAdapter.
 */
export function createBot(adapter: BotAdapter, parts: BotParts): GuestAccessBot {
  const { store, logger } = parts;
  adapter.use(tenantGuard(parts.expectedTenantId, logger), conversationCapture(store), invokeValueGuard());
  const records = storeRecords(store);
  return new GuestAccessBot({
    workflow: parts.workflow,
    guestAdmin: parts.guestAdmin,
    lifecycle: parts.lifecycle,
    records: records.turn,
    routerRecords: records.router,
    commands: createCommands(),
    actions: createActions(),
    searches: createSearches(),
    limits: parts.limits,
    clock: parts.clock,
    logger,
  });
}
