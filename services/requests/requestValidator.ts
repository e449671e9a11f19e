import type { Capabilities } from '../directory/capabilities';
import type { DirectoryCatalog } from '../directory/directoryCatalog';
import type { AppRoleAssignment, DirectoryUser, GraphDirectory } from '../directory/graphDirectory';
import { toGraphFailure } from '../directory/graphErrors';
import type { Clock } from '../platform/clock';
import { checkAccessUntil, type AccessPeriodSettings } from '../lifecycle/accessPeriod';
import {
  checkEmailSyntax,
  normaliseEmail,
  parseAppRole,
  validateInviteForm,
  type FieldErrors,
  type InviteFormValues,
  type InvitePolicy,
} from './inviteValidation';
import type { Logger } from '../platform/logger';
import type { AccessRequest, AppAccess, InviteDetails, NamedRef, Person, RequestKind, RequestState } from './model';
import type { RequestPolicy } from './requestPolicy';
import type { Store } from '../store/store';
import { subjectOf, type PolicyBook } from './policies/policyMatching';
import type { SeparationRule } from './policies/policyFile';
import { describeConflict, NOTHING_HELD, separationConflicts, type Holdings } from './policies/separationOfDuties';

export type ValidatorDirectory = Pick<
  GraphDirectory,
  'findUsersByEmail' | 'getAssignableGroups' | 'getApp' | 'getUserById' | 'listAppRoleAssignments' | 'checkMemberGroups'
>;

export type CheckResult =
  { ok: false; errors: FieldErrors; chosen: { groups: NamedRef[]; guest?: NamedRef }; graphProblem?: string } | { ok: true; details: InviteDetails };

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
      capabilities: Capabilities;
      logger: Logger;
      clock: Clock;
      /** How long access may last. */
      access: AccessPeriodSettings;
      /** The approval policies, for their separation-of-duties rules; none without POLICIES_PATH. */
      policies?: PolicyBook;
    },
  ) {}

  async check(kind: RequestKind, values: InviteFormValues): Promise<CheckResult> {
    const { directory, catalog, settings } = this.deps;
    const errors = validateInviteForm(values, settings, kind);
    this.refuseTurnedOff(values, errors);
    const until = checkAccessUntil(values.accessUntil, { now: this.deps.clock.now(), settings: this.deps.access, noEnd: values.noEndDate === 'true' });
    if (!until.ok) errors.accessUntil = until.message;
    const sponsorEmail = normaliseEmail(values.sponsorEmail);
    const sponsorProblem = sponsorEmail ? checkEmailSyntax(sponsorEmail) : undefined;
    if (sponsorProblem) errors.sponsorEmail = `The sponsor's address: ${sponsorProblem}`;
    let sponsor: Person | undefined;
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
        else if (email) {
          // A new address means an invitation, whichever form asked for it.
          const off = this.deps.capabilities.offMessage('invite');
          if (off) errors.email = off;
        }
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
        const { app, role } = appAccess;
        const held = (await this.appRolesOf(guest.id)).filter((a) => sameId(a.resourceId, app.id) && sameId(a.appRoleId, role.id));
        const guestId = guest.id;
        const own = held.find((a) => sameId(a.principalId, guestId));
        // A role held through a group already gives the access; an employee would not ask for it twice.
        const viaGroup = held.find((a) => a.principalType === 'Group');
        if (own) errors.appRole = `${guest.displayName} already has ${role.displayName} in ${app.displayName}: there is nothing to request.`;
        else if (viaGroup) {
          errors.appRole = `${guest.displayName} already has ${role.displayName} in ${app.displayName} through the group ${viaGroup.principalDisplayName ?? viaGroup.principalId}: there is nothing to request.`;
        }
      }

      const guestField = guest && kind === 'appAccess' && values.guestId.trim() ? 'guestId' : 'email';
      if (email && !errors[guestField]) {
        const clash = await this.openRequestFor(email, guest !== undefined, appAccess);
        if (clash) errors[guestField] = openRequestProblem(email, clash.id);
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

      if (sponsorEmail && !errors.sponsorEmail) {
        const colleague = await this.colleague(sponsorEmail);
        if (colleague.ok) sponsor = colleague.person;
        else errors.sponsorEmail = colleague.message;
      }

      if (this.deps.policies?.active && !errors.email && !errors.guestId) {
        const subject = subjectOf({
          kind,
          details: { email, displayName: '', message: '', justification: '', groups: chosen.groups, appAccess, directoryRole },
        });
        const rules = this.deps.policies.separationRules(subject);
        if (rules.length > 0) {
          const held = guest ? await this.holdings(guest.id, rules) : NOTHING_HELD;
          const apps = appAccess ? [{ id: appAccess.app.id, displayName: appAccess.app.displayName }] : [];
          for (const conflict of separationConflicts(rules, held, { groups: chosen.groups, apps })) {
            const field = conflict.addsGroup ? 'groupIds' : 'appRole';
            errors[field] ??= describeConflict(conflict, guest?.displayName ?? email);
          }
        }
      }

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
        accessUntil: until.ok ? until.until : undefined,
        sponsor,
      },
    };
  }

  /** A sponsor named by address must be an enabled member of the organisation (a guest cannot answer for a guest). */
  async colleague(email: string): Promise<{ ok: true; person: Person } | { ok: false; message: string }> {
    const users = await this.deps.directory.findUsersByEmail(email);
    const member = users.find((u) => u.userType !== 'Guest');
    if (!member) {
      return {
        ok: false,
        message:
          users.length > 0
            ? `${email} is a guest: a sponsor must be someone in your organisation.`
            : `There is nobody with the address ${email} in your organisation.`,
      };
    }
    if (member.accountEnabled === false)
      return { ok: false, message: `${member.displayName}'s account is disabled: choose a colleague who can answer for the guest.` };
    return { ok: true, person: { aadObjectId: member.id, name: member.displayName } };
  }

  /** What an existing guest holds of the rules' groups (at any depth) and apps, as the directory says now. */
  private async holdings(guestId: string, rules: readonly SeparationRule[]): Promise<Holdings> {
    const groupIds = [...new Set(rules.flatMap((r) => r.groups.map((g) => g.id)))];
    const appIds = new Set(rules.flatMap((r) => r.apps.map((a) => a.id)));
    const memberOf = groupIds.length > 0 ? await this.deps.directory.checkMemberGroups(guestId, groupIds) : [];
    const apps = appIds.size > 0 ? (await this.appRolesOf(guestId)).map((a) => a.resourceId.toLowerCase()).filter((id) => appIds.has(id)) : [];
    return { groupIds: new Set(memberOf.map((id) => id.toLowerCase())), appIds: new Set(apps) };
  }

  /** A field asking for a feature that is off is refused there, before Graph is asked anything about it. */
  private refuseTurnedOff(values: InviteFormValues, errors: FieldErrors): void {
    const { capabilities } = this.deps;
    if (values.groupIds.length > 0 && !errors.groupIds) {
      const off = capabilities.offMessage('groups');
      if (off) errors.groupIds = off;
    }
    if (values.appRole.trim() && !errors.appRole) {
      const off = capabilities.offMessage('appAccess');
      if (off) errors.appRole = off;
    }
    if (values.directoryRoleId.trim() && !errors.directoryRoleId) {
      const off = capabilities.offMessage('directoryRole');
      if (off) errors.directoryRoleId = off;
    }
  }

  /**
   * The guest's app roles. A guest invited moments ago is not in the index behind this advanced
   * query yet (Graph answers 404), and cannot hold a role yet either: Graph refuses to assign one
   * until the directory knows the guest.
   */
  private async appRolesOf(guestId: string): Promise<AppRoleAssignment[]> {
    try {
      return await this.deps.directory.listAppRoleAssignments(guestId);
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 404) return [];
      throw failure;
    }
  }

  /**
   * A request that would invite clashes with any open request for the address; one for an
   * existing guest clashes only with an open request for the same application.
   */
  private async openRequestFor(email: string, guestExists: boolean, appAccess: AppAccess | undefined): Promise<AccessRequest | undefined> {
    const open = await this.deps.store.findRequestsByEmail(email, OPEN_STATES);
    if (!guestExists) {
      // A row of a batch in flight invites the address too.
      const inBatch = open[0] ? undefined : (await this.deps.store.findOpenAddresses([email], OPEN_STATES))[0];
      return open[0] ?? (inBatch ? await this.deps.store.getRequest(inBatch.requestId) : undefined);
    }
    return open.find((r) => appAccess && r.details.appAccess && sameId(r.details.appAccess.app.id, appAccess.app.id));
  }
}

/** The address has a request in flight already (a single one, or a row of a batch). */
export function openRequestProblem(email: string, requestId: string): string {
  return `There is already an open request for ${email} (${requestId}); wait for it to be decided.`;
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Why an address that belongs to someone in the directory cannot be invited (shared with a batch's preview). */
export function describeExisting(email: string, existing: DirectoryUser): string {
  if (existing.userType === 'Guest') {
    const state = existing.externalUserState === 'PendingAcceptance' ? 'invited and has not accepted yet' : 'already a guest';
    return `${email} is ${state} in your directory. To give them an app, type "request app ${email}".`;
  }
  return `${email} belongs to someone in your organisation; guests are for people outside it.`;
}
