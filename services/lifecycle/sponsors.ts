/**
 * Sponsors: who answers for each guest the bot looks after. An admin names a colleague with
 * `sponsor <guest> <colleague>`; a sponsor whose account was disabled or deleted is found by the
 * daily check and their guests go to the approver group, which gets one card about them. The bot's
 * record is the one it acts on; Entra's `sponsors` are kept in step by a job, when the app may.
 */
import type { Capabilities } from '../directory/capabilities';
import type { GraphDirectory } from '../directory/graphDirectory';
import { toGraphFailure } from '../directory/graphErrors';
import type { RoleService } from '../directory/roles';
import type { AdminOutcome } from '../guests/guestModel';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { checkEmailSyntax, normaliseEmail } from '../requests/inviteValidation';
import type { AuditEntry, Person } from '../requests/model';
import type { LifecycleChange, NewLifecycleJob, Store } from '../store/store';
import { lifecycleEntry } from './guestLifecycle';
import type { ManagedGuest, Sponsor } from './model';

export type SponsorDirectory = Pick<GraphDirectory, 'findUsersByEmail' | 'readUsersPresence' | 'addSponsor' | 'removeSponsor'>;

/** The name of the daily check for sponsors who left, as stored with its lease. */
export const SPONSOR_CHECK = 'sponsor-check';

/** The step that records a sponsor in Entra. */
export const SET_SPONSOR = 'setSponsor';

/** How the approver group is named as a sponsor. */
export const APPROVERS_NAME = 'the guest access approvers';

/** Sponsors read per query, and guests changed per transaction. */
const PAGE = 500;
const CHUNK = 200;

export interface SponsorChanged {
  guest: { id: string; displayName: string; email: string };
  sponsor: Sponsor;
  previous?: Sponsor;
  /** Whether Entra will show it too (the app may write sponsors). */
  inDirectory: boolean;
}

export class Sponsors {
  constructor(
    private readonly deps: {
      store: Store;
      directory: SponsorDirectory;
      roles: Pick<RoleService, 'isAdmin'>;
      capabilities: Capabilities;
      settings: { approverGroupId: string };
      clock: Clock;
      logger: Logger;
      wake: { outbox: { poke(): void }; worker: { poke(): void } };
    },
  ) {}

  /** `sponsor <guest email> <colleague email>`: the colleague answers for the guest from now on. */
  async setSponsor(actor: Person, text: string, source: string): Promise<AdminOutcome<SponsorChanged>> {
    const { store, directory, roles, clock } = this.deps;
    if (!(await roles.isAdmin(actor.aadObjectId))) {
      await store.appendAudit({
        actor: actor.aadObjectId,
        action: 'admin_command_refused',
        source,
        detail: { command: 'sponsor', why: 'not_admin' },
        at: clock.now().toISOString(),
      });
      return { kind: 'forbidden', message: 'Only members of the guest access admin group can change sponsors. Your attempt was recorded.' };
    }
    const [guestText = '', colleagueText = '', ...rest] = text
      .split(/\s+/)
      .filter((w) => w !== '')
      .map(normaliseEmail);
    if (!guestText || !colleagueText || rest.length > 0 || checkEmailSyntax(guestText) || checkEmailSyntax(colleagueText)) {
      return { kind: 'invalid', message: "Type the guest's address, then the colleague's, for example: sponsor jane@fabrikam.com megan@contoso.com" };
    }
    try {
      const guest = (await directory.findUsersByEmail(guestText)).find((u) => u.userType === 'Guest');
      if (!guest) return { kind: 'notFound', message: `There is no guest with the address ${guestText} in the directory.` };
      const colleague = (await directory.findUsersByEmail(colleagueText)).find((u) => u.userType !== 'Guest');
      if (!colleague) return { kind: 'invalid', message: `${colleagueText} is not someone in your organisation: a sponsor must be a colleague.` };
      if (colleague.accountEnabled === false)
        return { kind: 'invalid', message: `${colleague.displayName}'s account is disabled: choose a colleague who can answer for the guest.` };
      const sponsor: Sponsor = { kind: 'user', id: colleague.id, name: colleague.displayName };
      const managed = await store.getManagedGuest(guest.id);
      const now = clock.now();
      const inDirectory = this.deps.capabilities.isOn('sponsorWrite');
      const change: LifecycleChange = {
        guests: [
          managed
            ? { guestId: managed.guestId, expectedVersion: managed.version, set: { sponsor } }
            : { insert: { guestId: guest.id, email: guestText, displayName: guest.displayName, sponsor, createdAt: now.toISOString() } },
        ],
        audit: [
          this.audit(
            actor.aadObjectId,
            'sponsor_set',
            managed?.createdByRequest,
            { guestId: guest.id, sponsor: sponsor.id, previous: managed?.sponsor.id ?? null },
            now,
            source,
          ),
        ],
        jobs: inDirectory ? [this.recordJob(guest.id, sponsor, managed?.sponsor)] : [],
      };
      const result = await store.applyLifecycleChange(change);
      if (!result.ok) return { kind: 'failed', message: 'Someone changed this guest at the same moment; try again.' };
      this.deps.wake.worker.poke();
      const changed: SponsorChanged = { guest: { id: guest.id, displayName: guest.displayName, email: guestText }, sponsor, inDirectory };
      if (managed) changed.previous = managed.sponsor;
      return { kind: 'ok', value: changed };
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'sponsor lookup failed');
      return { kind: 'failed', message: failure.userMessage };
    }
  }

  /**
   * The daily check: every user sponsoring a guest the bot looks after is read (in batches); a
   * disabled or deleted one has left. Their guests go to the approver group, one change per few
   * hundred guests, and the approvers get one card listing them.
   */
  async checkLeavers(now: Date): Promise<number> {
    const { store, directory, capabilities, logger } = this.deps;
    if (!capabilities.isOn('sponsorCheck')) {
      logger.warn({ missing: capabilities.missing('sponsorCheck') }, 'sponsor check skipped: the app lacks a permission it needs');
      return 0;
    }
    let leavers = 0;
    let after = '';
    for (;;) {
      const ids = await store.listActiveSponsorIds(after, PAGE);
      if (ids.length === 0) break;
      const presence = await directory.readUsersPresence(ids);
      for (const id of ids) {
        const seen = presence.get(id);
        if (seen && seen.exists && seen.accountEnabled) continue;
        await this.reassign(id, seen?.exists ? { why: 'disabled', name: seen.displayName } : { why: 'deleted' }, now);
        leavers += 1;
      }
      after = ids[ids.length - 1] ?? after;
      if (ids.length < PAGE) break;
    }
    return leavers;
  }

  /** Hands a leaver's guests to the approver group, and tells the approvers once. */
  private async reassign(sponsorId: string, left: { why: 'disabled'; name: string } | { why: 'deleted' }, now: Date): Promise<void> {
    const { store, capabilities } = this.deps;
    const approvers: Sponsor = { kind: 'group', id: this.deps.settings.approverGroupId, name: APPROVERS_NAME };
    const inDirectory = capabilities.isOn('sponsorWrite');
    const moved: ManagedGuest[] = [];
    let name = left.why === 'disabled' ? left.name : undefined;
    for (;;) {
      const guests = await store.listActiveManagedGuests({ sponsorId }, CHUNK);
      if (guests.length === 0) break;
      name ??= guests[0]?.sponsor.name;
      const result = await store.applyLifecycleChange({
        guests: guests.map((g) => ({ guestId: g.guestId, expectedVersion: g.version, set: { sponsor: approvers } })),
        audit: guests.map((g) =>
          this.audit('system', 'sponsor_left', g.createdByRequest, { guestId: g.guestId, sponsor: sponsorId, why: left.why }, now, `task:${SPONSOR_CHECK}`),
        ),
        jobs: inDirectory ? guests.map((g) => this.recordJob(g.guestId, approvers, g.sponsor)) : [],
      });
      // A guest changed meanwhile is found again by tomorrow's check if its sponsor is still the leaver.
      if (!result.ok) break;
      moved.push(...guests);
    }
    if (moved.length === 0) return;
    await store.applyLifecycleChange({
      audit: [],
      at: now.toISOString(),
      outbox: [
        lifecycleEntry(`sponsorLeft:${sponsorId}:${now.toISOString()}`, {
          message: 'sponsorLeft',
          sponsorId,
          sponsorName: name ?? sponsorId,
          why: left.why,
          guestIds: moved.map((g) => g.guestId),
          inDirectory,
        }),
      ],
    });
    this.deps.wake.outbox.poke();
    this.deps.wake.worker.poke();
  }

  /**
   * The job step that makes Entra show the sponsor: the new one added, the previous one (a user the
   * bot recorded) removed. Either already done counts as done; a refusal is audited, not retried.
   */
  async recordInDirectory(step: { guestId: string; sponsor: Sponsor; previousId?: string }, source: string): Promise<void> {
    const { directory, store, clock } = this.deps;
    try {
      const added = await directory.addSponsor(step.guestId, { kind: step.sponsor.kind, id: step.sponsor.id });
      const removed =
        step.previousId && step.previousId.toLowerCase() !== step.sponsor.id.toLowerCase()
          ? await directory.removeSponsor(step.guestId, step.previousId)
          : 'none';
      await store.appendAudit(
        this.audit('system', 'sponsor_recorded', undefined, { guestId: step.guestId, sponsor: step.sponsor.id, added, removed }, clock.now(), source),
      );
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.transient) throw failure;
      await store.appendAudit(
        this.audit('system', 'sponsor_record_failed', undefined, { guestId: step.guestId, status: failure.status, code: failure.code }, clock.now(), source),
      );
      this.deps.logger.warn({ guestId: step.guestId, status: failure.status, code: failure.code }, 'sponsor could not be recorded in the directory');
    }
  }

  private recordJob(guestId: string, sponsor: Sponsor, previous: Sponsor | undefined): NewLifecycleJob {
    const payload: Record<string, unknown> = { op: SET_SPONSOR, guestId, sponsor };
    if (previous?.kind === 'user') payload.previousId = previous.id;
    return { payload };
  }

  private audit(actor: string, action: string, requestId: string | undefined, detail: AuditEntry['detail'], now: Date, source: string): AuditEntry {
    const entry: AuditEntry = { actor, action, source, detail, at: now.toISOString() };
    if (requestId) entry.requestId = requestId;
    return entry;
  }
}
