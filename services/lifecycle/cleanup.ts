/**
 * Stale-guest cleanup: `cleanup stale:90d` builds a plan (which guests, what would happen, which
 * sponsors will be told) in a job and posts it where the admin asked, with Dry run (nothing
 * changes) and Run. Running tells the sponsors first; for GUEST_EXPIRY_NOTICE_DAYS a sponsor may
 * keep a guest, then GUEST_END_ACTION is applied to the rest in throttled jobs, each guest checked
 * again (a guest who signed in since the plan is skipped) and never anyone who is not a guest.
 * Without sign-in activity (no Entra ID P1) "stale" means an invitation not accepted for that
 * long, as `guests stale:N` says.
 */
import { FeatureOff, type Capabilities } from '../directory/capabilities';
import type { GraphDirectory } from '../directory/graphDirectory';
import { GraphFailure, toGraphFailure } from '../directory/graphErrors';
import { deleteUserRequest, disableUserRequest, type DirectoryGuest } from '../directory/guestQueries';
import type { RoleService } from '../directory/roles';
import type { AdminOutcome } from '../guests/guestModel';
import type { Clock } from '../platform/clock';
import type { GuestEndAction } from '../platform/config';
import type { Logger } from '../platform/logger';
import type { AuditEntry, Person } from '../requests/model';
import { newRequestId } from '../requests/requestIds';
import type { LifecycleChange, NewLifecycleJob, Store } from '../store/store';
import { dayOf, lastDayOf } from './accessPeriod';
import { lifecycleEntry, type GuestLifecycle, type LifecycleMessagePayload } from './guestLifecycle';
import { NO_SIGN_IN_LICENCE, walkGuests } from './guestWalk';
import type { CleanupNotice, CleanupPlan, DigestRow } from './messages';
import type { Campaign, CampaignItem, CampaignItemDetail, NewCampaignItem, Sponsor } from './model';
import { APPROVERS_NAME } from './sponsors';

export type CleanupDirectory = Pick<GraphDirectory, 'listGuests' | 'nextGuests' | 'readSponsorsOf' | 'getGuest' | 'send' | 'urlOf'>;

export const CLEANUP_PLAN = 'cleanupPlan';
export const CLEANUP_GUEST = 'cleanupGuest';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Guests named on the plan card; the rest are counted. */
const PLAN_ROWS = 25;
/** Guests on one sponsor's notice card. */
const NOTICE_ROWS = 20;
const PAGE = 1000;
/** Stands for each guest's id in the call a plan shows. */
const GUEST_ID = '{guest id}';

export interface CleanupSettings {
  guestEndAction: GuestEndAction;
  guestExpiryNoticeDays: number;
  cleanupGuestsPerMinute: number;
  approverGroupId: string;
}

export class Cleanup {
  constructor(
    private readonly deps: {
      store: Store;
      directory: CleanupDirectory;
      roles: Pick<RoleService, 'isAdmin' | 'isApprover'>;
      capabilities: Capabilities;
      settings: CleanupSettings;
      clock: Clock;
      logger: Logger;
      access: GuestLifecycle;
      wake: { outbox: { poke(): void }; worker: { poke(): void } };
    },
  ) {}

  /** `cleanup stale:90d`: the plan is built by a job and posted in `conversation` (where the admin typed). */
  async plan(actor: Person, text: string, conversation: Record<string, unknown>, source: string): Promise<AdminOutcome<Campaign>> {
    const { store, clock } = this.deps;
    const refused = await this.refuseNonAdmin(actor, 'cleanup', source);
    if (refused) return refused;
    const off = this.deps.capabilities.offMessage('cleanup');
    if (off) return { kind: 'turnedOff', message: off };
    const match = /^stale:(\d{1,4})d?$/i.exec(text.trim());
    const staleDays = match ? Number(match[1]) : NaN;
    if (!Number.isInteger(staleDays) || staleDays < 1 || staleDays > 3650) {
      return { kind: 'invalid', message: 'Say how long a guest must have been inactive, for example: cleanup stale:90d' };
    }
    const now = clock.now();
    const id = newRequestId().replace(/^GA-/, 'CL-');
    const result = await store.applyLifecycleChange({
      campaign: { insert: { id, kind: 'cleanup', state: 'planning', startedBy: actor, startedAt: now.toISOString(), filter: { staleDays }, conversation } },
      audit: [this.audit(actor.aadObjectId, 'cleanup_planned', { campaignId: id, staleDays }, now, source)],
      jobs: [{ payload: { op: CLEANUP_PLAN, campaignId: id } }],
    });
    if (!result.ok) return { kind: 'failed', message: 'The plan could not be stored; try again.' };
    this.deps.wake.worker.poke();
    const campaign = await store.getCampaign(id);
    return campaign ? { kind: 'ok', value: campaign } : { kind: 'failed', message: 'The plan could not be read back; try again.' };
  }

  /**
   * The planning job: one walk of the directory's guests, keeping the stale ones; their sponsors
   * from the bot's records, else from Entra (in batches). Repeating it adds nothing twice.
   */
  async buildPlan(campaignId: string, source: string): Promise<void> {
    const { store, directory, capabilities, clock, settings } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    if (campaign?.state !== 'planning') return;
    const staleDays = campaign.filter.staleDays ?? 90;
    const cutoff = Date.parse(campaign.startedAt) - staleDays * DAY_MS;
    const stale: DirectoryGuest[] = [];
    let unrecorded = 0;
    const walk = await walkGuests(directory, { withSignIn: capabilities.isOn('signIn') }, (guests) => {
      for (const guest of guests) {
        // Disabling a guest whose sign-in is disabled already would change nothing.
        if (settings.guestEndAction === 'disable' && guest.accountEnabled === false) continue;
        if (guest.lastSuccessfulSignInDateTime !== undefined) {
          if (guest.lastSuccessfulSignInDateTime === null) unrecorded += 1;
          else if (Date.parse(guest.lastSuccessfulSignInDateTime) <= cutoff) stale.push(guest);
        } else if (
          guest.externalUserState === 'PendingAcceptance' &&
          Date.parse(guest.externalUserStateChangeDateTime ?? guest.createdDateTime ?? '') <= cutoff
        ) {
          stale.push(guest);
        }
      }
    });
    const sponsors = await this.sponsorsOf(stale.map((g) => g.id));
    const items: NewCampaignItem[] = stale.map((guest) => {
      const detail: CampaignItemDetail = { invitationState: guest.externalUserState };
      if (guest.lastSuccessfulSignInDateTime !== undefined) {
        detail.lastSignIn = guest.lastSuccessfulSignInDateTime;
        detail.reason = `no sign-in since ${dayOf(new Date(guest.lastSuccessfulSignInDateTime ?? 0))}`;
      } else {
        detail.reason = `invitation not accepted since ${dayOf(new Date(guest.externalUserStateChangeDateTime ?? guest.createdDateTime ?? 0))}`;
      }
      const item: NewCampaignItem = {
        campaignId,
        guestId: guest.id,
        guestName: guest.displayName,
        guestEmail: guest.mail ?? guest.otherMails[0] ?? guest.userPrincipalName,
        detail,
      };
      const sponsor = sponsors.get(guest.id.toLowerCase());
      if (sponsor) item.sponsor = sponsor;
      return item;
    });
    for (let i = 0; i < items.length; i += PAGE) await store.insertCampaignItems(items.slice(i, i + PAGE));
    const now = clock.now();
    const unread = capabilities.offReason('signIn');
    const notes = [
      walk.note,
      unread ? `Sign-in activity is not read (${unread}).` : undefined,
      walk.signIn && unrecorded > 0
        ? `${unrecorded === 1 ? '1 guest has' : `${unrecorded} guests have`} no recorded sign-in and ${unrecorded === 1 ? 'is' : 'are'} left out: whether they are stale is unknown.`
        : undefined,
    ].filter((n): n is string => n !== undefined);
    await store.applyLifecycleChange({
      campaign: { id: campaignId, expectedVersion: campaign.version, set: { state: 'planned', note: notes.length > 0 ? notes.join(' ') : null } },
      audit: [
        this.audit(
          'system',
          'cleanup_plan_built',
          { campaignId, guests: items.length, basis: walk.signIn ? 'signIn' : 'neverRedeemed', directoryPages: walk.pages },
          now,
          source,
        ),
      ],
      outbox: [lifecycleEntry(`cleanup:${campaignId}:planned`, { message: 'cleanupPlan', campaignId })],
      at: now.toISOString(),
    });
    this.deps.wake.outbox.poke();
  }

  /** Sponsors by guest id: the bot's own record first, then Entra's (a person, or the approver group). */
  private async sponsorsOf(guestIds: string[]): Promise<Map<string, Sponsor>> {
    const { store, directory, capabilities, settings } = this.deps;
    const found = new Map<string, Sponsor>();
    for (let i = 0; i < guestIds.length; i += PAGE) {
      for (const managed of await store.listManagedGuests(guestIds.slice(i, i + PAGE))) found.set(managed.guestId, managed.sponsor);
    }
    const rest = guestIds.filter((id) => !found.has(id.toLowerCase()));
    if (rest.length === 0 || !capabilities.isOn('cleanup')) return found;
    const inEntra = await directory.readSponsorsOf(rest);
    for (const [guestId, sponsors] of inEntra) {
      const person = sponsors.find((s) => s.kind === 'user');
      const approvers = sponsors.find((s) => s.kind === 'group' && s.id.toLowerCase() === settings.approverGroupId.toLowerCase());
      if (person) found.set(guestId.toLowerCase(), { kind: 'user', id: person.id, name: person.displayName });
      else if (approvers) found.set(guestId.toLowerCase(), { kind: 'group', id: approvers.id, name: APPROVERS_NAME });
    }
    return found;
  }

  /** Dry run: what Run would do, audited; nothing changes. */
  async dryRun(actor: Person, campaignId: string, source: string): Promise<AdminOutcome<CleanupPlan>> {
    const refused = await this.refuseNonAdmin(actor, 'cleanup dry run', source);
    if (refused) return refused;
    const campaign = await this.deps.store.getCampaign(campaignId);
    if (campaign?.kind !== 'cleanup') return { kind: 'notFound', message: 'This cleanup plan is not known any more.' };
    await this.deps.store.appendAudit(this.audit(actor.aadObjectId, 'cleanup_dry_run', { campaignId }, this.deps.clock.now(), source));
    const plan = await this.planModel(campaign);
    if (campaign.state !== 'planned') return { kind: 'ok', value: plan };
    const notice = this.noticeEnds(this.deps.clock.now());
    plan.state = 'dryRun';
    plan.status = `Dry run: nothing changed. Run tells ${plan.sponsors.length} sponsors now; on ${notice} the guests they did not keep are ${this.actionWords()}, ${this.deps.settings.cleanupGuestsPerMinute} a minute, with the call below.`;
    return { kind: 'ok', value: plan };
  }

  /** Run: the sponsors are told now, and the cleanup acts when the notice period is over. */
  async run(actor: Person, campaignId: string, source: string): Promise<AdminOutcome<CleanupPlan>> {
    const { store, clock } = this.deps;
    const refused = await this.refuseNonAdmin(actor, 'cleanup run', source);
    if (refused) return refused;
    const campaign = await store.getCampaign(campaignId);
    if (campaign?.kind !== 'cleanup') return { kind: 'notFound', message: 'This cleanup plan is not known any more.' };
    if (campaign.state === 'planned') {
      const now = clock.now();
      const dueAt = new Date(Date.parse(`${this.noticeEnds(now)}T00:00:00.000Z`) + DAY_MS).toISOString();
      const sponsors = await store.listCampaignSponsors(campaignId);
      const result = await store.applyLifecycleChange({
        campaign: { id: campaignId, expectedVersion: campaign.version, set: { state: 'noticing', dueAt } },
        audit: [
          this.audit(actor.aadObjectId, 'cleanup_started', { campaignId, sponsors: sponsors.length, action: this.deps.settings.guestEndAction }, now, source),
        ],
        outbox: sponsors.map((s) => lifecycleEntry(`cleanup:${campaignId}:${s.sponsor.id}`, { message: 'cleanupNotice', campaignId, sponsorId: s.sponsor.id })),
      });
      if (result.ok) this.deps.wake.outbox.poke();
    }
    const fresh = (await store.getCampaign(campaignId)) ?? campaign;
    return { kind: 'ok', value: await this.planModel(fresh) };
  }

  /** A sponsor's Keep on a cleanup notice: the guest is left out of the cleanup. */
  async keep(actor: Person, campaignId: string, guestId: string, source: string): Promise<AdminOutcome<CleanupNotice>> {
    const { store, roles, clock } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    const item = campaign ? await store.getCampaignItem(campaignId, guestId) : undefined;
    if (!campaign || !item) return { kind: 'notFound', message: 'This cleanup or guest is not known any more.' };
    const sponsor = item.sponsor;
    const allowed = sponsor?.kind === 'user' ? sponsor.id.toLowerCase() === actor.aadObjectId.toLowerCase() : await roles.isApprover(actor.aadObjectId);
    if (!allowed) {
      await store.appendAudit({ actor: actor.aadObjectId, action: 'cleanup_refused', source, detail: { campaignId, guestId }, at: clock.now().toISOString() });
      return { kind: 'forbidden', message: `Only ${item.guestName}'s sponsor can keep them out of the cleanup.` };
    }
    if (campaign.state !== 'noticing')
      return {
        kind: 'invalid',
        message: campaign.state === 'planned' ? 'This cleanup has not started.' : 'The notice period is over: the cleanup has acted already.',
      };
    if (!item.decision) {
      const now = clock.now();
      await store.applyLifecycleChange({
        items: [
          {
            campaignId,
            guestId: item.guestId,
            onlyIfUndecided: true,
            set: { decision: 'keep', decidedBy: actor, decidedAt: now.toISOString(), outcome: 'kept by the sponsor' },
          },
        ],
        audit: [
          this.audit(
            actor.aadObjectId,
            'cleanup_kept',
            { campaignId, guestId: item.guestId },
            now,
            source,
            (await store.getManagedGuest(item.guestId))?.createdByRequest,
          ),
        ],
      });
    }
    const notices = await this.notices(campaign, sponsor?.id);
    const notice = notices.find((n) => n.rows.some((r) => r.guest.id === item.guestId));
    return notice ? { kind: 'ok', value: notice } : { kind: 'notFound', message: 'This guest is not on the cleanup any more.' };
  }

  /** Past the notice period, every guest nobody kept gets a job, spaced to CLEANUP_GUESTS_PER_MINUTE. */
  async deadlines(now: Date): Promise<void> {
    const { store, settings } = this.deps;
    for (const campaign of await store.listCampaigns({ kind: 'cleanup', states: ['noticing', 'applying'] }, 20)) {
      if (campaign.state === 'noticing') {
        if (!campaign.dueAt || Date.parse(campaign.dueAt) > now.getTime()) continue;
        const items = await this.allItems(campaign.id, { undecided: true });
        const gap = 60_000 / settings.cleanupGuestsPerMinute;
        const jobs: NewLifecycleJob[] = items.map((item, i) => ({
          payload: { op: CLEANUP_GUEST, campaignId: campaign.id, guestId: item.guestId },
          runAfter: new Date(now.getTime() + i * gap).toISOString(),
        }));
        const result = await store.applyLifecycleChange({
          campaign: { id: campaign.id, expectedVersion: campaign.version, set: { state: items.length > 0 ? 'applying' : 'closed' } },
          audit: [this.audit('system', 'cleanup_applying', { campaignId: campaign.id, guests: items.length }, now, 'task:campaign-deadlines')],
          jobs,
        });
        if (result.ok) this.deps.wake.worker.poke();
      } else if (await this.allDone(campaign.id)) {
        const result = await store.applyLifecycleChange({
          campaign: { id: campaign.id, expectedVersion: campaign.version, set: { state: 'closed' } },
          audit: [this.audit('system', 'cleanup_closed', { campaignId: campaign.id }, now, 'task:campaign-deadlines')],
          outbox: [lifecycleEntry(`cleanup:${campaign.id}:done`, { message: 'cleanupPlan', campaignId: campaign.id })],
          at: now.toISOString(),
        });
        if (result.ok) this.deps.wake.outbox.poke();
      }
    }
  }

  /**
   * One guest of a running cleanup: looked up again; skipped when kept, no longer a guest, or signed
   * in since the plan; otherwise GUEST_END_ACTION. What the bot gave the guest ends with it.
   */
  async applyToGuest(campaignId: string, guestId: string, source: string): Promise<void> {
    const { store, directory, capabilities, settings, clock } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    const item = await store.getCampaignItem(campaignId, guestId);
    if (campaign?.state !== 'applying' || !item || item.outcome) return;
    const now = clock.now();
    let outcome: string;
    let endState: 'disabled' | 'deleted' | 'kept' | undefined;
    try {
      const withSignIn = item.detail.lastSignIn !== undefined && capabilities.isOn('signIn');
      const guest = await directory.getGuest(guestId, withSignIn);
      const cutoff = Date.parse(campaign.startedAt) - (campaign.filter.staleDays ?? 90) * DAY_MS;
      if (!guest) outcome = 'gone already';
      else if (guest.userType !== 'Guest') outcome = 'skipped: no longer a guest';
      else if (withSignIn && guest.lastSuccessfulSignInDateTime && Date.parse(guest.lastSuccessfulSignInDateTime) > cutoff)
        outcome = 'skipped: signed in since the plan';
      else if (!withSignIn && guest.externalUserState === 'Accepted') outcome = 'skipped: accepted the invitation since the plan';
      else if (settings.guestEndAction === 'none') {
        outcome = 'kept (GUEST_END_ACTION is none)';
        endState = 'kept';
      } else if (settings.guestEndAction === 'disable') {
        capabilities.require('revokeDisable');
        if (guest.accountEnabled !== false) await directory.send(disableUserRequest(guestId));
        outcome = 'disabled';
        endState = 'disabled';
      } else {
        capabilities.require('revokeDelete');
        try {
          await directory.send(deleteUserRequest(guestId));
          outcome = 'deleted';
        } catch (error) {
          if (toGraphFailure(error).status !== 404) throw error;
          outcome = 'gone already';
        }
        endState = 'deleted';
      }
    } catch (error) {
      const failure = error instanceof FeatureOff ? GraphFailure.turnedOff(error.message) : toGraphFailure(error);
      if (failure.transient) throw failure;
      outcome = `failed: ${failure.userMessage}`;
    }
    const managed = await store.getManagedGuest(guestId);
    const change: LifecycleChange = {
      items: [{ campaignId, guestId, set: { outcome } }],
      audit: [
        this.audit('system', 'cleanup_applied', { campaignId, guestId, outcome: outcome.split(':')[0] ?? outcome }, now, source, managed?.createdByRequest),
      ],
    };
    // A guest the bot looks after ends in its records too, and what the bot gave it is removed.
    if (managed && endState && !managed.endState) {
      change.guests = [{ guestId: managed.guestId, expectedVersion: managed.version, set: { endState, endedAt: now.toISOString() } }];
      const live = (await store.listGrants({ guestId })).filter((g) => g.state === 'active');
      const endings = live.map((g) => this.deps.access.endingChange(g, 'grant_ending', { campaignId, why: 'cleanup' }, now, 'system', source));
      change.grants = endings.flatMap((e) => e.grants ?? []);
      change.jobs = endings.flatMap((e) => e.jobs ?? []);
      change.audit = [...change.audit, ...endings.flatMap((e) => e.audit)];
    }
    await store.applyLifecycleChange(change);
    this.deps.wake.worker.poke();
  }

  /** The cards a cleanup message becomes when it is delivered. */
  async render(
    payload: LifecycleMessagePayload,
  ): Promise<{ to: Sponsor | { conversation: Record<string, unknown> }; messages: (CleanupPlan | CleanupNotice)[] } | undefined> {
    if (payload.message !== 'cleanupPlan' && payload.message !== 'cleanupNotice') return undefined;
    const campaign = await this.deps.store.getCampaign(payload.campaignId);
    if (!campaign) return undefined;
    if (payload.message === 'cleanupPlan')
      return campaign.conversation ? { to: { conversation: campaign.conversation }, messages: [await this.planModel(campaign)] } : undefined;
    const notices = await this.notices(campaign, payload.sponsorId);
    const sponsor = (await this.deps.store.listCampaignItems(campaign.id, { sponsorId: payload.sponsorId }, 1))[0]?.sponsor;
    return sponsor && notices.length > 0 ? { to: sponsor, messages: notices } : undefined;
  }

  private async planModel(campaign: Campaign): Promise<CleanupPlan> {
    const { store, directory, settings } = this.deps;
    const [counts, sponsors, first] = await Promise.all([
      store.countCampaignItems(campaign.id),
      store.listCampaignSponsors(campaign.id),
      store.listCampaignItems(campaign.id, {}, PLAN_ROWS),
    ]);
    const withSponsor = sponsors.reduce((sum, s) => sum + s.items, 0);
    const write = settings.guestEndAction === 'delete' ? deleteUserRequest(GUEST_ID) : disableUserRequest(GUEST_ID);
    const plan: CleanupPlan = {
      kind: 'cleanupPlan',
      campaignId: campaign.id,
      staleDays: campaign.filter.staleDays ?? 90,
      basis: campaign.note?.includes(NO_SIGN_IN_LICENCE) || !this.deps.capabilities.isOn('signIn') ? 'neverRedeemed' : 'signIn',
      total: counts.items,
      rows: first.map((item) => row(item)),
      sponsors: sponsors.map((s) => ({ name: s.sponsor.name, guests: s.items })),
      withoutSponsor: counts.items - withSponsor,
      endAction: settings.guestEndAction,
      noticeDays: settings.guestExpiryNoticeDays,
      calls:
        settings.guestEndAction === 'none'
          ? []
          : [
              {
                method: write.method,
                url: directory.urlOf(write.path).replace(encodeURIComponent(GUEST_ID), GUEST_ID),
                ...(write.body ? { body: JSON.stringify(write.body) } : {}),
              },
            ],
      state: campaign.state === 'planned' || campaign.state === 'planning' ? 'planned' : campaign.state === 'closed' ? 'done' : 'running',
    };
    if (campaign.note) plan.basisNote = campaign.note;
    if (campaign.state === 'noticing' && campaign.dueAt)
      plan.status = `Running: the sponsors were told; on ${lastDayOf(campaign.dueAt)} the cleanup acts on the guests they did not keep.`;
    if (campaign.state === 'applying') plan.status = `Acting now, ${settings.cleanupGuestsPerMinute} guests a minute: ${counts.done} of ${counts.items} done.`;
    if (campaign.state === 'closed')
      plan.status = `Done: ${counts.kept} kept by their sponsors, the rest ${this.actionWords()} or skipped (see the audit log).`;
    return plan;
  }

  private async notices(campaign: Campaign, sponsorId: string | undefined): Promise<CleanupNotice[]> {
    const items = await this.allItems(campaign.id, { sponsorId });
    const actsOn = campaign.dueAt ? lastDayOf(campaign.dueAt) : this.noticeEnds(this.deps.clock.now());
    const notices: CleanupNotice[] = [];
    for (let i = 0; i < items.length; i += NOTICE_ROWS) {
      notices.push({
        kind: 'cleanupNotice',
        campaignId: campaign.id,
        rows: items.slice(i, i + NOTICE_ROWS).map(row),
        endAction: this.deps.settings.guestEndAction,
        actsOn,
        staleDays: campaign.filter.staleDays ?? 90,
      });
    }
    return notices;
  }

  /** Whether every guest of the campaign has its outcome (kept, acted on, or skipped). */
  private async allDone(campaignId: string): Promise<boolean> {
    const counts = await this.deps.store.countCampaignItems(campaignId);
    return counts.done === counts.items;
  }

  /** The last day sponsors may keep a guest. */
  private noticeEnds(now: Date): string {
    return dayOf(new Date(now.getTime() + this.deps.settings.guestExpiryNoticeDays * DAY_MS));
  }

  private actionWords(): string {
    return { disable: 'disabled', delete: 'deleted', none: 'left as they are (GUEST_END_ACTION is none)' }[this.deps.settings.guestEndAction];
  }

  private async allItems(campaignId: string, query: { sponsorId?: string; undecided?: boolean }): Promise<CampaignItem[]> {
    const items: CampaignItem[] = [];
    for (;;) {
      const page = await this.deps.store.listCampaignItems(campaignId, { ...query, afterGuestId: items[items.length - 1]?.guestId }, PAGE);
      items.push(...page);
      if (page.length < PAGE) return items;
    }
  }

  private async refuseNonAdmin(actor: Person, command: string, source: string): Promise<{ kind: 'forbidden'; message: string } | undefined> {
    if (await this.deps.roles.isAdmin(actor.aadObjectId)) return undefined;
    await this.deps.store.appendAudit({
      actor: actor.aadObjectId,
      action: 'admin_command_refused',
      source,
      detail: { command, why: 'not_admin' },
      at: this.deps.clock.now().toISOString(),
    });
    return { kind: 'forbidden', message: 'Only members of the guest access admin group can clean up guests. Your attempt was recorded.' };
  }

  private audit(actor: string, action: string, detail: AuditEntry['detail'], now: Date, source: string, requestId?: string): AuditEntry {
    const entry: AuditEntry = { actor, action, source, detail, at: now.toISOString() };
    if (requestId) entry.requestId = requestId;
    return entry;
  }
}

function row(item: CampaignItem): DigestRow {
  const line: DigestRow = { guest: { id: item.guestId, displayName: item.guestName, email: item.guestEmail }, detail: item.detail };
  if (item.decision) line.decision = item.decision;
  if (item.decidedBy) line.decidedBy = item.decidedBy.name;
  if (item.outcome) line.outcome = item.outcome;
  return line;
}
