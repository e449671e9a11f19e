/**
 * The personal tab on the bot's own server: its pages under `/tab/`, its JSON API under
 * `/tab/api`, and in local mode the local issuer's keys and the local Teams host page. Every API
 * route translates HTTP into the same service calls the chat makes; the rules stay in services/.
 */
import type * as restify from 'restify';
import type { RoleService } from '../../services/directory/roles';
import type { GuestAdmin } from '../../services/guests/guestAdmin';
import type { GuestTotalsService } from '../../services/guests/guestTotals';
import type { LocalPerson } from '../../services/identity/localIssuer';
import type { TabIdentity } from '../../services/identity/tabIdentity';
import type { Logger } from '../../services/platform/logger';
import type { PersonLimits, TurnGate } from '../../services/platform/rateLimits';
import type { RequestHistory } from '../../services/requests/requestHistory';
import type { RequestWorkflow } from '../../services/requests/requestWorkflow';
import type { BatchRequests } from '../../services/requests/batches/batchRequests';
import { batchRoutes } from './batchRoutes';
import { decisionRoutes } from './decisionRoutes';
import { guestRoutes } from './guestRoutes';
import { registerLocalHost, registerLocalIssuerKeys } from './localHostRoutes';
import { profileRoutes } from './profileRoutes';
import { requestRoutes } from './requestRoutes';
import { registerTabApi } from './tabApi';
import { TabPages } from './tabPages';

export interface TabDependencies {
  identity: TabIdentity;
  workflow: RequestWorkflow;
  /** Invite many: CSV previews, batch filing and a batch's rows. */
  batches: BatchRequests;
  guestAdmin: GuestAdmin;
  history: RequestHistory;
  totals: GuestTotalsService;
  roles: Pick<RoleService, 'rolesOf'>;
  limits: Pick<PersonLimits, 'search'>;
  turns: TurnGate;
  logger: Logger;
  /** Where the built pages are (`dist/tab`). */
  filesDir: string;
  /** The people of the local Teams host page; local mode only. */
  localHostPeople?: readonly LocalPerson[];
}

export function registerTab(server: restify.Server, deps: TabDependencies): void {
  const { identity } = deps;
  if (deps.localHostPeople && !identity.localIssuer) {
    throw new Error('The local Teams host page needs local mode (no MicrosoftAppId): in Teams, Entra signs users in.');
  }
  const localHost = deps.localHostPeople !== undefined;
  new TabPages({ dir: deps.filesDir, localHost }).register(server);
  registerTabApi(server, {
    validator: identity.validator,
    turns: deps.turns,
    logger: deps.logger,
    routes: [
      ...profileRoutes(deps),
      ...requestRoutes(deps),
      ...batchRoutes(deps),
      ...decisionRoutes(deps),
      ...guestRoutes({ guestAdmin: deps.guestAdmin, totals: deps.totals }),
    ],
  });
  if (identity.localIssuer) registerLocalIssuerKeys(server, identity.localIssuer);
  if (identity.localIssuer && deps.localHostPeople) {
    registerLocalHost(server, { issuer: identity.localIssuer, people: deps.localHostPeople, logger: deps.logger });
  }
}
