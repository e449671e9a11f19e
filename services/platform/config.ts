import { isIP } from 'node:net';
import { isDirectoryId } from './ids';
import type { RateLimitSettings } from './rateLimits';
import { loadPolicyFile, type PolicyFile } from '../requests/policies/policyFile';

/** Which directory the bot talks to. */
export type DirectoryMode =
  /** No Graph settings at all: the start script runs the simulated directory in-process. */
  | 'simulated'
  /** GRAPH_BASE_URL points at an http:// loopback address: a simulator run separately, no token. */
  | 'loopback'
  /** A real tenant through Microsoft Graph with @azure/identity credentials. */
  | 'tenant';

/**
 * A job held by an instance that died is taken over within a lease and one poll (30 s + 1 s by
 * default); the heartbeat renews a live instance's lease every 10 s.
 */
export const DEFAULT_WORKER_LEASE_SECONDS = 30;

export interface AppConfig extends RateLimitSettings {
  port: number;
  /**
   * Interface /api/messages listens on: loopback by default in local mode (unsigned requests are
   * accepted there), every interface with an app id (App Service routes to the container's address).
   */
  host: string;
  /** Empty in local mode: then /api/messages accepts unsigned requests. */
  microsoftAppId: string;
  microsoftAppPassword: string;
  microsoftAppTenantId: string;
  microsoftAppType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  /** The only tenant whose activities are served. */
  expectedTenantId: string;
  directoryMode: DirectoryMode;
  /** Origin of the Graph service, without the version segment. Empty in simulated mode until the simulator starts. */
  graphBaseUrl: string;
  /** The application (client) id Graph knows the bot as: AZURE_CLIENT_ID, or the demo bot's locally. */
  graphClientId: string;
  /** Read at start which Graph permissions the app holds, and turn off what they do not allow. */
  graphPermissionCheck: boolean;
  approverGroupId: string;
  adminGroupId: string;
  /**
   * How long an answer about someone's membership of the approver or admin group is kept: someone
   * removed keeps what the group gave for at most this long. 0 asks Graph on every check.
   */
  roleCacheSeconds: number;
  inviteRedirectUrl: string;
  allowedGuestDomains: string[];
  blockedGuestDomains: string[];
  assignableDirectoryRoles: string[];
  /** App owners' own requests for their app and an existing guest are approved by policy (audited as such). */
  appOwnersSelfService: boolean;
  /**
   * App owners may decide requests that invite a new guest for their app (nothing else asked).
   * Off: any request that creates a guest goes to the approver group.
   */
  appOwnersMayInvite: boolean;
  sqlitePath: string;
  /** PostgreSQL connection URL; empty means SQLite at `sqlitePath`, which serves one instance only. */
  databaseUrl: string;
  /** Pending requests nobody decided on expire after this many days. */
  requestTimeoutDays: number;
  /**
   * How long a claimed job or outbox entry belongs to an instance before another may take it over;
   * renewed every third of it while the instance lives, so it bounds the take-over after a crash.
   */
  workerLeaseSeconds: number;
  /** How often the worker looks for due jobs it was not told about (restarts, retries, other instances). */
  workerPollMs: number;
  /** First retry delay of a transient Graph failure without Retry-After; doubles per attempt. */
  workerBackoffBaseMs: number;
  /** Attempts of one execution before a request that keeps failing transiently is marked failed. */
  workerMaxAttempts: number;
  /** Jobs one instance executes at once. */
  workerConcurrency: number;
  /**
   * How long after inviting a guest the worker keeps retrying steps Graph refuses because the new
   * guest has not replicated yet ("does not exist"); 0 fails them at once.
   */
  directoryReplicationWaitSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The end date a request form suggests, this many days from the day it is opened. */
  guestAccessDefaultDays: number;
  /** The latest end date anyone may choose (or extend to) without a new approval, in days from today. */
  guestAccessMaxDays: number;
  /** Whether requests may ask for access without an end date. */
  guestAccessNoEnd: boolean;
  /** The sponsor is told this many days before the last day of a guest's access. */
  guestExpiryNoticeDays: number;
  /** What happens to a guest the bot invited once none of their access is left. */
  guestEndAction: GuestEndAction;
  /** Days between recertification campaigns; 0 turns them off (an admin can still start one with `recertify`). */
  recertifyDays: number;
  /** Days a sponsor has to answer a recertification digest before the approvers decide instead. */
  recertifyGraceDays: number;
  /** How many stale guests a cleanup acts on per minute, so it does not eat Graph's write quota. */
  cleanupGuestsPerMinute: number;
  /**
   * The approval policies read from POLICIES_PATH at start; undefined without the file, when every
   * request has one stage (the approver group, or an app's owners).
   */
  policies?: PolicyFile;
}

/** GUEST_END_ACTION: disable sign-in (reversible), delete (restorable for 30 days), or leave the account. */
export const GUEST_END_ACTIONS = ['disable', 'delete', 'none'] as const;
export type GuestEndAction = (typeof GUEST_END_ACTIONS)[number];

/** Values the local start script supplies from the simulated directory's seed. */
export interface LocalDefaults {
  tenantId: string;
  approverGroupId: string;
  adminGroupId: string;
  /** The simulated directory's app for the bot, whose permissions a local check reads. */
  botAppId?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

type Env = Record<string, string | undefined>;

/**
 * Reads the environment once and checks every key, collecting all problems so that one start
 * reports everything an operator has to fix.
 */
export function loadConfig(env: Env, localDefaults?: LocalDefaults): AppConfig {
  const problems: string[] = [];
  const read = (key: string): string => (env[key] ?? '').trim();

  const port = parsePort(read('PORT'), problems);
  const hostText = read('HOST');

  const microsoftAppId = read('MicrosoftAppId');
  const microsoftAppPassword = read('MicrosoftAppPassword');
  const microsoftAppTenantId = read('MicrosoftAppTenantId');
  const appTypeText = read('MicrosoftAppType') || (microsoftAppId ? 'SingleTenant' : 'MultiTenant');
  const microsoftAppType = pickOne(appTypeText, APP_TYPES, 'MicrosoftAppType', problems) ?? 'MultiTenant';

  if (microsoftAppId && !microsoftAppPassword && microsoftAppType !== 'UserAssignedMSI') {
    problems.push('MicrosoftAppId is set but MicrosoftAppPassword is empty: set both, or neither for local mode.');
  }
  if (!microsoftAppId && microsoftAppPassword) {
    problems.push('MicrosoftAppPassword is set but MicrosoftAppId is empty: set both, or neither for local mode.');
  }
  if (microsoftAppId && !isDirectoryId(microsoftAppId)) {
    problems.push(`MicrosoftAppId "${microsoftAppId}" is not an application (client) id: expected a GUID.`);
  }
  if (microsoftAppType === 'SingleTenant' && microsoftAppId && !microsoftAppTenantId) {
    problems.push('MicrosoftAppType is SingleTenant but MicrosoftAppTenantId is empty: set it to your tenant id.');
  }
  if (read('MicrosoftAppType') === 'SingleTenant' && !microsoftAppId) {
    problems.push("MicrosoftAppType is SingleTenant but MicrosoftAppId is empty: set the bot's app id, or clear MicrosoftAppType for local mode.");
  }
  if (microsoftAppTenantId && !isDirectoryId(microsoftAppTenantId)) {
    problems.push(`MicrosoftAppTenantId "${microsoftAppTenantId}" is not a tenant id: expected a GUID.`);
  }

  const graphBaseUrlText = read('GRAPH_BASE_URL');
  const azureKeys = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH'];
  const hasAzureCredentials = azureKeys.some((key) => read(key) !== '');
  const directoryMode = pickDirectoryMode(graphBaseUrlText, hasAzureCredentials, problems);
  const graphBaseUrl = directoryMode === 'simulated' ? '' : normaliseOrigin(graphBaseUrlText || 'https://graph.microsoft.com');
  const azureTenantId = read('AZURE_TENANT_ID');
  if (azureTenantId && !isDirectoryId(azureTenantId)) {
    problems.push(`AZURE_TENANT_ID "${azureTenantId}" is not a tenant id: expected a GUID.`);
  }
  if (directoryMode === 'tenant' && !microsoftAppId) {
    problems.push(
      `${hasAzureCredentials ? 'AZURE_* credentials are' : `GRAPH_BASE_URL "${graphBaseUrlText}" is`} set for a real tenant but MicrosoftAppId is empty. ` +
        'Without an app id /api/messages accepts unsigned requests, whose senders choose from.aadObjectId, the tenant and the serviceUrl ' +
        "the bot posts to: anyone who can reach the port could approve requests, list, disable or delete guests with the tenant's Graph " +
        'permissions, or aim the bot at any URL. Set MicrosoftAppId and MicrosoftAppPassword (the Azure Bot registration), or clear ' +
        'the AZURE_* keys and GRAPH_BASE_URL to run in local mode with the simulated directory.',
    );
  }
  const local = directoryMode !== 'tenant' ? localDefaults : undefined;
  const azureClientId = read('AZURE_CLIENT_ID');
  if (azureClientId && !isDirectoryId(azureClientId)) {
    problems.push(`AZURE_CLIENT_ID "${azureClientId}" is not an application (client) id: expected a GUID.`);
  }
  const graphClientId = azureClientId || local?.botAppId || '';
  // On by default against a real tenant; a simulator grants everything unless told otherwise.
  const checkText = read('GRAPH_PERMISSION_CHECK');
  const graphPermissionCheck = checkText ? readBoolean(checkText, 'GRAPH_PERMISSION_CHECK', problems) : directoryMode === 'tenant';

  const expectedTenantId = microsoftAppTenantId || azureTenantId || local?.tenantId || '';
  if (!expectedTenantId) {
    problems.push('No tenant is configured: set MicrosoftAppTenantId (the tenant whose users may use the bot).');
  }

  const approverGroupId = readGroup(read('APPROVER_GROUP_ID') || local?.approverGroupId || '', 'APPROVER_GROUP_ID', problems);
  const adminGroupId = readGroup(read('ADMIN_GROUP_ID') || local?.adminGroupId || '', 'ADMIN_GROUP_ID', problems);

  const inviteRedirectUrl = read('INVITE_REDIRECT_URL') || 'https://myapps.microsoft.com';
  if (!isHttpsUrl(inviteRedirectUrl)) {
    problems.push(`INVITE_REDIRECT_URL "${inviteRedirectUrl}" must be an https:// URL (where guests land after redeeming).`);
  }

  const allowedGuestDomains = readDomains(read('ALLOWED_GUEST_DOMAINS'), 'ALLOWED_GUEST_DOMAINS', problems);
  const blockedGuestDomains = readDomains(read('BLOCKED_GUEST_DOMAINS'), 'BLOCKED_GUEST_DOMAINS', problems);
  for (const domain of allowedGuestDomains.filter((d) => blockedGuestDomains.includes(d))) {
    problems.push(`${domain} is in both ALLOWED_GUEST_DOMAINS and BLOCKED_GUEST_DOMAINS: keep it in one.`);
  }

  const assignableDirectoryRoles = splitList(read('ASSIGNABLE_DIRECTORY_ROLES'));
  for (const role of assignableDirectoryRoles.filter((r) => !isDirectoryId(r))) {
    problems.push(`ASSIGNABLE_DIRECTORY_ROLES entry "${role}" is not a role definition id (a GUID such as the built-in role's template id).`);
  }

  const appOwnersSelfService = readBoolean(read('APP_OWNERS_SELF_SERVICE'), 'APP_OWNERS_SELF_SERVICE', problems);
  const appOwnersMayInvite = readBoolean(read('APP_OWNERS_MAY_INVITE'), 'APP_OWNERS_MAY_INVITE', problems);

  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl) checkDatabaseUrl(databaseUrl, problems);
  if (databaseUrl && read('SQLITE_PATH')) {
    problems.push('DATABASE_URL and SQLITE_PATH are both set: the bot uses one store; clear SQLITE_PATH to use PostgreSQL.');
  }
  const requestTimeoutDays = readInteger(read('REQUEST_TIMEOUT_DAYS'), 'REQUEST_TIMEOUT_DAYS', { min: 1, max: 365, fallback: 14, unit: 'days' }, problems);
  const workerLeaseSeconds = readInteger(
    read('WORKER_LEASE_SECONDS'),
    'WORKER_LEASE_SECONDS',
    { min: 1, max: 3600, fallback: DEFAULT_WORKER_LEASE_SECONDS, unit: 'seconds' },
    problems,
  );
  const workerPollMs = readInteger(read('WORKER_POLL_MS'), 'WORKER_POLL_MS', { min: 10, max: 600_000, fallback: 1000, unit: 'milliseconds' }, problems);
  const workerBackoffBaseMs = readInteger(
    read('WORKER_BACKOFF_BASE_MS'),
    'WORKER_BACKOFF_BASE_MS',
    { min: 1, max: 600_000, fallback: 2000, unit: 'milliseconds' },
    problems,
  );
  const workerMaxAttempts = readInteger(read('WORKER_MAX_ATTEMPTS'), 'WORKER_MAX_ATTEMPTS', { min: 1, max: 100, fallback: 8, unit: 'attempts' }, problems);
  const workerConcurrency = readInteger(read('WORKER_CONCURRENCY'), 'WORKER_CONCURRENCY', { min: 1, max: 64, fallback: 4, unit: 'jobs' }, problems);
  const roleCacheSeconds = readInteger(read('ROLE_CACHE_SECONDS'), 'ROLE_CACHE_SECONDS', { min: 0, max: 3600, fallback: 60, unit: 'seconds' }, problems);
  const directoryReplicationWaitSeconds = readInteger(
    read('DIRECTORY_REPLICATION_WAIT_SECONDS'),
    'DIRECTORY_REPLICATION_WAIT_SECONDS',
    { min: 0, max: 3600, fallback: 300, unit: 'seconds' },
    problems,
  );

  const host = readHost(hostText, microsoftAppId ? '0.0.0.0' : '127.0.0.1', problems);

  const requestsPerUserPerHour = readInteger(
    read('REQUESTS_PER_USER_PER_HOUR'),
    'REQUESTS_PER_USER_PER_HOUR',
    { min: 1, max: 10_000, fallback: 30, unit: 'requests' },
    problems,
  );
  const searchesPerUserPerSecond = readInteger(
    read('SEARCHES_PER_USER_PER_SECOND'),
    'SEARCHES_PER_USER_PER_SECOND',
    { min: 1, max: 1000, fallback: 5, unit: 'searches' },
    problems,
  );
  const searchBurstPerUser = readInteger(
    read('SEARCH_BURST_PER_USER'),
    'SEARCH_BURST_PER_USER',
    { min: 0, max: 10_000, fallback: 10, unit: 'searches' },
    problems,
  );
  const maxConcurrentTurns = readInteger(read('MAX_CONCURRENT_TURNS'), 'MAX_CONCURRENT_TURNS', { min: 1, max: 10_000, fallback: 64, unit: 'turns' }, problems);

  const logLevel = pickOne(read('LOG_LEVEL') || 'info', LOG_LEVELS, 'LOG_LEVEL', problems) ?? 'info';

  const guestAccessMaxDays = readInteger(read('GUEST_ACCESS_MAX_DAYS'), 'GUEST_ACCESS_MAX_DAYS', { min: 1, max: 3650, fallback: 365, unit: 'days' }, problems);
  const guestAccessDefaultDays = readInteger(
    read('GUEST_ACCESS_DEFAULT_DAYS'),
    'GUEST_ACCESS_DEFAULT_DAYS',
    { min: 1, max: 3650, fallback: Math.min(90, guestAccessMaxDays), unit: 'days' },
    problems,
  );
  if (guestAccessDefaultDays > guestAccessMaxDays) {
    problems.push(
      `GUEST_ACCESS_DEFAULT_DAYS (${guestAccessDefaultDays}) is longer than GUEST_ACCESS_MAX_DAYS (${guestAccessMaxDays}): the date a form suggests must be one it allows.`,
    );
  }
  const guestAccessNoEnd = readBoolean(read('GUEST_ACCESS_NO_END'), 'GUEST_ACCESS_NO_END', problems);
  const guestExpiryNoticeDays = readInteger(
    read('GUEST_EXPIRY_NOTICE_DAYS'),
    'GUEST_EXPIRY_NOTICE_DAYS',
    { min: 1, max: 365, fallback: 7, unit: 'days' },
    problems,
  );
  const guestEndAction = pickOne(read('GUEST_END_ACTION') || 'disable', GUEST_END_ACTIONS, 'GUEST_END_ACTION', problems) ?? 'disable';
  const recertifyDays = readInteger(read('RECERTIFY_DAYS'), 'RECERTIFY_DAYS', { min: 0, max: 3650, fallback: 0, unit: 'days' }, problems);
  const recertifyGraceDays = readInteger(read('RECERTIFY_GRACE_DAYS'), 'RECERTIFY_GRACE_DAYS', { min: 1, max: 365, fallback: 14, unit: 'days' }, problems);
  if (recertifyDays > 0 && recertifyGraceDays >= recertifyDays) {
    problems.push(
      `RECERTIFY_GRACE_DAYS (${recertifyGraceDays}) must be shorter than RECERTIFY_DAYS (${recertifyDays}): a campaign would still be open when the next one starts.`,
    );
  }
  const cleanupGuestsPerMinute = readInteger(
    read('CLEANUP_GUESTS_PER_MINUTE'),
    'CLEANUP_GUESTS_PER_MINUTE',
    { min: 1, max: 1000, fallback: 30, unit: 'guests' },
    problems,
  );
  const policiesPath = read('POLICIES_PATH');
  const policies = policiesPath ? loadPolicyFile(policiesPath, problems) : undefined;

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    microsoftAppId,
    microsoftAppPassword,
    microsoftAppTenantId,
    microsoftAppType,
    expectedTenantId,
    directoryMode,
    graphBaseUrl,
    graphClientId,
    graphPermissionCheck,
    approverGroupId,
    adminGroupId,
    roleCacheSeconds,
    inviteRedirectUrl,
    allowedGuestDomains,
    blockedGuestDomains,
    assignableDirectoryRoles: assignableDirectoryRoles.map((r) => r.toLowerCase()),
    appOwnersSelfService,
    appOwnersMayInvite,
    sqlitePath: read('SQLITE_PATH') || './data/guest-access.db',
    databaseUrl,
    requestTimeoutDays,
    workerLeaseSeconds,
    workerPollMs,
    workerBackoffBaseMs,
    workerMaxAttempts,
    workerConcurrency,
    directoryReplicationWaitSeconds,
    requestsPerUserPerHour,
    searchesPerUserPerSecond,
    searchBurstPerUser,
    maxConcurrentTurns,
    logLevel,
    guestAccessDefaultDays,
    guestAccessMaxDays,
    guestAccessNoEnd,
    guestExpiryNoticeDays,
    guestEndAction,
    recertifyDays,
    recertifyGraceDays,
    cleanupGuestsPerMinute,
    policies,
  };
}

/**
 * Settings that are allowed but deserve the operator's attention, printed at start: today a
 * local-mode bot (no app id, so unsigned requests are accepted) listening beyond this machine.
 */
export function configWarnings(config: Pick<AppConfig, 'host' | 'microsoftAppId'>): string[] {
  const warnings: string[] = [];
  if (!config.microsoftAppId && !isLoopbackAddress(config.host)) {
    warnings.push(
      `HOST is ${config.host} and MicrosoftAppId is empty: /api/messages accepts unsigned requests from anyone who can reach this ` +
        'machine, and they can act as any user of the tenant. Keep HOST=127.0.0.1 for local mode, or set MicrosoftAppId.',
    );
  }
  return warnings;
}

/** Whether a listening address stays on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readHost(text: string, fallback: string, problems: string[]): string {
  if (!text) return fallback;
  if (text === 'localhost' || isIP(text) !== 0) return text;
  problems.push(`HOST "${text}" must be an IP address to listen on: 127.0.0.1 for this machine only, 0.0.0.0 (or ::) for every interface.`);
  return fallback;
}

function readBoolean(text: string, key: string, problems: string[]): boolean {
  if (!text) return false;
  if (/^(true|yes|1)$/i.test(text)) return true;
  if (/^(false|no|0)$/i.test(text)) return false;
  problems.push(`${key} "${text}" must be true or false.`);
  return false;
}

function parsePort(text: string, problems: string[]): number {
  if (!text) return 3978;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`PORT "${text}" must be a whole number from 1 to 65535.`);
    return 3978;
  }
  return port;
}

/** A whole number in range, or the fallback when unset. */
function readInteger(text: string, key: string, range: { min: number; max: number; fallback: number; unit: string }, problems: string[]): number {
  if (!text) return range.fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    problems.push(`${key} "${text}" must be a whole number of ${range.unit} from ${range.min} to ${range.max}.`);
    return range.fallback;
  }
  return value;
}

/** The URL is never echoed: it may hold a password. */
function checkDatabaseUrl(text: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push('DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database.');
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (it starts with ${url.protocol}//).`);
    return;
  }
  if (!url.hostname && !url.searchParams.get('host')) problems.push('DATABASE_URL names no host: expected postgres://user:password@host:5432/database.');
  if (decodeURIComponent(url.pathname.replace(/^\//, '')) === '') problems.push('DATABASE_URL names no database: add /<database> after the host.');
}

function pickOne<T extends string>(text: string, allowed: readonly T[], key: string, problems: string[]): T | undefined {
  const match = allowed.find((value) => value.toLowerCase() === text.toLowerCase());
  if (!match) problems.push(`${key} "${text}" must be one of: ${allowed.join(', ')}.`);
  return match;
}

function pickDirectoryMode(graphBaseUrl: string, hasAzureCredentials: boolean, problems: string[]): DirectoryMode {
  if (!graphBaseUrl) return hasAzureCredentials ? 'tenant' : 'simulated';
  let url: URL;
  try {
    url = new URL(graphBaseUrl);
  } catch {
    problems.push(`GRAPH_BASE_URL "${graphBaseUrl}" is not a URL.`);
    return 'tenant';
  }
  if (url.protocol === 'http:') {
    if (isLoopback(url.hostname)) return 'loopback';
    problems.push(`GRAPH_BASE_URL "${graphBaseUrl}" uses http:// on a non-loopback host: tokens must not travel unencrypted; use https://.`);
    return 'tenant';
  }
  if (url.protocol !== 'https:') problems.push(`GRAPH_BASE_URL "${graphBaseUrl}" must start with https://.`);
  return 'tenant';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Accepts `https://graph.microsoft.com`, `.../` or `.../v1.0` and keeps the origin only. */
function normaliseOrigin(text: string): string {
  try {
    return new URL(text).origin;
  } catch {
    return text;
  }
}

function readGroup(value: string, key: string, problems: string[]): string {
  if (!value) {
    problems.push(`${key} is empty: set it to the object id of the Entra group whose members hold that role.`);
  } else if (!isDirectoryId(value)) {
    problems.push(`${key} "${value}" is not a group object id: expected a GUID.`);
  }
  return value;
}

function readDomains(text: string, key: string, problems: string[]): string[] {
  const domains = splitList(text).map((d) => d.toLowerCase().replace(/^@/, ''));
  for (const domain of domains.filter((d) => !DOMAIN.test(d))) {
    problems.push(`${key} entry "${domain}" is not a domain name (example: fabrikam.com).`);
  }
  return domains;
}

function splitList(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}
