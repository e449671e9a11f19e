/**
 * App role assignments: which user, group or service principal holds which role of which
 * enterprise application (`appRoleAssignedTo` on the resource, `appRoleAssignments` on the principal).
 */
import { createHash } from 'node:crypto';
import type { DirectoryObject, ServicePrincipalRecord } from './directory';
import { graphErrors } from './errors';
import { idKey, isObjectId } from './ids';

/** "No specific role": what Graph expects as appRoleId for an app that declares no roles. */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export interface AppRoleAssignmentRecord {
  /** Opaque base64url string, as the real service returns (never a GUID). */
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
}

export interface AppRoleAssignmentInput {
  principalId: string;
  resourceId: string;
  appRoleId: string;
}

const PRINCIPAL_TYPES = { user: 'User', group: 'Group', servicePrincipal: 'ServicePrincipal' } as const;

/**
 * Real assignment ids are base64url strings derived from the principal; a digest of the
 * assignment's key keeps seeded ids stable across restarts and never collides for distinct keys.
 */
function assignmentId(principalId: string, resourceId: string, appRoleId: string): string {
  return createHash('sha256')
    .update(`${idKey(principalId)}|${idKey(resourceId)}|${idKey(appRoleId)}`)
    .digest('base64url')
    .slice(0, 43);
}

/** The assignment rules of `POST /servicePrincipals/{id}/appRoleAssignedTo`, over the tenant's objects. */
export class AppRoleAssignments {
  private readonly list: AppRoleAssignmentRecord[] = [];

  constructor(
    private readonly lookup: {
      getObject(id: string): DirectoryObject | undefined;
      getServicePrincipal(id: string): ServicePrincipalRecord | undefined;
    },
    private readonly timestamp: () => string,
  ) {}

  get all(): AppRoleAssignmentRecord[] {
    return [...this.list];
  }

  ofPrincipal(principalId: string): AppRoleAssignmentRecord[] {
    return this.list.filter((a) => a.principalId === idKey(principalId));
  }

  toResource(resourceId: string): AppRoleAssignmentRecord[] {
    return this.list.filter((a) => a.resourceId === idKey(resourceId));
  }

  /**
   * Removes the assignment with this id, reached through `via` (the resource service principal for
   * `appRoleAssignedTo`, the principal for `appRoleAssignments`). An id that names no assignment
   * there answers 404, as an unknown key does in the service.
   */
  remove(assignmentId: string, via: { resourceId: string } | { principalId: string }): AppRoleAssignmentRecord {
    const index = this.list.findIndex(
      (a) => a.id === assignmentId && ('resourceId' in via ? a.resourceId === idKey(via.resourceId) : a.principalId === idKey(via.principalId)),
    );
    const found = this.list[index];
    if (index < 0 || !found) throw graphErrors.resourceNotFound(assignmentId);
    this.list.splice(index, 1);
    return found;
  }

  /**
   * The service's messages for these cases are the ones commonly reported for Graph and
   * PowerShell ("Permission being assigned ..."); the exact wording is unverified.
   */
  assign(input: AppRoleAssignmentInput): AppRoleAssignmentRecord {
    for (const [name, value] of [
      ['principalId', input.principalId],
      ['resourceId', input.resourceId],
      ['appRoleId', input.appRoleId],
    ] as const) {
      if (!isObjectId(value) && !(name === 'appRoleId' && value === DEFAULT_ACCESS_ROLE_ID)) {
        throw graphErrors.requestBadRequest(`Invalid value specified for property '${name}' of resource 'AppRoleAssignment'.`);
      }
    }
    const resource = this.lookup.getServicePrincipal(input.resourceId);
    if (!resource) throw graphErrors.resourceNotFound(input.resourceId);
    const principal = this.lookup.getObject(input.principalId);
    if (!principal) throw graphErrors.requestBadRequest('Not a valid reference update.');
    const principalType = PRINCIPAL_TYPES[principal.kind];

    const roleId = idKey(input.appRoleId);
    if (roleId === DEFAULT_ACCESS_ROLE_ID) {
      if (resource.appRoles.length > 0) {
        throw graphErrors.requestBadRequest('Permission being assigned was not found on application');
      }
    } else {
      const role = resource.appRoles.find((r) => r.id === roleId && r.isEnabled);
      if (!role) throw graphErrors.requestBadRequest('Permission being assigned was not found on application');
      const memberType = principal.kind === 'servicePrincipal' ? 'Application' : 'User';
      if (!role.allowedMemberTypes.includes(memberType)) {
        throw graphErrors.requestBadRequest(
          `The app role '${role.value}' cannot be assigned to a ${principalType}: its allowedMemberTypes do not include ${memberType}.`,
        );
      }
    }
    const principalId = idKey(principal.record.id);
    if (this.list.some((a) => a.principalId === principalId && a.resourceId === resource.id && a.appRoleId === roleId)) {
      throw graphErrors.requestBadRequest('Permission being assigned already exists on the object');
    }
    const record: AppRoleAssignmentRecord = {
      id: assignmentId(principalId, resource.id, roleId),
      appRoleId: roleId,
      principalId,
      principalType,
      principalDisplayName: principal.record.displayName,
      resourceId: resource.id,
      resourceDisplayName: resource.displayName,
      createdDateTime: this.timestamp(),
    };
    this.list.push(record);
    return record;
  }
}
