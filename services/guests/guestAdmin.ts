/**
 * The admins' rules for guests: who may list, inspect, re-invite and revoke them, what each of those
 * asks of Graph, and what goes into the audit log. Every entry point checks the acting person's
 * admin membership through Graph (cached briefly) and audits a refusal; nothing here trusts an id a
 * card sent beyond looking it up again.
 */
import type { ApprovalRouter } from '../requests/approvalRouting';
import { FeatureOff, type Capabilities } from '../directory/capabilities';
import type { Clock } from '../platform/clock';
import type { DirectoryCatalog } from '../directory/directoryCatalog';
import type { GraphDirectory } from '../directory/graphDirectory';
import { toGraphFailure, type GraphFailure } from '../directory/graphErrors';
import { deleteUserRequest, disableUserRequest, type DirectoryGuest, type GraphWrite } from '../directory/guestQueries';
import type { Feature } from '../directory/permissions';
import { parseGuestFilters } from './guestFilters';
import type { GuestListing, ListingResult } from './guestListing';
import type {
  AppRoleView,
  GuestDetails,
  GuestListPage,
  GuestOrigin,
  GuestRef,
  LastSignIn,
  PendingItem,
  PlannedCall,
  Readable,
  ReinviteDone,
  RevokeDone,
  RevokeOperation,
  RevokePlan,
  TimelineEntry,
} from './guestModel';
import { isDirectoryId } from '../platform/ids';
import { checkEmailSyntax, normaliseEmail } from '../requests/inviteValidation';
import type { Logger } from '../platform/logger';
import { REQUEST_STATES, type AccessRequest, type AuditEntry, type NamedRef, type Person } from '../requests/model';
import { looksLikeRequestId } from '../requests/requestIds';
import type { Store } from '../store/store';

export type GuestAdminDirectory = Pick<
  GraphDirectory,
  | 'findUsersByEmail'
  | 'getGuest'
  | 'listMemberships'
  | 'listSponsors'
  | 'listAppRoleAssignments'
  | 'getApp'
  | 'reinvite'
  | 'send'
  | 'urlOf'
  | 'directoryRolesOf'
>;

/** What an admin command produced, or why it did not. */
export type AdminOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'forbidden'; message: string }
  | { kind: 'notFound'; message: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; message: string }
  /** The feature is off: the bot's app lacks a Graph permission it needs. */
  | { kind: 'turnedOff'; message: string };

export interface GuestAdminSettings {
  inviteRedirectUrl: string;
}

/** The feature each revoke operation belongs to. */
const REVOKE_FEATURE: Readonly<Record<RevokeOperation, Feature>> = { disable: 'revokeDisable', delete: 'revokeDelete' };

/** How long Graph keeps a deleted user restorable. */
export const RESTORE_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Why a new invitation is sent only from a 1:1 chat: its answer carries the redeem link. */
const REDEEM_LINK_IN_PRIVATE =
  'A new invitation comes with its redeem link, which is a secret: type "resend <email>" in a 1:1 chat with me. Nothing was sent.';
const NOT_ALLOWED = 'Only members of the guest access admin group can manage guests. Your attempt was recorded.';
const PENDING_LIMIT = 50;
/** Graph's answer when the tenant has no Entra ID P1/P2 licence for signInActivity. */
const NON_PREMIUM = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';
/** The id Graph uses for "default access" to an application that declares no roles. */
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

export class GuestAdmin {
  constructor(
    private readonly deps: {
      store: Store;
      directory: GuestAdminDirectory;
      listing: GuestListing;
      roles: { isAdmin(aadObjectId: string): Promise<boolean> };
      catalog: Pick<DirectoryCatalog, 'approvers' | 'appOwners'>;
      router: Pick<ApprovalRouter, 'ownersDecide'>;
      settings: GuestAdminSettings;
      capabilities: Capabilities;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** `guests [filter…]`: the first card of a listing. */
  async listGuests(actor: Person, filterText: string, source: string): Promise<AdminOutcome<GuestListPage>> {
    const refused = await this.refuseNonAdmin(actor, 'guests', source);
    if (refused) return refused;
    const off = this.turnedOff('guestList');
    if (off) return off;
    const parsed = parseGuestFilters(filterText);
    if (!parsed.ok) return { kind: 'invalid', message: parsed.message };
    return fromListing(await this.deps.listing.start(actor.aadObjectId, parsed.filters));
  }

  /** Next or Previous on a listing card; a refused cursor (tampered, expired, someone else's) is audited. */
  async openGuestPage(actor: Person, cursorId: string, source: string): Promise<AdminOutcome<GuestListPage>> {
    const refused = await this.refuseNonAdmin(actor, 'guests.page', source);
    if (refused) return refused;
    const result = await this.deps.listing.open(actor.aadObjectId, cursorId);
    if (result.kind === 'refused') {
      await this.audit(actor, 'guest_list_cursor_refused', source, undefined, { why: result.why });
    }
    return fromListing(result);
  }

  /**
   * `guest <email>`: everything the guest card shows, and for admins what its Disable and Delete
   * would do. A requester sees the card of a guest their own completed request invited (the
   * invitation that created the account, not a guest found by lookup), without the buttons and
   * without sign-in activity, which only the admins' audit permission should read.
   */
  async inspect(
    actor: Person,
    emailText: string,
    source: string,
  ): Promise<AdminOutcome<{ details: GuestDetails; plan?: RevokePlan; resendTurnedOff?: string }>> {
    if (await this.deps.roles.isAdmin(actor.aadObjectId)) {
      const off = this.turnedOff('guestCard');
      if (off) return off;
      return this.guarded(async () => {
        const found = await this.findGuestByEmail(emailText);
        if (found.kind !== 'ok') return found;
        const details = await this.details(found.value, { signIns: true });
        const plan = this.plan(found.value);
        const resendTurnedOff = this.deps.capabilities.offMessage(this.resendFeature(found.value));
        return ok(resendTurnedOff ? { details, plan, resendTurnedOff } : { details, plan });
      });
    }
    // Decided from our own records before the directory is asked, so a refusal says nothing about who exists.
    const created = await this.guestsInvitedFor(actor, emailText);
    if (created.size === 0) return (await this.refuseNonAdmin(actor, 'guest', source))!;
    const off = this.turnedOff('guestCard');
    if (off) return off;
    return this.guarded(async () => {
      const found = await this.findGuestByEmail(emailText);
      if (found.kind !== 'ok') return found;
      if (!created.has(found.value.id.toLowerCase())) return (await this.refuseNonAdmin(actor, 'guest', source))!;
      return ok({ details: await this.details(found.value, { signIns: false }) });
    });
  }

  /**
   * Ids of the guests that this person's completed requests for the address created: the request's
   * recorded invite step made the invitation itself (a guest the step found by lookup does not count).
   */
  private async guestsInvitedFor(actor: Person, emailText: string): Promise<Set<string>> {
    const email = normaliseEmail(emailText.split(' ')[0] ?? '');
    const created = new Set<string>();
    if (!email) return created;
    const requests = await this.deps.store.findRequestsByEmail(email, ['completed']);
    for (const request of requests.filter((r) => r.requester.aadObjectId === actor.aadObjectId && !r.details.existingGuestId)) {
      const invite = (await this.deps.store.getSteps(request.id)).find((s) => s.key === 'invite' && s.status === 'done');
      if (invite?.output.guestId && invite.output.existing !== 'true') created.add(invite.output.guestId.toLowerCase());
    }
    return created;
  }

  /** `revoke <email>`: what disabling and deleting would do, for the confirmation card. Changes nothing. */
  async planRevoke(actor: Person, emailText: string, source: string): Promise<AdminOutcome<RevokePlan>> {
    const refused = await this.refuseNonAdmin(actor, 'revoke', source);
    if (refused) return refused;
    const { capabilities } = this.deps;
    if (!capabilities.isOn('revokeDisable') && !capabilities.isOn('revokeDelete')) {
      return { kind: 'turnedOff', message: `${capabilities.offMessage('revokeDisable')} ${capabilities.offMessage('revokeDelete')}` };
    }
    return this.guarded(async () => {
      const found = await this.findGuestByEmail(emailText);
      if (found.kind !== 'ok') return found;
      const plan = this.plan(found.value);
      // A guest holding a directory role may not be deletable by the app: the card says so up front.
      const roles = await this.rolesHeldBy(found.value.id);
      if (roles && roles.length > 0) plan.directoryRoles = roles;
      return ok(plan);
    });
  }

  /** A dry run: the Graph calls the operation would make, audited, none of them made. */
  async dryRun(actor: Person, guestId: string, operation: RevokeOperation, source: string): Promise<AdminOutcome<RevokePlan>> {
    const refused = await this.refuseNonAdmin(actor, `${operation} dry run`, source);
    if (refused) return refused;
    const off = this.turnedOff(REVOKE_FEATURE[operation]);
    if (off) return off;
    return this.guarded(async () => {
      const found = await this.findGuestById(actor, guestId, source);
      if (found.kind !== 'ok') return found;
      const origin = await this.originOf(found.value);
      await this.audit(actor, `guest_${operation}_dry_run`, source, origin?.requestId, { guestId: found.value.id });
      return ok(this.plan(found.value));
    });
  }

  /** Disables sign-in or deletes the guest: only ever called from a confirmation button. */
  async revoke(actor: Person, guestId: string, operation: RevokeOperation, source: string): Promise<AdminOutcome<RevokeDone>> {
    const refused = await this.refuseNonAdmin(actor, operation, source);
    if (refused) return refused;
    const off = this.turnedOff(REVOKE_FEATURE[operation]);
    if (off) return off;
    return this.guarded(async () => {
      const found = await this.findGuestById(actor, guestId, source);
      if (found.kind !== 'ok') return found;
      const guest = found.value;
      const write = operation === 'disable' ? disableUserRequest(guest.id) : deleteUserRequest(guest.id);
      const call = this.planned(write);
      const origin = await this.originOf(guest);
      if (operation === 'disable' && guest.accountEnabled === false) {
        await this.audit(actor, 'guest_disable_unchanged', source, origin?.requestId, { guestId: guest.id });
        return ok({ guest: guestRef(guest), operation, call, unchanged: true });
      }
      try {
        await this.deps.directory.send(write);
      } catch (error) {
        const failure = toGraphFailure(error);
        await this.audit(actor, `guest_${operation}_failed`, source, origin?.requestId, { guestId: guest.id, status: failure.status, code: failure.code });
        if (failure.status === 404) return { kind: 'notFound', message: 'This guest no longer exists: someone deleted them already.' };
        if (operation === 'delete' && failure.status === 403) return { kind: 'failed', message: await this.deleteRefused(guest, failure) };
        throw failure;
      }
      const done: RevokeDone = { guest: { ...guestRef(guest), enabled: false }, operation, call };
      if (operation === 'delete') done.restorableUntil = this.restorableUntil();
      await this.audit(actor, operation === 'disable' ? 'guest_disabled' : 'guest_deleted', source, origin?.requestId, { guestId: guest.id });
      return ok(done);
    });
  }

  /**
   * `resend <email>`: a new invitation with a new redeem link (a redemption reset when they had
   * redeemed). The answer shows the link, a secret, so it is given only in a 1:1 chat (`privateChat`).
   */
  async resendByEmail(actor: Person, emailText: string, source: string, privateChat: boolean): Promise<AdminOutcome<ReinviteDone>> {
    const refused = await this.refuseNonAdmin(actor, 'resend', source);
    if (refused) return refused;
    if (!privateChat) return { kind: 'invalid', message: REDEEM_LINK_IN_PRIVATE };
    return this.guarded(async () => {
      const found = await this.findGuestByEmail(emailText);
      if (found.kind !== 'ok') return found;
      return this.reinvite(actor, found.value, source);
    });
  }

  /** Resend invitation on the guest card; like `resend`, only in a 1:1 chat. */
  async resendById(actor: Person, guestId: string, source: string, privateChat: boolean): Promise<AdminOutcome<ReinviteDone>> {
    const refused = await this.refuseNonAdmin(actor, 'resend', source);
    if (refused) return refused;
    if (!privateChat) return { kind: 'invalid', message: REDEEM_LINK_IN_PRIVATE };
    return this.guarded(async () => {
      const found = await this.findGuestById(actor, guestId, source);
      if (found.kind !== 'ok') return found;
      return this.reinvite(actor, found.value, source);
    });
  }

  /**
   * `pending` for admins: every waiting request with its age, who may decide and where its card
   * went. Undefined when the person is not an admin (they may still be an approver).
   */
  async pendingOverview(actor: Person): Promise<PendingItem[] | undefined> {
    if (!(await this.deps.roles.isAdmin(actor.aadObjectId))) return undefined;
    const { store, catalog, clock } = this.deps;
    const requests = await store.listRequestsByState(['pending'], PENDING_LIMIT);
    let approvers: NamedRef[] | undefined;
    try {
      approvers = await catalog.approvers();
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'approver lookup failed');
    }
    const now = clock.now().getTime();
    return Promise.all(
      requests.map(async (request) => ({
        request,
        ageMinutes: Math.max(0, Math.floor((now - Date.parse(request.createdAt)) / 60_000)),
        approvers: await this.deciders(request, approvers),
        delivery: deliveryOf(await store.listAudit(request.id)),
      })),
    );
  }

  /** The approver group, plus the app's owners when they may decide it; never the requester. */
  private async deciders(request: AccessRequest, approvers: NamedRef[] | undefined): Promise<NamedRef[] | undefined> {
    if (!approvers) return undefined;
    const people = [...approvers];
    const app = request.details.appAccess?.app;
    if (app && this.deps.router.ownersDecide(request.details)) {
      try {
        people.push(...(await this.deps.catalog.appOwners(app.id)));
      } catch (error) {
        const failure = toGraphFailure(error);
        this.deps.logger.warn({ requestId: request.id, status: failure.status, code: failure.code }, 'app owner lookup failed');
      }
    }
    const unique = new Map(people.filter((p) => p.id !== request.requester.aadObjectId).map((p) => [p.id, p] as const));
    return [...unique.values()];
  }

  /** `audit <request id>`: the request and every audit entry about it, with people named. */
  async timeline(actor: Person, requestIdText: string, source: string): Promise<AdminOutcome<{ request: AccessRequest; entries: TimelineEntry[] }>> {
    const refused = await this.refuseNonAdmin(actor, 'audit', source);
    if (refused) return refused;
    const requestId = requestIdText.trim().toUpperCase();
    if (!looksLikeRequestId(requestId)) {
      return { kind: 'invalid', message: 'Type the request id after "audit", for example: audit GA-7K3Q9M' };
    }
    const request = await this.deps.store.getRequest(requestId);
    if (!request) return { kind: 'notFound', message: `There is no request ${requestId}.` };
    const audit = await this.deps.store.listAudit(requestId);
    const names = await this.namesOf(request, audit);
    const entries = audit.map((entry) => {
      const line: TimelineEntry = { at: entry.at, actor: names.get(entry.actor) ?? entry.actor, action: entry.action };
      if (entry.detail) line.detail = entry.detail;
      if (entry.source) line.source = entry.source;
      return line;
    });
    return ok({ request, entries });
  }

  // -------------------------------------------------------------------------------------------

  /** Checks admin membership on every command; a refusal is audited with what was attempted. */
  private async refuseNonAdmin(actor: Person, command: string, source: string): Promise<{ kind: 'forbidden'; message: string } | undefined> {
    if (await this.deps.roles.isAdmin(actor.aadObjectId)) return undefined;
    await this.audit(actor, 'admin_command_refused', source, undefined, { command, why: 'not_admin' });
    return { kind: 'forbidden', message: NOT_ALLOWED };
  }

  /** The outcome for a feature that is off, or undefined when it is on. */
  private turnedOff(feature: Feature): { kind: 'turnedOff'; message: string } | undefined {
    const message = this.deps.capabilities.offMessage(feature);
    return message ? { kind: 'turnedOff', message } : undefined;
  }

  /** The guest's directory roles; undefined when they cannot be read (turned off, or Graph failed). */
  private async rolesHeldBy(guestId: string): Promise<NamedRef[] | undefined> {
    if (!this.deps.capabilities.isOn('roleHolder')) return undefined;
    try {
      return await this.deps.directory.directoryRolesOf(guestId);
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ guestId, status: failure.status, code: failure.code }, 'directory role lookup failed');
      return undefined;
    }
  }

  /**
   * Why Graph refused a deletion, in the admin's terms. Holding User.DeleteRestore.All (or
   * User.ReadWrite.All) is not enough to delete a user with a privileged administrator role: the app
   * would itself need a higher privileged Entra role (user-delete.md). So the role is named when it
   * can be read, and the permission is blamed only when the bot could not tell it holds it.
   */
  private async deleteRefused(guest: DirectoryGuest, failure: GraphFailure): Promise<string> {
    const name = guest.displayName;
    const rule =
      'Microsoft Graph lets an app delete a user who holds a privileged administrator role only when the app itself holds a higher ' +
      'privileged Entra role (such as Privileged Authentication Administrator); User.DeleteRestore.All or User.ReadWrite.All is not enough.';
    const roles = await this.rolesHeldBy(guest.id);
    if (roles && roles.length > 0) {
      const held = roles.map((r) => r.displayName).join(', ');
      return `Microsoft Graph refused to delete ${name}: they hold the directory role ${held}. ${rule} Remove ${name}'s role in Microsoft Entra (Roles and administrators) first, then delete them, or disable their sign-in instead.`;
    }
    const why = this.deps.capabilities.checked
      ? `The bot's app holds the permission to delete users, so ${name} most likely holds a privileged administrator role.`
      : `Either the bot's app lacks User.DeleteRestore.All, or ${name} holds a privileged administrator role.`;
    return `Microsoft Graph refused to delete ${name} (${failure.code}). ${why} ${rule} Check ${name}'s roles in Microsoft Entra and remove them first, or disable their sign-in instead.`;
  }

  /** A guest who redeemed gets a redemption reset, which needs more than a new invitation. */
  private resendFeature(guest: DirectoryGuest): Feature {
    return stateOf(guest) === 'Accepted' ? 'resendWithReset' : 'resend';
  }

  /** Graph failures become a message the admin can act on, instead of a failed turn. */
  private async guarded<T>(work: () => Promise<AdminOutcome<T>>): Promise<AdminOutcome<T>> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof FeatureOff) return { kind: 'turnedOff', message: error.message };
      const failure: GraphFailure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'guest administration call failed');
      return { kind: 'failed', message: failure.userMessage };
    }
  }

  private async findGuestByEmail(emailText: string): Promise<AdminOutcome<DirectoryGuest>> {
    const email = normaliseEmail(emailText.split(' ')[0] ?? '');
    if (!email || checkEmailSyntax(email)) return { kind: 'invalid', message: 'Type the guest\'s e-mail address, for example: guest jane@fabrikam.com' };
    const users = await this.deps.directory.findUsersByEmail(email);
    const guest = users.find((u) => u.userType === 'Guest');
    if (!guest) {
      return users.length > 0
        ? { kind: 'notFound', message: `${email} belongs to someone in your organisation, not to a guest.` }
        : { kind: 'notFound', message: `There is no guest with the address ${email} in the directory.` };
    }
    const full = await this.deps.directory.getGuest(guest.id, false);
    return full ? ok(full) : { kind: 'notFound', message: `There is no guest with the address ${email} in the directory.` };
  }

  /**
   * The guest a button names. The id came from a card, so it is looked up again and must be a guest:
   * an altered id pointing at an employee is refused and audited.
   */
  private async findGuestById(actor: Person, guestId: string, source: string): Promise<AdminOutcome<DirectoryGuest>> {
    if (!isDirectoryId(guestId)) return { kind: 'invalid', message: 'The card named no guest I can look up.' };
    const user = await this.deps.directory.getGuest(guestId, false);
    if (!user) return { kind: 'notFound', message: 'This guest no longer exists: someone may have deleted them.' };
    if (user.userType !== 'Guest') {
      await this.audit(actor, 'admin_command_refused', source, undefined, { why: 'not_a_guest', userId: user.id });
      return { kind: 'forbidden', message: 'This account is not a guest, so it cannot be managed here.' };
    }
    return ok(user);
  }

  /** `signIns` reads sign-in activity too (admins only: it needs the audit log permission). */
  private async details(guest: DirectoryGuest, options: { signIns: boolean }): Promise<GuestDetails> {
    const { directory, capabilities } = this.deps;
    const [lastSignIn, memberships, appRoles, sponsors, origin] = await Promise.all([
      options.signIns ? this.lastSignIn(guest.id) : undefined,
      readable(() => directory.listMemberships(guest.id), capabilities.offReason('guestGroups')),
      readable(() => this.appRoles(guest.id), capabilities.offReason('guestAppRoles')),
      readable(() => directory.listSponsors(guest.id)),
      this.originOf(guest),
    ]);
    const result: GuestDetails = {
      id: guest.id,
      displayName: guest.displayName,
      email: emailOf(guest),
      state: stateOf(guest),
      stateChangedAt: guest.externalUserStateChangeDateTime,
      createdAt: guest.createdDateTime,
      enabled: guest.accountEnabled !== false,
      groups: memberships.ok ? { ok: true, value: memberships.value.groups } : memberships,
      directoryRoles: memberships.ok ? { ok: true, value: memberships.value.roles } : memberships,
      appRoles,
      sponsors,
    };
    if (lastSignIn) result.lastSignIn = lastSignIn;
    if (origin) result.origin = origin;
    return result;
  }

  /** Needs Entra ID P1 and AuditLog.Read.All; without them the card says why it cannot tell. */
  private async lastSignIn(guestId: string): Promise<LastSignIn> {
    const off = this.deps.capabilities.offReason('signIn');
    if (off) return { kind: 'unavailable', reason: off };
    try {
      const user = await this.deps.directory.getGuest(guestId, true);
      const at = user?.lastSuccessfulSignInDateTime;
      return at ? { kind: 'at', at } : { kind: 'never' };
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 403 && failure.code === NON_PREMIUM) {
        return { kind: 'unavailable', reason: 'needs a Microsoft Entra ID P1 licence, which this tenant does not have' };
      }
      if (failure.status === 403) return { kind: 'unavailable', reason: 'the bot lacks the AuditLog.Read.All permission' };
      return { kind: 'unavailable', reason: failure.userMessage };
    }
  }

  /** App roles named by their application, the role looked up once per application. */
  private async appRoles(guestId: string): Promise<AppRoleView[]> {
    const assignments = await this.deps.directory.listAppRoleAssignments(guestId);
    const appIds = [...new Set(assignments.map((a) => a.resourceId))];
    const apps = new Map(await Promise.all(appIds.map(async (id) => [id, await this.deps.directory.getApp(id)] as const)));
    return assignments.map((assignment) => {
      const app = apps.get(assignment.resourceId);
      const role = app?.userRoles.find((r) => r.id.toLowerCase() === assignment.appRoleId.toLowerCase());
      const view: AppRoleView = {
        app: app?.displayName ?? assignment.resourceDisplayName ?? assignment.resourceId,
        role: role?.displayName ?? (assignment.appRoleId === DEFAULT_ACCESS ? 'Default access' : assignment.appRoleId),
      };
      if (assignment.principalType === 'Group') view.viaGroup = assignment.principalDisplayName ?? assignment.principalId;
      return view;
    });
  }

  /** The request through which this bot invited the guest, if any: who asked and who approved. */
  private async originOf(guest: DirectoryGuest): Promise<GuestOrigin | undefined> {
    const addresses = [...new Set([guest.mail, ...guest.otherMails].filter((a): a is string => Boolean(a)).map(normaliseEmail))];
    const requests = (await Promise.all(addresses.map((a) => this.deps.store.findRequestsByEmail(a, REQUEST_STATES)))).flat();
    const invited = requests
      .filter((r) => r.state === 'completed' && (!r.outcome?.guestId || r.outcome.guestId.toLowerCase() === guest.id.toLowerCase()))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!invited) return undefined;
    const origin: GuestOrigin = { requestId: invited.id, requestedBy: invited.requester.name, requestedAt: invited.createdAt };
    if (invited.decision?.outcome === 'approved') {
      origin.approvedBy = invited.decision.by.name;
      origin.approvedAt = invited.decision.at;
    }
    return origin;
  }

  private async reinvite(actor: Person, guest: DirectoryGuest, source: string): Promise<AdminOutcome<ReinviteDone>> {
    if (guest.accountEnabled === false) {
      return { kind: 'invalid', message: `${guest.displayName}'s account is disabled: enable it in Microsoft Entra before sending a new invitation.` };
    }
    const off = this.turnedOff(this.resendFeature(guest));
    if (off) return off;
    const resetRedemption = stateOf(guest) === 'Accepted';
    const invitation = await this.deps.directory.reinvite({
      email: emailOf(guest),
      guestId: guest.id,
      redirectUrl: this.deps.settings.inviteRedirectUrl,
      resetRedemption,
    });
    const origin = await this.originOf(guest);
    await this.audit(actor, 'guest_reinvited', source, origin?.requestId, { guestId: guest.id, resetRedemption });
    const ref = guestRef(guest);
    return ok({ guest: resetRedemption ? { ...ref, state: 'PendingAcceptance' } : ref, redeemUrl: invitation.redeemUrl, resetRedemption });
  }

  private plan(guest: DirectoryGuest): RevokePlan {
    const plan: RevokePlan = {
      guest: guestRef(guest),
      calls: { disable: this.planned(disableUserRequest(guest.id)), delete: this.planned(deleteUserRequest(guest.id)) },
      restorableUntil: this.restorableUntil(),
    };
    const turnedOff: Partial<Record<RevokeOperation, string>> = {};
    for (const operation of ['disable', 'delete'] as const) {
      const message = this.deps.capabilities.offMessage(REVOKE_FEATURE[operation]);
      if (message) turnedOff[operation] = message;
    }
    if (Object.keys(turnedOff).length > 0) plan.turnedOff = turnedOff;
    return plan;
  }

  private planned(write: GraphWrite): PlannedCall {
    const call: PlannedCall = { method: write.method, url: this.deps.directory.urlOf(write.path), expected: '204 No Content' };
    if (write.body) call.body = JSON.stringify(write.body);
    return call;
  }

  private restorableUntil(): string {
    return new Date(this.deps.clock.now().getTime() + RESTORE_WINDOW_DAYS * DAY_MS).toISOString();
  }

  /** Names for the people in a request's audit log: from the request itself, then from the directory. */
  private async namesOf(request: AccessRequest, audit: AuditEntry[]): Promise<Map<string, string>> {
    const names = new Map<string, string>([['system', 'Guest Access bot'], [request.requester.aadObjectId, request.requester.name]]);
    if (request.decision) names.set(request.decision.by.aadObjectId, request.decision.by.name);
    const unknown = [...new Set(audit.map((e) => e.actor))].filter((id) => !names.has(id) && isDirectoryId(id));
    await Promise.all(
      unknown.map(async (id) => {
        try {
          const user = await this.deps.directory.getGuest(id, false);
          if (user) names.set(id, user.displayName);
        } catch {
          // A name that cannot be read is shown as its object id.
        }
      }),
    );
    return names;
  }

  private audit(actor: Person, action: string, source: string, requestId?: string, detail?: AuditEntry['detail']): Promise<void> {
    const entry: AuditEntry = { actor: actor.aadObjectId, action, source, at: this.deps.clock.now().toISOString() };
    if (requestId) entry.requestId = requestId;
    if (detail) entry.detail = detail;
    return this.deps.store.appendAudit(entry);
  }
}

function ok<T>(value: T): AdminOutcome<T> {
  return { kind: 'ok', value };
}

function fromListing(result: ListingResult): AdminOutcome<GuestListPage> {
  if (result.kind === 'page') return ok(result.page);
  if (result.kind === 'failed') return { kind: 'failed', message: result.message };
  return { kind: result.why === 'otherOwner' ? 'forbidden' : 'invalid', message: result.message };
}

/** A part of the guest card: read, or the reason it is missing (a feature that is off is not asked for). */
async function readable<T>(read: () => Promise<T>, turnedOff?: string): Promise<Readable<T>> {
  if (turnedOff) return { ok: false, reason: turnedOff };
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, reason: toGraphFailure(error).userMessage };
  }
}

function emailOf(guest: DirectoryGuest): string {
  return guest.mail ?? guest.otherMails[0] ?? guest.userPrincipalName;
}

function stateOf(guest: DirectoryGuest): GuestRef['state'] {
  return guest.externalUserState === 'PendingAcceptance' || guest.externalUserState === 'Accepted' ? guest.externalUserState : null;
}

function guestRef(guest: DirectoryGuest): GuestRef {
  return { id: guest.id, displayName: guest.displayName, email: emailOf(guest), enabled: guest.accountEnabled !== false, state: stateOf(guest) };
}

/** Where the approval card went, from the workflow's audit entries. */
function deliveryOf(audit: AuditEntry[]): PendingItem['delivery'] {
  const last = [...audit].reverse().find((e) => e.action === 'approval_requested' || e.action === 'approval_unreachable');
  if (!last) return 'unknown';
  if (last.action === 'approval_unreachable') return 'nobody';
  return last.detail?.channel === true ? 'channel' : 'chats';
}
