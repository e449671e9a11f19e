/**
 * The Graph v1.0 routes the simulator serves, and their handlers. Paths are matched segment by
 * segment (case-insensitively, as the service does) after the `/v1.0` prefix; a known path with
 * an unsupported method answers 405.
 */
import type { Directory, DirectoryObject, InvitationInput, ServicePrincipalRecord } from './directory';
import { GraphError, graphErrors } from './errors';
import { isRecord, type JsonObject, type JsonValue } from './json';
import { countCollection, entityResponse, isAdvancedQuery, listCollection, type CollectionSpec, type QueryContext } from './query';
import { type AppRoleAssignmentRecord } from './appRoleAssignments';
import {
  appRoleAssignmentJson,
  groupResource,
  organizationJson,
  roleAssignmentJson,
  roleDefinitionJson,
  servicePrincipalResource,
  userResource,
  type Resource,
} from './resources';
import { APP_ROLE_ASSIGNMENT, DIRECTORY_OBJECT, GROUP, ROLE_ASSIGNMENT, ROLE_DEFINITION, SERVICE_PRINCIPAL, USER } from './schema';
import { isObjectId } from './ids';
import {
  deleteUser,
  getDeletedUser,
  getUser,
  listDeletedUsers,
  listMemberOf,
  getManager,
  listSponsors,
  requireSignInActivityLicence,
  restoreDeletedUser,
  updateUser,
} from './userRoutes';

export interface RouteRequest {
  directory: Directory;
  method: string;
  params: Readonly<Record<string, string>>;
  ctx: QueryContext;
  /** The parsed JSON body, or undefined when there is none; throws 400 when it can't be read. */
  json(): unknown;
}

export interface RouteResult {
  status: number;
  /** JSON body (sent as application/json). */
  body?: JsonValue;
  /** Plain-text body (sent as text/plain), e.g. for `$count`. */
  text?: string;
}

type Handler = (req: RouteRequest) => RouteResult;
type Segment = string | RegExp;

interface Route {
  pattern: Segment[];
  handlers: Partial<Record<string, Handler>>;
}

const ok = (body: JsonValue): RouteResult => ({ status: 200, body });

// ---------------------------------------------------------------------------------------------
// Body helpers

/**
 * Like the service, reject properties the type doesn't have: a misspelt field is an error, not
 * silently ignored.
 */
function requireBodyObject(req: RouteRequest, typeName: string, allowed: readonly string[]): Record<string, unknown> {
  const body = req.json();
  if (body === undefined) throw graphErrors.badRequest(`A request body with a ${typeName} object is required.`);
  if (!isRecord(body)) throw graphErrors.badRequest(`The request body must be a JSON object (${typeName}).`);
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key) && !key.startsWith('@odata.')) {
      throw graphErrors.badRequest(
        `The property '${key}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type.`,
      );
    }
  }
  return body;
}

function optionalOfType<T>(
  body: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  expected: string,
  code: 'BadRequest' | 'Request_BadRequest' = 'BadRequest',
): T | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (!check(value)) throw new GraphError(400, code, `Invalid value for property '${key}': expected ${expected}.`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isNullableObject = (v: unknown): v is Record<string, unknown> | null => v === null || isRecord(v);
const isNullableArray = (v: unknown): v is unknown[] | null => v === null || Array.isArray(v);

function requiredString(body: Record<string, unknown>, key: string, code: 'BadRequest' | 'Request_BadRequest'): string {
  const value = body[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new GraphError(400, code, `The property '${key}' is required and must be a non-empty string.`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Resources

function objectResource(object: DirectoryObject): Resource {
  switch (object.kind) {
    case 'user':
      return userResource(object.record);
    case 'group':
      return groupResource(object.record);
    case 'servicePrincipal':
      return servicePrincipalResource(object.record);
  }
}

function memberResources(directory: Directory, ids: readonly string[]): Resource[] {
  return ids
    .map((id) => directory.getObject(id))
    .filter((o): o is DirectoryObject => o !== undefined)
    .map(objectResource);
}

type MemberCast = 'all' | 'user' | 'group';

function membersSpec(req: RouteRequest, transitive: boolean, cast: MemberCast): CollectionSpec {
  const group = req.directory.requireGroup(req.params.id);
  const ids = transitive ? req.directory.transitiveMemberIds(group.id) : req.directory.memberIds(group.id);
  const items = memberResources(req.directory, ids);
  // Members lists carry @odata.type on each item, and take $filter only as an advanced query.
  const common = { annotateType: true, filterNeedsAdvanced: true };
  if (cast === 'user') return { ...common, entity: USER, contextPath: 'users', items: items.filter((i) => i.entity === USER) };
  if (cast === 'group') return { ...common, entity: GROUP, contextPath: 'groups', items: items.filter((i) => i.entity === GROUP) };
  return { ...common, entity: DIRECTORY_OBJECT, contextPath: 'directoryObjects', items };
}

const usersSpec = (req: RouteRequest): CollectionSpec => {
  requireSignInActivityLicence(req);
  return { entity: USER, contextPath: 'users', items: req.directory.users.map(userResource) };
};

const groupsSpec = (req: RouteRequest): CollectionSpec => ({
  entity: GROUP,
  contextPath: 'groups',
  items: req.directory.groups.map(groupResource),
});

const servicePrincipalsSpec = (req: RouteRequest): CollectionSpec => ({
  entity: SERVICE_PRINCIPAL,
  contextPath: 'servicePrincipals',
  items: req.directory.servicePrincipals.map(servicePrincipalResource),
});

const roleDefinitionsSpec = (req: RouteRequest): CollectionSpec => ({
  entity: ROLE_DEFINITION,
  contextPath: 'roleManagement/directory/roleDefinitions',
  items: req.directory.roleDefinitions.map((r) => ({ entity: ROLE_DEFINITION, data: roleDefinitionJson(r) })),
});

const roleAssignmentsSpec = (req: RouteRequest): CollectionSpec => ({
  entity: ROLE_ASSIGNMENT,
  contextPath: 'roleManagement/directory/roleAssignments',
  items: req.directory.roleAssignments.map((a) => ({ entity: ROLE_ASSIGNMENT, data: roleAssignmentJson(a) })),
});

const list =
  (spec: (req: RouteRequest) => CollectionSpec): Handler =>
  (req) =>
    ok(listCollection(spec(req), req.ctx));
const count =
  (spec: (req: RouteRequest) => CollectionSpec): Handler =>
  (req) => ({
    status: 200,
    text: String(countCollection(spec(req), req.ctx)),
  });

// ---------------------------------------------------------------------------------------------
// Handlers

function checkMemberGroups(resolve: (req: RouteRequest) => string): Handler {
  return (req) => {
    const body = requireBodyObject(req, 'checkMemberGroups', ['groupIds']);
    const groupIds = body.groupIds;
    if (!Array.isArray(groupIds) || groupIds.some((g) => typeof g !== 'string')) {
      throw graphErrors.requestBadRequest("The property 'groupIds' is required and must be an array of strings.");
    }
    const objectId = resolve(req);
    const value = req.directory.checkMemberGroups(objectId, groupIds.filter(isString));
    return ok({ '@odata.context': `${req.ctx.origin}/v1.0/$metadata#Collection(Edm.String)`, value });
  };
}

const INVITATION_PROPERTIES = [
  'invitedUserEmailAddress',
  'inviteRedirectUrl',
  'invitedUserDisplayName',
  'sendInvitationMessage',
  'invitedUserMessageInfo',
  'invitedUserType',
  'resetRedemption',
  'invitedUser',
  'invitedUserSponsors',
  'id',
  'inviteRedeemUrl',
  'status',
];

function parseInvitation(body: Record<string, unknown>): InvitationInput {
  const email = requiredString(body, 'invitedUserEmailAddress', 'BadRequest');
  const redirect = requiredString(body, 'inviteRedirectUrl', 'BadRequest');
  const info = optionalOfType(body, 'invitedUserMessageInfo', isNullableObject, 'an object');
  let messageInfo: InvitationInput['invitedUserMessageInfo'];
  if (info) {
    const cc = info.ccRecipients;
    if (cc !== undefined && cc !== null && !Array.isArray(cc)) {
      throw graphErrors.badRequest("Invalid value for property 'ccRecipients': expected an array of recipients.");
    }
    messageInfo = {
      customizedMessageBody: optionalOfType(info, 'customizedMessageBody', isNullableString, 'a string') ?? null,
      messageLanguage: optionalOfType(info, 'messageLanguage', isNullableString, 'a string') ?? null,
      ccRecipients: (cc ?? []).map((r: unknown) => {
        const address = isRecord(r) && isRecord(r.emailAddress) ? r.emailAddress : undefined;
        return {
          emailAddress: {
            address: address && typeof address.address === 'string' ? address.address : null,
            name: address && typeof address.name === 'string' ? address.name : null,
          },
        };
      }),
    };
  }
  const invitedUser = optionalOfType(body, 'invitedUser', isNullableObject, 'an object');
  const sponsors = optionalOfType(body, 'invitedUserSponsors', isNullableArray, 'an array');
  return {
    invitedUserEmailAddress: email,
    inviteRedirectUrl: redirect,
    invitedUserDisplayName: optionalOfType(body, 'invitedUserDisplayName', isNullableString, 'a string'),
    sendInvitationMessage: optionalOfType(body, 'sendInvitationMessage', isBoolean, 'true or false'),
    invitedUserMessageInfo: messageInfo,
    invitedUserType: optionalOfType(body, 'invitedUserType', isNullableString, 'a string'),
    resetRedemption: optionalOfType(body, 'resetRedemption', isBoolean, 'true or false'),
    invitedUser: invitedUser ? { id: typeof invitedUser.id === 'string' ? invitedUser.id : undefined } : undefined,
    invitedUserSponsors: (sponsors ?? []).map((s) => ({ id: isRecord(s) && typeof s.id === 'string' ? s.id : '' })),
  };
}

const createInvitation: Handler = (req) => {
  const input = parseInvitation(requireBodyObject(req, 'microsoft.graph.invitation', INVITATION_PROPERTIES));
  const { invitation, user } = req.directory.invite(input);
  const cc = input.invitedUserMessageInfo?.ccRecipients ?? [];
  // Shaped like the documented 201 example, including its placeholder ccRecipients entry.
  const ccJson: JsonValue = (cc.length > 0 ? cc : [{ emailAddress: { name: null, address: null } }]).map((r) => ({
    emailAddress: { name: r.emailAddress?.name ?? null, address: r.emailAddress?.address ?? null },
  }));
  return {
    status: 201,
    body: {
      '@odata.context': `${req.ctx.origin}/v1.0/$metadata#invitations/$entity`,
      id: invitation.id,
      inviteRedeemUrl: invitation.inviteRedeemUrl,
      invitedUserDisplayName: invitation.invitedUserDisplayName,
      invitedUserType: invitation.invitedUserType,
      invitedUserEmailAddress: invitation.email,
      sendInvitationMessage: invitation.sendInvitationMessage,
      resetRedemption: invitation.resetRedemption,
      inviteRedirectUrl: invitation.redirectUrl,
      status: invitation.status,
      invitedUserMessageInfo: {
        messageLanguage: invitation.messageLanguage,
        customizedMessageBody: invitation.messageBody,
        ccRecipients: ccJson,
      },
      invitedUser: { id: user.id, userPrincipalName: user.userPrincipalName },
    },
  };
};

/**
 * The `@odata.id` of a `$ref` body: an absolute directoryObjects/users/groups URL on this
 * service's own root (`<origin>/v1.0/`), as a national cloud expects its own host in references.
 * The wording is the one reported for a malformed reference; that a reference to another Graph
 * host gets the same 400 is the simulator's reading (unverified).
 */
function referencedObjectId(body: Record<string, unknown>, ctx: QueryContext): { id: string; kind: string } {
  const ref = body['@odata.id'];
  const invalid = graphErrors.requestBadRequest('Invalid URL format specified in payload.');
  if (typeof ref !== 'string') throw invalid;
  let url: URL;
  try {
    url = new URL(ref);
  } catch {
    throw invalid;
  }
  if (url.origin.toLowerCase() !== ctx.origin.toLowerCase()) throw invalid;
  const match = /^\/v1\.0\/(directoryObjects|users|groups|servicePrincipals)\/([^/]+)\/?$/i.exec(url.pathname);
  if (!match) throw invalid;
  return { kind: match[1].toLowerCase(), id: decodeURIComponent(match[2]) };
}

/** A user created within the replication lag is not there yet for a write that references it. */
function requireReplicated(req: RouteRequest, id: string): void {
  if (req.ctx.replicating(id)) throw graphErrors.resourceNotFound(id);
}

const addMemberRef: Handler = (req) => {
  const body = requireBodyObject(req, 'reference', []);
  const ref = referencedObjectId(body, req.ctx);
  const group = req.directory.requireGroup(req.params.id);
  requireReplicated(req, ref.id);
  if (isObjectId(ref.id)) {
    const object = req.directory.getObject(ref.id);
    const expected = { users: 'user', groups: 'group', serviceprincipals: 'servicePrincipal' }[ref.kind];
    // A users/{id} reference to something that isn't a user doesn't resolve.
    if (object && expected !== undefined && object.kind !== expected) throw graphErrors.resourceNotFound(ref.id);
  }
  req.directory.addMember(group.id, ref.id);
  return { status: 204 };
};

const ownersSpec = (req: RouteRequest): CollectionSpec => ({
  entity: DIRECTORY_OBJECT,
  contextPath: 'directoryObjects',
  annotateType: true,
  filterNeedsAdvanced: true,
  items: memberResources(req.directory, req.directory.requireServicePrincipal(req.params.id).ownerIds),
});

const appRoleAssignmentItems = (records: AppRoleAssignmentRecord[]) => records.map((a) => ({ entity: APP_ROLE_ASSIGNMENT, data: appRoleAssignmentJson(a) }));

const appRoleAssignedToSpec = (req: RouteRequest): CollectionSpec => ({
  entity: APP_ROLE_ASSIGNMENT,
  contextPath: `servicePrincipals('${req.params.id}')/appRoleAssignedTo`,
  items: appRoleAssignmentItems(req.directory.appRoles.toResource(req.directory.requireServicePrincipal(req.params.id).id)),
});

/** A service principal by object id or, for the alternate key, by appId. */
function servicePrincipalOf(req: RouteRequest): ServicePrincipalRecord {
  const appId = req.params.appId;
  if (appId === undefined) return req.directory.requireServicePrincipal(req.params.id);
  if (!isObjectId(appId)) throw graphErrors.invalidObjectId(appId);
  const sp = req.directory.getServicePrincipalByAppId(appId);
  if (!sp) throw graphErrors.resourceNotFound(appId);
  return sp;
}

/** `GET /servicePrincipals/{id}/appRoleAssignments`: what the service principal was granted (its app's permissions). */
const servicePrincipalAppRoleAssignmentsSpec = (req: RouteRequest): CollectionSpec => {
  const sp = servicePrincipalOf(req);
  return {
    entity: APP_ROLE_ASSIGNMENT,
    contextPath: `servicePrincipals('${sp.id}')/appRoleAssignments`,
    items: appRoleAssignmentItems(req.directory.appRoleAssignmentsOf(sp)),
  };
};

/**
 * A user's app roles include those assigned to groups the user is a direct member of. The docs
 * ask for `ConsistencyLevel: eventual` and `$count=true` "to ensure complete results"; without
 * them the simulator reads that strictly and lists the user's own assignments only.
 */
const userAppRoleAssignmentsSpec = (req: RouteRequest): CollectionSpec => {
  const user = req.directory.requireUser(req.params.id);
  // The advanced-query index does not know a user created within the replication lag; that it
  // answers 404 for the user's collection then is the simulator's reading (unverified).
  if (req.ctx.eventual && req.ctx.replicating(user.id)) throw graphErrors.resourceNotFound(req.params.id);
  const viaGroups = isAdvancedQuery(req.ctx) ? req.directory.directGroupIds(user.id).flatMap((groupId) => req.directory.appRoles.ofPrincipal(groupId)) : [];
  return {
    entity: APP_ROLE_ASSIGNMENT,
    contextPath: `users('${req.params.id}')/appRoleAssignments`,
    advancedQueries: true,
    items: appRoleAssignmentItems([...req.directory.appRoles.ofPrincipal(user.id), ...viaGroups]),
  };
};

/**
 * `POST /servicePrincipals/{id}/appRoleAssignedTo` and `POST /users/{id}/appRoleAssignments`:
 * the body names principal, resource and role, and must agree with the object in the path.
 */
const createAppRoleAssignment =
  (pathNames: 'resourceId' | 'principalId'): Handler =>
  (req) => {
    const body = requireBodyObject(req, 'microsoft.graph.appRoleAssignment', ['principalId', 'resourceId', 'appRoleId']);
    const input = {
      principalId: requiredString(body, 'principalId', 'Request_BadRequest'),
      resourceId: requiredString(body, 'resourceId', 'Request_BadRequest'),
      appRoleId: requiredString(body, 'appRoleId', 'Request_BadRequest'),
    };
    const pathObject = pathNames === 'resourceId' ? req.directory.requireServicePrincipal(req.params.id) : req.directory.requireUser(req.params.id);
    if (input[pathNames].toLowerCase() !== pathObject.id.toLowerCase()) {
      throw graphErrors.requestBadRequest('One or more properties are invalid.');
    }
    requireReplicated(req, input.principalId);
    const assignment = req.directory.appRoles.assign(input);
    const context = pathNames === 'resourceId' ? `servicePrincipals('${pathObject.id}')/appRoleAssignedTo` : `users('${pathObject.id}')/appRoleAssignments`;
    return { status: 201, body: { '@odata.context': `${req.ctx.origin}/v1.0/$metadata#${context}/$entity`, ...appRoleAssignmentJson(assignment) } };
  };

/** `POST /users/{id}/sponsors/$ref`: 204, like every reference added. */
const addSponsorRef: Handler = (req) => {
  const body = requireBodyObject(req, 'reference', []);
  const ref = referencedObjectId(body, req.ctx);
  // The guest must be known to the replica that takes the write, as for members and roles.
  requireReplicated(req, req.directory.requireUser(req.params.id).id);
  if (ref.kind === 'serviceprincipals')
    throw graphErrors.requestBadRequest('One or more added object references are unsupported as sponsors: sponsors are users or groups.');
  if (isObjectId(ref.id)) {
    const object = req.directory.getObject(ref.id);
    const expected = { users: 'user', groups: 'group' }[ref.kind];
    // A users/{id} reference to something that isn't a user doesn't resolve.
    if (object && expected !== undefined && object.kind !== expected) throw graphErrors.resourceNotFound(ref.id);
  }
  req.directory.addSponsor(req.params.id, ref.id);
  return { status: 204 };
};

/** `DELETE /users/{id}/sponsors/{sponsorId}/$ref`: 204; the sponsor object stays. */
const removeSponsorRef: Handler = (req) => {
  req.directory.removeSponsor(req.params.id, req.params.sponsorId);
  return { status: 204 };
};

/** `DELETE /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}`: 204; 404 for an assignment not on this resource. */
const removeAppRoleAssignedTo: Handler = (req) => {
  const resource = req.directory.requireServicePrincipal(req.params.id);
  req.directory.appRoles.remove(req.params.assignmentId, { resourceId: resource.id });
  return { status: 204 };
};

/** `DELETE /users/{id}/appRoleAssignments/{assignmentId}`: 204; 404 for an assignment the user does not hold. */
const removeUserAppRoleAssignment: Handler = (req) => {
  const user = req.directory.requireUser(req.params.id);
  req.directory.appRoles.remove(req.params.assignmentId, { principalId: user.id });
  return { status: 204 };
};

/** `DELETE /roleManagement/directory/roleAssignments/{id}`: 204. */
const deleteRoleAssignment: Handler = (req) => {
  req.directory.deleteRoleAssignment(req.params.id);
  return { status: 204 };
};

const removeMemberRef: Handler = (req) => {
  req.directory.removeMember(req.params.id, req.params.memberId);
  return { status: 204 };
};

const ROLE_ASSIGNMENT_PROPERTIES = ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'condition', 'principalOrganizationId'];

const createRoleAssignment: Handler = (req) => {
  const body = requireBodyObject(req, 'microsoft.graph.unifiedRoleAssignment', ROLE_ASSIGNMENT_PROPERTIES);
  const odataType = body['@odata.type'];
  if (odataType !== undefined && odataType !== '#microsoft.graph.unifiedRoleAssignment') {
    throw graphErrors.badRequest(`Invalid @odata.type '${JSON.stringify(odataType)}' for a role assignment.`);
  }
  const principalId = requiredString(body, 'principalId', 'Request_BadRequest');
  const roleDefinitionId = requiredString(body, 'roleDefinitionId', 'Request_BadRequest');
  const directoryScopeId = optionalOfType(body, 'directoryScopeId', isString, 'a string', 'Request_BadRequest');
  const appScopeId = optionalOfType(body, 'appScopeId', isString, 'a string', 'Request_BadRequest');
  if ((directoryScopeId === undefined) === (appScopeId === undefined)) {
    throw graphErrors.requestBadRequest('Exactly one of directoryScopeId and appScopeId must be specified.');
  }
  requireReplicated(req, principalId);
  const assignment = req.directory.assignRole({ principalId, roleDefinitionId, directoryScopeId, appScopeId });
  const body201: JsonObject = {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity`,
    id: assignment.id,
    roleDefinitionId: assignment.roleDefinitionId,
    principalId: assignment.principalId,
  };
  if (assignment.directoryScopeId !== null) body201.directoryScopeId = assignment.directoryScopeId;
  if (assignment.appScopeId !== null) body201.appScopeId = assignment.appScopeId;
  return { status: 201, body: body201 };
};

const getRoleDefinition: Handler = (req) => {
  const id = req.params.id;
  if (!isObjectId(id)) throw graphErrors.invalidObjectId(id);
  const role = req.directory.findRoleDefinition(id);
  if (!role) throw graphErrors.resourceNotFound(id);
  return ok(entityResponse({ entity: ROLE_DEFINITION, data: roleDefinitionJson(role) }, req.ctx, 'roleManagement/directory/roleDefinitions'));
};

const getRoleAssignment: Handler = (req) => {
  const assignment = req.directory.roleAssignments.find((a) => a.id === req.params.id);
  if (!assignment) throw graphErrors.resourceNotFound(req.params.id);
  return ok(entityResponse({ entity: ROLE_ASSIGNMENT, data: roleAssignmentJson(assignment) }, req.ctx, 'roleManagement/directory/roleAssignments'));
};

const getServicePrincipalByAppId: Handler = (req) => {
  const appId = req.params.appId;
  if (!isObjectId(appId)) throw graphErrors.invalidObjectId(appId);
  const sp = req.directory.getServicePrincipalByAppId(appId);
  if (!sp) throw graphErrors.resourceNotFound(appId);
  return ok(entityResponse(servicePrincipalResource(sp), req.ctx, 'servicePrincipals'));
};

// ---------------------------------------------------------------------------------------------
// Route table (order matters: literal segments such as `$count` before `:id`)

const members =
  (transitive: boolean, cast: MemberCast): Handler =>
  (req) =>
    ok(listCollection(membersSpec(req, transitive, cast), req.ctx));
const membersCount =
  (transitive: boolean): Handler =>
  (req) => ({
    status: 200,
    text: String(countCollection(membersSpec(req, transitive, 'all'), req.ctx)),
  });

export const ROUTES: readonly Route[] = [
  { pattern: ['users'], handlers: { GET: list(usersSpec) } },
  { pattern: ['users', '$count'], handlers: { GET: count(usersSpec) } },
  { pattern: ['users', ':id'], handlers: { GET: getUser, PATCH: updateUser, DELETE: deleteUser } },
  { pattern: ['users', ':id', 'memberOf'], handlers: { GET: listMemberOf } },
  { pattern: ['users', ':id', 'sponsors'], handlers: { GET: listSponsors } },
  { pattern: ['users', ':id', 'manager'], handlers: { GET: getManager } },
  { pattern: ['users', ':id', 'sponsors', '$ref'], handlers: { POST: addSponsorRef } },
  { pattern: ['users', ':id', 'sponsors', ':sponsorId', '$ref'], handlers: { DELETE: removeSponsorRef } },
  { pattern: ['directory', 'deletedItems', 'microsoft.graph.user'], handlers: { GET: listDeletedUsers } },
  { pattern: ['directory', 'deletedItems', ':id'], handlers: { GET: getDeletedUser } },
  { pattern: ['directory', 'deletedItems', ':id', 'restore'], handlers: { POST: restoreDeletedUser } },
  {
    pattern: ['users', ':id', 'checkMemberGroups'],
    handlers: { POST: checkMemberGroups((req) => req.directory.requireUser(req.params.id).id) },
  },
  {
    pattern: ['directoryObjects', ':id'],
    handlers: {
      GET: (req) => ok(entityResponse(objectResource(req.directory.requireObject(req.params.id)), req.ctx, 'directoryObjects', true)),
    },
  },
  {
    pattern: ['directoryObjects', ':id', 'checkMemberGroups'],
    handlers: { POST: checkMemberGroups((req) => req.params.id) },
  },
  { pattern: ['invitations'], handlers: { POST: createInvitation } },
  { pattern: ['groups'], handlers: { GET: list(groupsSpec) } },
  { pattern: ['groups', '$count'], handlers: { GET: count(groupsSpec) } },
  {
    pattern: ['groups', ':id'],
    handlers: { GET: (req) => ok(entityResponse(groupResource(req.directory.requireGroup(req.params.id)), req.ctx, 'groups')) },
  },
  {
    pattern: ['groups', ':id', 'checkMemberGroups'],
    handlers: { POST: checkMemberGroups((req) => req.directory.requireGroup(req.params.id).id) },
  },
  { pattern: ['groups', ':id', 'members'], handlers: { GET: members(false, 'all') } },
  { pattern: ['groups', ':id', 'members', '$count'], handlers: { GET: membersCount(false) } },
  { pattern: ['groups', ':id', 'members', '$ref'], handlers: { POST: addMemberRef } },
  { pattern: ['groups', ':id', 'members', 'microsoft.graph.user'], handlers: { GET: members(false, 'user') } },
  { pattern: ['groups', ':id', 'members', 'microsoft.graph.group'], handlers: { GET: members(false, 'group') } },
  { pattern: ['groups', ':id', 'members', ':memberId', '$ref'], handlers: { DELETE: removeMemberRef } },
  { pattern: ['groups', ':id', 'transitiveMembers'], handlers: { GET: members(true, 'all') } },
  { pattern: ['groups', ':id', 'transitiveMembers', '$count'], handlers: { GET: membersCount(true) } },
  { pattern: ['groups', ':id', 'transitiveMembers', 'microsoft.graph.user'], handlers: { GET: members(true, 'user') } },
  { pattern: ['groups', ':id', 'transitiveMembers', 'microsoft.graph.group'], handlers: { GET: members(true, 'group') } },
  { pattern: ['servicePrincipals'], handlers: { GET: list(servicePrincipalsSpec) } },
  { pattern: ['servicePrincipals', '$count'], handlers: { GET: count(servicePrincipalsSpec) } },
  {
    pattern: ['servicePrincipals', ':id'],
    handlers: {
      GET: (req) => ok(entityResponse(servicePrincipalResource(req.directory.requireServicePrincipal(req.params.id)), req.ctx, 'servicePrincipals')),
    },
  },
  { pattern: ['servicePrincipals', ':id', 'owners'], handlers: { GET: list(ownersSpec) } },
  {
    pattern: ['servicePrincipals', ':id', 'appRoleAssignedTo'],
    handlers: { GET: list(appRoleAssignedToSpec), POST: createAppRoleAssignment('resourceId') },
  },
  {
    pattern: ['users', ':id', 'appRoleAssignments'],
    handlers: { GET: list(userAppRoleAssignmentsSpec), POST: createAppRoleAssignment('principalId') },
  },
  { pattern: ['servicePrincipals', ':id', 'appRoleAssignedTo', ':assignmentId'], handlers: { DELETE: removeAppRoleAssignedTo } },
  { pattern: ['users', ':id', 'appRoleAssignments', ':assignmentId'], handlers: { DELETE: removeUserAppRoleAssignment } },
  { pattern: ['servicePrincipals', ':id', 'appRoleAssignments'], handlers: { GET: list(servicePrincipalAppRoleAssignmentsSpec) } },
  // Alternate key: /servicePrincipals(appId='{appId}')
  { pattern: [/^servicePrincipals\(appId='(?<appId>[^']*)'\)$/i], handlers: { GET: getServicePrincipalByAppId } },
  {
    pattern: [/^servicePrincipals\(appId='(?<appId>[^']*)'\)$/i, 'appRoleAssignments'],
    handlers: { GET: list(servicePrincipalAppRoleAssignmentsSpec) },
  },
  { pattern: ['roleManagement', 'directory', 'roleDefinitions'], handlers: { GET: list(roleDefinitionsSpec) } },
  { pattern: ['roleManagement', 'directory', 'roleDefinitions', ':id'], handlers: { GET: getRoleDefinition } },
  {
    pattern: ['roleManagement', 'directory', 'roleAssignments'],
    handlers: { GET: list(roleAssignmentsSpec), POST: createRoleAssignment },
  },
  { pattern: ['roleManagement', 'directory', 'roleAssignments', ':id'], handlers: { GET: getRoleAssignment, DELETE: deleteRoleAssignment } },
  {
    pattern: ['organization'],
    handlers: {
      GET: (req) =>
        ok({
          '@odata.context': `${req.ctx.origin}/v1.0/$metadata#organization`,
          value: [organizationJson(req.directory.tenant)],
        }),
    },
  },
  {
    // The bot authenticates as an application; /me only exists for delegated (user) tokens.
    pattern: ['me'],
    handlers: {
      GET: () => {
        throw graphErrors.requestBadRequest('/me request is only valid with delegated authentication flow.');
      },
    },
  },
];

function matchSegment(pattern: Segment, segment: string, params: Record<string, string>): boolean {
  if (pattern instanceof RegExp) {
    const match = pattern.exec(segment);
    if (!match) return false;
    Object.assign(params, match.groups ?? {});
    return true;
  }
  if (pattern.startsWith(':')) {
    params[pattern.slice(1)] = segment;
    return true;
  }
  return pattern.toLowerCase() === segment.toLowerCase();
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
}

/** Finds the handler for decoded path segments (after `/v1.0`); throws 404 / 405 like the service. */
export function matchRoute(segments: readonly string[], method: string): RouteMatch {
  for (const route of ROUTES) {
    if (route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (!route.pattern.every((p, i) => matchSegment(p, segments[i], params))) continue;
    const handler = route.handlers[method];
    if (!handler) throw graphErrors.methodNotAllowed(method, Object.keys(route.handlers));
    return { handler, params };
  }
  // Name the first segment no route knows, like the service's "Resource not found for the segment".
  for (let i = 0; i < segments.length; i += 1) {
    const prefix = segments.slice(0, i + 1);
    const known = ROUTES.some((r) => r.pattern.length > i && prefix.every((s, j) => matchSegment(r.pattern[j], s, {})));
    if (!known) throw graphErrors.unknownSegment(segments[i]);
  }
  throw graphErrors.unknownSegment(segments[segments.length - 1] ?? 'v1.0');
}
