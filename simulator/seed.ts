/**
 * The seed fixture: its types, validation, and the demo tenant (`seed/demo-tenant.json`).
 * A fixture is checked as a whole and every problem is reported at once, naming where it is.
 */
import { idKey, isObjectId } from './ids';
import { isRecord } from './json';
import { builtInRoleDefinitions } from './roles';
import demoTenant from './seed/demo-tenant.json';

export type UserType = 'Member' | 'Guest';
export type ExternalUserState = 'PendingAcceptance' | 'Accepted';

export interface SeedTenant {
  id: string;
  displayName: string;
  /** Custom domains; the first is the default one (e.g. `example.com`). */
  verifiedDomains: string[];
  /** The `<name>.onmicrosoft.com` domain; guest UPNs end in `#EXT#@<initialDomain>`. */
  initialDomain: string;
}

export interface SeedSignInActivity {
  lastSignInDateTime?: string | null;
  lastNonInteractiveSignInDateTime?: string | null;
  lastSuccessfulSignInDateTime?: string | null;
}

export interface SeedUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  note?: string;
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  mail?: string | null;
  mobilePhone?: string | null;
  officeLocation?: string | null;
  preferredLanguage?: string | null;
  businessPhones?: string[];
  /** Default true. */
  accountEnabled?: boolean;
  /** Default `Member`. */
  userType?: UserType;
  creationType?: string | null;
  externalUserState?: ExternalUserState | null;
  externalUserStateChangeDateTime?: string | null;
  createdDateTime?: string | null;
  otherMails?: string[];
  /** Default: `SMTP:<mail>` when the user has a mail address. */
  proxyAddresses?: string[];
  mailNickname?: string | null;
  companyName?: string | null;
  department?: string | null;
  employeeId?: string | null;
  usageLocation?: string | null;
  signInActivity?: SeedSignInActivity | null;
  /** Ids of users or groups sponsoring this guest. */
  sponsors?: string[];
  /** The id of the user's manager (`GET /users/{id}/manager`). */
  manager?: string;
}

export interface SeedGroup {
  id: string;
  displayName: string;
  note?: string;
  description?: string | null;
  mail?: string | null;
  mailNickname?: string | null;
  /** Default false. */
  mailEnabled?: boolean;
  /** Default true. */
  securityEnabled?: boolean;
  /** `Unified` for Microsoft 365 groups, `DynamicMembership` for dynamic ones. Default []. */
  groupTypes?: string[];
  isAssignableToRole?: boolean;
  /** Set only for dynamic groups. */
  membershipRule?: string | null;
  visibility?: string | null;
  createdDateTime?: string | null;
  /** Ids of member users or groups. */
  members?: string[];
  /** Ids of owner users or service principals. */
  owners?: string[];
}

export interface SeedAppRole {
  id: string;
  value: string;
  displayName: string;
  description?: string;
  allowedMemberTypes: Array<'User' | 'Application'>;
  isEnabled?: boolean;
}

export interface SeedServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  note?: string;
  publisherName?: string | null;
  description?: string | null;
  homepage?: string | null;
  appOwnerOrganizationId?: string | null;
  appRoleAssignmentRequired?: boolean;
  accountEnabled?: boolean;
  servicePrincipalType?: string;
  tags?: string[];
  appRoles?: SeedAppRole[];
  /** Ids of owner users or service principals. */
  owners?: string[];
}

export interface SeedRoleAssignment {
  principalId: string;
  /** A role definition id or a built-in role's template id. */
  roleDefinitionId: string;
  directoryScopeId?: string;
  appScopeId?: string;
  note?: string;
}

export interface SeedAppRoleAssignment {
  principalId: string;
  /** The enterprise application's service principal id. */
  resourceId: string;
  /** One of the application's app role ids, or the default access id for apps without roles. */
  appRoleId: string;
  note?: string;
}

export interface SeedFixture {
  note?: string;
  tenant: SeedTenant;
  users: SeedUser[];
  groups: SeedGroup[];
  servicePrincipals?: SeedServicePrincipal[];
  roleAssignments?: SeedRoleAssignment[];
  appRoleAssignments?: SeedAppRoleAssignment[];
}

// ---------------------------------------------------------------------------------------------
// Well-known ids of the demo tenant (the local start script configures the bot with these).

/** A frozen name → id table; values are typed `string` so callers' inferred types stay wide. */
function idTable<K extends string>(table: Record<K, string>): Readonly<Record<K, string>> {
  return Object.freeze(table);
}

/** The Microsoft 365 Agents Playground's default tenant id (note the 13-digit last group). */
export const DEMO_TENANT_ID = '00000000-0000-0000-0000-0000000000001';

/** The Playground's default users, with the ids the Playground puts into activities. */
export const DEMO_USER_IDS = idTable({
  alexWilber: '00000000-0000-0000-0000-0000000000020',
  meganBowen: '00000000-0000-0000-0000-0000000000021',
  adeleVance: '00000000-0000-0000-0000-0000000000022',
  isaiahLanger: '00000000-0000-0000-0000-0000000000023',
  pattiFernandez: '00000000-0000-0000-0000-0000000000024',
  lynneRobbins: '00000000-0000-0000-0000-0000000000025',
  diegoSiciliani: '00c0d58d-238b-43bb-87cb-45cdb25bdcbe',
  gradyArchie: '417965d7-3e45-4a84-8ee7-f316ebb12da6',
  johannaLorenz: '41aa8a6c-e96d-47ee-ace2-e683e95a0e20',
  leeGu: 'cbfdc99b-7697-4c8b-948e-084d3978b2e3',
  miriamGraham: 'ba4c7474-55a0-440a-b1dc-b76da7ba4f5d',
  nestorWilke: '3449a5cc-bec5-4a90-9b71-8208ac9436ff',
});

export const DEMO_GUEST_IDS = idTable({
  janeDoeFabrikam: '51a7c900-632b-49a9-8e51-3126dbb1d2e0',
  raviKumarFabrikam: '2642c5e8-7633-4151-95a5-3d2f4eb434d7',
  danaWhitfieldContoso: 'ed85f2fa-6533-4c21-b31c-0845870fa1ab',
  liamOBrienNorthwind: '2d800960-7601-401e-941a-b1eeabe2d1c8',
});

export const DEMO_GROUP_IDS = idTable({
  /** Members approve guest requests. */
  approvers: '12fb331a-5dac-4bc9-b125-80882fe36242',
  /** Members administer the bot; contains the nested Security Team. */
  admins: 'f9daf8ac-94f0-461f-8d9a-7d60d03751c3',
  securityTeam: 'b34be9e6-3971-482c-9fc7-66ec23ea6f71',
  projectFalcon: '7d3aa964-41ad-416b-94eb-81c7ef0dd8c0',
  partnerPortalUsers: 'c9f85be9-0547-4b11-b03b-a8b270350dfb',
  fabrikamCollaboration: 'f0030471-38c8-4dbb-9873-6ef3b58ef894',
  contractors: '1ea29dc5-ee8d-4edb-8e29-4fd26535ad61',
  /** Dynamic: members can't be added by hand. */
  allGuestsDynamic: '04127f81-76ce-42aa-91ea-08e28f31a2bf',
  /** Mail-enabled security group: not manageable through Graph (403). */
  financeDistribution: '6adc5acb-5347-44de-be2a-28c64eacd228',
  /** Role-assignable: adding members needs extra permission (403). */
  privilegedHelpdesk: '0126f880-a767-4fd5-be50-117f17baaf71',
});

/** The groups a guest may be put into through the bot (the writable ones). */
export const DEMO_ASSIGNABLE_GROUPS: ReadonlyArray<Readonly<{ id: string; displayName: string }>> = Object.freeze([
  Object.freeze({ id: DEMO_GROUP_IDS.projectFalcon, displayName: 'Project Falcon' }),
  Object.freeze({ id: DEMO_GROUP_IDS.partnerPortalUsers, displayName: 'Partner Portal Users' }),
  Object.freeze({ id: DEMO_GROUP_IDS.fabrikamCollaboration, displayName: 'Fabrikam Collaboration' }),
  Object.freeze({ id: DEMO_GROUP_IDS.contractors, displayName: 'Contractors' }),
]);

export const DEMO_SERVICE_PRINCIPAL_IDS = idTable({
  expenseHub: '6cab628c-da89-481c-a3b2-2cdf925cf1e0',
  partnerPortal: 'b7cb0f57-1cd9-4151-b13b-2976f3ecf955',
  fabrikamProjectTracker: '6f8df4f1-f2ed-45db-a430-79905d6d2bc9',
  guestAccessBot: '4c684c41-493f-4a6c-80d3-d7905059c3e5',
});

/**
 * The application (client) id of the demo tenant's "Guest Access Bot" service principal: the app
 * the simulator serves, whose granted Graph permissions it enforces and lists.
 */
export const DEMO_BOT_APP_ID = 'a15e4210-9d57-491a-bc27-b814607a2496';

export interface DemoWellKnownIds {
  tenantId: string;
  tenantDisplayName: string;
  approverGroupId: string;
  adminGroupId: string;
  /** The bot's own app, whose permissions a check in local mode reads. */
  botAppId: string;
  assignableGroups: ReadonlyArray<{ id: string; displayName: string }>;
}

/** What the local start script needs to configure the bot against the demo tenant. */
export function demoWellKnownIds(): DemoWellKnownIds {
  return {
    tenantId: DEMO_TENANT_ID,
    tenantDisplayName: 'Example Corp (demo)',
    approverGroupId: DEMO_GROUP_IDS.approvers,
    adminGroupId: DEMO_GROUP_IDS.admins,
    botAppId: DEMO_BOT_APP_ID,
    assignableGroups: DEMO_ASSIGNABLE_GROUPS.map((g) => ({ ...g })),
  };
}

/** The demo tenant, validated; a fresh copy on every call. */
export function loadDemoSeed(): SeedFixture {
  return validateSeed(structuredClone(demoTenant));
}

// ---------------------------------------------------------------------------------------------
// Validation

class Checker {
  readonly problems: string[] = [];

  add(where: string, message: string): void {
    this.problems.push(`${where}: ${message}`);
  }

  keys(value: Record<string, unknown>, where: string, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(where, `unknown property '${key}'`);
    }
  }

  string(obj: Record<string, unknown>, key: string, where: string, opts: { required?: boolean; nullable?: boolean } = {}): void {
    const value = obj[key];
    if (value === undefined) {
      if (opts.required) this.add(`${where}.${key}`, 'is required');
      return;
    }
    if (value === null && opts.nullable && !opts.required) return;
    if (typeof value !== 'string' || (opts.required && value.trim() === '')) {
      this.add(`${where}.${key}`, opts.required ? 'must be a non-empty string' : 'must be a string');
    }
  }

  boolean(obj: Record<string, unknown>, key: string, where: string): void {
    const value = obj[key];
    if (value !== undefined && typeof value !== 'boolean') this.add(`${where}.${key}`, 'must be true or false');
  }

  stringArray(obj: Record<string, unknown>, key: string, where: string): string[] {
    const value = obj[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      this.add(`${where}.${key}`, 'must be an array of strings');
      return [];
    }
    return value.filter((v): v is string => typeof v === 'string');
  }

  dateTime(obj: Record<string, unknown>, key: string, where: string): void {
    const value = obj[key];
    if (value === undefined || value === null) return;
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
      this.add(`${where}.${key}`, `must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
    }
  }

  oneOf(obj: Record<string, unknown>, key: string, where: string, allowed: readonly (string | null)[]): void {
    const value = obj[key];
    if (value === undefined) return;
    if (!allowed.includes(value as string | null)) {
      this.add(`${where}.${key}`, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
  }

  objectId(obj: Record<string, unknown>, key: string, where: string): string | undefined {
    const value = obj[key];
    if (value === undefined) {
      this.add(`${where}.${key}`, 'is required');
      return undefined;
    }
    if (typeof value !== 'string' || !isObjectId(value)) {
      this.add(`${where}.${key}`, `${JSON.stringify(value)} is not a valid object id (GUID 8-4-4-4-12 hex)`);
      return undefined;
    }
    return value;
  }

  array(obj: Record<string, unknown>, key: string, where: string, required: boolean): unknown[] {
    const value = obj[key];
    if (value === undefined) {
      if (required) this.add(`${where}.${key}`, 'is required');
      return [];
    }
    if (!Array.isArray(value)) {
      this.add(`${where}.${key}`, 'must be an array');
      return [];
    }
    return value;
  }
}

const USER_KEYS = [
  'id',
  'displayName',
  'userPrincipalName',
  'note',
  'givenName',
  'surname',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'businessPhones',
  'accountEnabled',
  'userType',
  'creationType',
  'externalUserState',
  'externalUserStateChangeDateTime',
  'createdDateTime',
  'otherMails',
  'proxyAddresses',
  'mailNickname',
  'companyName',
  'department',
  'employeeId',
  'usageLocation',
  'signInActivity',
  'sponsors',
  'manager',
] as const;
const USER_NULLABLE_STRINGS = [
  'givenName',
  'surname',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'creationType',
  'mailNickname',
  'companyName',
  'department',
  'employeeId',
  'usageLocation',
] as const;
const GROUP_KEYS = [
  'id',
  'displayName',
  'note',
  'description',
  'mail',
  'mailNickname',
  'mailEnabled',
  'securityEnabled',
  'groupTypes',
  'isAssignableToRole',
  'membershipRule',
  'visibility',
  'createdDateTime',
  'members',
  'owners',
] as const;
const SP_KEYS = [
  'id',
  'appId',
  'displayName',
  'note',
  'publisherName',
  'description',
  'homepage',
  'appOwnerOrganizationId',
  'appRoleAssignmentRequired',
  'accountEnabled',
  'servicePrincipalType',
  'tags',
  'appRoles',
  'owners',
] as const;
const APP_ROLE_KEYS = ['id', 'value', 'displayName', 'description', 'allowedMemberTypes', 'isEnabled'] as const;
const ROLE_ASSIGNMENT_KEYS = ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'note'] as const;

function label(obj: Record<string, unknown>, where: string): string {
  return typeof obj.displayName === 'string' ? `${where} (${obj.displayName})` : where;
}

/**
 * Checks a fixture (parsed JSON or a typed object) and returns it typed. Throws one Error listing
 * every problem: malformed or duplicate ids, unknown references, inconsistent group kinds.
 */
export function validateSeed(input: unknown): SeedFixture {
  const c = new Checker();
  if (!isRecord(input)) throw new Error('Invalid seed fixture: the fixture must be a JSON object.');
  c.keys(input, 'fixture', ['note', 'tenant', 'users', 'groups', 'servicePrincipals', 'roleAssignments', 'appRoleAssignments']);

  const tenant = input.tenant;
  if (!isRecord(tenant)) {
    c.add('tenant', 'is required and must be an object');
  } else {
    c.keys(tenant, 'tenant', ['id', 'displayName', 'verifiedDomains', 'initialDomain']);
    c.objectId(tenant, 'id', 'tenant');
    c.string(tenant, 'displayName', 'tenant', { required: true });
    c.string(tenant, 'initialDomain', 'tenant', { required: true });
    if (typeof tenant.initialDomain === 'string' && !/^[a-z0-9-]+\.onmicrosoft\.com$/i.test(tenant.initialDomain)) {
      c.add('tenant.initialDomain', 'must look like <name>.onmicrosoft.com');
    }
    c.stringArray(tenant, 'verifiedDomains', 'tenant');
  }

  // Every directory object (user, group, service principal) shares one id space.
  const objectKinds = new Map<string, 'user' | 'group' | 'servicePrincipal'>();
  const claim = (id: string | undefined, kind: 'user' | 'group' | 'servicePrincipal', where: string): void => {
    if (id === undefined) return;
    const key = idKey(id);
    if (objectKinds.has(key)) c.add(`${where}.id`, `duplicate object id '${id}'`);
    else objectKinds.set(key, kind);
  };

  const users = c.array(input, 'users', 'fixture', true);
  const upns = new Set<string>();
  users.forEach((user, i) => {
    const where = `users[${i}]`;
    if (!isRecord(user)) return c.add(where, 'must be an object');
    const at = label(user, where);
    c.keys(user, at, USER_KEYS);
    claim(c.objectId(user, 'id', at), 'user', at);
    c.string(user, 'displayName', at, { required: true });
    c.string(user, 'userPrincipalName', at, { required: true });
    if (typeof user.userPrincipalName === 'string') {
      if (!user.userPrincipalName.includes('@')) c.add(`${at}.userPrincipalName`, "must contain '@'");
      const upn = user.userPrincipalName.toLowerCase();
      if (upns.has(upn)) c.add(`${at}.userPrincipalName`, `duplicate userPrincipalName '${user.userPrincipalName}'`);
      upns.add(upn);
    }
    for (const key of USER_NULLABLE_STRINGS) c.string(user, key, at, { nullable: true });
    c.string(user, 'note', at);
    c.stringArray(user, 'businessPhones', at);
    c.stringArray(user, 'otherMails', at);
    c.stringArray(user, 'proxyAddresses', at);
    c.boolean(user, 'accountEnabled', at);
    c.oneOf(user, 'userType', at, ['Member', 'Guest']);
    c.oneOf(user, 'externalUserState', at, ['PendingAcceptance', 'Accepted', null]);
    c.dateTime(user, 'createdDateTime', at);
    c.dateTime(user, 'externalUserStateChangeDateTime', at);
    if (user.userType === 'Guest' && typeof user.userPrincipalName === 'string' && !user.userPrincipalName.includes('#EXT#@')) {
      c.add(`${at}.userPrincipalName`, "a guest's UPN must have the form local_domain#EXT#@<initial domain>");
    }
    const signIn = user.signInActivity;
    if (signIn !== undefined && signIn !== null) {
      if (!isRecord(signIn)) c.add(`${at}.signInActivity`, 'must be an object or null');
      else {
        c.keys(signIn, `${at}.signInActivity`, ['lastSignInDateTime', 'lastNonInteractiveSignInDateTime', 'lastSuccessfulSignInDateTime']);
        for (const key of Object.keys(signIn)) c.dateTime(signIn, key, `${at}.signInActivity`);
      }
    }
  });

  const groups = c.array(input, 'groups', 'fixture', true);
  groups.forEach((group, i) => {
    const where = `groups[${i}]`;
    if (!isRecord(group)) return c.add(where, 'must be an object');
    const at = label(group, where);
    c.keys(group, at, GROUP_KEYS);
    claim(c.objectId(group, 'id', at), 'group', at);
    c.string(group, 'displayName', at, { required: true });
    for (const key of ['description', 'mail', 'mailNickname', 'membershipRule', 'visibility']) {
      c.string(group, key, at, { nullable: true });
    }
    c.string(group, 'note', at);
    for (const key of ['mailEnabled', 'securityEnabled', 'isAssignableToRole']) c.boolean(group, key, at);
    c.dateTime(group, 'createdDateTime', at);
    const types = c.stringArray(group, 'groupTypes', at);
    const dynamic = types.includes('DynamicMembership');
    const hasRule = typeof group.membershipRule === 'string' && group.membershipRule !== '';
    if (dynamic !== hasRule) {
      c.add(at, "a dynamic group needs both groupTypes 'DynamicMembership' and a membershipRule");
    }
    if (group.isAssignableToRole === true && (group.securityEnabled === false || dynamic)) {
      c.add(at, 'a role-assignable group must be a non-dynamic security group');
    }
    if (types.includes('Unified') && group.mailEnabled !== true) {
      c.add(at, 'a Microsoft 365 (Unified) group must be mailEnabled');
    }
    c.stringArray(group, 'members', at);
    c.stringArray(group, 'owners', at);
  });

  const sps = c.array(input, 'servicePrincipals', 'fixture', false);
  const appIds = new Set<string>();
  sps.forEach((sp, i) => {
    const where = `servicePrincipals[${i}]`;
    if (!isRecord(sp)) return c.add(where, 'must be an object');
    const at = label(sp, where);
    c.keys(sp, at, SP_KEYS);
    claim(c.objectId(sp, 'id', at), 'servicePrincipal', at);
    const appId = c.objectId(sp, 'appId', at);
    if (appId !== undefined) {
      if (appIds.has(idKey(appId))) c.add(`${at}.appId`, `duplicate appId '${appId}'`);
      appIds.add(idKey(appId));
    }
    c.string(sp, 'displayName', at, { required: true });
    for (const key of ['publisherName', 'description', 'homepage', 'appOwnerOrganizationId']) {
      c.string(sp, key, at, { nullable: true });
    }
    c.string(sp, 'servicePrincipalType', at);
    c.string(sp, 'note', at);
    c.boolean(sp, 'appRoleAssignmentRequired', at);
    c.boolean(sp, 'accountEnabled', at);
    c.stringArray(sp, 'tags', at);
    c.stringArray(sp, 'owners', at);
    const roleIds = new Set<string>();
    c.array(sp, 'appRoles', at, false).forEach((role, j) => {
      const roleAt = `${at}.appRoles[${j}]`;
      if (!isRecord(role)) return c.add(roleAt, 'must be an object');
      c.keys(role, roleAt, APP_ROLE_KEYS);
      const roleId = c.objectId(role, 'id', roleAt);
      if (roleId !== undefined) {
        if (roleIds.has(idKey(roleId))) c.add(`${roleAt}.id`, `duplicate app role id '${roleId}'`);
        roleIds.add(idKey(roleId));
      }
      c.string(role, 'value', roleAt, { required: true });
      c.string(role, 'displayName', roleAt, { required: true });
      c.string(role, 'description', roleAt);
      c.boolean(role, 'isEnabled', roleAt);
      const types = c.stringArray(role, 'allowedMemberTypes', roleAt);
      if (types.length === 0 || types.some((t) => t !== 'User' && t !== 'Application')) {
        c.add(`${roleAt}.allowedMemberTypes`, "must be a non-empty list of 'User' and/or 'Application'");
      }
    });
  });

  // References, checked once every object is known.
  const kindOf = (id: string): string | undefined => objectKinds.get(idKey(id));
  const checkRefs = (ids: string[], where: string, allowed: readonly string[]): void => {
    for (const id of ids) {
      const kind = kindOf(id);
      if (!isObjectId(id)) c.add(where, `'${id}' is not a valid object id`);
      else if (kind === undefined) c.add(where, `'${id}' does not refer to any object in the fixture`);
      else if (!allowed.includes(kind)) c.add(where, `'${id}' is a ${kind}; expected ${allowed.join(' or ')}`);
    }
  };
  users.forEach((user, i) => {
    if (!isRecord(user) || user.manager === undefined) return;
    const manager = typeof user.manager === 'string' ? [user.manager] : [];
    if (manager.length === 0) c.add(`${label(user, `users[${i}]`)}.manager`, 'must be a user id');
    checkRefs(manager, `${label(user, `users[${i}]`)}.manager`, ['user']);
  });
  users.forEach((user, i) => {
    if (!isRecord(user) || !Array.isArray(user.sponsors)) return;
    checkRefs(c.stringArray(user, 'sponsors', 'users'), `${label(user, `users[${i}]`)}.sponsors`, ['user', 'group']);
  });
  groups.forEach((group, i) => {
    if (!isRecord(group)) return;
    const at = label(group, `groups[${i}]`);
    const members = Array.isArray(group.members) ? group.members.filter((m): m is string => typeof m === 'string') : [];
    const unified = Array.isArray(group.groupTypes) && group.groupTypes.includes('Unified');
    checkRefs(members, `${at}.members`, unified ? ['user'] : ['user', 'group']);
    if (typeof group.id === 'string' && members.some((m) => idKey(m) === idKey(String(group.id)))) {
      c.add(`${at}.members`, 'a group cannot be a member of itself');
    }
    const owners = Array.isArray(group.owners) ? group.owners.filter((m): m is string => typeof m === 'string') : [];
    checkRefs(owners, `${at}.owners`, ['user', 'servicePrincipal']);
  });
  sps.forEach((sp, i) => {
    if (!isRecord(sp) || !Array.isArray(sp.owners)) return;
    const owners = sp.owners.filter((m): m is string => typeof m === 'string');
    checkRefs(owners, `${label(sp, `servicePrincipals[${i}]`)}.owners`, ['user', 'servicePrincipal']);
  });

  const roleDefinitionIds = new Set(builtInRoleDefinitions().flatMap((r) => [idKey(r.id), idKey(r.templateId)]));
  const assignmentKeys = new Set<string>();
  c.array(input, 'roleAssignments', 'fixture', false).forEach((assignment, i) => {
    const at = `roleAssignments[${i}]`;
    if (!isRecord(assignment)) return c.add(at, 'must be an object');
    c.keys(assignment, at, ROLE_ASSIGNMENT_KEYS);
    const principalId = c.objectId(assignment, 'principalId', at);
    if (principalId !== undefined) checkRefs([principalId], `${at}.principalId`, ['user', 'group', 'servicePrincipal']);
    c.string(assignment, 'roleDefinitionId', at, { required: true });
    const roleId = assignment.roleDefinitionId;
    if (typeof roleId === 'string' && !roleDefinitionIds.has(idKey(roleId))) {
      c.add(`${at}.roleDefinitionId`, `'${roleId}' is not a known role definition or template id`);
    }
    c.string(assignment, 'directoryScopeId', at);
    c.string(assignment, 'appScopeId', at);
    c.string(assignment, 'note', at);
    if ((assignment.directoryScopeId === undefined) === (assignment.appScopeId === undefined)) {
      c.add(at, 'needs exactly one of directoryScopeId and appScopeId');
    }
    const key = `${String(principalId).toLowerCase()}|${String(roleId).toLowerCase()}|${String(assignment.directoryScopeId ?? assignment.appScopeId)}`;
    if (assignmentKeys.has(key)) c.add(at, 'duplicate role assignment');
    assignmentKeys.add(key);
  });

  c.array(input, 'appRoleAssignments', 'fixture', false).forEach((assignment, i) => {
    const at = `appRoleAssignments[${i}]`;
    if (!isRecord(assignment)) return c.add(at, 'must be an object');
    c.keys(assignment, at, ['principalId', 'resourceId', 'appRoleId', 'note']);
    const principalId = c.objectId(assignment, 'principalId', at);
    if (principalId !== undefined) checkRefs([principalId], `${at}.principalId`, ['user', 'group', 'servicePrincipal']);
    const resourceId = c.objectId(assignment, 'resourceId', at);
    if (resourceId !== undefined) checkRefs([resourceId], `${at}.resourceId`, ['servicePrincipal']);
    c.string(assignment, 'appRoleId', at, { required: true });
    c.string(assignment, 'note', at);
  });

  if (c.problems.length > 0) {
    throw new Error(
      `Invalid seed fixture (${c.problems.length} problem${c.problems.length === 1 ? '' : 's'}):\n` + c.problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  // Every field has been checked above, so the input has the fixture's shape.
  return input as unknown as SeedFixture;
}
