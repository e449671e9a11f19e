import { SERVED_CHANNEL_ID } from '../bot/activitySchemas';
import { isLoopbackAddress, type AppConfig } from '../services/platform/config';
import { SEARCH_BURST_WINDOW_SECONDS } from '../services/platform/rateLimits';

/** What the start script found out while starting, next to the configuration. */
export interface StartFacts {
  /** Base URL the bot answers on, e.g. `http://127.0.0.1:3978`. */
  url: string;
  /** Which directory is in use, in words. */
  directory: string;
  /** Where requests are stored, without credentials. */
  store: string;
  /** Where the per-person limits are counted. */
  limitsCountedIn: string;
  /** What the check of the app's Graph permissions found, in lines (what is missing and turned off). */
  permissions: readonly string[];
  /** Whose sign-in tokens the tab's API accepts, in words. */
  tab?: string;
}

/**
 * The lines `npm start` prints: one row per setting that decides who can reach the bot and what
 * they can make it do, so an operator sees the security posture at a glance. A new setting is one
 * more row.
 */
export function startBanner(config: AppConfig, facts: StartFacts): string[] {
  const appId = config.microsoftAppId;
  const rows: Array<[label: string, value: string]> = [
    ['Mode', appId ? `tenant mode: Azure Bot app ${appId} (${config.microsoftAppType})` : 'local mode: no MicrosoftAppId (for the Agents Playground)'],
    ['Auth', appId ? 'on: every request must carry a Bot Framework token for this app' : 'OFF: /api/messages accepts unsigned requests'],
    ['Tenant', `${config.expectedTenantId}; activities from any other tenant are refused`],
    ['Channels', `${SERVED_CHANNEL_ID} only; Web Chat, Direct Line, the Emulator and any other channel are refused`],
    ['Interface', `${config.host} (${isLoopbackAddress(config.host) ? 'this machine only' : 'reachable from the network'})`],
    [
      'Limits',
      `${config.requestsPerUserPerHour} requests filed per person per hour; ` +
        `${config.searchesPerUserPerSecond} searches per person per second` +
        (config.searchBurstPerUser > 0 ? ` (+${config.searchBurstPerUser} per ${SEARCH_BURST_WINDOW_SECONDS} s in bursts); ` : '; ') +
        `${config.maxConcurrentTurns} turns at once per instance; counted ${facts.limitsCountedIn}`,
    ],
    [
      'App owners',
      config.appOwnersMayInvite
        ? 'may approve inviting new guests for their apps (APP_OWNERS_MAY_INVITE=true)'
        : 'approve access for existing guests only; new guests go to the approver group (APP_OWNERS_MAY_INVITE=false)',
    ],
    ...(facts.tab ? [['Tab', facts.tab] as [string, string]] : []),
    ['Directory', facts.directory],
    ['Store', facts.store],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return [
    `Guest access bot listening on ${facts.url}/api/messages`,
    ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width)}  ${value}`),
    ...facts.permissions.map((line) => `  ${line}`),
  ];
}
