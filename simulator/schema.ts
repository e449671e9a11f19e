/**
 * What the simulator knows about each entity type: its properties, which come back without
 * `$select`, and which `$filter` / `$search` / `$orderby` operations the real service accepts by
 * default or only as an "advanced query" (header `ConsistencyLevel: eventual` plus `$count=true`).
 */

export type PropertyType = 'string' | 'boolean' | 'dateTime' | 'stringCollection' | 'complex' | 'complexCollection';

/** `default`: works on a plain request; `advanced`: needs the advanced query parameters. */
export type Support = 'default' | 'advanced';

export interface FilterSupport {
  /** `eq` and `in`. `ne` and comparisons with `null` always need advanced parameters. */
  eq?: Support;
  startsWith?: Support;
  endsWith?: Support;
  /** `ge`, `le`, `gt`, `lt`. */
  range?: Support;
  /** Lambda operators on string collections: `otherMails/any(x:x eq 'a')`. */
  anyEq?: Support;
  anyStartsWith?: Support;
  anyEndsWith?: Support;
  /** Filterable only on its own (signInActivity may not be combined with other properties). */
  alone?: boolean;
}

export interface PropertyDef {
  /** Canonical name; a path such as `signInActivity/lastSignInDateTime` for filter-only entries. */
  name: string;
  type: PropertyType;
  /** Returned when the request has no `$select`. */
  returnedByDefault: boolean;
  /** False for sub-property paths that exist only for `$filter`. */
  selectable: boolean;
  filter?: FilterSupport;
  search?: boolean;
  orderBy?: Support;
  /** Lower `$top` ceiling when this property is selected or filtered on. */
  maxTop?: number;
}

export interface EntityType {
  /** Short name used for `@odata.context` fragments and messages, e.g. `user`. */
  name: string;
  /** e.g. `microsoft.graph.user` (appears in the service's "Could not find a property" message). */
  qualifiedName: string;
  /** Resource name used in the service's "unsupported filter clause" message, e.g. `User`. */
  resourceName: string;
  /** Whether the collection takes part in advanced queries ($count, $search, ConsistencyLevel). */
  directoryObject: boolean;
  properties: readonly PropertyDef[];
}

interface PropOptions {
  returnedByDefault?: boolean;
  selectable?: boolean;
  filter?: FilterSupport;
  search?: boolean;
  orderBy?: Support;
  maxTop?: number;
}

function prop(name: string, type: PropertyType, options: PropOptions = {}): PropertyDef {
  return {
    name,
    type,
    returnedByDefault: options.returnedByDefault ?? false,
    selectable: options.selectable ?? true,
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.search ? { search: true } : {}),
    ...(options.orderBy ? { orderBy: options.orderBy } : {}),
    ...(options.maxTop ? { maxTop: options.maxTop } : {}),
  };
}

const D: Support = 'default';
const A: Support = 'advanced';

/**
 * The eleven properties listed first are the only ones the service returns for a user without
 * `$select`; userType, externalUserState, otherMails, createdDateTime etc. must be selected.
 * Filter support follows the directory documentation: eq on the listed properties works by default,
 * endsWith / ne / not / createdDateTime need advanced parameters.
 */
export const USER: EntityType = {
  name: 'user',
  qualifiedName: 'microsoft.graph.user',
  resourceName: 'User',
  directoryObject: true,
  properties: [
    prop('businessPhones', 'stringCollection', { returnedByDefault: true }),
    prop('displayName', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D, endsWith: A },
      search: true,
      orderBy: D,
    }),
    prop('givenName', 'string', { returnedByDefault: true, filter: { eq: D, startsWith: D }, search: true }),
    prop('jobTitle', 'string', { returnedByDefault: true, filter: { eq: D, startsWith: D }, search: true }),
    prop('mail', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D, endsWith: A },
      search: true,
      orderBy: A,
    }),
    prop('mobilePhone', 'string', { returnedByDefault: true, filter: { eq: A, startsWith: A } }),
    prop('officeLocation', 'string', { returnedByDefault: true, filter: { eq: A, startsWith: A } }),
    prop('preferredLanguage', 'string', { returnedByDefault: true, filter: { eq: A } }),
    prop('surname', 'string', { returnedByDefault: true, filter: { eq: D, startsWith: D }, search: true }),
    prop('userPrincipalName', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D, endsWith: A },
      search: true,
      orderBy: D,
    }),
    prop('id', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('accountEnabled', 'boolean', { filter: { eq: D } }),
    prop('companyName', 'string', { filter: { eq: A, startsWith: A } }),
    prop('createdDateTime', 'dateTime', { filter: { eq: A, range: A }, orderBy: A }),
    prop('creationType', 'string', { filter: { eq: D } }),
    prop('department', 'string', { filter: { eq: A, startsWith: A } }),
    prop('employeeId', 'string', { filter: { eq: D, startsWith: D } }),
    prop('externalUserState', 'string', { filter: { eq: D } }),
    prop('externalUserStateChangeDateTime', 'dateTime', { filter: { eq: D, range: D } }),
    prop('mailNickname', 'string', { filter: { eq: D, startsWith: D }, search: true }),
    prop('otherMails', 'stringCollection', {
      // Believed default for the lambda `eq`; endsWith inside the lambda needs advanced parameters.
      filter: { anyEq: D, anyStartsWith: D, anyEndsWith: A },
      search: true,
    }),
    // The B2B invitation guidance looks users up with `proxyAddresses/any(p:p eq 'SMTP:...')` without
    // advanced parameters; endsWith on it needs them.
    prop('proxyAddresses', 'stringCollection', { filter: { anyEq: D, anyStartsWith: D, anyEndsWith: A } }),
    prop('usageLocation', 'string', { filter: { eq: A } }),
    prop('userType', 'string', { filter: { eq: D } }),
    // signInActivity: $top is capped at 500 when it is selected or filtered, and it may only be
    // filtered on its own, never together with another property.
    prop('signInActivity', 'complex', { maxTop: 500 }),
    ...['lastSignInDateTime', 'lastNonInteractiveSignInDateTime', 'lastSuccessfulSignInDateTime'].map((p) =>
      prop(`signInActivity/${p}`, 'dateTime', {
        selectable: false,
        filter: { eq: D, range: D, alone: true },
        maxTop: 500,
      }),
    ),
  ],
};

export const GROUP: EntityType = {
  name: 'group',
  qualifiedName: 'microsoft.graph.group',
  resourceName: 'Group',
  directoryObject: true,
  properties: [
    prop('id', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('createdDateTime', 'dateTime', { returnedByDefault: true, filter: { eq: A, range: A }, orderBy: A }),
    prop('description', 'string', {
      returnedByDefault: true,
      filter: { eq: A, startsWith: A },
      search: true,
    }),
    prop('displayName', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D, endsWith: A },
      search: true,
      orderBy: D,
    }),
    // `groupTypes/any(c:c eq 'Unified')` is assumed to work by default (unverified).
    prop('groupTypes', 'stringCollection', { returnedByDefault: true, filter: { anyEq: D } }),
    prop('isAssignableToRole', 'boolean', { returnedByDefault: true, filter: { eq: D } }),
    prop('mail', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D, endsWith: A },
      search: true,
    }),
    prop('mailEnabled', 'boolean', { returnedByDefault: true, filter: { eq: D } }),
    prop('mailNickname', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D },
      search: true,
    }),
    prop('membershipRule', 'string', { returnedByDefault: true, filter: { eq: A, startsWith: A } }),
    prop('membershipRuleProcessingState', 'string', { returnedByDefault: true, filter: { eq: A } }),
    prop('securityEnabled', 'boolean', { returnedByDefault: true, filter: { eq: D } }),
    prop('visibility', 'string', { returnedByDefault: true, filter: { eq: A } }),
  ],
};

export const SERVICE_PRINCIPAL: EntityType = {
  name: 'servicePrincipal',
  qualifiedName: 'microsoft.graph.servicePrincipal',
  resourceName: 'ServicePrincipal',
  directoryObject: true,
  properties: [
    prop('id', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('accountEnabled', 'boolean', { returnedByDefault: true, filter: { eq: D } }),
    prop('appDisplayName', 'string', { returnedByDefault: true, filter: { eq: D, startsWith: D } }),
    prop('appId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('appOwnerOrganizationId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('appRoleAssignmentRequired', 'boolean', { returnedByDefault: true, filter: { eq: A } }),
    prop('appRoles', 'complexCollection', { returnedByDefault: true }),
    prop('description', 'string', { returnedByDefault: true, search: true }),
    prop('displayName', 'string', {
      returnedByDefault: true,
      filter: { eq: D, startsWith: D, endsWith: A },
      search: true,
      orderBy: D,
    }),
    prop('homepage', 'string', { returnedByDefault: true }),
    prop('publisherName', 'string', { returnedByDefault: true, filter: { eq: A, startsWith: A } }),
    prop('servicePrincipalNames', 'stringCollection', { returnedByDefault: true, filter: { anyEq: D } }),
    prop('servicePrincipalType', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('tags', 'stringCollection', { returnedByDefault: true, filter: { anyEq: D, anyStartsWith: D } }),
  ],
};

/** Union of user and group, for `/groups/{id}/members` and `/transitiveMembers`. */
export const DIRECTORY_OBJECT: EntityType = {
  name: 'directoryObject',
  qualifiedName: 'microsoft.graph.directoryObject',
  resourceName: 'DirectoryObject',
  directoryObject: true,
  properties: [...USER.properties, ...GROUP.properties.filter((g) => !USER.properties.some((u) => u.name === g.name))],
};

export const ROLE_DEFINITION: EntityType = {
  name: 'unifiedRoleDefinition',
  qualifiedName: 'microsoft.graph.unifiedRoleDefinition',
  resourceName: 'UnifiedRoleDefinition',
  directoryObject: false,
  properties: [
    prop('id', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('description', 'string', { returnedByDefault: true }),
    prop('displayName', 'string', { returnedByDefault: true, filter: { eq: D, startsWith: D } }),
    prop('isBuiltIn', 'boolean', { returnedByDefault: true, filter: { eq: D } }),
    prop('isEnabled', 'boolean', { returnedByDefault: true, filter: { eq: D } }),
    prop('resourceScopes', 'stringCollection', { returnedByDefault: true }),
    prop('templateId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('version', 'string', { returnedByDefault: true }),
    prop('rolePermissions', 'complexCollection', { returnedByDefault: true }),
  ],
};

export const ROLE_ASSIGNMENT: EntityType = {
  name: 'unifiedRoleAssignment',
  qualifiedName: 'microsoft.graph.unifiedRoleAssignment',
  resourceName: 'UnifiedRoleAssignment',
  directoryObject: false,
  properties: [
    prop('id', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('condition', 'string', { returnedByDefault: true }),
    prop('directoryScopeId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('appScopeId', 'string', { returnedByDefault: false, filter: { eq: D } }),
    prop('principalId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('roleDefinitionId', 'string', { returnedByDefault: true, filter: { eq: D } }),
  ],
};

export const APP_ROLE_ASSIGNMENT: EntityType = {
  name: 'appRoleAssignment',
  qualifiedName: 'microsoft.graph.appRoleAssignment',
  resourceName: 'AppRoleAssignment',
  directoryObject: false,
  properties: [
    prop('id', 'string', { returnedByDefault: true }),
    prop('appRoleId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('createdDateTime', 'dateTime', { returnedByDefault: true }),
    prop('deletedDateTime', 'dateTime', { returnedByDefault: true }),
    prop('principalDisplayName', 'string', { returnedByDefault: true }),
    prop('principalId', 'string', { returnedByDefault: true, filter: { eq: D } }),
    prop('principalType', 'string', { returnedByDefault: true }),
    prop('resourceDisplayName', 'string', { returnedByDefault: true }),
    prop('resourceId', 'string', { returnedByDefault: true, filter: { eq: D } }),
  ],
};

/** Case-insensitive property lookup, as the service matches `$select` and `$filter` names. */
export function findProperty(entity: EntityType, name: string): PropertyDef | undefined {
  const wanted = name.toLowerCase();
  return entity.properties.find((p) => p.name.toLowerCase() === wanted);
}
