/**
 * Handlers for what admins do to users: read one (with the licence rule for `signInActivity`),
 * `PATCH` and `DELETE /users/{id}`, the user's groups (`memberOf`) and sponsors, and deleted items
 * with their restore. The route table in routes.ts points here.
 */
import type { DeletedUserRecord, DirectoryObject, UserPatch } from './directory';
import { GraphError, graphErrors } from './errors';
import { isRecord, type JsonValue } from './json';
import { entityResponse, listCollection, type CollectionSpec } from './query';
import { groupResource, servicePrincipalResource, userJson, userResource, type Resource } from './resources';
import type { RouteRequest, RouteResult } from './routes';
import { DIRECTORY_OBJECT, GROUP, USER, type EntityType } from './schema';

type Handler = (req: RouteRequest) => RouteResult;

const ok = (body: JsonValue): RouteResult => ({ status: 200, body });

/**
 * `signInActivity` needs a Microsoft Entra ID P1/P2 licence; without one the service refuses any
 * request that selects or filters it (the code is community-reported, the wording the service's).
 */
export function requireSignInActivityLicence(req: RouteRequest): void {
  if (req.directory.premium) return;
  const select = req.ctx.query.options.get('$select') ?? '';
  const filter = req.ctx.query.options.get('$filter') ?? '';
  const selected = select.split(',').some((name) => name.trim().toLowerCase() === 'signinactivity');
  if (selected || /signInActivity\//i.test(filter)) {
    throw new GraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
  }
}

export const getUser: Handler = (req) => {
  requireSignInActivityLicence(req);
  return ok(entityResponse(userResource(req.directory.requireUser(req.params.id)), req.ctx, 'users'));
};

/** Read-only user properties: setting one is refused rather than ignored. */
const READ_ONLY = ['id', 'createdDateTime', 'creationType', 'externalUserState', 'externalUserStateChangeDateTime', 'signInActivity', 'proxyAddresses'];

type PatchKey = keyof UserPatch;
const NULLABLE_STRINGS: readonly PatchKey[] = ['givenName', 'surname', 'jobTitle', 'department', 'companyName', 'mail'];

function readPatch(body: unknown): UserPatch {
  if (body === undefined) throw graphErrors.badRequest('A request body with a microsoft.graph.user object is required.');
  if (!isRecord(body)) throw graphErrors.badRequest('The request body must be a JSON object (microsoft.graph.user).');
  const patch: UserPatch = {};
  const invalid = (key: string, expected: string): GraphError =>
    new GraphError(400, 'BadRequest', `Invalid value for property '${key}': expected ${expected}.`);
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@odata.')) continue;
    if (READ_ONLY.includes(key)) {
      // Status as the service answers read-only properties; the wording is the simulator's.
      throw graphErrors.requestBadRequest(`Property '${key}' is read-only and cannot be set.`);
    }
    if (key === 'accountEnabled') {
      if (typeof value !== 'boolean') throw invalid(key, 'true or false');
      patch.accountEnabled = value;
    } else if (key === 'displayName') {
      if (typeof value !== 'string' || value.trim() === '') throw invalid(key, 'a non-empty string');
      patch.displayName = value;
    } else if (key === 'otherMails') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(key, 'an array of strings');
      patch.otherMails = value.filter((v): v is string => typeof v === 'string');
    } else if ((NULLABLE_STRINGS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== 'string') throw invalid(key, 'a string or null');
      patch[key as Exclude<PatchKey, 'accountEnabled' | 'displayName' | 'otherMails'>] = typeof value === 'string' ? value : null;
    } else if (USER.properties.some((p) => p.name === key)) {
      throw graphErrors.notImplemented(`PATCH of the user property '${key}'`);
    } else {
      throw graphErrors.badRequest(
        `The property '${key}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type.`,
      );
    }
  }
  return patch;
}

/** `PATCH /users/{id}`: 204 with no body, as the service answers. */
export const updateUser: Handler = (req) => {
  const patch = readPatch(req.json());
  req.directory.updateUser(req.params.id, patch);
  return { status: 204 };
};

/** `DELETE /users/{id}`: 204; the user moves to deleted items. */
export const deleteUser: Handler = (req) => {
  req.directory.deleteUser(req.params.id);
  return { status: 204 };
};

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

/** Collections of directory objects carry `@odata.type` and take `$filter` only as an advanced query. */
function objectsSpec(items: Resource[]): CollectionSpec {
  return { entity: DIRECTORY_OBJECT, contextPath: 'directoryObjects', items, annotateType: true, filterNeedsAdvanced: true };
}

/** `GET /users/{id}/memberOf`: the groups the user is a direct member of (directory roles are not modelled). */
export const listMemberOf: Handler = (req) => {
  const user = req.directory.requireUser(req.params.id);
  const groups = req.directory
    .directGroupIds(user.id)
    .map((id) => req.directory.getGroup(id))
    .filter((g) => g !== undefined)
    .map(groupResource);
  return ok(listCollection({ ...objectsSpec(groups), entity: GROUP }, req.ctx));
};

/** `GET /users/{id}/sponsors`: the users and groups responsible for a guest. */
export const listSponsors: Handler = (req) => {
  const user = req.directory.requireUser(req.params.id);
  const sponsors = user.sponsorIds
    .map((id) => req.directory.getObject(id))
    .filter((o) => o !== undefined)
    .map(objectResource);
  return ok(listCollection(objectsSpec(sponsors), req.ctx));
};

/** `GET /users/{id}/manager`: the manager as a directory object, 404 when the user has none. */
export const getManager: Handler = (req) => ok(entityResponse(objectResource(req.directory.requireManager(req.params.id)), req.ctx, 'directoryObjects', true));

/** A deleted user reads like a user plus the time it was deleted. */
const DELETED_USER: EntityType = {
  ...USER,
  properties: [
    ...USER.properties,
    { name: 'deletedDateTime', type: 'dateTime', returnedByDefault: true, selectable: true, filter: { eq: 'default', range: 'default' } },
  ],
};

function deletedUserResource(record: DeletedUserRecord): Resource {
  return { entity: DELETED_USER, data: { ...userJson(record.user), deletedDateTime: record.deletedDateTime } };
}

/** `GET /directory/deletedItems/microsoft.graph.user`. */
export const listDeletedUsers: Handler = (req) =>
  ok(listCollection({ entity: DELETED_USER, contextPath: 'users', items: req.directory.deletedUsers.map(deletedUserResource) }, req.ctx));

/** `GET /directory/deletedItems/{id}`. */
export const getDeletedUser: Handler = (req) =>
  ok(entityResponse(deletedUserResource(req.directory.requireDeletedUser(req.params.id)), req.ctx, 'directoryObjects', true));

/** `POST /directory/deletedItems/{id}/restore`: 200 with the restored object, within the retention period. */
export const restoreDeletedUser: Handler = (req) => {
  const user = req.directory.restoreUser(req.params.id);
  return ok(entityResponse(userResource(user), req.ctx, 'directoryObjects', true));
};
