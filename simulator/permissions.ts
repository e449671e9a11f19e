/**
 * Application permissions in the simulated tenant: the ones Microsoft Graph's service principal
 * offers (with their real, tenant-independent app role ids), and which of them each route needs.
 * This is the simulator's own copy of Microsoft's permission tables; the bot declares its own in
 * services/directory/permissions.ts, and a test compares the two.
 *
 * A requirement lists permissions any one of which is enough; a route needs every requirement.
 */

/** Microsoft Graph's application id, the same in every tenant. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export interface GraphAppRole {
  id: string;
  value: string;
  displayName: string;
}

/**
 * The application permissions the simulated Microsoft Graph service principal offers: the ones the
 * bot's routes need or accept, with the ids Microsoft Graph uses in every tenant (from the
 * permissions reference). GroupMember.ReadBasic.All is accepted where documented but not offered,
 * because its id could not be checked.
 */
export const GRAPH_APP_ROLES: readonly GraphAppRole[] = Object.freeze(
  [
    { id: 'df021288-bdef-4463-88db-98f22de89214', value: 'User.Read.All', displayName: "Read all users' full profiles" },
    { id: '741f803b-c850-494e-b5df-cde7c675a1ca', value: 'User.ReadWrite.All', displayName: "Read and write all users' full profiles" },
    { id: '09850681-111b-4a89-9bed-3f2cae46d706', value: 'User.Invite.All', displayName: 'Invite guest users to the organization' },
    { id: '3011c876-62b7-4ada-afa2-506cbbecc68c', value: 'User.EnableDisableAccount.All', displayName: 'Enable and disable user accounts' },
    { id: 'eccc023d-eccf-4e7b-9683-8813ab36cecc', value: 'User.DeleteRestore.All', displayName: 'Delete and restore all users' },
    { id: 'b0afded3-3588-46d8-8b3d-9842eff778da', value: 'AuditLog.Read.All', displayName: 'Read all audit log data' },
    { id: '98830695-27a2-44f7-8c18-0c3ebc9698f6', value: 'GroupMember.Read.All', displayName: 'Read all group memberships' },
    { id: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695', value: 'GroupMember.ReadWrite.All', displayName: 'Read and write all group memberships' },
    { id: '5b567255-7703-4780-807c-7be8301ae99b', value: 'Group.Read.All', displayName: 'Read all groups' },
    { id: '62a82d76-70ea-41e2-9197-370581804d09', value: 'Group.ReadWrite.All', displayName: 'Read and write all groups' },
    { id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', value: 'Application.Read.All', displayName: 'Read all applications' },
    { id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', value: 'Application.ReadWrite.All', displayName: 'Read and write all applications' },
    {
      id: '06b708a9-e830-4db3-a914-8e69da51d44f',
      value: 'AppRoleAssignment.ReadWrite.All',
      displayName: 'Manage app permission grants and app role assignments',
    },
    { id: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c', value: 'RoleManagement.Read.Directory', displayName: 'Read all directory RBAC settings' },
    { id: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', value: 'RoleManagement.ReadWrite.Directory', displayName: 'Read and write all directory RBAC settings' },
    { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', value: 'Directory.Read.All', displayName: 'Read directory data' },
    { id: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', value: 'Directory.ReadWrite.All', displayName: 'Read and write directory data' },
  ].map((role) => Object.freeze(role)),
);

export type PermissionRequirement = readonly (readonly string[])[];

interface RoutePermission {
  method: string;
  /** Relative to `/v1.0`; `{name}` matches any one segment or key value. */
  path: string;
  requires: PermissionRequirement;
  /** A narrower case that needs more; listed before the plain route, and the first that matches wins. */
  when?: (request: PermissionRequest) => boolean;
}

/** What a route's permission may depend on besides its path. */
export interface PermissionRequest {
  /** Query options by name (`$select`, `$filter`, ...). */
  query: ReadonlyMap<string, string>;
  /** The JSON body, when one was sent and could be read. */
  body?: unknown;
}

const USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const GROUPS = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const GROUP_MEMBERS = [
  'GroupMember.Read.All',
  'GroupMember.ReadBasic.All',
  'GroupMember.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
];
const WRITE_MEMBERS = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const APPS = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const ROLES = ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const MEMBERSHIPS = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const AUDIT = ['AuditLog.Read.All'];

/** signInActivity, selected or filtered, also needs AuditLog.Read.All (user-list, user-get). */
const withSignIn = (request: PermissionRequest): boolean =>
  /(^|,)\s*signInActivity\s*(,|$)/i.test(request.query.get('$select') ?? '') || /signInActivity\//i.test(request.query.get('$filter') ?? '');

/** A redemption reset needs User.ReadWrite.All (invitation-post, Important). */
const resetsRedemption = (request: PermissionRequest): boolean =>
  typeof request.body === 'object' && request.body !== null && (request.body as { resetRedemption?: unknown }).resetRedemption === true;

/** Every route the simulator serves, with the application permissions its Microsoft Learn page lists. */
export const ROUTE_PERMISSIONS: readonly RoutePermission[] = [
  // user-list / user-get (signInActivity: AuditLog.Read.All as well)
  { method: 'GET', path: '/users', requires: [USERS, AUDIT], when: withSignIn },
  { method: 'GET', path: '/users', requires: [USERS] },
  { method: 'GET', path: '/users/$count', requires: [USERS] },
  { method: 'GET', path: '/users/{id}', requires: [USERS, AUDIT], when: withSignIn },
  { method: 'GET', path: '/users/{id}', requires: [USERS] },
  // user-update: accountEnabled takes User.EnableDisableAccount.All with User.Read.All
  { method: 'PATCH', path: '/users/{id}', requires: [['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'], USERS] },
  // user-delete; What's new December 2024 for User.DeleteRestore.All
  { method: 'DELETE', path: '/users/{id}', requires: [['User.DeleteRestore.All', 'User.ReadWrite.All']] },
  // user-list-memberof, another user's memberships: Directory.Read.All for apps
  { method: 'GET', path: '/users/{id}/memberOf', requires: [['Directory.Read.All', 'Directory.ReadWrite.All']] },
  // user-list-manager: User.Read.All least for apps (User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All higher)
  { method: 'GET', path: '/users/{id}/manager', requires: [USERS] },
  // user-list-sponsors
  { method: 'GET', path: '/users/{id}/sponsors', requires: [['User.Read.All', 'User.ReadWrite.All']] },
  // user-post-sponsors, user-delete-sponsors: User.ReadWrite.All least for apps (Directory.ReadWrite.All higher)
  { method: 'POST', path: '/users/{id}/sponsors/$ref', requires: [['User.ReadWrite.All', 'Directory.ReadWrite.All']] },
  { method: 'DELETE', path: '/users/{id}/sponsors/{sponsorId}/$ref', requires: [['User.ReadWrite.All', 'Directory.ReadWrite.All']] },
  // user-list-approleassignments: Directory.Read.All least for apps
  { method: 'GET', path: '/users/{id}/appRoleAssignments', requires: [['Directory.Read.All', 'AppRoleAssignment.ReadWrite.All', 'Directory.ReadWrite.All']] },
  // user-post-approleassignments
  { method: 'POST', path: '/users/{id}/appRoleAssignments', requires: [['AppRoleAssignment.ReadWrite.All']] },
  // user-delete-approleassignments: AppRoleAssignment.ReadWrite.All, the only one
  { method: 'DELETE', path: '/users/{id}/appRoleAssignments/{assignmentId}', requires: [['AppRoleAssignment.ReadWrite.All']] },
  // directoryobject-checkmembergroups: User.Read.All and GroupMember.Read.All
  { method: 'POST', path: '/users/{id}/checkMemberGroups', requires: [USERS, MEMBERSHIPS] },
  { method: 'POST', path: '/directoryObjects/{id}/checkMemberGroups', requires: [USERS, MEMBERSHIPS] },
  { method: 'POST', path: '/groups/{id}/checkMemberGroups', requires: [MEMBERSHIPS] },
  // directoryobject-get
  { method: 'GET', path: '/directoryObjects/{id}', requires: [['Directory.Read.All', 'Directory.ReadWrite.All']] },
  // directory-deleteditems-list / -get / -restore (users)
  {
    method: 'GET',
    path: '/directory/deletedItems/microsoft.graph.user',
    requires: [['User.DeleteRestore.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All']],
  },
  { method: 'GET', path: '/directory/deletedItems/{id}', requires: [['User.DeleteRestore.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All']] },
  { method: 'POST', path: '/directory/deletedItems/{id}/restore', requires: [['User.DeleteRestore.All', 'User.ReadWrite.All']] },
  // invitation-post
  { method: 'POST', path: '/invitations', requires: [['User.ReadWrite.All', 'Directory.ReadWrite.All']], when: resetsRedemption },
  { method: 'POST', path: '/invitations', requires: [['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']] },
  // group-list, group-get: GroupMember.Read.All least for apps
  { method: 'GET', path: '/groups', requires: [GROUPS] },
  { method: 'GET', path: '/groups/$count', requires: [GROUPS] },
  { method: 'GET', path: '/groups/{id}', requires: [GROUPS] },
  // group-list-members, group-list-transitivemembers
  { method: 'GET', path: '/groups/{id}/members', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/members/$count', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/members/microsoft.graph.user', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/members/microsoft.graph.group', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/transitiveMembers', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/transitiveMembers/$count', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.user', requires: [GROUP_MEMBERS] },
  { method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.group', requires: [GROUP_MEMBERS] },
  // group-post-members, group-delete-members
  { method: 'POST', path: '/groups/{id}/members/$ref', requires: [WRITE_MEMBERS] },
  { method: 'DELETE', path: '/groups/{id}/members/{memberId}/$ref', requires: [WRITE_MEMBERS] },
  // serviceprincipal-list, -get, -list-owners, -list-approleassignedto, -list-approleassignments
  { method: 'GET', path: '/servicePrincipals', requires: [APPS] },
  { method: 'GET', path: '/servicePrincipals/$count', requires: [APPS] },
  { method: 'GET', path: '/servicePrincipals/{id}', requires: [APPS] },
  { method: 'GET', path: "/servicePrincipals(appId='{appId}')", requires: [APPS] },
  { method: 'GET', path: '/servicePrincipals/{id}/owners', requires: [APPS] },
  { method: 'GET', path: '/servicePrincipals/{id}/appRoleAssignedTo', requires: [APPS] },
  { method: 'GET', path: '/servicePrincipals/{id}/appRoleAssignments', requires: [APPS] },
  { method: 'GET', path: "/servicePrincipals(appId='{appId}')/appRoleAssignments", requires: [APPS] },
  // serviceprincipal-post-approleassignedto: AppRoleAssignment.ReadWrite.All and Application.Read.All
  {
    method: 'POST',
    path: '/servicePrincipals/{id}/appRoleAssignedTo',
    requires: [['AppRoleAssignment.ReadWrite.All'], ['Application.Read.All', 'Directory.Read.All']],
  },
  // serviceprincipal-delete-approleassignedto: AppRoleAssignment.ReadWrite.All, the only one
  { method: 'DELETE', path: '/servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}', requires: [['AppRoleAssignment.ReadWrite.All']] },
  // rbacapplication-list-roledefinitions, unifiedroledefinition-get, -list-roleassignments, -post-roleassignments
  { method: 'GET', path: '/roleManagement/directory/roleDefinitions', requires: [ROLES] },
  { method: 'GET', path: '/roleManagement/directory/roleDefinitions/{id}', requires: [ROLES] },
  { method: 'GET', path: '/roleManagement/directory/roleAssignments', requires: [ROLES] },
  { method: 'GET', path: '/roleManagement/directory/roleAssignments/{id}', requires: [ROLES] },
  { method: 'POST', path: '/roleManagement/directory/roleAssignments', requires: [['RoleManagement.ReadWrite.Directory']] },
  // unifiedroleassignment-delete (directory provider): RoleManagement.ReadWrite.Directory, the only one
  { method: 'DELETE', path: '/roleManagement/directory/roleAssignments/{id}', requires: [['RoleManagement.ReadWrite.Directory']] },
  // json-batching: the batch itself needs nothing; each request in it is checked as if sent alone
  { method: 'POST', path: '/$batch', requires: [] },
  // organization-get: Organization.Read.All is not offered here; Directory.Read.All is accepted
  { method: 'GET', path: '/organization', requires: [['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All']] },
];

function segmentPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`, 'i');
}

const COMPILED = ROUTE_PERMISSIONS.map((route) => ({
  ...route,
  segments: route.path
    .split('/')
    .filter((s) => s !== '')
    .map(segmentPattern),
}));

/**
 * The permissions the request needs (every requirement, any permission of each), or undefined for
 * a route that needs none (`/me`, which only exists for delegated tokens and is refused anyway).
 */
export function requiredPermissions(method: string, segments: readonly string[], request: PermissionRequest): PermissionRequirement | undefined {
  const upper = method.toUpperCase();
  for (const route of COMPILED) {
    if (route.method !== upper || route.segments.length !== segments.length) continue;
    if (!route.segments.every((pattern, i) => pattern.test(segments[i] ?? ''))) continue;
    if (route.when && !route.when(request)) continue;
    return route.requires;
  }
  return undefined;
}

/** Checks permission names against what Microsoft Graph's service principal offers here. */
export function checkPermissionNames(names: readonly string[]): string[] {
  const known = new Map(GRAPH_APP_ROLES.map((role) => [role.value.toLowerCase(), role.value]));
  const unknown = names.filter((name) => !known.has(name.toLowerCase()));
  if (unknown.length > 0) {
    throw new Error(`unknown Graph application permission(s): ${unknown.join(', ')}. The simulator offers: ${GRAPH_APP_ROLES.map((r) => r.value).join(', ')}.`);
  }
  return [...new Set(names.map((name) => known.get(name.toLowerCase()) as string))];
}

/** Reads `--permissions` / the control endpoint's list: `all`, or names separated by commas. */
export function parsePermissionList(text: string): string[] | 'all' {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'all') return 'all';
  return checkPermissionNames(trimmed.split(/[\s,]+/).filter((name) => name !== ''));
}
