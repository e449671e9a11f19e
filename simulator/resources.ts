/**
 * The Graph JSON representation of each record: every property the simulator models, in the
 * service's order. `query.ts` then trims it to `$select` or to the default property set.
 */
import type { AppRoleAssignmentRecord } from './appRoleAssignments';
import type { GroupRecord, RoleAssignmentRecord, ServicePrincipalRecord, TenantInfo, UserRecord } from './directory';
import type { JsonObject } from './json';
import type { RoleDefinitionRecord } from './roles';
import { GROUP, SERVICE_PRINCIPAL, USER, type EntityType } from './schema';

/** A resource together with the type that governs its `$select` and `$filter`. */
export interface Resource {
  entity: EntityType;
  data: JsonObject;
}

export function userJson(u: UserRecord): JsonObject {
  return {
    businessPhones: [...u.businessPhones],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
    accountEnabled: u.accountEnabled,
    companyName: u.companyName,
    createdDateTime: u.createdDateTime,
    creationType: u.creationType,
    department: u.department,
    employeeId: u.employeeId,
    externalUserState: u.externalUserState,
    externalUserStateChangeDateTime: u.externalUserStateChangeDateTime,
    mailNickname: u.mailNickname,
    otherMails: [...u.otherMails],
    proxyAddresses: [...u.proxyAddresses],
    usageLocation: u.usageLocation,
    userType: u.userType,
    signInActivity: u.signInActivity ? { ...u.signInActivity } : null,
  };
}

export function groupJson(g: GroupRecord): JsonObject {
  return {
    id: g.id,
    createdDateTime: g.createdDateTime,
    description: g.description,
    displayName: g.displayName,
    groupTypes: [...g.groupTypes],
    isAssignableToRole: g.isAssignableToRole,
    mail: g.mail,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: g.membershipRuleProcessingState,
    securityEnabled: g.securityEnabled,
    visibility: g.visibility,
  };
}

export function servicePrincipalJson(sp: ServicePrincipalRecord): JsonObject {
  return {
    id: sp.id,
    accountEnabled: sp.accountEnabled,
    appDisplayName: sp.appDisplayName,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: sp.appRoleAssignmentRequired,
    appRoles: sp.appRoles.map((r) => ({
      allowedMemberTypes: [...r.allowedMemberTypes],
      description: r.description,
      displayName: r.displayName,
      id: r.id,
      isEnabled: r.isEnabled,
      origin: r.origin,
      value: r.value,
    })),
    description: sp.description,
    displayName: sp.displayName,
    homepage: sp.homepage,
    publisherName: sp.publisherName,
    servicePrincipalNames: [...sp.servicePrincipalNames],
    servicePrincipalType: sp.servicePrincipalType,
    tags: [...sp.tags],
  };
}

export function roleDefinitionJson(r: RoleDefinitionRecord): JsonObject {
  return {
    id: r.id,
    description: r.description,
    displayName: r.displayName,
    isBuiltIn: r.isBuiltIn,
    isEnabled: r.isEnabled,
    resourceScopes: [...r.resourceScopes],
    templateId: r.templateId,
    version: r.version,
    rolePermissions: r.rolePermissions.map((p) => ({
      allowedResourceActions: [...p.allowedResourceActions],
      condition: p.condition,
    })),
  };
}

export function roleAssignmentJson(a: RoleAssignmentRecord): JsonObject {
  return {
    id: a.id,
    condition: null,
    directoryScopeId: a.directoryScopeId,
    appScopeId: a.appScopeId,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
  };
}

export function appRoleAssignmentJson(a: AppRoleAssignmentRecord): JsonObject {
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: a.principalDisplayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: a.resourceDisplayName,
    resourceId: a.resourceId,
  };
}

export function organizationJson(t: TenantInfo): JsonObject {
  return {
    id: t.id,
    displayName: t.displayName,
    tenantType: 'AAD',
    verifiedDomains: [
      ...t.verifiedDomains.map((name, i) => ({
        capabilities: 'Email, OfficeCommunicationsOnline',
        isDefault: i === 0,
        isInitial: false,
        name,
        type: 'Managed',
      })),
      {
        capabilities: 'Email, OfficeCommunicationsOnline',
        isDefault: t.verifiedDomains.length === 0,
        isInitial: true,
        name: t.initialDomain,
        type: 'Managed',
      },
    ],
  };
}

export const userResource = (u: UserRecord): Resource => ({ entity: USER, data: userJson(u) });
export const groupResource = (g: GroupRecord): Resource => ({ entity: GROUP, data: groupJson(g) });
export const servicePrincipalResource = (sp: ServicePrincipalRecord): Resource => ({
  entity: SERVICE_PRINCIPAL,
  data: servicePrincipalJson(sp),
});
