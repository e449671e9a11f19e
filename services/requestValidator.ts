import type { DirectoryCatalog } from './directoryCatalog';
import type { DirectoryUser, GraphDirectory } from './graph/graphDirectory';
import { toGraphFailure } from './graph/graphErrors';
import {
  normaliseEmail,
  parseAppRole,
  validateInviteForm,
  type FieldErrors,
  type InviteFormValues,
  type InvitePolicy,
} from './inviteValidation';
import type { Logger } from './logger';
import type { AccessRequest, AppAccess, InviteDetails, NamedRef, RequestKind, RequestState } from './model';
import type { RequestPolicy } from './requestPolicy';
import type { Store } from './store/store';

export type ValidatorDirectory = Pick<
  GraphDirectory,
  'findUsersByEmail' | 'getAssignableGroups' | 'getApp' | 'getUserById' | 'listAppRoleAssignments'
>;

export type CheckResult =
  | { ok: false; errors: FieldErrors; chosen: { groups: NamedRef[]; guest?: NamedRef }; graphProblem?: string }
  | { ok: true; details: InviteDetails };

/** Requests still in flight for an address: a second one for it would be a duplicate. */
export const OPEN_STATES: readonly RequestState[] = ['pending', 'approved', 'executing'];

/**
 * Everything checked before anyone is bothered: the form's own rules, then the directory (who the
 * guest is, whether they exist already, the groups, the application and its role) and our own
 * open requests. Problems come back per field, so the form can name each next to its input.
 */
export class RequestValidator {
  constructor(
    private readonly deps: {
      store: Store;
      directory: ValidatorDirectory;
      catalog: DirectoryCatalog;
      /** The admins' policy (domains, protected groups, directory roles), the same rule the decision and the worker apply. */
      policy: Pick<RequestPolicy, 'refusals'>;
      settings: InvitePolicy;
      logger: Logger;
    },
  ) {}

  async check(kind: RequestKind, values: InviteFormValues): Promise<CheckResult> {
    const { directory, catalog, settings } = this.deps;
    const errors = validateInviteForm(values, settings, kind);
    const chosen: { groups: NamedRef[]; guest?: NamedRef } = { groups: [] };
    let email = normaliseEmail(values.email);
    let guest: DirectoryUser | undefined;
    let appAccess: AppAccess | undefined;
    let directoryRole: NamedRef | undefined;

    try {
      if (kind === 'appAccess' && values.guestId.trim() && !errors.guestId && !errors.email) {
        const user = await directory.getUserById(values.guestId.trim());
        if (user?.userType !== 'Guest') errors.guestId = 'That guest is no longer in the directory; choose again.';
        else {
          guest = user;
          chosen.guest = { id: user.id, displayName: user.displayName };
          email = normaliseEmail(user.mail ?? user.otherMails[0] ?? user.userPrincipalName);
        }
      } else if (!errors.email) {
        const existing = (await directory.findUsersByEmail(email))[0];
        if (existing && kind === 'appAccess' && existing.userType === 'Guest') guest = existing;
        else if (existing) errors.email = describeExisting(email, existing);
      }

      const parsedApp = values.appRole.trim() ? parseAppRole(values.appRole.trim()) : undefined;
      if (parsedApp && !errors.appRole) {
        const app = await directory.getApp(parsedApp.appId);
        const role = app?.userRoles.find((r) => r.id.toLowerCase() === parsedApp.roleId);
        if (!app || !app.enabled) errors.appRole = 'That application is no longer available; choose again.';
        else if (app.userRoles.length === 0) errors.appRole = `${app.displayName} does not accept user assignments.`;
        else if (!role) errors.appRole = `That role cannot be given to people in ${app.displayName}; choose again.`;
        else appAccess = { app: { id: app.id, displayName: app.displayName, publisher: app.publisher }, role };
      }
      if (appAccess && guest) {
        const held = await directory.listAppRoleAssignments(guest.id);
        const app = appAccess.app;
        const role = appAccess.role;
        if (held.some((a) => sameId(a.resourceId, app.id) && sameId(a.appRoleId, role.id))) {
          errors.appRole = `${guest.displayName} already has ${role.displayName} in ${app.displayName}: there is nothing to request.`;
        }
      }

      const guestField = guest && kind === 'appAccess' && values.guestId.trim() ? 'guestId' : 'email';
      if (email && !errors[guestField]) {
        const clash = await this.openRequestFor(email, guest !== undefined, appAccess);
        if (clash) errors[guestField] = `There is already an open request for ${email} (${clash.id}); wait for it to be decided.`;
      }

      const groupIds = [...new Set(values.groupIds.map((id) => id.toLowerCase()))];
      if (!errors.groupIds && groupIds.length > 0) {
        chosen.groups = (await directory.getAssignableGroups(groupIds)).map(({ id, displayName }) => ({ id, displayName }));
        const missing = groupIds.filter((id) => !chosen.groups.some((g) => g.id.toLowerCase() === id));
        if (missing.length > 0) errors.groupIds = `${missing.length} of the chosen groups no longer exist or cannot take guests; choose again.`;
      }

      const roleId = values.directoryRoleId.trim().toLowerCase();
      directoryRole = roleId ? (await catalog.assignableRoles()).find((r) => r.id.toLowerCase() === roleId) : undefined;
      if (roleId && !directoryRole && !errors.directoryRoleId) errors.directoryRoleId = 'That directory role is not offered any more; choose again.';

      const refusals = await this.deps.policy.refusals({ email: errors.email ? '' : email, groups: chosen.groups, directoryRole });
      for (const refusal of refusals) {
        const field = refusal.field === 'email' && guest && kind === 'appAccess' && values.guestId.trim() ? 'guestId' : refusal.field;
        errors[field] ??= refusal.reason;
      }
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'directory check failed');
      return { ok: false, errors, chosen, graphProblem: failure.userMessage };
    }

    if (Object.keys(errors).length > 0) return { ok: false, errors, chosen };
    return {
      ok: true,
      details: {
        email,
        displayName: guest ? guest.displayName : values.displayName.trim(),
        message: guest ? '' : values.message.trim(),
        groups: chosen.groups,
        directoryRole,
        justification: values.justification.trim(),
        appAccess,
        existingGuestId: guest?.id,
      },
    };
  }

  /**
   * A request that would invite clashes with any open request for the address; one for an
   * existing guest clashes only with an open request for the same application.
   */
  private async openRequestFor(email: string, guestExists: boolean, appAccess: AppAccess | undefined): Promise<AccessRequest | undefined> {
    const open = await this.deps.store.findRequestsByEmail(email, OPEN_STATES);
    if (!guestExists) return open[0];
    return open.find((r) => appAccess && r.details.appAccess && sameId(r.details.appAccess.app.id, appAccess.app.id));
  }
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function describeExisting(email: string, existing: DirectoryUser): string {
  if (existing.userType === 'Guest') {
    const state = existing.externalUserState === 'PendingAcceptance' ? 'invited and has not accepted yet' : 'already a guest';
    return `${email} is ${state} in your directory. To give them an app, type "request app ${email}".`;
  }
  return `${email} belongs to someone in your organisation; guests are for people outside it.`;
}
