/**
 * Recertification in chat: every RECERTIFY_DAYS (or when an admin types `recertify`) each sponsor
 * gets one digest card of their guests (last sign-in, groups, apps) with Keep and Remove per guest
 * and Keep all. Remove ends what the bot gave through the same path as an end date. Whatever a
 * sponsor leaves unanswered for RECERTIFY_GRACE_DAYS goes to the approvers, whose decision is final.
 *
 * A campaign is collected by one job (the guests the bot looks after, their sign-in read in one walk
 * of the directory) and sent by one job per sponsor, which reads that sponsor's guests' groups and
 * apps in `$batch`es: one call for up to ten guests.
 */
import type { Capabilities } from '../directory/capabilities';
import type { GraphDirectory } from '../directory/graphDirectory';
import type { RoleService } from '../directory/roles';
import type { AdminOutcome } from '../guests/guestModel';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { AuditEntry, Person } from '../requests/model';
import { newRequestId } from '../requests/requestIds';
import type { LifecycleChange, Store } from '../store/store';
import { dayOf, lastDayOf } from './accessPeriod';
import { lifecycleEntry, type GuestLifecycle, type LifecycleMessagePayload } from './guestLifecycle';
import { walkGuests } from './guestWalk';
import type { RecertificationDigest } from './messages';
import type { Campaign, CampaignCounts, CampaignFilter, CampaignItem, CampaignItemDetail, CampaignItemPatch, NewCampaignItem, Sponsor } from './model';

export type RecertificationDirectory = Pick<GraphDirectory, 'listGuests' | 'nextGuests' | 'readGuestAccess'>;

/** The job steps of a campaign. */
export const RECERTIFICATION_COLLECT = 'recertificationCollect';
export const RECERTIFICATION_DIGEST = 'recertificationDigest';

/** Periodic tasks: the schedule that starts campaigns, and the one that escalates and closes them. */
export const RECERTIFICATION_SCHEDULE = 'recertification-schedule';
export const CAMPAIGN_DEADLINES = 'campaign-deadlines';

/** Guests on one card: enough for most sponsors, small enough for Teams' message size. */
export const GUESTS_PER_CARD = 20;
/** The states in which a recertification still waits for answers. */
const RUNNING = ['collecting', 'open', 'escalated'] as const;
const PAGE = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Who started a campaign by schedule. */
export const SCHEDULE: Person = { aadObjectId: 'system', name: 'the schedule' };

export interface RecertificationProgress {
  campaign: Campaign;
  counts: CampaignCounts;
  sponsors: number;
}

export class Recertification {
  constructor(
    private readonly deps: {
      store: Store;
      directory: RecertificationDirectory;
      roles: Pick<RoleService, 'isAdmin' | 'isApprover'>;
      capabilities: Capabilities;
      settings: { recertifyDays: number; recertifyGraceDays: number };
      clock: Clock;
      logger: Logger;
      access: GuestLifecycle;
      wake: { outbox: { poke(): void }; worker: { poke(): void } };
    },
  ) {}

  /** `recertify [domain:…]`: starts a campaign now, unless one is running. */
  async start(actor: Person, filterText: string, source: string): Promise<AdminOutcome<Campaign>> {
    const { store, roles, clock } = this.deps;
    if (!(await roles.isAdmin(actor.aadObjectId))) {
      await store.appendAudit({
        actor: actor.aadObjectId,
        action: 'admin_command_refused',
        source,
        detail: { command: 'recertify', why: 'not_admin' },
        at: clock.now().toISOString(),
      });
      return { kind: 'forbidden', message: 'Only members of the guest access admin group can start a recertification. Your attempt was recorded.' };
    }
    const off = this.deps.capabilities.offMessage('recertification');
    if (off) return { kind: 'turnedOff', message: off };
    const filter = parseFilter(filterText);
    if (!filter) return { kind: 'invalid', message: 'Type "recertify" for every guest, or "recertify domain:fabrikam.com" for one partner\'s guests.' };
    return this.begin(actor, filter, source);
  }

  /** The schedule's run: a campaign every RECERTIFY_DAYS, over every guest. */
  async scheduled(now: Date): Promise<void> {
    const result = await this.begin(SCHEDULE, {}, `task:${RECERTIFICATION_SCHEDULE}`, now);
    if (result.kind !== 'ok') this.deps.logger.info({ why: result.kind }, 'scheduled recertification not started');
  }

  private async begin(actor: Person, filter: CampaignFilter, source: string, at?: Date): Promise<AdminOutcome<Campaign>> {
    const { store, settings } = this.deps;
    const now = at ?? this.deps.clock.now();
    const running = (await store.listCampaigns({ kind: 'recertification', states: RUNNING }, 1))[0];
    if (running) {
      return {
        kind: 'invalid',
        message: `A recertification started by ${running.startedBy.name} on ${dayOf(new Date(running.startedAt))} is still running: type "recertification" to see how far it has got.`,
      };
    }
    const id = newRequestId().replace(/^GA-/, 'RC-');
    const dueAt = new Date(now.getTime() + settings.recertifyGraceDays * DAY_MS).toISOString();
    const result = await store.applyLifecycleChange({
      campaign: { insert: { id, kind: 'recertification', state: 'collecting', startedBy: actor, startedAt: now.toISOString(), filter, dueAt } },
      audit: [this.audit(actor.aadObjectId, 'recertification_started', { campaignId: id, domain: filter.domain ?? null }, now, source)],
      jobs: [{ payload: { op: RECERTIFICATION_COLLECT, campaignId: id } }],
    });
    if (!result.ok) return { kind: 'failed', message: 'The campaign could not be stored; try again.' };
    this.deps.wake.worker.poke();
    const campaign = await store.getCampaign(id);
    return campaign ? { kind: 'ok', value: campaign } : { kind: 'failed', message: 'The campaign could not be read back; try again.' };
  }

  /**
   * The collecting job: one item per guest the bot looks after (of the domain asked), with the last
   * sign-in from one walk of the directory's guests, then a digest job per sponsor. Items already
   * written by an earlier attempt are kept, so the step can run again after a crash.
   */
  async collect(campaignId: string, source: string): Promise<void> {
    const { store, directory, capabilities, clock } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    if (campaign?.state !== 'collecting') return;
    const seen = new Map<string, CampaignItemDetail>();
    const walk = await walkGuests(directory, { domain: campaign.filter.domain, withSignIn: capabilities.isOn('signIn') }, (guests) => {
      for (const guest of guests) {
        const detail: CampaignItemDetail = { invitationState: guest.externalUserState };
        if (guest.lastSuccessfulSignInDateTime !== undefined) detail.lastSignIn = guest.lastSuccessfulSignInDateTime;
        seen.set(guest.id.toLowerCase(), detail);
      }
    });
    const suffix = campaign.filter.domain ? `@${campaign.filter.domain}` : undefined;
    let items = 0;
    let after = '';
    for (;;) {
      const guests = await store.listActiveManagedGuests({ afterGuestId: after }, PAGE);
      if (guests.length === 0) break;
      const batch: NewCampaignItem[] = [];
      for (const guest of guests) {
        const detail = seen.get(guest.guestId);
        // A guest gone from the directory (deleted outside the bot) has nothing to recertify.
        if (!detail || (suffix && !guest.email.endsWith(suffix))) continue;
        batch.push({ campaignId, guestId: guest.guestId, guestName: guest.displayName, guestEmail: guest.email, sponsor: guest.sponsor, detail });
      }
      await store.insertCampaignItems(batch);
      items += batch.length;
      after = guests[guests.length - 1]?.guestId ?? after;
      if (guests.length < PAGE) break;
    }
    const sponsors = await store.listCampaignSponsors(campaignId);
    const now = clock.now();
    const change: LifecycleChange = {
      campaign: { id: campaignId, expectedVersion: campaign.version, set: { state: sponsors.length > 0 ? 'open' : 'closed', note: walk.note ?? null } },
      audit: [
        this.audit('system', 'recertification_collected', { campaignId, guests: items, sponsors: sponsors.length, directoryPages: walk.pages }, now, source),
      ],
      jobs: sponsors.map((s) => ({ payload: { op: RECERTIFICATION_DIGEST, campaignId, sponsorId: s.sponsor.id } })),
    };
    await store.applyLifecycleChange(change);
    this.deps.wake.worker.poke();
  }

  /** The digest job of one sponsor: their guests' groups and apps read in batches, then the card sent. */
  async digest(campaignId: string, sponsorId: string, source: string): Promise<void> {
    const { store, directory, capabilities, clock } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    if (!campaign || campaign.state === 'collecting' || campaign.state === 'closed') return;
    const items = await this.allItems(campaignId, { sponsorId });
    const details: { guestId: string; detail: CampaignItemDetail }[] = [];
    if (capabilities.isOn('guestGroups') || capabilities.isOn('guestAppRoles')) {
      const access = await directory.readGuestAccess(items.map((i) => i.guestId));
      for (const item of items) {
        const read = access.get(item.guestId);
        if (!read) continue;
        const detail: CampaignItemDetail = { ...item.detail };
        if (read.groups.ok) detail.groups = read.groups.value.map((g) => g.displayName);
        if (read.appRoles.ok) detail.apps = [...new Set(read.appRoles.value.map((a) => a.resourceDisplayName ?? a.resourceId))];
        const unreadable = [read.groups, read.appRoles].find((part) => !part.ok);
        if (unreadable && !unreadable.ok) detail.unreadable = unreadable.reason;
        details.push({ guestId: item.guestId, detail });
      }
      await store.saveCampaignItemDetails(campaignId, details);
    }
    await store.applyLifecycleChange({
      at: clock.now().toISOString(),
      audit: [this.audit('system', 'recertification_digest_prepared', { campaignId, sponsor: sponsorId, guests: items.length }, clock.now(), source)],
      outbox: [lifecycleEntry(`recertification:${campaignId}:${sponsorId}`, { message: 'recertificationDigest', campaignId, sponsorId })],
    });
    this.deps.wake.outbox.poke();
  }

  /** The cards a digest (or the approvers' escalation) message becomes when it is delivered. */
  async render(payload: LifecycleMessagePayload): Promise<{ to: Sponsor | 'approvers'; messages: RecertificationDigest[] } | undefined> {
    if (payload.message !== 'recertificationDigest' && payload.message !== 'recertificationEscalated') return undefined;
    const campaign = await this.deps.store.getCampaign(payload.campaignId);
    if (!campaign || campaign.state === 'closed') return undefined;
    if (payload.message === 'recertificationEscalated') {
      const items = await this.allItems(campaign.id, { escalated: true });
      if (items.length === 0) return undefined;
      return { to: 'approvers', messages: this.cards(campaign, items, 'approvers') };
    }
    const items = await this.allItems(campaign.id, { sponsorId: payload.sponsorId });
    const sponsor = items[0]?.sponsor;
    if (!sponsor) return undefined;
    return { to: sponsor, messages: this.cards(campaign, items, 'sponsor') };
  }

  private cards(campaign: Campaign, items: CampaignItem[], audience: 'sponsor' | 'approvers'): RecertificationDigest[] {
    const parts = Math.ceil(items.length / GUESTS_PER_CARD);
    return Array.from({ length: parts }, (_, n) =>
      this.card(campaign, items.slice(n * GUESTS_PER_CARD, (n + 1) * GUESTS_PER_CARD), audience, parts > 1 ? { n: n + 1, of: parts } : undefined),
    );
  }

  private card(campaign: Campaign, items: CampaignItem[], audience: 'sponsor' | 'approvers', part?: { n: number; of: number }): RecertificationDigest {
    const digest: RecertificationDigest = {
      kind: 'recertificationDigest',
      campaignId: campaign.id,
      audience,
      rows: items.map((item) => {
        const row: RecertificationDigest['rows'][number] = {
          guest: { id: item.guestId, displayName: item.guestName, email: item.guestEmail },
          detail: item.detail,
        };
        if (item.decision) row.decision = item.decision;
        if (item.decidedBy) row.decidedBy = item.decidedBy.name;
        if (item.outcome) row.outcome = item.outcome;
        return row;
      }),
      answerBy: campaign.dueAt ? lastDayOf(campaign.dueAt) : dayOf(this.deps.clock.now()),
    };
    if (items[0]?.sponsor && audience === 'sponsor') digest.sponsor = items[0].sponsor;
    if (part) digest.part = part;
    if (campaign.note) digest.signInNote = campaign.note;
    return digest;
  }

  // -------------------------------------------------------------------------------------------
  // Answers

  /** Keep or Remove one guest; the card comes back with the answer, or says why it was not taken. */
  async decide(actor: Person, campaignId: string, guestId: string, decision: 'keep' | 'remove', source: string): Promise<AdminOutcome<RecertificationDigest>> {
    const { store, clock } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    const item = campaign ? await store.getCampaignItem(campaignId, guestId) : undefined;
    if (!campaign || !item) return { kind: 'notFound', message: 'This recertification or guest is not known any more.' };
    const refused = await this.refusal(actor, campaign, item, source);
    if (refused) return refused;
    if (!item.decision) {
      const now = clock.now();
      const change = await this.decisionChange(actor, campaign, item, decision, now, source);
      const result = await store.applyLifecycleChange(change);
      if (result.ok) {
        this.deps.wake.worker.poke();
        this.deps.wake.outbox.poke();
      }
    }
    return { kind: 'ok', value: await this.cardWith(campaign, item) };
  }

  /** Keep all on one card: every guest on it nobody answered for yet is kept. */
  async keepAll(actor: Person, campaignId: string, firstGuestId: string, source: string): Promise<AdminOutcome<RecertificationDigest>> {
    const { store, clock } = this.deps;
    const campaign = await store.getCampaign(campaignId);
    const first = campaign ? await store.getCampaignItem(campaignId, firstGuestId) : undefined;
    if (!campaign || !first) return { kind: 'notFound', message: 'This recertification is not known any more.' };
    const refused = await this.refusal(actor, campaign, first, source);
    if (refused) return refused;
    const card = await this.cardWith(campaign, first);
    const now = clock.now();
    for (const row of card.rows.filter((r) => !r.decision)) {
      const item = await store.getCampaignItem(campaignId, row.guest.id);
      // Each guest on the card is one the actor may answer for: the same sponsor, or the same escalation.
      if (item && !item.decision && !(await this.refusal(actor, campaign, item, source, { audit: false }))) {
        await store.applyLifecycleChange(await this.decisionChange(actor, campaign, item, 'keep', now, source));
      }
    }
    return { kind: 'ok', value: await this.cardWith(campaign, first) };
  }

  /** Why the actor may not answer for this guest now, or undefined when they may. */
  private async refusal(
    actor: Person,
    campaign: Campaign,
    item: CampaignItem,
    source: string,
    options = { audit: true },
  ): Promise<AdminOutcome<never> | undefined> {
    const { roles, store, clock } = this.deps;
    if (campaign.state !== 'open' && campaign.state !== 'escalated')
      return { kind: 'invalid', message: 'This recertification is closed: nothing changes any more.' };
    let allowed: boolean;
    let message: string;
    if (item.escalated) {
      allowed = await roles.isApprover(actor.aadObjectId);
      message = `Nobody answered for ${item.guestName} in time, so the approvers decide now, and their decision is final.`;
    } else if (item.sponsor?.kind === 'user') {
      allowed = item.sponsor.id.toLowerCase() === actor.aadObjectId.toLowerCase();
      message = `Only ${item.guestName}'s sponsor (${item.sponsor.name}) answers for them until ${campaign.dueAt ? lastDayOf(campaign.dueAt) : 'the end of the grace'}.`;
    } else {
      allowed = await roles.isApprover(actor.aadObjectId);
      message = `The approvers sponsor ${item.guestName}, so one of them answers for them.`;
    }
    if (allowed) return undefined;
    if (options.audit) {
      await store.appendAudit({
        actor: actor.aadObjectId,
        action: 'recertification_refused',
        source,
        detail: { campaignId: campaign.id, guestId: item.guestId },
        at: clock.now().toISOString(),
      });
    }
    return { kind: 'forbidden', message };
  }

  /** The answer, and for Remove the end of every live grant the bot gave the guest (the end-date path). */
  private async decisionChange(
    actor: Person,
    campaign: Campaign,
    item: CampaignItem,
    decision: 'keep' | 'remove',
    now: Date,
    source: string,
  ): Promise<LifecycleChange> {
    const guest = await this.deps.store.getManagedGuest(item.guestId);
    const detail = { campaignId: campaign.id, guestId: item.guestId, escalated: item.escalated };
    const answer: CampaignItemPatch = { decision, decidedBy: actor, decidedAt: now.toISOString() };
    const audit = [this.audit(actor.aadObjectId, `recertification_${decision === 'keep' ? 'kept' : 'removed'}`, detail, now, source, guest?.createdByRequest)];
    if (decision === 'keep') return { items: [{ campaignId: campaign.id, guestId: item.guestId, onlyIfUndecided: true, set: answer }], audit };
    const live = (await this.deps.store.listGrants({ guestId: item.guestId })).filter((g) => g.state === 'active');
    const endings = live.map((g) =>
      this.deps.access.endingChange(g, 'grant_ending', { campaignId: campaign.id, why: 'recertification' }, now, actor.aadObjectId, source),
    );
    answer.outcome = live.length > 0 ? 'removing what the bot gave' : 'nothing the bot gave to remove';
    return {
      items: [{ campaignId: campaign.id, guestId: item.guestId, onlyIfUndecided: true, set: answer }],
      grants: endings.flatMap((e) => e.grants ?? []),
      jobs: endings.flatMap((e) => e.jobs ?? []),
      audit: [...audit, ...endings.flatMap((e) => e.audit)],
    };
  }

  /** The card holding this guest, as it stands now (the same parts the digest was sent in). */
  private async cardWith(campaign: Campaign, item: CampaignItem): Promise<RecertificationDigest> {
    const audience = item.escalated ? 'approvers' : 'sponsor';
    const items = item.escalated ? await this.allItems(campaign.id, { escalated: true }) : await this.allItems(campaign.id, { sponsorId: item.sponsor?.id });
    const fresh = (await this.deps.store.getCampaign(campaign.id)) ?? campaign;
    const cards = this.cards(fresh, items, audience);
    return cards.find((c) => c.rows.some((r) => r.guest.id === item.guestId)) ?? this.card(fresh, [item], audience);
  }

  // -------------------------------------------------------------------------------------------
  // Deadlines

  /**
   * Past the grace, what sponsors left unanswered goes to the approvers (one message, cards of up to
   * 20 guests); past a second grace the campaign closes, and what nobody answered is kept.
   */
  async deadlines(now: Date): Promise<void> {
    const { store, settings } = this.deps;
    const due = await store.listCampaigns({ kind: 'recertification', states: ['open', 'escalated'] }, 50);
    for (const campaign of due.filter((c) => c.dueAt !== undefined && Date.parse(c.dueAt) <= now.getTime())) {
      if (campaign.state === 'open') {
        const waiting = await this.allItems(campaign.id, { undecided: true, escalated: false });
        const change: LifecycleChange = {
          campaign: {
            id: campaign.id,
            expectedVersion: campaign.version,
            set: { state: 'escalated', dueAt: new Date(now.getTime() + settings.recertifyGraceDays * DAY_MS).toISOString() },
          },
          items: waiting.map((i) => ({ campaignId: campaign.id, guestId: i.guestId, onlyIfUndecided: true, set: { escalated: true } })),
          audit: [this.audit('system', 'recertification_escalated', { campaignId: campaign.id, guests: waiting.length }, now, `task:${CAMPAIGN_DEADLINES}`)],
          outbox:
            waiting.length > 0
              ? [lifecycleEntry(`recertification:${campaign.id}:escalated`, { message: 'recertificationEscalated', campaignId: campaign.id })]
              : [],
          at: now.toISOString(),
        };
        if (waiting.length === 0) change.campaign = { id: campaign.id, expectedVersion: campaign.version, set: { state: 'closed' } };
        if ((await store.applyLifecycleChange(change)).ok) this.deps.wake.outbox.poke();
      } else {
        const counts = await store.countCampaignItems(campaign.id);
        await store.applyLifecycleChange({
          campaign: { id: campaign.id, expectedVersion: campaign.version, set: { state: 'closed' } },
          audit: [
            this.audit(
              'system',
              'recertification_closed',
              { campaignId: campaign.id, kept: counts.kept, removed: counts.removed, unanswered: counts.undecided },
              now,
              `task:${CAMPAIGN_DEADLINES}`,
            ),
          ],
        });
      }
    }
  }

  /** `recertification`: the latest campaign and how far it has got. */
  async progress(actor: Person, source: string): Promise<AdminOutcome<RecertificationProgress | undefined>> {
    const { store, roles, clock } = this.deps;
    if (!(await roles.isAdmin(actor.aadObjectId))) {
      await store.appendAudit({
        actor: actor.aadObjectId,
        action: 'admin_command_refused',
        source,
        detail: { command: 'recertification', why: 'not_admin' },
        at: clock.now().toISOString(),
      });
      return { kind: 'forbidden', message: 'Only members of the guest access admin group can see recertifications. Your attempt was recorded.' };
    }
    const campaign = (await store.listCampaigns({ kind: 'recertification' }, 1))[0];
    if (!campaign) return { kind: 'ok', value: undefined };
    const [counts, sponsors] = await Promise.all([store.countCampaignItems(campaign.id), store.listCampaignSponsors(campaign.id)]);
    return { kind: 'ok', value: { campaign, counts, sponsors: sponsors.length } };
  }

  private async allItems(campaignId: string, query: { sponsorId?: string; undecided?: boolean; escalated?: boolean }): Promise<CampaignItem[]> {
    const items: CampaignItem[] = [];
    for (;;) {
      const page = await this.deps.store.listCampaignItems(campaignId, { ...query, afterGuestId: items[items.length - 1]?.guestId }, PAGE);
      items.push(...page);
      if (page.length < PAGE) return items;
    }
  }

  private audit(actor: string, action: string, detail: AuditEntry['detail'], now: Date, source: string, requestId?: string): AuditEntry {
    const entry: AuditEntry = { actor, action, source, detail, at: now.toISOString() };
    if (requestId) entry.requestId = requestId;
    return entry;
  }
}

/** The words after `recertify`: nothing, or `domain:fabrikam.com`. */
function parseFilter(text: string): CampaignFilter | undefined {
  const words = text
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return {};
  const match = words.length === 1 ? /^domain:@?([a-z0-9.-]+\.[a-z]{2,63})$/.exec(words[0] ?? '') : null;
  return match?.[1] ? { domain: match[1] } : undefined;
}
