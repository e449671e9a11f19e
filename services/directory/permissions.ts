/**
 * Every Microsoft Graph operation the bot makes, the application permissions it needs, and the
 * features it serves: declared once. The README's permission table is generated from it
 * (`npm run docs:permissions`), the start-up check reads the app's granted permissions against it,
 * and the simulated directory keeps its own copy that a test compares with this one.
 *
 * A requirement lists permissions any one of which is enough; the first is the one the bot asks an
 * admin to grant (the least privileged one Microsoft documents for the operation), the others are
 * the higher privileged ones the same page accepts. An operation needs every requirement it lists.
 * Each entry names the Microsoft Graph v1.0 page its permissions come from (api-reference/v1.0/api/
 * and includes/permissions/ in microsoftgraph/microsoft-graph-docs-contrib).
 */

/** The application permissions that appear below, in the order the README lists them. */
export const GRAPH_PERMISSIONS = [
  'User.Read.All',
  'User.Invite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Application.Read.All',
  'AppRoleAssignment.ReadWrite.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'User.EnableDisableAccount.All',
  'User.DeleteRestore.All',
  'User.ReadWrite.All',
  'AuditLog.Read.All',
  'Directory.Read.All',
  // Accepted where a page lists them, never asked for.
  'GroupMember.ReadBasic.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Application.ReadWrite.All',
  'Directory.ReadWrite.All',
] as const;

export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];

/** Any one of these satisfies the requirement; the first is the least privileged one. */
export type Requirement = readonly [GraphPermission, ...GraphPermission[]];

/**
 * What the bot offers, each of which can be turned off as a whole when the app lacks a permission
 * one of its operations needs. `label` starts the message the bot gives instead ("… is turned off").
 */
export const FEATURES = {
  roleChecks: { label: 'Checking who approves and who administers' },
  invite: { label: 'Inviting guests' },
  groups: { label: 'Adding guests to groups' },
  directoryRole: { label: 'Assigning directory roles to guests' },
  appAccess: { label: 'Giving guests access to applications' },
  guestList: { label: 'Listing guests' },
  guestCard: { label: 'Showing a guest' },
  guestGroups: { label: "Showing a guest's groups and directory roles" },
  guestAppRoles: { label: "Showing a guest's app roles" },
  signIn: { label: 'Reading sign-in activity (guests stale:N and the last sign-in on the guest card)' },
  resend: { label: 'Resending invitations' },
  resendWithReset: { label: 'Resending invitations to guests who already redeemed (redemption reset)' },
  revokeDisable: { label: "Disabling guests' sign-in" },
  revokeDelete: { label: 'Deleting guests' },
  roleHolder: { label: 'Naming the directory role that keeps a guest from being deleted' },
  permissionCheck: { label: "Checking the bot's Graph permissions at start" },
  sponsorWrite: { label: "Recording sponsors in Microsoft Entra after the invitation (the sponsor command, handing a leaver's guests to the approvers)" },
  sponsorCheck: { label: 'Noticing sponsors who left (their account disabled or deleted)' },
  recertification: { label: 'Recertifying guests with their sponsors' },
  cleanup: { label: 'Cleaning up stale guests' },
  managerStage: { label: "Asking the requester's manager to approve (a policy's manager stage; without it the stage goes to its fallback group)" },
} as const satisfies Record<string, { label: string }>;

export type Feature = keyof typeof FEATURES;

export const FEATURE_NAMES = Object.keys(FEATURES) as Feature[];

export interface GraphOperation {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version root; `{id}` stands for an object id. */
  path: string;
  /** A narrower case of the same request that needs other permissions. */
  variant?: { select: 'signInActivity' } | { body: 'resetRedemption' };
  requires: readonly Requirement[];
  features: readonly Feature[];
}

const READ_USERS: Requirement = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_GROUPS: Requirement = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_APPS: Requirement = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_ROLES: Requirement = ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'];

export const GRAPH_OPERATIONS = {
  // user-list.md: Application least User.Read.All (higher User.ReadWrite.All, Directory.Read.All,
  // Directory.ReadWrite.All). permissions.json names User.ReadBasic.All, but that leaves out userType,
  // externalUserState and createdDateTime, which every listing and duplicate check reads.
  listUsers: {
    method: 'GET',
    path: '/users',
    requires: [READ_USERS],
    features: ['invite', 'appAccess', 'guestList', 'guestCard', 'resend', 'resendWithReset', 'revokeDisable', 'revokeDelete', 'recertification', 'cleanup'],
  },
  // user-list.md and resources/signinactivity.md: reading signInActivity needs AuditLog.Read.All
  // together with User.Read.All (and a Microsoft Entra ID P1 or P2 licence).
  listUsersWithSignIn: {
    method: 'GET',
    path: '/users',
    variant: { select: 'signInActivity' },
    requires: [READ_USERS, ['AuditLog.Read.All']],
    features: ['signIn'],
  },
  // user-get.md: Application least User.Read.All (higher User.ReadWrite.All, Directory.Read.All,
  // Directory.ReadWrite.All).
  getUser: {
    method: 'GET',
    path: '/users/{id}',
    requires: [READ_USERS],
    features: ['appAccess', 'guestCard', 'resend', 'resendWithReset', 'revokeDisable', 'revokeDelete', 'sponsorCheck', 'sponsorWrite'],
  },
  // user-get.md, as for the listing: signInActivity adds AuditLog.Read.All.
  getUserWithSignIn: {
    method: 'GET',
    path: '/users/{id}',
    variant: { select: 'signInActivity' },
    requires: [READ_USERS, ['AuditLog.Read.All']],
    features: ['signIn'],
  },
  // user-list-memberof.md, "Permissions for another user's direct memberships": Application least
  // Directory.Read.All (higher Directory.ReadWrite.All). GroupMember.Read.All is not listed for apps.
  listMemberOf: {
    method: 'GET',
    path: '/users/{id}/memberOf',
    requires: [['Directory.Read.All', 'Directory.ReadWrite.All']],
    features: ['guestGroups'],
  },
  // user-list-manager.md: Application least User.Read.All (higher User.ReadWrite.All,
  // Directory.Read.All, Directory.ReadWrite.All).
  getManager: {
    method: 'GET',
    path: '/users/{id}/manager',
    requires: [READ_USERS],
    features: ['managerStage'],
  },
  // includes/permissions/user-list-sponsors-permissions.md: Application least User.Read.All
  // (higher User.ReadWrite.All).
  listSponsors: {
    method: 'GET',
    path: '/users/{id}/sponsors',
    requires: [['User.Read.All', 'User.ReadWrite.All']],
    features: ['guestCard', 'cleanup'],
  },
  // user-post-sponsors: Application least User.ReadWrite.All (higher Directory.ReadWrite.All).
  addSponsor: {
    method: 'POST',
    path: '/users/{id}/sponsors/$ref',
    requires: [['User.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['sponsorWrite'],
  },
  // user-delete-sponsors: Application least User.ReadWrite.All (higher Directory.ReadWrite.All).
  removeSponsor: {
    method: 'DELETE',
    path: '/users/{id}/sponsors/{id}/$ref',
    requires: [['User.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['sponsorWrite'],
  },
  // includes/permissions/user-list-approleassignments-permissions.md: Application least
  // Directory.Read.All (higher AppRoleAssignment.ReadWrite.All).
  listUserAppRoleAssignments: {
    method: 'GET',
    path: '/users/{id}/appRoleAssignments',
    requires: [['Directory.Read.All', 'AppRoleAssignment.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['appAccess', 'guestAppRoles'],
  },
  // directoryobject-checkmembergroups.md (group): Application least GroupMember.Read.All (higher
  // Group.Read.All, Directory.Read.All). The worker asks before each group write whether the group
  // has since been nested in the approver or admin group.
  checkGroupMemberGroups: {
    method: 'POST',
    path: '/groups/{id}/checkMemberGroups',
    requires: [READ_GROUPS],
    features: ['groups'],
  },
  // directoryobject-checkmembergroups.md (user): Application least User.Read.All and
  // GroupMember.Read.All; Group.Read.All or Directory.Read.All also read the memberships.
  checkMemberGroups: {
    method: 'POST',
    path: '/users/{id}/checkMemberGroups',
    requires: [READ_USERS, ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']],
    features: ['roleChecks'],
  },
  // user-update.md, "Permissions for specific scenarios" (and What's new, December 2024):
  // User.EnableDisableAccount.All is the least privileged permission to update accountEnabled and
  // "requires User.Read.All as well"; User.ReadWrite.All is higher.
  disableUser: {
    method: 'PATCH',
    path: '/users/{id}',
    requires: [['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'], READ_USERS],
    features: ['revokeDisable'],
  },
  // user-delete.md lists User.ReadWrite.All for applications; What's new (December 2024) publishes
  // User.DeleteRestore.All as the least privileged permission to delete a user, and permissions.json
  // marks it least for DELETE /users/{id}. Neither is enough for a user who holds a privileged
  // administrator role: then the app itself needs a higher privileged Entra role (user-delete.md).
  deleteUser: {
    method: 'DELETE',
    path: '/users/{id}',
    requires: [['User.DeleteRestore.All', 'User.ReadWrite.All']],
    features: ['revokeDelete'],
  },
  // invitation-post.md: Application least User.Invite.All (higher User.ReadWrite.All,
  // Directory.ReadWrite.All).
  createInvitation: {
    method: 'POST',
    path: '/invitations',
    requires: [['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['invite', 'resend'],
  },
  // invitation-post.md, Important: "When resetting the redemption status for a guest user, the
  // User.ReadWrite.All permission is the least privileged permission for the operation."
  resetRedemption: {
    method: 'POST',
    path: '/invitations',
    variant: { body: 'resetRedemption' },
    requires: [['User.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['resendWithReset'],
  },
  // group-list.md: Application least GroupMember.Read.All (higher Group.Read.All, Directory.Read.All,
  // Group.ReadWrite.All, Directory.ReadWrite.All). Group.ReadBasic.All is a delegated permission
  // only and cannot be granted to an app. (The newest generated table names the write permission
  // Group-NestingSupport.ReadWrite.All as least, which no read needs; the read ones still work.)
  listGroups: {
    method: 'GET',
    path: '/groups',
    requires: [READ_GROUPS],
    features: ['groups'],
  },
  // includes/permissions/group-get-permissions.md: Application least GroupMember.Read.All.
  getGroup: {
    method: 'GET',
    path: '/groups/{id}',
    requires: [READ_GROUPS],
    features: ['groups'],
  },
  // includes/permissions/group-list-transitivemembers-permissions.md: Application least
  // GroupMember.ReadBasic.All, with GroupMember.Read.All, GroupMember.ReadWrite.All, Group.Read.All,
  // Group.ReadWrite.All and Directory.Read.All higher. The bot asks for GroupMember.Read.All, which
  // role checks need anyway, so one permission covers both. Members the app may not read come back
  // with their id only; User.Read.All (needed elsewhere) gives the approvers' names.
  listTransitiveMembers: {
    method: 'GET',
    path: '/groups/{id}/transitiveMembers',
    requires: [
      ['GroupMember.Read.All', 'GroupMember.ReadBasic.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'],
    ],
    features: ['roleChecks', 'groups'],
  },
  // group-post-members.md: adding a user needs GroupMember.ReadWrite.All (higher Group.ReadWrite.All,
  // Directory.ReadWrite.All); role-assignable groups need RoleManagement.ReadWrite.Directory too,
  // which is why the bot never offers them.
  addGroupMember: {
    method: 'POST',
    path: '/groups/{id}/members/$ref',
    requires: [['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['groups'],
  },
  // group-delete-members: Application least GroupMember.ReadWrite.All (higher Directory.ReadWrite.All,
  // Group.ReadWrite.All): the permission that added the guest takes them out when the access ends.
  removeGroupMember: {
    method: 'DELETE',
    path: '/groups/{id}/members/{id}/$ref',
    requires: [['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All']],
    features: ['groups'],
  },
  // rbacapplication-list-roledefinitions.md (directory provider): Application least
  // RoleManagement.Read.Directory (higher RoleManagement.ReadWrite.Directory, Directory.Read.All,
  // Directory.ReadWrite.All).
  listRoleDefinitions: {
    method: 'GET',
    path: '/roleManagement/directory/roleDefinitions',
    requires: [READ_ROLES],
    features: ['directoryRole', 'roleHolder'],
  },
  // rbacapplication-post-roleassignments.md: RoleManagement.ReadWrite.Directory, the only one.
  assignDirectoryRole: {
    method: 'POST',
    path: '/roleManagement/directory/roleAssignments',
    requires: [['RoleManagement.ReadWrite.Directory']],
    features: ['directoryRole'],
  },
  // unifiedroleassignment-delete.md (directory provider): RoleManagement.ReadWrite.Directory, the only one.
  removeDirectoryRoleAssignment: {
    method: 'DELETE',
    path: '/roleManagement/directory/roleAssignments/{id}',
    requires: [['RoleManagement.ReadWrite.Directory']],
    features: ['directoryRole'],
  },
  // rbacapplication-list-roleassignments.md: Application least RoleManagement.Read.Directory.
  listRoleAssignments: {
    method: 'GET',
    path: '/roleManagement/directory/roleAssignments',
    requires: [READ_ROLES],
    features: ['roleHolder'],
  },
  // serviceprincipal-list.md: Application least Application.Read.All (higher
  // Application.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All).
  listServicePrincipals: {
    method: 'GET',
    path: '/servicePrincipals',
    requires: [READ_APPS],
    features: ['appAccess'],
  },
  // serviceprincipal-get.md: Application least Application.Read.All.
  getServicePrincipal: {
    method: 'GET',
    path: '/servicePrincipals/{id}',
    requires: [READ_APPS],
    features: ['appAccess', 'guestAppRoles'],
  },
  // includes/permissions/serviceprincipal-list-owners-permissions.md: Application least
  // Application.Read.All.
  listServicePrincipalOwners: {
    method: 'GET',
    path: '/servicePrincipals/{id}/owners',
    requires: [READ_APPS],
    features: ['appAccess'],
  },
  // serviceprincipal-post-approleassignedto.md: AppRoleAssignment.ReadWrite.All and
  // Application.Read.All (or Directory.Read.All); the first alone is refused with 403.
  assignAppRole: {
    method: 'POST',
    path: '/servicePrincipals/{id}/appRoleAssignedTo',
    requires: [['AppRoleAssignment.ReadWrite.All'], ['Application.Read.All', 'Directory.Read.All']],
    features: ['appAccess'],
  },
  // serviceprincipal-delete-approleassignedto.md: AppRoleAssignment.ReadWrite.All, the only one
  // (Microsoft recommends deleting through the resource rather than through the user).
  removeAppRoleAssignment: {
    method: 'DELETE',
    path: '/servicePrincipals/{id}/appRoleAssignedTo/{id}',
    requires: [['AppRoleAssignment.ReadWrite.All']],
    features: ['appAccess'],
  },
  // json-batching.md: a batch needs no permission of its own; each request in it needs its own.
  batch: {
    method: 'POST',
    path: '/$batch',
    requires: [],
    features: ['recertification', 'sponsorCheck', 'cleanup'],
  },
  // serviceprincipal-get.md (the appId alternate key): Application least Application.Read.All.
  // Read for Microsoft Graph's own service principal, whose appRoles name the permission ids.
  getServicePrincipalByAppId: {
    method: 'GET',
    path: "/servicePrincipals(appId='{appId}')",
    requires: [READ_APPS],
    features: ['permissionCheck'],
  },
  // serviceprincipal-list-approleassignments.md: Application least Application.Read.All (higher
  // Application.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All): the permissions
  // granted to the bot's own app.
  listGrantedAppRoles: {
    method: 'GET',
    path: "/servicePrincipals(appId='{appId}')/appRoleAssignments",
    requires: [READ_APPS],
    features: ['permissionCheck'],
  },
} as const satisfies Record<string, GraphOperation>;

export type GraphOperationName = keyof typeof GRAPH_OPERATIONS;

/** The operations as a list, with their names. */
export function graphOperations(): Array<GraphOperation & { name: GraphOperationName }> {
  return (Object.keys(GRAPH_OPERATIONS) as GraphOperationName[]).map((name) => ({ name, ...GRAPH_OPERATIONS[name] }));
}

/** The Microsoft Graph application's id, the same in every tenant. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** True when one of the requirement's permissions is granted. */
export function satisfied(requirement: Requirement, granted: ReadonlySet<string>): boolean {
  return requirement.some((permission) => granted.has(permission));
}

/**
 * What to grant so the feature works: for each requirement the granted set misses, its least
 * privileged permission, unless one already named covers it (requirements with a single choice
 * are taken first, so AppRoleAssignment.ReadWrite.All is not asked for alongside
 * Directory.Read.All, which it replaces for reading app role assignments).
 */
export function missingFor(feature: Feature, granted: ReadonlySet<string>): GraphPermission[] {
  const unmet = graphOperations()
    .filter((operation) => operation.features.includes(feature))
    .flatMap((operation) => operation.requires.filter((requirement) => !satisfied(requirement, granted)));
  const missing: GraphPermission[] = [];
  for (const requirement of [...unmet].sort((a, b) => a.length - b.length)) {
    if (!satisfied(requirement, new Set(missing))) missing.push(requirement[0]);
  }
  return missing;
}

/** The operations that need the permission as their least privileged choice. */
function operationsAsking(permission: GraphPermission) {
  return graphOperations().filter((o) => o.requires.some((r) => r[0] === permission));
}

/** Permissions a feature cannot do without: the only choice of one of its requirements. */
function indispensableFor(feature: Feature): GraphPermission[] {
  return [
    ...new Set(
      graphOperations()
        .filter((o) => o.features.includes(feature))
        .flatMap((o) => o.requires.filter((r) => r.length === 1).map((r) => r[0])),
    ),
  ];
}

/** The permissions the bot asks for: the least privileged choice of some requirement. */
export function askedPermissions(): GraphPermission[] {
  return GRAPH_PERMISSIONS.filter((p) => operationsAsking(p).length > 0);
}

export const PERMISSIONS_START = '<!-- graph-permissions:start (generated by npm run docs:permissions from services/directory/permissions.ts) -->';
export const PERMISSIONS_END = '<!-- graph-permissions:end -->';

/** `GET /users` with `signInActivity` (and `AuditLog.Read.All`): a call, and what else it needs. */
function callName(operation: GraphOperation, permission: GraphPermission): string {
  const variant = operation.variant === undefined ? '' : 'select' in operation.variant ? ' with `signInActivity`' : ' with `resetRedemption`';
  const others = operation.requires.filter((r) => r[0] !== permission).map((r) => `\`${r[0]}\``);
  return `\`${operation.method} ${operation.path}\`${variant}${others.length > 0 ? ` (and ${others.join(', ')})` : ''}`;
}

/**
 * The README's table: one row per permission the bot asks for, the features it is needed for
 * (with the asked permission that can stand in for it there, if any) and the Graph calls that
 * need it (with the other permissions each of them needs).
 */
export function permissionsMarkdown(): string {
  const rows = askedPermissions().map((permission) => {
    const operations = operationsAsking(permission);
    const features = [...new Set(operations.flatMap((o) => o.features))];
    const needs = features.map((feature) => {
      // A permission the feature cannot do without that every requirement naming this one accepts.
      const requirements = operations.filter((o) => o.features.includes(feature)).flatMap((o) => o.requires.filter((r) => r[0] === permission));
      const coveredBy = indispensableFor(feature).filter(
        (other) => other !== permission && requirements.every((r) => (r as readonly string[]).includes(other)),
      );
      const label = FEATURES[feature].label;
      return coveredBy.length > 0 ? `${label} (already covered by \`${coveredBy.join('`, `')}\`, which it needs)` : label;
    });
    return `| \`${permission}\` | ${needs.join('; ')} | ${operations.map((o) => callName(o, permission)).join(', ')} |`;
  });
  return [PERMISSIONS_START, '| Permission | Needed for | Graph calls |', '|---|---|---|', ...rows, PERMISSIONS_END].join('\n');
}

/** The README with its generated section replaced; throws when the markers are missing. */
export function withPermissionsSection(readme: string): string {
  const start = readme.indexOf(PERMISSIONS_START);
  const end = readme.indexOf(PERMISSIONS_END);
  if (start < 0 || end < start) throw new Error('README.md has no graph-permissions markers to write between.');
  return `${readme.slice(0, start)}${permissionsMarkdown()}${readme.slice(end + PERMISSIONS_END.length)}`;
}
