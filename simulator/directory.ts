/**
 * The simulated tenant's state and the operations the Graph routes perform on it, with the real
 * service's rules (already-member, dynamic groups, invitation of existing users, ...). Writes are
 * visible to the next read at once; the replication lag after an invitation (a fault setting) is
 * applied by the routes, which ask `isReplicating` whether a user is still too new to be known.
 *
 * Records returned by the getters are the live objects; tests may read them or adjust them to set
 * up a scenario.
 */
import { AppRoleAssignments, type AppRoleAssignmentRecord } from './appRoleAssignments';
import { invitationAddressProblem } from './email';
import { GraphError, graphErrors } from './errors';
import { idKey, isObjectId, newObjectId, opaqueString, roleAssignmentId } from './ids';
import { GRAPH_APP_ROLES, MICROSOFT_GRAPH_APP_ID, checkPermissionNames, type PermissionRequirement } from './permissions';
import { MAY_DELETE_PRIVILEGED_USERS, builtInRoleDefinitions, type RoleDefinitionRecord } from './roles';
import {
  DEMO_BOT_APP_ID,
  validateSeed,
  type ExternalUserState,
  type SeedFixture,
  type SeedGroup,
  type SeedServicePrincipal,
  type SeedUser,
  type UserType,
} from './seed';

export interface TenantInfo {
  id: string;
  displayName: string;
  verifiedDomains: string[];
  initialDomain: string;
}

export interface SignInActivity {
  lastSignInDateTime: string | null;
  lastSignInRequestId: string | null;
  lastNonInteractiveSignInDateTime: string | null;
  lastNonInteractiveSignInRequestId: string | null;
  lastSuccessfulSignInDateTime: string | null;
  lastSuccessfulSignInRequestId: string | null;
}

export interface UserRecord {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  mail: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  userPrincipalName: string;
  accountEnabled: boolean;
  userType: UserType;
  creationType: string | null;
  externalUserState: ExternalUserState | null;
  externalUserStateChangeDateTime: string | null;
  createdDateTime: string | null;
  otherMails: string[];
  /** `SMTP:` (primary) and `smtp:` addresses; the service keeps the primary in step with `mail`. */
  proxyAddresses: string[];
  mailNickname: string | null;
  companyName: string | null;
  department: string | null;
  employeeId: string | null;
  usageLocation: string | null;
  signInActivity: SignInActivity | null;
  /** Users or groups sponsoring this (guest) user. */
  sponsorIds: string[];
  /** The user's manager, or null when none is set. */
  managerId: string | null;
}

export interface GroupRecord {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  isAssignableToRole: boolean;
  membershipRule: string | null;
  membershipRuleProcessingState: string | null;
  visibility: string | null;
  createdDateTime: string | null;
  ownerIds: string[];
}

export interface AppRoleRecord {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  origin: string;
}

export interface ServicePrincipalRecord {
  id: string;
  appId: string;
  displayName: string;
  appDisplayName: string;
  description: string | null;
  publisherName: string | null;
  homepage: string | null;
  appOwnerOrganizationId: string | null;
  appRoleAssignmentRequired: boolean;
  accountEnabled: boolean;
  servicePrincipalType: string;
  servicePrincipalNames: string[];
  tags: string[];
  appRoles: AppRoleRecord[];
  ownerIds: string[];
}

export interface RoleAssignmentRecord {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string | null;
  appScopeId: string | null;
  createdDateTime: string;
}

/** One accepted `POST /invitations` (including re-invitations of an existing guest). */
export interface InvitationRecord {
  /** The invitation entity's id. */
  id: string;
  /** The invited address as sent. */
  email: string;
  at: string;
  /** The (new or existing) user the invitation is for. */
  userId: string;
  /** False unless the caller asked for the email; the service sends none by default. */
  sendInvitationMessage: boolean;
  messageBody: string | null;
  messageLanguage: string | null;
  ccRecipients: string[];
  redirectUrl: string;
  invitedUserDisplayName: string | null;
  invitedUserType: UserType;
  resetRedemption: boolean;
  inviteRedeemUrl: string;
  status: 'PendingAcceptance' | 'Completed';
  /** True if the invitation created the user. */
  createdUser: boolean;
}

export interface InvitationInput {
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName?: string | null;
  sendInvitationMessage?: boolean;
  invitedUserMessageInfo?: {
    customizedMessageBody?: string | null;
    messageLanguage?: string | null;
    ccRecipients?: Array<{ emailAddress?: { address?: string | null; name?: string | null } }>;
  } | null;
  invitedUserType?: string | null;
  resetRedemption?: boolean;
  invitedUser?: { id?: string } | null;
  invitedUserSponsors?: Array<{ id?: string }> | null;
}

export interface InvitationResult {
  invitation: InvitationRecord;
  user: UserRecord;
}

export interface RoleAssignmentInput {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string;
  appScopeId?: string;
}

export type DirectoryObject =
  { kind: 'user'; record: UserRecord } | { kind: 'group'; record: GroupRecord } | { kind: 'servicePrincipal'; record: ServicePrincipalRecord };

export type NewUserInput = Omit<SeedUser, 'id'> & { id?: string };
export type NewGroupInput = Omit<SeedGroup, 'id'> & { id?: string };

export interface DirectoryOptions {
  /** Clock for created/changed timestamps; defaults to the real time. */
  now?: () => Date;
  /**
   * Whether the tenant has a Microsoft Entra ID P1/P2 licence. Without one the service refuses
   * `signInActivity` with 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant. Default true.
   */
  premium?: boolean;
  /**
   * The application (client) id of the app calling the simulator: its service principal lists the
   * granted Graph permissions as app role assignments. Default: the demo tenant's bot.
   */
  callerAppId?: string;
  /** The Graph application permissions the caller holds; default every one (nothing is refused). */
  permissions?: readonly string[] | 'all';
}

/** A soft-deleted user: restorable, with its direct group memberships, until it is purged. */
export interface DeletedUserRecord {
  user: UserRecord;
  deletedDateTime: string;
  groupIds: string[];
}

/** User properties `PATCH /users/{id}` may change in the simulator. */
export interface UserPatch {
  accountEnabled?: boolean;
  displayName?: string;
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  companyName?: string | null;
  mail?: string | null;
  otherMails?: string[];
}

/** How long the service keeps deleted users restorable. */
export const DELETED_USER_RETENTION_DAYS = 30;

/** At most this many ids per checkMemberGroups request. */
export const CHECK_MEMBER_GROUPS_LIMIT = 20;

function lower(value: string | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : value.toLowerCase();
}

/**
 * The service updates proxyAddresses when mail changes: the new address becomes the primary
 * (`SMTP:`) and the former primary stays as a secondary (`smtp:`).
 */
function withPrimarySmtp(proxyAddresses: readonly string[], mail: string | null): string[] {
  const demoted = proxyAddresses.map((p) => (p.startsWith('SMTP:') ? `smtp:${p.slice(5)}` : p));
  if (mail === null) return demoted;
  const primary = `smtp:${mail}`.toLowerCase();
  return [`SMTP:${mail}`, ...demoted.filter((p) => p.toLowerCase() !== primary)];
}

function signInActivity(seed: SeedUser['signInActivity']): SignInActivity | null {
  if (!seed) return null;
  const requestId = (at: string | null | undefined): string | null => (at ? newObjectId() : null);
  return {
    lastSignInDateTime: seed.lastSignInDateTime ?? null,
    lastSignInRequestId: requestId(seed.lastSignInDateTime),
    lastNonInteractiveSignInDateTime: seed.lastNonInteractiveSignInDateTime ?? null,
    lastNonInteractiveSignInRequestId: requestId(seed.lastNonInteractiveSignInDateTime),
    lastSuccessfulSignInDateTime: seed.lastSuccessfulSignInDateTime ?? null,
    lastSuccessfulSignInRequestId: requestId(seed.lastSuccessfulSignInDateTime),
  };
}

function userFromSeed(seed: SeedUser): UserRecord {
  return {
    id: idKey(seed.id),
    displayName: seed.displayName,
    givenName: seed.givenName ?? null,
    surname: seed.surname ?? null,
    jobTitle: seed.jobTitle ?? null,
    mail: seed.mail ?? null,
    mobilePhone: seed.mobilePhone ?? null,
    officeLocation: seed.officeLocation ?? null,
    preferredLanguage: seed.preferredLanguage ?? null,
    businessPhones: [...(seed.businessPhones ?? [])],
    userPrincipalName: seed.userPrincipalName,
    accountEnabled: seed.accountEnabled ?? true,
    userType: seed.userType ?? 'Member',
    creationType: seed.creationType ?? null,
    externalUserState: seed.externalUserState ?? null,
    externalUserStateChangeDateTime: seed.externalUserStateChangeDateTime ?? null,
    createdDateTime: seed.createdDateTime ?? null,
    otherMails: [...(seed.otherMails ?? [])],
    proxyAddresses: seed.proxyAddresses ? [...seed.proxyAddresses] : seed.mail ? [`SMTP:${seed.mail}`] : [],
    mailNickname: seed.mailNickname ?? seed.userPrincipalName.split('@')[0],
    companyName: seed.companyName ?? null,
    department: seed.department ?? null,
    employeeId: seed.employeeId ?? null,
    usageLocation: seed.usageLocation ?? null,
    signInActivity: signInActivity(seed.signInActivity),
    sponsorIds: (seed.sponsors ?? []).map(idKey),
    managerId: seed.manager ? idKey(seed.manager) : null,
  };
}

function groupFromSeed(seed: SeedGroup): GroupRecord {
  const membershipRule = seed.membershipRule ?? null;
  return {
    id: idKey(seed.id),
    displayName: seed.displayName,
    description: seed.description ?? null,
    mail: seed.mail ?? null,
    mailNickname: seed.mailNickname ?? null,
    mailEnabled: seed.mailEnabled ?? false,
    securityEnabled: seed.securityEnabled ?? true,
    groupTypes: [...(seed.groupTypes ?? [])],
    isAssignableToRole: seed.isAssignableToRole ?? false,
    membershipRule,
    membershipRuleProcessingState: membershipRule ? 'On' : null,
    visibility: seed.visibility ?? null,
    createdDateTime: seed.createdDateTime ?? null,
    ownerIds: (seed.owners ?? []).map(idKey),
  };
}

function servicePrincipalFromSeed(seed: SeedServicePrincipal): ServicePrincipalRecord {
  return {
    id: idKey(seed.id),
    appId: idKey(seed.appId),
    displayName: seed.displayName,
    appDisplayName: seed.displayName,
    description: seed.description ?? null,
    publisherName: seed.publisherName ?? null,
    homepage: seed.homepage ?? null,
    appOwnerOrganizationId: seed.appOwnerOrganizationId ?? null,
    appRoleAssignmentRequired: seed.appRoleAssignmentRequired ?? false,
    accountEnabled: seed.accountEnabled ?? true,
    servicePrincipalType: seed.servicePrincipalType ?? 'Application',
    servicePrincipalNames: [idKey(seed.appId)],
    tags: [...(seed.tags ?? [])],
    appRoles: (seed.appRoles ?? []).map((role) => ({
      id: idKey(role.id),
      value: role.value,
      displayName: role.displayName,
      description: role.description ?? role.displayName,
      allowedMemberTypes: [...role.allowedMemberTypes],
      isEnabled: role.isEnabled ?? true,
      origin: 'Application',
    })),
    ownerIds: (seed.owners ?? []).map(idKey),
  };
}

/** Microsoft Graph's service principal in the simulated tenant (its object id differs per tenant). */
const MICROSOFT_GRAPH_SP_ID = '5c0b6a3e-8f41-4d7a-9e62-1b7c3f9d0a24';

/** Microsoft Graph's own service principal, whose app roles are the application permissions. */
function microsoftGraphServicePrincipal(): ServicePrincipalRecord {
  return {
    id: MICROSOFT_GRAPH_SP_ID,
    appId: MICROSOFT_GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    appDisplayName: 'Microsoft Graph',
    description: null,
    publisherName: 'Microsoft Services',
    homepage: null,
    appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
    appRoleAssignmentRequired: false,
    accountEnabled: true,
    servicePrincipalType: 'Application',
    servicePrincipalNames: [MICROSOFT_GRAPH_APP_ID, 'https://graph.microsoft.com'],
    tags: [],
    appRoles: GRAPH_APP_ROLES.map((role) => ({
      id: role.id,
      value: role.value,
      displayName: role.displayName,
      description: role.displayName,
      allowedMemberTypes: ['Application'],
      isEnabled: true,
      origin: 'Application',
    })),
    ownerIds: [],
  };
}

export class Directory {
  readonly tenant: TenantInfo;
  private readonly userMap = new Map<string, UserRecord>();
  private readonly groupMap = new Map<string, GroupRecord>();
  private readonly memberMap = new Map<string, Set<string>>();
  private readonly servicePrincipalMap = new Map<string, ServicePrincipalRecord>();
  private readonly roleDefinitionList: RoleDefinitionRecord[] = builtInRoleDefinitions();
  private readonly roleAssignmentList: RoleAssignmentRecord[] = [];
  private readonly invitationList: InvitationRecord[] = [];
  private readonly deletedUserMap = new Map<string, DeletedUserRecord>();
  /** When each user an invitation created was created (ms), for the replication lag. */
  private readonly invitedUserCreatedAt = new Map<string, number>();
  private readonly now: () => Date;
  /** The tenant's licence; tests may switch it to see the non-premium answers. */
  premium: boolean;
  /** The application (client) id of the app whose requests the simulator serves. */
  readonly callerAppId: string;
  /** Granted Graph application permissions, or 'all' (the default: nothing is refused). */
  private granted: ReadonlySet<string> | 'all' = 'all';
  /** App role assignments of enterprise applications (their own rules live in appRoleAssignments.ts). */
  readonly appRoles: AppRoleAssignments;

  constructor(seed: SeedFixture, options: DirectoryOptions = {}) {
    const fixture = validateSeed(structuredClone(seed));
    this.now = options.now ?? (() => new Date());
    this.premium = options.premium ?? true;
    this.callerAppId = idKey(options.callerAppId ?? DEMO_BOT_APP_ID);
    if (options.permissions) this.grantPermissions(options.permissions);
    this.tenant = {
      id: idKey(fixture.tenant.id),
      displayName: fixture.tenant.displayName,
      verifiedDomains: [...fixture.tenant.verifiedDomains],
      initialDomain: fixture.tenant.initialDomain,
    };
    for (const user of fixture.users) this.userMap.set(idKey(user.id), userFromSeed(user));
    for (const group of fixture.groups) {
      this.groupMap.set(idKey(group.id), groupFromSeed(group));
      this.memberMap.set(idKey(group.id), new Set((group.members ?? []).map(idKey)));
    }
    for (const sp of fixture.servicePrincipals ?? []) {
      this.servicePrincipalMap.set(idKey(sp.id), servicePrincipalFromSeed(sp));
    }
    if (!this.getServicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID)) {
      this.servicePrincipalMap.set(MICROSOFT_GRAPH_SP_ID, microsoftGraphServicePrincipal());
    }
    this.appRoles = new AppRoleAssignments(this, () => this.timestamp());
    for (const { principalId, resourceId, appRoleId } of fixture.appRoleAssignments ?? []) {
      this.appRoles.assign({ principalId, resourceId, appRoleId });
    }
    for (const assignment of fixture.roleAssignments ?? []) {
      const role = this.findRoleDefinition(assignment.roleDefinitionId);
      if (!role) continue; // validateSeed has already rejected unknown roles
      const scope = assignment.directoryScopeId ?? assignment.appScopeId ?? '/';
      this.roleAssignmentList.push({
        id: roleAssignmentId(role.id, assignment.principalId, scope),
        principalId: idKey(assignment.principalId),
        roleDefinitionId: role.id,
        directoryScopeId: assignment.directoryScopeId ?? null,
        appScopeId: assignment.appScopeId ?? null,
        createdDateTime: this.timestamp(),
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // The caller's Graph permissions

  /** The permissions the caller holds, or 'all'. */
  get grantedPermissions(): readonly string[] | 'all' {
    return this.granted === 'all' ? 'all' : [...this.granted];
  }

  /**
   * The tenant's B2B collaboration restrictions (External collaboration settings, "Deny
   * invitations to the specified domains"): invitations to these domains are refused.
   */
  denyInvitationsTo(domains: readonly string[]): void {
    this.deniedInvitationDomains = new Set(domains.map((d) => d.toLowerCase()));
  }

  private deniedInvitationDomains = new Set<string>();

  /** Replaces the caller's permissions; names must be ones Microsoft Graph's service principal offers. */
  grantPermissions(permissions: readonly string[] | 'all'): void {
    this.granted = permissions === 'all' ? 'all' : new Set(checkPermissionNames(permissions));
  }

  /** Whether the caller holds, for every requirement, one of its permissions. */
  mayCall(requirement: PermissionRequirement): boolean {
    const granted = this.granted;
    return granted === 'all' || requirement.every((anyOf) => anyOf.some((permission) => granted.has(permission)));
  }

  /**
   * The service principal's app role assignments; for the caller's own app, its Graph permissions
   * (each an assignment of one of Microsoft Graph's app roles, as a consented app has them) come
   * from the permission setting, and its roles in other applications from the tenant's assignments.
   */
  appRoleAssignmentsOf(sp: ServicePrincipalRecord): AppRoleAssignmentRecord[] {
    const assigned = this.appRoles.ofPrincipal(sp.id);
    const graph = this.getServicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID);
    if (sp.appId !== this.callerAppId || !graph) return assigned;
    const granted = this.granted;
    const graphPermissions: AppRoleAssignmentRecord[] = graph.appRoles
      .filter((role) => granted === 'all' || granted.has(role.value))
      .map((role) => ({
        id: opaqueString(43),
        appRoleId: role.id,
        principalId: sp.id,
        principalType: 'ServicePrincipal',
        principalDisplayName: sp.displayName,
        resourceId: graph.id,
        resourceDisplayName: graph.displayName,
        createdDateTime: this.timestamp(),
      }));
    return [...graphPermissions, ...assigned.filter((a) => a.resourceId !== graph.id)];
  }

  // -------------------------------------------------------------------------------------------
  // State, for routes and tests

  get users(): UserRecord[] {
    return [...this.userMap.values()];
  }

  get groups(): GroupRecord[] {
    return [...this.groupMap.values()];
  }

  get servicePrincipals(): ServicePrincipalRecord[] {
    return [...this.servicePrincipalMap.values()];
  }

  get roleDefinitions(): RoleDefinitionRecord[] {
    return [...this.roleDefinitionList];
  }

  get appRoleAssignments(): AppRoleAssignmentRecord[] {
    return this.appRoles.all;
  }

  get roleAssignments(): RoleAssignmentRecord[] {
    return [...this.roleAssignmentList];
  }

  /** Every accepted invitation, oldest first. */
  get invitations(): InvitationRecord[] {
    return [...this.invitationList];
  }

  /** Every direct membership as a (group, member) pair. */
  get memberships(): Array<{ groupId: string; memberId: string }> {
    return [...this.memberMap.entries()].flatMap(([groupId, members]) => [...members].map((memberId) => ({ groupId, memberId })));
  }

  getUser(idOrUpn: string): UserRecord | undefined {
    if (idOrUpn.includes('@')) {
      const upn = idOrUpn.toLowerCase();
      return this.users.find((u) => u.userPrincipalName.toLowerCase() === upn);
    }
    return this.userMap.get(idKey(idOrUpn));
  }

  getGroup(id: string): GroupRecord | undefined {
    return this.groupMap.get(idKey(id));
  }

  getServicePrincipal(id: string): ServicePrincipalRecord | undefined {
    return this.servicePrincipalMap.get(idKey(id));
  }

  getServicePrincipalByAppId(appId: string): ServicePrincipalRecord | undefined {
    const key = idKey(appId);
    return this.servicePrincipals.find((sp) => sp.appId === key);
  }

  getObject(id: string): DirectoryObject | undefined {
    const key = idKey(id);
    const user = this.userMap.get(key);
    if (user) return { kind: 'user', record: user };
    const group = this.groupMap.get(key);
    if (group) return { kind: 'group', record: group };
    const sp = this.servicePrincipalMap.get(key);
    if (sp) return { kind: 'servicePrincipal', record: sp };
    return undefined;
  }

  /** Users whose mail, otherMails, proxyAddresses or userPrincipalName hold the address (case-insensitive). */
  findUsersByEmail(email: string): UserRecord[] {
    const wanted = email.toLowerCase();
    return this.users.filter(
      (u) =>
        lower(u.mail) === wanted ||
        u.otherMails.some((m) => m.toLowerCase() === wanted) ||
        u.proxyAddresses.some((p) => p.toLowerCase() === `smtp:${wanted}`) ||
        u.userPrincipalName.toLowerCase() === wanted,
    );
  }

  /**
   * Whether a user an invitation created less than `lagMs` ago is still unknown to the replicas
   * and the advanced-query index (eventual consistency). Seeded and test-added users never are.
   */
  isReplicating(id: string, lagMs: number): boolean {
    if (lagMs <= 0) return false;
    const createdAt = this.invitedUserCreatedAt.get(idKey(id));
    return createdAt !== undefined && this.now().getTime() - createdAt < lagMs;
  }

  findRoleDefinition(idOrTemplateId: string): RoleDefinitionRecord | undefined {
    const key = idKey(idOrTemplateId);
    return this.roleDefinitionList.find((r) => idKey(r.id) === key || idKey(r.templateId) === key);
  }

  /** Direct member ids of a group (empty for an unknown group). */
  memberIds(groupId: string): string[] {
    return [...(this.memberMap.get(idKey(groupId)) ?? [])];
  }

  /** Members of the group and of every group nested in it, each once. */
  transitiveMemberIds(groupId: string): string[] {
    const start = idKey(groupId);
    const seen = new Set<string>();
    const visitedGroups = new Set<string>([start]);
    const queue = [start];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      for (const member of this.memberMap.get(current) ?? []) {
        if (member !== start) seen.add(member);
        if (this.groupMap.has(member) && !visitedGroups.has(member)) {
          visitedGroups.add(member);
          queue.push(member);
        }
      }
    }
    return [...seen];
  }

  /** Direct membership. */
  isMember(groupId: string, objectId: string): boolean {
    return this.memberMap.get(idKey(groupId))?.has(idKey(objectId)) ?? false;
  }

  /** Membership through any depth of nested groups. */
  isTransitiveMember(groupId: string, objectId: string): boolean {
    return this.transitiveMemberIds(groupId).includes(idKey(objectId));
  }

  /** Every group the object belongs to, directly or through nesting. */
  transitiveGroupIds(objectId: string): string[] {
    const result = new Set<string>();
    const queue = [idKey(objectId)];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      for (const [groupId, members] of this.memberMap) {
        if (members.has(current) && !result.has(groupId)) {
          result.add(groupId);
          queue.push(groupId);
        }
      }
    }
    result.delete(idKey(objectId));
    return [...result];
  }

  // -------------------------------------------------------------------------------------------
  // Lookups that fail like the service does

  /** By object id or userPrincipalName; 400 for a malformed id, 404 for an unknown one. */
  requireUser(idOrUpn: string): UserRecord {
    if (!idOrUpn.includes('@') && !isObjectId(idOrUpn)) throw graphErrors.invalidObjectId(idOrUpn);
    const user = this.getUser(idOrUpn);
    if (!user) throw graphErrors.resourceNotFound(idOrUpn);
    return user;
  }

  requireGroup(id: string): GroupRecord {
    if (!isObjectId(id)) throw graphErrors.invalidObjectId(id);
    const group = this.getGroup(id);
    if (!group) throw graphErrors.resourceNotFound(id);
    return group;
  }

  requireServicePrincipal(id: string): ServicePrincipalRecord {
    if (!isObjectId(id)) throw graphErrors.invalidObjectId(id);
    const sp = this.getServicePrincipal(id);
    if (!sp) throw graphErrors.resourceNotFound(id);
    return sp;
  }

  requireObject(id: string): DirectoryObject {
    if (!isObjectId(id)) throw graphErrors.invalidObjectId(id);
    const object = this.getObject(id);
    if (!object) throw graphErrors.resourceNotFound(id);
    return object;
  }

  // -------------------------------------------------------------------------------------------
  // Test set-up helpers (no Graph rules beyond well-formed, unique ids)

  addUser(input: NewUserInput): UserRecord {
    const seed: SeedUser = { ...input, id: input.id ?? newObjectId() };
    if (!isObjectId(seed.id)) throw new Error(`addUser: '${seed.id}' is not a valid object id`);
    if (this.getObject(seed.id)) throw new Error(`addUser: object id '${seed.id}' already exists`);
    if (this.getUser(seed.userPrincipalName)) {
      throw new Error(`addUser: userPrincipalName '${seed.userPrincipalName}' already exists`);
    }
    const user = userFromSeed(seed);
    this.userMap.set(user.id, user);
    return user;
  }

  addGroup(input: NewGroupInput): GroupRecord {
    const seed: SeedGroup = { ...input, id: input.id ?? newObjectId() };
    if (!isObjectId(seed.id)) throw new Error(`addGroup: '${seed.id}' is not a valid object id`);
    if (this.getObject(seed.id)) throw new Error(`addGroup: object id '${seed.id}' already exists`);
    const unknown = (seed.members ?? []).filter((m) => !this.getObject(m));
    if (unknown.length > 0) throw new Error(`addGroup: unknown member ids ${unknown.join(', ')}`);
    const group = groupFromSeed(seed);
    this.groupMap.set(group.id, group);
    this.memberMap.set(group.id, new Set((seed.members ?? []).map(idKey)));
    return group;
  }

  // -------------------------------------------------------------------------------------------
  // Group membership (POST /groups/{id}/members/$ref, DELETE .../members/{id}/$ref)

  /** Refuses groups the service won't let an app change: dynamic, mail-enabled security / distribution, role-assignable. */
  private assertMembersWritable(group: GroupRecord): void {
    if (group.membershipRule !== null || group.groupTypes.includes('DynamicMembership')) {
      // The real service's status and wording for this case are not verified; 400 with a clear
      // message is the simulator's choice.
      throw graphErrors.requestBadRequest(
        `Members of the dynamic group '${group.displayName}' are maintained by its membership rule and cannot be added or removed directly.`,
      );
    }
    if (group.mailEnabled && !group.groupTypes.includes('Unified')) {
      // Mail-enabled security groups and distribution lists are managed in Exchange, not Graph.
      throw graphErrors.authorizationDenied('Cannot Update a mail-enabled security groups and or distribution list.');
    }
    if (group.isAssignableToRole) {
      // Role-assignable groups need RoleManagement.ReadWrite.Directory on top of GroupMember.ReadWrite.All.
      throw graphErrors.authorizationDenied();
    }
  }

  addMember(groupId: string, memberId: string): void {
    const group = this.requireGroup(groupId);
    this.assertMembersWritable(group);
    const member = this.requireObject(memberId);
    if (group.groupTypes.includes('Unified') && member.kind !== 'user') {
      // Microsoft 365 groups accept only users as members (the service answers 400; wording unverified).
      throw graphErrors.requestBadRequest(
        'One or more added object references are unsupported as members of this group: Microsoft 365 groups accept only users.',
      );
    }
    // Refusing cycles is the simulator's choice (unverified).
    if (member.kind === 'group' && (member.record.id === group.id || this.transitiveMemberIds(member.record.id).includes(group.id))) {
      throw graphErrors.requestBadRequest('Adding this group would create a circular group membership.');
    }
    const members = this.memberMap.get(group.id) ?? new Set<string>();
    if (members.has(member.record.id)) {
      throw graphErrors.requestBadRequest("One or more added object references already exist for the following modified properties: 'members'.");
    }
    members.add(member.record.id);
    this.memberMap.set(group.id, members);
  }

  removeMember(groupId: string, memberId: string): void {
    const group = this.requireGroup(groupId);
    this.assertMembersWritable(group);
    if (!isObjectId(memberId)) throw graphErrors.invalidObjectId(memberId);
    const members = this.memberMap.get(group.id);
    if (!members?.has(idKey(memberId))) {
      // Status and wording unverified.
      throw new GraphError(
        404,
        'Request_ResourceNotFound',
        "One or more removed object references do not exist for the following modified properties: 'members'.",
      );
    }
    members.delete(idKey(memberId));
  }

  /**
   * `checkMemberGroups`: which of the given groups the object belongs to, counting nested groups.
   * One malformed id fails the whole request; unknown groups are simply not in the answer.
   */
  checkMemberGroups(objectId: string, groupIds: readonly string[]): string[] {
    if (groupIds.length > CHECK_MEMBER_GROUPS_LIMIT) {
      // The limit of 20 is documented; the wording is the simulator's.
      throw graphErrors.requestBadRequest(`Too many groupIds: at most ${CHECK_MEMBER_GROUPS_LIMIT} groups can be checked in one request.`);
    }
    const bad = groupIds.find((id) => !isObjectId(id));
    if (bad !== undefined) throw graphErrors.invalidObjectId(bad);
    const object = this.requireObject(objectId);
    const memberOf = new Set(this.transitiveGroupIds(object.record.id));
    const result: string[] = [];
    for (const id of groupIds) {
      const key = idKey(id);
      if (memberOf.has(key) && !result.includes(key)) result.push(key);
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Invitations (POST /invitations)

  invite(input: InvitationInput): InvitationResult {
    const address = input.invitedUserEmailAddress;
    // No error catalogue is documented for invitations: the validation messages below are the
    // simulator's own, with the status (400 BadRequest) the service uses for bad input.
    const problem = invitationAddressProblem(address);
    if (problem) throw graphErrors.badRequest(`The invited user email address '${address}' is invalid: ${problem}.`);
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    if (this.deniedInvitationDomains.has(domain)) {
      // The status is the service's usual refusal; the wording is the simulator's own.
      throw graphErrors.badRequest(`Invitations to '${domain}' are blocked by your organization's B2B collaboration restrictions.`);
    }
    if (!/^https?:\/\/[^\s/]+/i.test(input.inviteRedirectUrl) || !URL.canParse(input.inviteRedirectUrl)) {
      throw graphErrors.badRequest(`The inviteRedirectUrl '${input.inviteRedirectUrl}' is not a valid absolute URL.`);
    }
    const typeText = input.invitedUserType ?? 'Guest';
    const invitedUserType = (['Guest', 'Member'] as const).find((t) => t.toLowerCase() === typeText.toLowerCase());
    if (!invitedUserType) {
      throw graphErrors.badRequest(`invitedUserType must be 'Guest' or 'Member', not '${typeText}'.`);
    }
    const info = input.invitedUserMessageInfo ?? {};
    const ccRecipients = (info.ccRecipients ?? []).map((r) => r.emailAddress?.address ?? '').filter((a) => a !== '');
    if ((info.ccRecipients ?? []).length > 1) {
      throw graphErrors.badRequest('Only one additional recipient (ccRecipients) is currently supported.');
    }
    const sponsorIds = (input.invitedUserSponsors ?? []).map((s) => s.id ?? '');
    for (const sponsorId of sponsorIds) {
      const sponsor = this.requireObject(sponsorId);
      if (sponsor.kind === 'servicePrincipal') {
        throw graphErrors.badRequest(`Sponsor '${sponsorId}' must be a user or a group.`);
      }
    }

    let user: UserRecord;
    let createdUser = false;
    let status: InvitationRecord['status'] = 'PendingAcceptance';
    if (input.resetRedemption === true) {
      const userId = input.invitedUser?.id;
      if (userId === undefined || userId === '') {
        throw graphErrors.badRequest('invitedUser.id is required when resetRedemption is true.');
      }
      user = this.requireUser(userId);
      const wanted = address.toLowerCase();
      if (lower(user.mail) !== wanted && !user.otherMails.some((m) => m.toLowerCase() === wanted)) {
        throw graphErrors.badRequest(
          "The email you're using to invite this user doesn't match any emails on the user object. Please add this email to the user object and try again.",
        );
      }
      // Reset keeps the object id, memberships and app assignments; the user must redeem again.
      user.externalUserState = 'PendingAcceptance';
      user.externalUserStateChangeDateTime = this.timestamp();
    } else {
      const existing = this.findUsersByEmail(address);
      const member = existing.find((u) => u.userType === 'Member' && u.creationType !== 'Invitation');
      if (member) {
        throw graphErrors.badRequest(
          `The invited user already exists in the directory as objectID: ${member.id}. They can use that account to sign in to shared apps and resources.`,
        );
      }
      const guest = existing[0];
      if (guest) {
        if (!guest.accountEnabled) {
          // Community-reported: inviting an existing but blocked account answers 412. Code and
          // wording are not documented; these are the simulator's.
          throw new GraphError(
            412,
            'PreconditionFailed',
            `The invited user already exists in the directory as objectID: ${guest.id}, and the account is disabled.`,
          );
        }
        // Commonly reported (not documented): re-inviting an existing guest answers 201 with the
        // existing user. The status follows the guest's redemption state (simulator's choice).
        user = guest;
        status = guest.externalUserState === 'Accepted' ? 'Completed' : 'PendingAcceptance';
      } else {
        user = this.createInvitedUser(address, input.invitedUserDisplayName ?? null, invitedUserType, sponsorIds);
        createdUser = true;
      }
    }

    const invitation: InvitationRecord = {
      id: newObjectId(),
      email: address,
      at: this.timestamp(),
      userId: user.id,
      sendInvitationMessage: input.sendInvitationMessage ?? false,
      messageBody: info.customizedMessageBody ?? null,
      messageLanguage: info.messageLanguage ?? null,
      ccRecipients,
      redirectUrl: input.inviteRedirectUrl,
      invitedUserDisplayName: input.invitedUserDisplayName ?? null,
      invitedUserType,
      resetRedemption: input.resetRedemption ?? false,
      inviteRedeemUrl: `https://login.microsoftonline.com/redeem?rd=${encodeURIComponent(opaqueString(48))}`,
      status,
      createdUser,
    };
    this.invitationList.push(invitation);
    return { invitation, user };
  }

  private createInvitedUser(address: string, displayName: string | null, userType: UserType, sponsorIds: string[]): UserRecord {
    const at = address.lastIndexOf('@');
    const base = `${address.slice(0, at)}_${address.slice(at + 1)}`;
    let nickname = `${base}#EXT#`;
    for (let n = 1; this.getUser(`${nickname}@${this.tenant.initialDomain}`); n += 1) {
      nickname = `${base}${n}#EXT#`;
    }
    const now = this.timestamp();
    const user: UserRecord = {
      ...userFromSeed({
        id: newObjectId(),
        displayName: displayName && displayName.trim() !== '' ? displayName : address,
        userPrincipalName: `${nickname}@${this.tenant.initialDomain}`,
      }),
      mail: address,
      otherMails: [address],
      // Setting mail makes it the primary SMTP proxy address.
      proxyAddresses: [`SMTP:${address}`],
      mailNickname: nickname,
      userType,
      creationType: 'Invitation',
      externalUserState: 'PendingAcceptance',
      externalUserStateChangeDateTime: now,
      createdDateTime: now,
      accountEnabled: true,
      sponsorIds: sponsorIds.map(idKey),
      managerId: null,
    };
    this.userMap.set(user.id, user);
    this.invitedUserCreatedAt.set(user.id, this.now().getTime());
    return user;
  }

  // -------------------------------------------------------------------------------------------
  // Users (PATCH and DELETE /users/{id}, deleted items and their restore)

  /** Groups the object is a direct member of. */
  directGroupIds(objectId: string): string[] {
    const key = idKey(objectId);
    return [...this.memberMap.entries()].filter(([, members]) => members.has(key)).map(([groupId]) => groupId);
  }

  /** Applies the properties a PATCH sent (the route has checked names and types). */
  updateUser(idOrUpn: string, patch: UserPatch): UserRecord {
    const user = this.requireUser(idOrUpn);
    if (patch.accountEnabled !== undefined) user.accountEnabled = patch.accountEnabled;
    if (patch.displayName !== undefined) user.displayName = patch.displayName;
    if (patch.givenName !== undefined) user.givenName = patch.givenName;
    if (patch.surname !== undefined) user.surname = patch.surname;
    if (patch.jobTitle !== undefined) user.jobTitle = patch.jobTitle;
    if (patch.department !== undefined) user.department = patch.department;
    if (patch.companyName !== undefined) user.companyName = patch.companyName;
    if (patch.mail !== undefined) {
      user.mail = patch.mail;
      user.proxyAddresses = withPrimarySmtp(user.proxyAddresses, patch.mail);
    }
    if (patch.otherMails !== undefined) user.otherMails = [...patch.otherMails];
    return user;
  }

  /**
   * Soft delete: the user leaves the directory (and its groups) and waits in deleted items, from
   * where it can be restored with its memberships for 30 days.
   */
  deleteUser(idOrUpn: string): DeletedUserRecord {
    const user = this.requireUser(idOrUpn);
    if (this.holdsPrivilegedRole(user.id) && !this.callerMayDeletePrivilegedUsers()) {
      // user-delete.md: in app-only calls User.ReadWrite.All "isn't enough privilege to delete users
      // with privileged administrative roles"; the app itself needs a higher privileged role. The
      // status and code are the service's usual refusal; the wording is unverified.
      throw graphErrors.authorizationDenied();
    }
    const groupIds = this.directGroupIds(user.id);
    for (const groupId of groupIds) this.memberMap.get(groupId)?.delete(user.id);
    this.userMap.delete(user.id);
    const record: DeletedUserRecord = { user, deletedDateTime: this.timestamp(), groupIds };
    this.deletedUserMap.set(user.id, record);
    return record;
  }

  /** Whether the object holds a directory role Entra marks privileged, at any scope. */
  holdsPrivilegedRole(principalId: string): boolean {
    const key = idKey(principalId);
    return this.roleAssignmentList.some((a) => a.principalId === key && this.findRoleDefinition(a.roleDefinitionId)?.privileged === true);
  }

  /** Whether the calling app's service principal holds a role that may delete privileged users. */
  private callerMayDeletePrivilegedUsers(): boolean {
    const caller = this.getServicePrincipalByAppId(this.callerAppId);
    if (!caller) return false;
    return this.roleAssignmentList.some((a) => a.principalId === caller.id && MAY_DELETE_PRIVILEGED_USERS.includes(a.roleDefinitionId));
  }

  /** Users in deleted items, most recently deleted first; those past retention are gone for good. */
  get deletedUsers(): DeletedUserRecord[] {
    this.purgeDeletedUsers();
    return [...this.deletedUserMap.values()].sort((a, b) => b.deletedDateTime.localeCompare(a.deletedDateTime));
  }

  requireDeletedUser(id: string): DeletedUserRecord {
    if (!isObjectId(id)) throw graphErrors.invalidObjectId(id);
    this.purgeDeletedUsers();
    const record = this.deletedUserMap.get(idKey(id));
    if (!record) throw graphErrors.resourceNotFound(id);
    return record;
  }

  /** Brings a deleted user back with the id and the memberships it had (groups that still exist). */
  restoreUser(id: string): UserRecord {
    const record = this.requireDeletedUser(id);
    if (this.getUser(record.user.userPrincipalName)) {
      throw graphErrors.requestBadRequest('A conflicting object with one or more of the specified property values is present in the directory.');
    }
    this.deletedUserMap.delete(record.user.id);
    this.userMap.set(record.user.id, record.user);
    for (const groupId of record.groupIds) this.memberMap.get(groupId)?.add(record.user.id);
    return record.user;
  }

  private purgeDeletedUsers(): void {
    const horizon = this.now().getTime() - DELETED_USER_RETENTION_DAYS * 24 * 60 * 60 * 1000;
    for (const [id, record] of this.deletedUserMap) {
      if (Date.parse(record.deletedDateTime) < horizon) this.deletedUserMap.delete(id);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Manager (GET /users/{id}/manager)

  /** The user's manager; 404 as Graph answers when none is set (or the manager was deleted). */
  requireManager(userIdOrUpn: string): DirectoryObject {
    const user = this.requireUser(userIdOrUpn);
    const manager = user.managerId ? this.getObject(user.managerId) : undefined;
    if (!manager) throw graphErrors.resourceNotFound('manager');
    return manager;
  }

  /** Test and seed support: sets or clears the user's manager (a user). */
  setManager(userIdOrUpn: string, managerId: string | null): void {
    const user = this.requireUser(userIdOrUpn);
    if (managerId !== null) {
      const manager = this.requireUser(managerId);
      if (manager.id === user.id) throw new Error('setManager: a user cannot be their own manager');
      user.managerId = manager.id;
    } else user.managerId = null;
  }

  // -------------------------------------------------------------------------------------------
  // Sponsors (POST /users/{id}/sponsors/$ref, DELETE /users/{id}/sponsors/{id}/$ref)

  /**
   * Makes a user or group a sponsor of the user. The service answers these refusals like the other
   * reference collections (members, owners); their wording here is unverified.
   */
  addSponsor(userIdOrUpn: string, sponsorId: string): void {
    const user = this.requireUser(userIdOrUpn);
    const sponsor = this.requireObject(sponsorId);
    if (sponsor.kind === 'servicePrincipal') {
      throw graphErrors.requestBadRequest('One or more added object references are unsupported as sponsors: sponsors are users or groups.');
    }
    if (sponsor.record.id === user.id) throw graphErrors.requestBadRequest('A user cannot be their own sponsor.');
    if (user.sponsorIds.includes(sponsor.record.id)) {
      throw graphErrors.requestBadRequest("One or more added object references already exist for the following modified properties: 'sponsors'.");
    }
    user.sponsorIds.push(sponsor.record.id);
  }

  /** Removes a sponsor reference; the sponsor object itself stays (that is what `$ref` means). */
  removeSponsor(userIdOrUpn: string, sponsorId: string): void {
    const user = this.requireUser(userIdOrUpn);
    if (!isObjectId(sponsorId)) throw graphErrors.invalidObjectId(sponsorId);
    const key = idKey(sponsorId);
    if (!user.sponsorIds.includes(key)) {
      // Status and wording as for members (unverified for sponsors).
      throw new GraphError(
        404,
        'Request_ResourceNotFound',
        "One or more removed object references do not exist for the following modified properties: 'sponsors'.",
      );
    }
    user.sponsorIds = user.sponsorIds.filter((id) => id !== key);
  }

  // -------------------------------------------------------------------------------------------
  // Directory roles (POST /roleManagement/directory/roleAssignments, DELETE .../roleAssignments/{id})

  /** Removes a role assignment by its id; 404 when there is none (already removed, or never made). */
  deleteRoleAssignment(id: string): RoleAssignmentRecord {
    const index = this.roleAssignmentList.findIndex((a) => a.id === id);
    const found = this.roleAssignmentList[index];
    if (index < 0 || !found) throw graphErrors.resourceNotFound(id);
    this.roleAssignmentList.splice(index, 1);
    return found;
  }

  assignRole(input: RoleAssignmentInput): RoleAssignmentRecord {
    if (!isObjectId(input.principalId)) throw graphErrors.invalidObjectId(input.principalId);
    // Unknown role or principal: the service's answer is undocumented; 404 Request_ResourceNotFound
    // is the simulator's judgement (the object named in the body does not exist).
    const role = this.findRoleDefinition(input.roleDefinitionId);
    if (!role) throw graphErrors.resourceNotFound(input.roleDefinitionId);
    const principal = this.getObject(input.principalId);
    if (!principal) throw graphErrors.resourceNotFound(input.principalId);
    if (principal.kind === 'group' && !principal.record.isAssignableToRole) {
      // Only groups created as role-assignable can hold directory roles (wording unverified).
      throw graphErrors.requestBadRequest(
        `The group '${principal.record.displayName}' is not role-assignable; only groups with isAssignableToRole true can be assigned directory roles.`,
      );
    }
    const scope = input.directoryScopeId ?? input.appScopeId ?? '';
    if (input.directoryScopeId !== undefined) {
      const valid = /^\/(?:(?:administrativeUnits\/)?[0-9a-f-]{36,37})?$/i.test(input.directoryScopeId);
      if (!valid) throw graphErrors.requestBadRequest(`Invalid directoryScopeId '${input.directoryScopeId}'.`);
    }
    const duplicate = this.roleAssignmentList.some(
      (a) =>
        a.principalId === idKey(principal.record.id) &&
        a.roleDefinitionId === role.id &&
        (a.directoryScopeId ?? a.appScopeId ?? '').toLowerCase() === scope.toLowerCase(),
    );
    if (duplicate) {
      throw graphErrors.requestBadRequest('A conflicting object with one or more of the specified property values is present in the directory.');
    }
    const assignment: RoleAssignmentRecord = {
      id: roleAssignmentId(role.id, principal.record.id, scope),
      principalId: principal.record.id,
      roleDefinitionId: role.id,
      directoryScopeId: input.directoryScopeId ?? null,
      appScopeId: input.appScopeId ?? null,
      createdDateTime: this.timestamp(),
    };
    this.roleAssignmentList.push(assignment);
    return assignment;
  }

  private timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }
}
