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
import { deleteUserRequest, disableUserRequest, type DirectoryGuest } from '../directory/guestQueries';
import { parseGuestFilters } from './guestFilters';
import {
  GuestWrites,
  REVOKE_FEATURE,
  emailOf,
  guestRef,
  ok,
  stateOf,
  type GuestOperation,
  type GuestOrder,
  type GuestWriteStatus,
  type ResultDestination,
} from './guestWrites';
import type { WorkQueue } from '../requests/requestWorkflow';
import type { GuestListing, ListingResult } from './guestListing';
import type {
  AdminOutcome,
  AppRoleView,
  GuestAccessView,
  GuestDetails,
  GuestListPage,
  LastSignIn,
  PendingItem,
  Readable,
  ReinviteDone,
  RevokeOperation,
  RevokePlan,
  TimelineEntry,
} from './guestModel';
import { isDirectoryId } from '../platform/ids';
import { checkEmailSyntax, normaliseEmail } from '../requests/inviteValidation';
import type { Logger } from '../platform/logger';
import { type AccessRequest, type AuditEntry, type NamedRef, type Person } from '../requests/model';
import { looksLikeRequestId } from '../requests/requestIds';
import type { Store } from '../store/store';
import { lastDayOf } from '../lifecycle/accessPeriod';
import { grantLabel } from '../lifecycle/guestLifecycle';

export type GuestAdminDirectory = Pick<
  GraphDirectory,
  'findUsersByEmail' | 'getGuest' | 'listMemberships' | 'listSponsors' | 'listAppRoleAssignments' | 'getApp' | 'urlOf' | 'listUserMembers'
>;

export type { AdminOutcome } from './guestModel';

/** A write queued for the worker: the click's card (or the tab) says so until the result replaces it. */
export interface QueuedWrite {
  operation: GuestOperation;
  jobId: string;
}

export type { GuestWriteStatus, ResultDestination } from './guestWrites';

/** Why a new invitation is sent only from a 1:1 chat: its answer carries the redeem link. */
const REDEEM_LINK_IN_PRIVATE = 'A new invitation comes with its redeem link, which is a secret: type "resend <email>" in a 1:1 chat with me. Nothing was sent.';
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
      /** The writes on guests and the lookups they share with the commands. */
      writes: GuestWrites;
      /** Where queued writes are run; told when one is queued. */
      queue: WorkQueue;
      capabilities: Capabilities;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** `guests [filter…]`: the first card of a listing. */
  async listGuests(actor: Person, filterText: string, source: string): Promise<AdminOutcome<GuestListPage>> {
    const refused = await this.refuseNonAdmin(actor, 'guests', source);
    if (refused) return refused;
    const off = this.deps.writes.turnedOff('guestList');
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
      await this.deps.writes.audit(actor, 'guest_list_cursor_refused', source, undefined, { why: result.why });
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
      const off = this.deps.writes.turnedOff('guestCard');
      if (off) return off;
      return this.guarded(async () => {
        const found = await this.findGuestByEmail(emailText);
        if (found.kind !== 'ok') return found;
        const details = await this.details(found.value, { signIns: true });
        const plan = this.plan(found.value);
        const resendTurnedOff = this.deps.capabilities.offMessage(this.deps.writes.resendFeature(found.value));
        return ok(resendTurnedOff ? { details, plan, resendTurnedOff } : { details, plan });
      });
    }
    // Decided from our own records before the directory is asked, so a refusal says nothing about who exists.
    const created = await this.guestsInvitedFor(actor, emailText);
    if (created.size === 0) return (await this.refuseNonAdmin(actor, 'guest', source))!;
    const off = this.deps.writes.turnedOff('guestCard');
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
      const roles = await this.deps.writes.rolesHeldBy(found.value.id);
      if (roles && roles.length > 0) plan.directoryRoles = roles;
      return ok(plan);
    });
  }

  /** A dry run: the Graph calls the operation would make, audited, none of them made. */
  async dryRun(actor: Person, guestId: string, operation: RevokeOperation, source: string): Promise<AdminOutcome<RevokePlan>> {
    const refused = await this.refuseNonAdmin(actor, `${operation} dry run`, source);
    if (refused) return refused;
    const off = this.deps.writes.turnedOff(REVOKE_FEATURE[operation]);
    if (off) return off;
    return this.guarded(async () => {
      const found = await this.deps.writes.findGuestById(actor, guestId, source);
      if (found.kind !== 'ok') return found;
      const origin = await this.deps.writes.originOf(found.value);
      await this.deps.writes.audit(actor, `guest_${operation}_dry_run`, source, origin?.requestId, { guestId: found.value.id });
      return ok(this.plan(found.value));
    });
  }

  /**
   * Disable now / Delete now on a confirmation panel: queued as a job, so the click answers at once
   * and the result is shown where `reportTo` says when the job ends (the chat card it was made on,
   * or the tab, which asks for it with `guestWrite`). The guest is looked up again by the job,
   * never trusted from the click.
   */
  async queueRevoke(
    actor: Person,
    guestId: string,
    operation: RevokeOperation,
    source: string,
    reportTo: ResultDestination,
  ): Promise<AdminOutcome<QueuedWrite>> {
    const refused = await this.refuseNonAdmin(actor, operation, source);
    if (refused) return refused;
    const off = this.deps.writes.turnedOff(REVOKE_FEATURE[operation]);
    if (off) return off;
    return this.queueWrite({ operation, guestId, actor, source, ...reportTo });
  }

  /**
   * Resend invitation; like `resend`, only where the new redeem link may be shown to the admin alone
   * (`privateChat`: a 1:1 chat, or the tab), whose card or view then shows it.
   */
  async queueResend(actor: Person, guestId: string, source: string, privateChat: boolean, reportTo: ResultDestination): Promise<AdminOutcome<QueuedWrite>> {
    const refused = await this.refuseNonAdmin(actor, 'resend', source);
    if (refused) return refused;
    if (!privateChat) return { kind: 'invalid', message: REDEEM_LINK_IN_PRIVATE };
    return this.queueWrite({ operation: 'resend', guestId, actor, source, ...reportTo });
  }

  /**
   * A queued write as it stands, and its result once done, for the admin who queued it only: anyone
   * else is told there is no such write, whether or not the job exists (its result may hold a redeem link).
   */
  async guestWrite(actor: Person, jobId: string, source: string): Promise<AdminOutcome<GuestWriteStatus>> {
    const refused = await this.refuseNonAdmin(actor, 'guest write', source);
    if (refused) return refused;
    const job = isJobId(jobId) ? await this.deps.store.getGuestJob(jobId) : undefined;
    const status = job && GuestWrites.status(job);
    if (!status || status.actorId !== actor.aadObjectId) return { kind: 'notFound', message: 'There is no such change of yours.' };
    return ok(status);
  }

  private async queueWrite(order: GuestOrder): Promise<AdminOutcome<QueuedWrite>> {
    if (!isDirectoryId(order.guestId)) return { kind: 'invalid', message: 'The card named no guest I can look up.' };
    const jobId = await this.deps.store.enqueueGuestJob(GuestWrites.order(order), {
      actor: order.actor.aadObjectId,
      action: `guest_${order.operation}_queued`,
      source: order.source,
      detail: { guestId: order.guestId },
      at: this.deps.clock.now().toISOString(),
    });
    this.deps.queue.poke();
    return ok({ operation: order.operation, jobId });
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
      return this.deps.writes.reinvite(actor, found.value, source);
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
    // Under a policy the stage waiting now decides; each group's members are read once per overview.
    const groupMembers = new Map<string, Promise<NamedRef[] | undefined>>();
    const membersOf = (groupId: string) => {
      if (!groupMembers.has(groupId)) {
        groupMembers.set(
          groupId,
          this.deps.directory.listUserMembers(groupId).catch((error: unknown) => {
            const failure = toGraphFailure(error);
            this.deps.logger.warn({ status: failure.status, code: failure.code }, 'stage group lookup failed');
            return undefined;
          }),
        );
      }
      return groupMembers.get(groupId) as Promise<NamedRef[] | undefined>;
    };
    return Promise.all(
      requests.map(async (request) => ({
        request,
        ageMinutes: Math.max(0, Math.floor((now - Date.parse(request.createdAt)) / 60_000)),
        approvers: request.approval ? await stageDeciders(request, membersOf) : await this.deciders(request, approvers),
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
    await this.deps.writes.audit(actor, 'admin_command_refused', source, undefined, { command, why: 'not_admin' });
    return { kind: 'forbidden', message: NOT_ALLOWED };
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
    if (!email || checkEmailSyntax(email)) return { kind: 'invalid', message: "Type the guest's e-mail address, for example: guest jane@fabrikam.com" };
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

  /** `signIns` reads sign-in activity too (admins only: it needs the audit log permission). */
  private async details(guest: DirectoryGuest, options: { signIns: boolean }): Promise<GuestDetails> {
    const { directory, capabilities } = this.deps;
    const [lastSignIn, memberships, appRoles, sponsors, origin] = await Promise.all([
      options.signIns ? this.lastSignIn(guest.id) : undefined,
      readable(() => directory.listMemberships(guest.id), capabilities.offReason('guestGroups')),
      readable(() => this.appRoles(guest.id), capabilities.offReason('guestAppRoles')),
      readable(() => directory.listSponsors(guest.id)),
      this.deps.writes.originOf(guest),
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
    const access = await this.accessOf(guest.id);
    if (access) result.access = access;
    return result;
  }

  /** The bot's own record of the guest: sponsor, and what its requests gave until when. */
  private async accessOf(guestId: string): Promise<GuestAccessView | undefined> {
    const managed = await this.deps.store.getManagedGuest(guestId);
    if (!managed) return undefined;
    const grants = (await this.deps.store.listGrants({ guestId }))
      .filter((g) => g.state === 'active' || g.state === 'ending')
      .sort((a, b) => (a.endsAt ?? '9999').localeCompare(b.endsAt ?? '9999'))
      .map((g) => {
        const line: GuestAccessView['grants'][number] = { label: grantLabel(g), ending: g.state === 'ending' };
        if (g.endsAt) line.lastDay = lastDayOf(g.endsAt);
        return line;
      });
    const view: GuestAccessView = { sponsor: managed.sponsor.name, grants };
    if (managed.endState) view.endState = managed.endState;
    return view;
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

  private plan(guest: DirectoryGuest): RevokePlan {
    const plan: RevokePlan = {
      guest: guestRef(guest),
      calls: { disable: this.deps.writes.planned(disableUserRequest(guest.id)), delete: this.deps.writes.planned(deleteUserRequest(guest.id)) },
      restorableUntil: this.deps.writes.restorableUntil(),
    };
    const turnedOff: Partial<Record<RevokeOperation, string>> = {};
    for (const operation of ['disable', 'delete'] as const) {
      const message = this.deps.capabilities.offMessage(REVOKE_FEATURE[operation]);
      if (message) turnedOff[operation] = message;
    }
    if (Object.keys(turnedOff).length > 0) plan.turnedOff = turnedOff;
    return plan;
  }

  /** Names for the people in a request's audit log: from the request itself, then from the directory. */
  private async namesOf(request: AccessRequest, audit: AuditEntry[]): Promise<Map<string, string>> {
    const names = new Map<string, string>([
      ['system', 'Guest Access bot'],
      [request.requester.aadObjectId, request.requester.name],
    ]);
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
}

/** Job ids are random UUIDs; anything else is not looked up. */
function isJobId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
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

/** Who may decide the stage of a request under a policy waiting now: its people or its group, with the fallback group once it escalated. */
async function stageDeciders(request: AccessRequest, membersOf: (groupId: string) => Promise<NamedRef[] | undefined>): Promise<NamedRef[] | undefined> {
  const progress = request.approval;
  const stage = progress?.stages[progress.current];
  if (!progress || !stage) return undefined;
  const people: NamedRef[] = [];
  if (stage.deciders?.kind === 'people') people.push(...stage.deciders.people);
  else {
    const members = await membersOf((stage.deciders?.group ?? stage.fallbackGroup).id);
    if (!members) return undefined;
    people.push(...members);
  }
  if (stage.escalatedAt) people.push(...((await membersOf(stage.fallbackGroup.id)) ?? []));
  const excluded = new Set([
    request.requester.aadObjectId,
    ...progress.stages.flatMap((s, i) => (i === progress.current ? [] : s.approvals.map((a) => a.by.aadObjectId))),
  ]);
  return [...new Map(people.filter((p) => !excluded.has(p.id)).map((p) => [p.id, p] as const)).values()];
}

/** Where the approval card went, from the workflow's audit entries. */
function deliveryOf(audit: AuditEntry[]): PendingItem['delivery'] {
  const last = [...audit].reverse().find((e) => e.action === 'approval_requested' || e.action === 'approval_unreachable');
  if (!last) return 'unknown';
  if (last.action === 'approval_unreachable') return 'nobody';
  return last.detail?.channel === true ? 'channel' : 'chats';
}
