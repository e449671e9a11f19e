import { isDirectoryId } from './ids';

/** Which directory the bot talks to. */
export type DirectoryMode =
  /** No Graph settings at all: the start script runs the simulated directory in-process. */
  | 'simulated'
  /** GRAPH_BASE_URL points at an http:// loopback address: a simulator run separately, no token. */
  | 'loopback'
  /** A real tenant through Microsoft Graph with @azure/identity credentials. */
  | 'tenant';

export interface AppConfig {
  port: number;
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
  approverGroupId: string;
  adminGroupId: string;
  inviteRedirectUrl: string;
  allowedGuestDomains: string[];
  blockedGuestDomains: string[];
  assignableDirectoryRoles: string[];
  sqlitePath: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Values the local start script supplies from the simulated directory's seed. */
export interface LocalDefaults {
  tenantId: string;
  approverGroupId: string;
  adminGroupId: string;
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
    problems.push('MicrosoftAppType is SingleTenant but MicrosoftAppId is empty: set the bot\'s app id, or clear MicrosoftAppType for local mode.');
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
  const local = directoryMode !== 'tenant' ? localDefaults : undefined;

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

  const logLevel = pickOne(read('LOG_LEVEL') || 'info', LOG_LEVELS, 'LOG_LEVEL', problems) ?? 'info';

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    microsoftAppId,
    microsoftAppPassword,
    microsoftAppTenantId,
    microsoftAppType,
    expectedTenantId,
    directoryMode,
    graphBaseUrl,
    approverGroupId,
    adminGroupId,
    inviteRedirectUrl,
    allowedGuestDomains,
    blockedGuestDomains,
    assignableDirectoryRoles: assignableDirectoryRoles.map((r) => r.toLowerCase()),
    sqlitePath: read('SQLITE_PATH') || './data/guest-access.db',
    logLevel,
  };
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
