/**
 * Access that ends: the sponsor is told before a grant ends (and may extend it, or let it end), and
 * at its end the worker removes exactly what the grant gave; a guest the bot invited whose access
 * is all gone gets GUEST_END_ACTION. Each step is a compare-and-set in the store with its audit
 * entry, its messages and its next job, so it happens once across instances and a step repeated
 * after a crash finds its work done.
 */
import { z } from 'zod';
import { FeatureOff, type Capabilities } from '../directory/capabilities';
import type { GraphDirectory } from '../directory/graphDirectory';
import { GraphFailure, toGraphFailure } from '../directory/graphErrors';
import { deleteUserRequest, disableUserRequest } from '../directory/guestQueries';
import type { RoleService } from '../directory/roles';
import type { AdminOutcome } from '../guests/guestModel';
import type { Clock } from '../platform/clock';
import type { GuestEndAction } from '../platform/config';
import type { Logger } from '../platform/logger';
import { accessUntilOf, type AccessRequest, type AuditEntry, type Person } from '../requests/model';
import type { LifecycleChange, NewOutboxEntry, Store } from '../store/store';
import { accessChoice, addDays, checkAccessUntil, dayOf, endOfDay, lastDayOf, type AccessPeriodSettings } from './accessPeriod';
import type { Grant, ManagedGuest } from './model';
import type { EndingItem, ExpiryNotice } from './messages';

export interface LifecycleSettings extends AccessPeriodSettings {
  guestExpiryNoticeDays: number;
  guestEndAction: GuestEndAction;
}

export type LifecycleDirectory = Pick<GraphDirectory, 'removeGroupMember' | 'removeAppRoleAssignment' | 'removeDirectoryRoleAssignment' | 'getGuest' | 'send'>;

/** The outbox kind of every lifecycle message; its payload says which (see `lifecycleMessagePayload`). */
export const LIFECYCLE_MESSAGE = 'lifecycle.message';

/** What a lifecycle message in the outbox says, read when it is delivered (names come from the store then). */
export const lifecycleMessagePayload = z.discriminatedUnion('message', [
  z.object({ message: z.literal('expiryNotice'), guestId: z.string(), endsAt: z.string() }),
  z.object({ message: z.literal('grantsEnded'), guestId: z.string(), grantIds: z.array(z.string()) }),
  z.object({ message: z.literal('guestEnded'), guestId: z.string() }),
  z.object({
    message: z.literal('sponsorLeft'),
    sponsorId: z.string(),
    sponsorName: z.string(),
    why: z.enum(['disabled', 'deleted']),
    guestIds: z.array(z.string()),
    inDirectory: z.boolean(),
  }),
  z.object({ message: z.literal('recertificationDigest'), campaignId: z.string(), sponsorId: z.string() }),
  z.object({ message: z.literal('recertificationEscalated'), campaignId: z.string() }),
  z.object({ message: z.literal('cleanupNotice'), campaignId: z.string(), sponsorId: z.string() }),
  z.object({ message: z.literal('cleanupPlan'), campaignId: z.string() }),
]);
export type LifecycleMessagePayload = z.infer<typeof lifecycleMessagePayload>;

/** A lifecycle message for the outbox, unique by `key`. */
export function lifecycleEntry(key: string, payload: LifecycleMessagePayload): NewOutboxEntry {
  return { key: `lifecycle:${key}`, kind: LIFECYCLE_MESSAGE, payload };
}

/** The two job steps of an end, as the jobs table holds them. */
export const END_GRANT = 'endGrant';
export const END_GUEST = 'endGuest';

/** Grants read per query by the periodic run; a run handles at most `MAX_BATCHES` of them. */
const BATCH = 200;
const MAX_BATCHES = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The name of the periodic task that tells sponsors and starts ends, as stored with its lease. */
export const GUEST_ACCESS_ENDS = 'guest-access-ends';

/** What a grant gave, in words. */
export function grantLabel(grant: Pick<Grant, 'kind' | 'targetName'>): string {
  switch (grant.kind) {
    case 'account':
      return 'Guest account';
    case 'group':
      return `${grant.targetName} (group)`;
    case 'appRole':
      return `${grant.targetName} (application)`;
    case 'directoryRole':
      return `${grant.targetName} (directory role)`;
  }
}

export class GuestLifecycle {
  constructor(
    private readonly deps: {
      store: Store;
      directory: LifecycleDirectory;
      roles: Pick<RoleService, 'isAdmin' | 'isApprover'>;
      capabilities: Capabilities;
      settings: LifecycleSettings;
      clock: Clock;
      logger: Logger;
      /** Told when messages or jobs were written, so they go out now rather than at the next poll. */
      wake: { outbox: { poke(): void }; worker: { poke(): void } };
      /** Files an extension past the policy's maximum as a request for the approvers (the request workflow). */
      extensions?: {
        file(
          actor: Person,
          tenantId: string,
          guest: { id: string; email: string; displayName: string },
          until: string,
          source: string,
        ): Promise<{ id: string }>;
      };
    },
  ) {}

  /**
   * The periodic run: tells sponsors about grants ending within GUEST_EXPIRY_NOTICE_DAYS (on the
   * day that many days before the last day), and starts the end of every grant whose end has come.
   */
  async run(now: Date): Promise<{ noticed: number; ending: number }> {
    const noticed = await this.sendNotices(now);
    const ending = await this.startDueEnds(now);
    return { noticed, ending };
  }

  private async sendNotices(now: Date): Promise<number> {
    const { store, settings } = this.deps;
    // Told on the day GUEST_EXPIRY_NOTICE_DAYS before the last day: access ends a day after that.
    const horizon = new Date(now.getTime() + (settings.guestExpiryNoticeDays + 1) * DAY_MS);
    let noticed = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const due = await store.listGrantsForNotice(horizon, BATCH);
      if (due.length === 0) break;
      const byGuestAndEnd = new Map<string, Grant[]>();
      for (const grant of due) {
        const key = `${grant.guestId}|${grant.endsAt ?? ''}`;
        byGuestAndEnd.set(key, [...(byGuestAndEnd.get(key) ?? []), grant]);
      }
      let progress = 0;
      for (const grants of byGuestAndEnd.values()) {
        const first = grants[0];
        if (!first?.endsAt) continue;
        const told = grants.some((g) => g.given);
        const result = await store.applyLifecycleChange({
          grants: grants.map((g) => ({ id: g.id, expectedVersion: g.version, set: { noticedFor: g.endsAt } })),
          audit: grants.map((g) => this.audit('grant_end_noticed', g.requestId, { grantId: g.id, endsAt: g.endsAt ?? null, told }, now)),
          // Grants that gave nothing (the guest had them already) end without anything to tell.
          outbox: told
            ? [lifecycleEntry(`notice:${first.guestId}:${first.endsAt}`, { message: 'expiryNotice', guestId: first.guestId, endsAt: first.endsAt })]
            : [],
        });
        if (result.ok) {
          progress += grants.length;
          if (told) noticed += 1;
        }
      }
      if (progress > 0) this.deps.wake.outbox.poke();
      // A batch in which every change lost to another instance would be read again unchanged.
      if (due.length < BATCH || progress === 0) break;
    }
    return noticed;
  }

  private async startDueEnds(now: Date): Promise<number> {
    const { store } = this.deps;
    let ending = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const due = await store.listGrantsDue(now, BATCH);
      let progress = 0;
      for (const grant of due) {
        const result = await store.applyLifecycleChange(this.endingChange(grant, 'grant_ending', { endsAt: grant.endsAt ?? null }, now));
        if (result.ok) progress += 1;
      }
      ending += progress;
      if (progress > 0) this.deps.wake.worker.poke();
      if (due.length < BATCH || progress === 0) break;
    }
    return ending;
  }

  /** The change that starts ending a grant now: `ending`, with its job (recertification's Remove uses it too). */
  endingChange(grant: Grant, action: string, detail: AuditEntry['detail'], now: Date, actor = 'system', source?: string): LifecycleChange {
    return {
      grants: [{ id: grant.id, expectedVersion: grant.version, set: { state: 'ending' } }],
      audit: [{ ...this.audit(action, grant.requestId, { grantId: grant.id, ...detail }, now, source), actor }],
      jobs: [{ payload: { op: END_GRANT, grantId: grant.id } }],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Job steps

  /**
   * Ends one grant: removes what it gave (a 404 means someone removed it already), unless another
   * live grant of the bot's gives the guest the same thing, which then takes it over; a grant that
   * gave nothing (the guest had it already) removes nothing. The last live grant of a guest the bot
   * invited starts the guest's end.
   */
  async endGrant(grantId: string, lease: { readonly lost: boolean }, source: string): Promise<void> {
    const { store, clock } = this.deps;
    const grant = await store.getGrant(grantId);
    if (!grant || grant.state !== 'ending') return;
    const now = clock.now();
    const all = await store.listGrants({ guestId: grant.guestId });
    const heir =
      grant.given && grant.kind !== 'account'
        ? all
            .filter((g) => g.id !== grant.id && g.kind === grant.kind && g.targetId === grant.targetId && g.state === 'active')
            .sort((a, b) => (b.endsAt ?? '9999').localeCompare(a.endsAt ?? '9999'))[0]
        : undefined;
    if (heir) {
      await store.applyLifecycleChange({
        grants: [
          { id: grant.id, expectedVersion: grant.version, set: { state: 'ended', endedAt: now.toISOString(), endReason: 'handedOver' } },
          { id: heir.id, expectedVersion: heir.version, set: { given: true, assignmentId: grant.assignmentId ?? null } },
        ],
        audit: [this.audit('grant_handed_over', grant.requestId, { grantId: grant.id, to: heir.id, toRequest: heir.requestId }, now, source)],
      });
      return;
    }

    let reason: string;
    if (!grant.given) reason = 'notGiven';
    else if (grant.kind === 'account') reason = 'accountGrantEnded';
    else {
      if (lease.lost) throw new LeaseLostDuringStep();
      try {
        reason = await this.remove(grant);
      } catch (error) {
        const failure = error instanceof FeatureOff ? GraphFailure.turnedOff(error.message) : toGraphFailure(error);
        if (failure.transient) throw failure;
        await this.failGrant(grant, failure.userMessage, source);
        return;
      }
    }

    const guest = await store.getManagedGuest(grant.guestId);
    // A guest the bot invited with nothing else lasting (the rest ending too) is told about at the
    // guest's end, all at once, rather than grant by grant.
    const othersLast = all.some((g) => g.id !== grant.id && g.state === 'active');
    const guestEndFollows = guest?.createdByRequest !== undefined && !guest.endState && !othersLast;
    const removedSomething = reason === 'removed' || reason === 'alreadyGone';
    await store.applyLifecycleChange({
      grants: [{ id: grant.id, expectedVersion: grant.version, set: { state: 'ended', endedAt: now.toISOString(), endReason: reason } }],
      audit: [this.audit('grant_ended', grant.requestId, { grantId: grant.id, how: reason }, now, source)],
      outbox:
        removedSomething && !guestEndFollows
          ? [lifecycleEntry(`ended:${grant.id}`, { message: 'grantsEnded', guestId: grant.guestId, grantIds: [grant.id] })]
          : [],
      guestEnd: this.guestEndCheck(grant.guestId, guest, now, source),
    });
    this.deps.wake.outbox.poke();
    this.deps.wake.worker.poke();
  }

  /** Starts the guest's end in the same change when nothing live is left (the store checks it under a lock). */
  private guestEndCheck(guestId: string, guest: ManagedGuest | undefined, now: Date, source: string): LifecycleChange['guestEnd'] {
    return {
      guestId,
      job: { payload: { op: END_GUEST, guestId } },
      audit: this.audit('guest_end_started', guest?.createdByRequest, { guestId, action: this.deps.settings.guestEndAction }, now, source),
    };
  }

  /**
   * A grant whose removal Graph refused for good: someone has to look, and the sponsor is told why.
   * It gives nothing live any more as far as the bot can act, so the guest's end may follow.
   */
  async failGrant(grant: Grant, why: string, source: string): Promise<void> {
    const now = this.deps.clock.now();
    const guest = await this.deps.store.getManagedGuest(grant.guestId);
    const othersLast = (await this.deps.store.listGrants({ guestId: grant.guestId })).some((g) => g.id !== grant.id && g.state === 'active');
    const guestEndFollows = guest?.createdByRequest !== undefined && !guest.endState && !othersLast;
    await this.deps.store.applyLifecycleChange({
      grants: [{ id: grant.id, expectedVersion: grant.version, set: { state: 'failed', endedAt: now.toISOString(), endReason: why } }],
      audit: [this.audit('grant_end_failed', grant.requestId, { grantId: grant.id, why }, now, source)],
      // When the guest's end follows, its message tells this too.
      outbox: guestEndFollows ? [] : [lifecycleEntry(`ended:${grant.id}`, { message: 'grantsEnded', guestId: grant.guestId, grantIds: [grant.id] })],
      guestEnd: this.guestEndCheck(grant.guestId, guest, now, source),
    });
    this.deps.wake.outbox.poke();
    this.deps.wake.worker.poke();
    this.deps.logger.warn({ grantId: grant.id, requestId: grant.requestId }, 'grant could not be removed');
  }

  /** Removes exactly what the grant gave, by the ids recorded when it was given. */
  private async remove(grant: Grant): Promise<'removed' | 'alreadyGone'> {
    const { directory, capabilities } = this.deps;
    let result: 'removed' | 'gone';
    switch (grant.kind) {
      case 'group':
        capabilities.require('groups');
        result = await directory.removeGroupMember(grant.targetId, grant.guestId);
        break;
      case 'directoryRole':
        capabilities.require('directoryRole');
        if (!grant.assignmentId)
          throw new GraphFailure(400, 'NoAssignmentRecorded', 'The bot did not record which role assignment it made, so it leaves the role alone.');
        result = await directory.removeDirectoryRoleAssignment(grant.assignmentId);
        break;
      case 'appRole': {
        capabilities.require('appAccess');
        const servicePrincipalId = grant.targetId.split(':')[0] ?? '';
        if (!grant.assignmentId)
          throw new GraphFailure(400, 'NoAssignmentRecorded', 'The bot did not record which app role assignment it made, so it leaves the role alone.');
        result = await directory.removeAppRoleAssignment(servicePrincipalId, grant.assignmentId);
        break;
      }
      case 'account':
        return 'removed';
    }
    return result === 'removed' ? 'removed' : 'alreadyGone';
  }

  /**
   * The end of a guest the bot invited, once none of its access is left: GUEST_END_ACTION (disable
   * sign-in, delete, or leave the account), then the sponsor is told what ended. A guest already
   * disabled or gone counts as done.
   */
  async endGuest(guestId: string, lease: { readonly lost: boolean }, source: string): Promise<void> {
    const { store, clock, settings } = this.deps;
    const guest = await store.getManagedGuest(guestId);
    if (guest?.endState !== 'ending') return;
    let state: 'disabled' | 'deleted' | 'kept' | 'failed';
    let how: string;
    try {
      if (lease.lost) throw new LeaseLostDuringStep();
      ({ state, how } = await this.applyEndAction(guest, settings.guestEndAction));
    } catch (error) {
      if (error instanceof LeaseLostDuringStep) throw error;
      const failure = error instanceof FeatureOff ? GraphFailure.turnedOff(error.message) : toGraphFailure(error);
      if (failure.transient) throw failure;
      state = 'failed';
      how = failure.userMessage;
    }
    const now = clock.now();
    await store.applyLifecycleChange({
      guests: [{ guestId: guest.guestId, expectedVersion: guest.version, set: { endState: state, endedAt: now.toISOString() } }],
      audit: [
        this.audit(
          state === 'failed' ? 'guest_end_failed' : 'guest_ended',
          guest.createdByRequest,
          { guestId: guest.guestId, action: settings.guestEndAction, result: how },
          now,
          source,
        ),
      ],
      outbox: [lifecycleEntry(`guestEnded:${guest.guestId}`, { message: 'guestEnded', guestId: guest.guestId })],
    });
    this.deps.wake.outbox.poke();
  }

  /** The guest a job names, disabled or deleted; never anyone who is not a guest. */
  private async applyEndAction(guest: ManagedGuest, action: GuestEndAction): Promise<{ state: 'disabled' | 'deleted' | 'kept' | 'failed'; how: string }> {
    if (action === 'none') return { state: 'kept', how: 'kept (GUEST_END_ACTION is none)' };
    const { directory, capabilities } = this.deps;
    capabilities.require(action === 'disable' ? 'revokeDisable' : 'revokeDelete');
    const user = await directory.getGuest(guest.guestId, false);
    if (!user) return { state: action === 'disable' ? 'disabled' : 'deleted', how: 'alreadyGone' };
    if (user.userType !== 'Guest') return { state: 'failed', how: 'The account is no longer a guest, so the bot leaves it alone.' };
    if (action === 'disable') {
      if (user.accountEnabled === false) return { state: 'disabled', how: 'alreadyDisabled' };
      await directory.send(disableUserRequest(guest.guestId));
      return { state: 'disabled', how: 'disabled' };
    }
    try {
      await directory.send(deleteUserRequest(guest.guestId));
    } catch (error) {
      if (toGraphFailure(error).status === 404) return { state: 'deleted', how: 'alreadyGone' };
      throw error;
    }
    return { state: 'deleted', how: 'deleted' };
  }

  // -------------------------------------------------------------------------------------------
  // The sponsor's answers to an expiry notice

  /** The expiry notice for a guest's grants ending at `endsAt`, as its card shows it. */
  async expiryNotice(guestId: string, endsAt: string): Promise<ExpiryNotice | undefined> {
    const guest = await this.deps.store.getManagedGuest(guestId);
    if (!guest) return undefined;
    const grants = await this.deps.store.listGrants({ guestId });
    return this.noticeModel(guest, grants, endsAt);
  }

  private noticeModel(guest: ManagedGuest, grants: Grant[], endsAt: string): ExpiryNotice {
    const live = grants.filter((g) => g.state === 'active');
    const ending = live.filter((g) => g.endsAt === endsAt);
    const items: EndingItem[] = ending.map((g) => ({ label: grantLabel(g), given: g.given }));
    const choice = accessChoice(this.deps.clock.now(), this.deps.settings);
    const notice: ExpiryNotice = {
      kind: 'expiryNotice',
      guest: { id: guest.guestId, displayName: guest.displayName, email: guest.email },
      lastDay: lastDayOf(endsAt),
      items,
      extendMin: choice.min > lastDayOf(endsAt) ? choice.min : addDays(lastDayOf(endsAt), 1),
      extendMax: choice.max,
    };
    // The account ends too when nothing else is left after this date.
    if (guest.createdByRequest && live.every((g) => g.endsAt !== undefined && g.endsAt <= endsAt)) notice.endAction = this.deps.settings.guestEndAction;
    return notice;
  }

  /**
   * Extend: every live grant of the guest that ends before the new date lasts until it. Only the
   * sponsor (or, for a group sponsor, an approver) and admins may; a date past the policy maximum
   * needs a new request and its approval.
   */
  async extend(actor: Person, guestId: string, untilText: string, source: string, tenantId = ''): Promise<AdminOutcome<ExpiryNotice>> {
    const checked = await this.sponsorOrAdmin(actor, guestId, 'extend', source);
    if (checked.kind !== 'ok') return checked;
    const { guest, grants } = checked.value;
    const ending = grants.filter((g) => g.state === 'active' && g.endsAt !== undefined).sort((a, b) => (a.endsAt ?? '').localeCompare(b.endsAt ?? ''));
    const first = ending[0];
    if (!first?.endsAt) return { kind: 'invalid', message: `None of ${guest.displayName}'s access has an end date to move.` };
    const now = this.deps.clock.now();
    const until = checkAccessUntil(untilText, { now, settings: this.deps.settings });
    const wanted = checkAccessUntil(untilText, { now, settings: { ...this.deps.settings, guestAccessMaxDays: 100 * 365 } });
    const { extensions } = this.deps;
    if (!until.ok && wanted.ok && wanted.until && extensions) {
      // Past the maximum: not refused, but asked of the approvers as a request of its own.
      const request = await extensions.file(actor, tenantId, { id: guest.guestId, email: guest.email, displayName: guest.displayName }, wanted.until, source);
      const model = this.noticeModel(guest, grants, first.endsAt);
      model.answered = `Until ${wanted.until} is past the ${this.deps.settings.guestAccessMaxDays} days access may last without a new approval, so it was asked of the approvers: request ${request.id}. Until they decide, the access still ends after ${model.lastDay}.`;
      return { kind: 'ok', value: model };
    }
    if (!until.ok || !until.until) {
      const model = this.noticeModel(guest, grants, first.endsAt);
      model.error = until.ok ? 'Choose the new last day.' : until.message;
      return { kind: 'ok', value: model };
    }
    const endsAt = endOfDay(until.until);
    const moved = ending.filter((g) => (g.endsAt ?? '') < endsAt);
    if (moved.length === 0) {
      const model = this.noticeModel(guest, grants, first.endsAt);
      model.error = `${guest.displayName}'s access already lasts until ${until.until} or later.`;
      return { kind: 'ok', value: model };
    }
    const result = await this.deps.store.applyLifecycleChange({
      grants: moved.map((g) => ({ id: g.id, expectedVersion: g.version, set: { endsAt, noticedFor: null } })),
      audit: moved.map((g) => ({
        ...this.audit('grant_extended', g.requestId, { grantId: g.id, from: g.endsAt ? lastDayOf(g.endsAt) : null, to: until.until ?? null }, now, source),
        actor: actor.aadObjectId,
      })),
    });
    if (!result.ok) return { kind: 'failed', message: 'Someone changed this access at the same moment; open the guest card to see where it stands.' };
    const model = this.noticeModel(guest, await this.deps.store.listGrants({ guestId }), endsAt);
    model.answered = `Extended until ${until.until} by ${actor.name} on ${dayOf(now)}.`;
    return { kind: 'ok', value: model };
  }

  /**
   * The execution of an approved extension request: every live grant of its guest that ends before
   * the date it gives lasts until then, audited on the grants' own requests. Run again, it finds
   * them extended and changes nothing.
   */
  async applyExtension(request: AccessRequest, source: string): Promise<void> {
    const until = accessUntilOf(request);
    const guestId = request.details.existingGuestId;
    if (!until || !guestId) return;
    const endsAt = endOfDay(until);
    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const moved = (await this.deps.store.listGrants({ guestId })).filter((g) => g.state === 'active' && g.endsAt !== undefined && g.endsAt < endsAt);
      if (moved.length === 0) return;
      const result = await this.deps.store.applyLifecycleChange({
        grants: moved.map((g) => ({ id: g.id, expectedVersion: g.version, set: { endsAt, noticedFor: null } })),
        audit: moved.map((g) =>
          this.audit(
            'grant_extended',
            g.requestId,
            { grantId: g.id, from: g.endsAt ? lastDayOf(g.endsAt) : null, to: until, byRequest: request.id },
            now,
            source,
          ),
        ),
      });
      if (result.ok) return;
    }
    throw new GraphFailure(503, 'ExtensionConflict', 'The access changed while it was being extended; the bot tries again.');
  }

  /** Let it end: nothing changes but the record that the sponsor saw it and agreed. */
  async letEnd(actor: Person, guestId: string, source: string): Promise<AdminOutcome<ExpiryNotice>> {
    const checked = await this.sponsorOrAdmin(actor, guestId, 'letEnd', source);
    if (checked.kind !== 'ok') return checked;
    const { guest, grants } = checked.value;
    const first = grants.filter((g) => g.state === 'active' && g.endsAt !== undefined).sort((a, b) => (a.endsAt ?? '').localeCompare(b.endsAt ?? ''))[0];
    if (!first?.endsAt) return { kind: 'invalid', message: `None of ${guest.displayName}'s access is due to end.` };
    const now = this.deps.clock.now();
    await this.deps.store.appendAudit({
      ...this.audit('grant_end_accepted', first.requestId, { guestId, endsAt: first.endsAt }, now, source),
      actor: actor.aadObjectId,
    });
    const model = this.noticeModel(guest, grants, first.endsAt);
    model.answered = `${actor.name} lets it end on ${lastDayOf(first.endsAt)}.`;
    return { kind: 'ok', value: model };
  }

  /** The guest and its grants when the actor sponsors it (or approves, for a group sponsor) or administers. */
  private async sponsorOrAdmin(actor: Person, guestId: string, what: string, source: string): Promise<AdminOutcome<{ guest: ManagedGuest; grants: Grant[] }>> {
    const { store, roles } = this.deps;
    const guest = await store.getManagedGuest(guestId);
    if (!guest) return { kind: 'notFound', message: 'The bot does not look after this guest.' };
    const sponsors =
      guest.sponsor.kind === 'user' ? guest.sponsor.id.toLowerCase() === actor.aadObjectId.toLowerCase() : await roles.isApprover(actor.aadObjectId);
    if (!sponsors && !(await roles.isAdmin(actor.aadObjectId))) {
      await store.appendAudit({
        actor: actor.aadObjectId,
        action: 'lifecycle_refused',
        source,
        detail: { what, guestId, why: 'not_sponsor' },
        at: this.deps.clock.now().toISOString(),
      });
      return {
        kind: 'forbidden',
        message: `Only ${guest.displayName}'s sponsor (${guest.sponsor.name}) or an admin can decide this. Your attempt was recorded.`,
      };
    }
    return { kind: 'ok', value: { guest, grants: await store.listGrants({ guestId }) } };
  }

  private audit(action: string, requestId: string | undefined, detail: AuditEntry['detail'], now: Date, source?: string): AuditEntry {
    const entry: AuditEntry = { actor: 'system', action, detail, at: now.toISOString() };
    if (requestId) entry.requestId = requestId;
    entry.source = source ?? `task:${GUEST_ACCESS_ENDS}`;
    return entry;
  }
}

/** The worker's lease lapsed before a write: the step stops and leaves the job to whoever took it. */
export class LeaseLostDuringStep extends Error {
  constructor() {
    super('the lease on the job was lost before a write');
  }
}
