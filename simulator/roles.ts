/**
 * Built-in Entra directory roles the simulated tenant offers. For built-in roles the definition
 * id equals the template id, and these template ids are the real, tenant-independent ones, so the
 * bot's configuration can name them the same way locally and in production.
 * `rolePermissions` lists are abridged (a few representative actions, not the full set).
 */

export interface RolePermission {
  allowedResourceActions: string[];
  condition: string | null;
}

export interface RoleDefinitionRecord {
  id: string;
  templateId: string;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
  resourceScopes: string[];
  version: string;
  rolePermissions: RolePermission[];
  /**
   * Marked PRIVILEGED in Microsoft Entra's built-in role reference. Graph refuses an app deleting
   * (or changing sensitive properties of) a user who holds one, unless the app holds a higher role.
   * Kept out of the JSON the simulator returns.
   */
  privileged: boolean;
}

export const ROLE_TEMPLATE_IDS: Readonly<
  Record<'guestInviter' | 'directoryReaders' | 'reportsReader' | 'userAdministrator' | 'privilegedAuthenticationAdministrator' | 'globalAdministrator', string>
> = Object.freeze({
  guestInviter: '95e79109-95c0-4d8e-aee3-d01accf2d47b',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
});

/**
 * Roles whose holders may delete a user who holds a privileged role ("Who can perform sensitive
 * actions" in Graph's users overview): an app can delete such a user only when it holds one.
 */
export const MAY_DELETE_PRIVILEGED_USERS: readonly string[] = [ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator, ROLE_TEMPLATE_IDS.globalAdministrator];

function builtIn(templateId: string, displayName: string, description: string, actions: string[], privileged = false): RoleDefinitionRecord {
  return {
    id: templateId,
    templateId,
    displayName,
    description,
    isBuiltIn: true,
    isEnabled: true,
    resourceScopes: ['/'],
    version: '1',
    rolePermissions: [{ allowedResourceActions: actions, condition: null }],
    privileged,
  };
}

/** A fresh copy each call, so no directory shares (or mutates) another's role catalogue. */
export function builtInRoleDefinitions(): RoleDefinitionRecord[] {
  return [
    builtIn(ROLE_TEMPLATE_IDS.guestInviter, 'Guest Inviter', "Can invite guest users independent of the 'members can invite guests' setting.", [
      'microsoft.directory/users/inviteGuest',
      'microsoft.directory/users/standard/read',
    ]),
    builtIn(
      ROLE_TEMPLATE_IDS.directoryReaders,
      'Directory Readers',
      'Can read basic directory information. Commonly used to grant directory read access to applications and guests.',
      ['microsoft.directory/users/standard/read', 'microsoft.directory/groups/standard/read'],
    ),
    builtIn(ROLE_TEMPLATE_IDS.reportsReader, 'Reports Reader', 'Can read sign-in and audit reports.', [
      'microsoft.directory/auditLogs/allProperties/read',
      'microsoft.directory/signInReports/allProperties/read',
    ]),
    builtIn(
      ROLE_TEMPLATE_IDS.userAdministrator,
      'User Administrator',
      'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
      ['microsoft.directory/users/create', 'microsoft.directory/users/delete', 'microsoft.directory/groups/members/update'],
      true,
    ),
    builtIn(
      ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator,
      'Privileged Authentication Administrator',
      'Can access to view, set and reset authentication method information for any user (admin or non-admin).',
      ['microsoft.directory/users/authenticationMethods/standard/read', 'microsoft.directory/users/delete'],
      true,
    ),
    builtIn(
      ROLE_TEMPLATE_IDS.globalAdministrator,
      'Global Administrator',
      'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
      ['microsoft.directory/users/allProperties/allTasks', 'microsoft.directory/groups/allProperties/allTasks'],
      true,
    ),
  ];
}
