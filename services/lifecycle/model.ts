/**
 * What a guest's access is made of over time: the grants a request gave (each with its end), the
 * guests the bot looks after (each with a sponsor), and the campaigns that ask sponsors about their
 * guests (recertification) or clean up stale guests.
 */
import type { Person } from '../requests/model';

/** What one grant gave: the guest account itself, a group membership, an app role or a directory role. */
export const GRANT_KINDS = ['account', 'group', 'appRole', 'directoryRole'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

/**
 * `active` until its end; `ending` while the worker removes it; `ended` once removed (or found gone,
 * or handed to another grant); `failed` when it could not be removed and someone has to look.
 */
export const GRANT_STATES = ['active', 'ending', 'ended', 'failed'] as const;
export type GrantState = (typeof GRANT_STATES)[number];

/** States in which a grant still gives something. */
export const LIVE_GRANT_STATES: readonly GrantState[] = ['active', 'ending'];

export interface Grant {
  id: string;
  /** The request that made it. */
  requestId: string;
  guestId: string;
  kind: GrantKind;
  /**
   * What it is on: the guest's id (account), the group's id, `<service principal id>:<app role id>`
   * (appRole) or the role definition id (directoryRole).
   */
  targetId: string;
  /** In words, for cards: the group's or role's name, "Partner Portal — Portal reader". */
  targetName: string;
  /** The assignment the request made (app and directory roles), removed by this id and no other. */
  assignmentId?: string;
  /**
   * Whether this request's execution gave it. False when the guest had it already (someone else
   * gave it): its end then removes nothing.
   */
  given: boolean;
  state: GrantState;
  /** When it ends; absent for access without an end date. */
  endsAt?: string;
  /** The end date the sponsor was last told about; a new end date gets a notice of its own. */
  noticedFor?: string;
  endedAt?: string;
  /** How it ended, or why it could not be removed. */
  endReason?: string;
  createdAt: string;
  /** Incremented by every change; changes compare it (compare-and-set). */
  version: number;
}

export type NewGrant = Pick<Grant, 'id' | 'requestId' | 'guestId' | 'kind' | 'targetId' | 'targetName' | 'assignmentId' | 'given' | 'endsAt' | 'createdAt'>;

/** What a change to a grant may set; `null` clears a field. */
export interface GrantPatch {
  state?: GrantState;
  endsAt?: string | null;
  noticedFor?: string | null;
  endedAt?: string | null;
  endReason?: string | null;
  given?: boolean;
  assignmentId?: string | null;
}

/** Who answers for a guest: a colleague, or a group (the approvers, once a sponsor left). */
export interface Sponsor {
  kind: 'user' | 'group';
  id: string;
  name: string;
}

/**
 * What happened to a guest whose access all ended (only for guests the bot's invitation created):
 * `ending` while the worker applies GUEST_END_ACTION, then `disabled`, `deleted` or `kept` (the
 * action is `none`), or `failed`.
 */
export const GUEST_END_STATES = ['ending', 'disabled', 'deleted', 'kept', 'failed'] as const;
export type GuestEndState = (typeof GUEST_END_STATES)[number];

/** A guest the bot looks after: invited by it, given access through it, or given a sponsor with `sponsor`. */
export interface ManagedGuest {
  guestId: string;
  email: string;
  displayName: string;
  sponsor: Sponsor;
  /** The request whose invitation created the account; such a guest gets GUEST_END_ACTION when nothing is left. */
  createdByRequest?: string;
  endState?: GuestEndState;
  endedAt?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type NewManagedGuest = Pick<ManagedGuest, 'guestId' | 'email' | 'displayName' | 'sponsor' | 'createdByRequest' | 'createdAt'>;

export interface ManagedGuestPatch {
  sponsor?: Sponsor;
  endState?: GuestEndState | null;
  endedAt?: string | null;
  displayName?: string;
}

export const CAMPAIGN_KINDS = ['recertification', 'cleanup'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

/**
 * Recertification: `collecting` (guests read, digests going out) → `open` (sponsors answer until
 * the grace ends) → `escalated` (the approvers answer what is left) → `closed`.
 * Cleanup: `planning` → `planned` (the plan card; dry run or run) → `noticing` (sponsors may keep
 * guests until the notice ends) → `applying` (throttled jobs) → `closed`.
 */
export const CAMPAIGN_STATES = ['collecting', 'open', 'escalated', 'planning', 'planned', 'noticing', 'applying', 'closed'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** Which guests a campaign covers, as the admin typed it. */
export interface CampaignFilter {
  domain?: string;
  staleDays?: number;
}

export interface Campaign {
  id: string;
  kind: CampaignKind;
  state: CampaignState;
  /** Who started it; the schedule starts recertifications as `system`. */
  startedBy: Person;
  startedAt: string;
  filter: CampaignFilter;
  /** When the current stage ends: the grace (recertification), the notice period (cleanup). */
  dueAt?: string;
  /** Where the admin who started it is answered (a Bot Framework conversation reference, opaque here). */
  conversation?: Record<string, unknown>;
  /** Something the cards say about the whole campaign (e.g. sign-in activity could not be read). */
  note?: string;
  updatedAt: string;
  version: number;
}

export type NewCampaign = Pick<Campaign, 'id' | 'kind' | 'state' | 'startedBy' | 'startedAt' | 'filter' | 'dueAt' | 'conversation' | 'note'>;

export interface CampaignPatch {
  state?: CampaignState;
  dueAt?: string | null;
  note?: string | null;
}

/** What a card shows of one guest in a campaign, gathered when it was built. */
export interface CampaignItemDetail {
  /** Last successful sign-in; null when none is recorded, absent when it could not be read. */
  lastSignIn?: string | null;
  /** The invitation state, used when sign-in activity cannot be read. */
  invitationState?: string | null;
  groups?: string[];
  apps?: string[];
  /** Why a part could not be read. */
  unreadable?: string;
  /** Why the guest is in a cleanup plan, in words. */
  reason?: string;
}

export const CAMPAIGN_DECISIONS = ['keep', 'remove'] as const;
export type CampaignDecision = (typeof CAMPAIGN_DECISIONS)[number];

export interface CampaignItem {
  campaignId: string;
  guestId: string;
  guestName: string;
  guestEmail: string;
  /** Who is asked about the guest; absent for a guest nobody sponsors (cleanup only). */
  sponsor?: Sponsor;
  detail: CampaignItemDetail;
  decision?: CampaignDecision;
  decidedBy?: Person;
  decidedAt?: string;
  /** Past the grace without an answer, handed to the approvers. */
  escalated: boolean;
  /** What was done about it in the end, in words. */
  outcome?: string;
}

export type NewCampaignItem = Pick<CampaignItem, 'campaignId' | 'guestId' | 'guestName' | 'guestEmail' | 'sponsor' | 'detail'>;

export interface CampaignItemPatch {
  decision?: CampaignDecision;
  decidedBy?: Person;
  decidedAt?: string;
  escalated?: boolean;
  outcome?: string;
  detail?: CampaignItemDetail;
}

/** How far a campaign has got. */
export interface CampaignCounts {
  items: number;
  kept: number;
  removed: number;
  undecided: number;
  escalated: number;
  /** Items whose outcome is recorded (cleanup: applied or skipped). */
  done: number;
}

/** One sponsor of a campaign and how many of their guests it covers. */
export interface CampaignSponsor {
  sponsor: Sponsor;
  items: number;
}
