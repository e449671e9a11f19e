/**
 * What the lifecycle tells people, as typed models the cards render, and the port through which it
 * is sent (implemented in bot/ with the adapter and the stored conversations). Every message goes
 * out from the outbox, written with the change it announces.
 */
import type { GuestEndAction } from '../platform/config';
import type { CampaignItemDetail, Sponsor } from './model';

/** A guest as the lifecycle cards name them. */
export interface GuestName {
  id: string;
  displayName: string;
  email: string;
}

/** What a grant gave, in words, and what ending it does. */
export interface EndingItem {
  /** "Project Falcon (group)". */
  label: string;
  /** False when the request found it there already: its end leaves it alone. */
  given: boolean;
}

/** The sponsor's choices before a guest's access ends. */
export interface ExpiryNotice {
  kind: 'expiryNotice';
  guest: GuestName;
  /** The last day of access (`YYYY-MM-DD`). */
  lastDay: string;
  items: EndingItem[];
  /** What happens to the account once nothing is left (only for guests the bot invited). */
  endAction?: GuestEndAction;
  /** The latest date Extend may choose without a new approval. */
  extendMax: string;
  /** The first date Extend may choose. */
  extendMin: string;
  /** After a click: what the sponsor decided, shown instead of the buttons. */
  answered?: string;
  /** A problem with the last click (a date out of range), shown next to the date. */
  error?: string;
}

/** Access that ended: what was removed, and what became of the account. */
export interface AccessEnded {
  kind: 'accessEnded';
  guest: GuestName;
  removed: string[];
  /** Items the requests had found there already, left as they were. */
  leftAlone: string[];
  /** The account's end, for a guest the bot invited with nothing left. */
  account?: 'disabled' | 'deleted' | 'kept' | 'alreadyGone';
  /** What could not be done, and why. */
  problems: string[];
}

/** The guests of a sponsor who left, now sponsored by the approver group. */
export interface SponsorLeft {
  kind: 'sponsorLeft';
  sponsor: { id: string; name: string; why: 'disabled' | 'deleted' };
  guests: GuestName[];
  /** Whether Entra shows the approver group as their sponsor too (the app may lack User.ReadWrite.All). */
  inDirectory: boolean;
}

/** One guest on a recertification digest or a cleanup notice. */
export interface DigestRow {
  guest: GuestName;
  detail: CampaignItemDetail;
  decision?: 'keep' | 'remove';
  decidedBy?: string;
  outcome?: string;
}

/** A sponsor's recertification digest (or, once escalated, the approvers'). */
export interface RecertificationDigest {
  kind: 'recertificationDigest';
  campaignId: string;
  /** Whom the card asks: the sponsor, or the approvers after the grace. */
  audience: 'sponsor' | 'approvers';
  sponsor?: Sponsor;
  rows: DigestRow[];
  /** The last day to answer before the approvers decide (sponsors), or before the campaign closes. */
  answerBy: string;
  /** Part n of m, when a sponsor has more guests than one card holds. */
  part?: { n: number; of: number };
  /** Whether sign-in activity could be read (Entra ID P1); without it the card says so. */
  signInNote?: string;
}

/** A sponsor's notice that a cleanup will act on some of their guests unless they keep them. */
export interface CleanupNotice {
  kind: 'cleanupNotice';
  campaignId: string;
  rows: DigestRow[];
  endAction: GuestEndAction;
  /** When the cleanup acts. */
  actsOn: string;
  staleDays: number;
}

/** The admin's cleanup plan: which guests, what would happen, who will be told. */
export interface CleanupPlan {
  kind: 'cleanupPlan';
  campaignId: string;
  staleDays: number;
  /** How staleness was judged: sign-in activity, or (without Entra ID P1) invitations never redeemed. */
  basis: 'signIn' | 'neverRedeemed';
  basisNote?: string;
  total: number;
  /** The first guests, for the card. */
  rows: DigestRow[];
  sponsors: { name: string; guests: number }[];
  withoutSponsor: number;
  endAction: GuestEndAction;
  noticeDays: number;
  /** The Graph calls a run makes per guest, as a dry run shows them. */
  calls: { method: string; url: string; body?: string }[];
  state: 'planned' | 'dryRun' | 'running' | 'done';
  /** What the admin did, in words (after Dry run or Run). */
  status?: string;
}

export type LifecycleMessage = ExpiryNotice | AccessEnded | SponsorLeft | RecertificationDigest | CleanupNotice | CleanupPlan;

/**
 * Sends lifecycle messages; false or undefined for nobody to reach, throws when sending failed (so
 * the outbox tries again).
 */
export interface LifecycleMessenger {
  /**
   * Sends to a person's 1:1 chat; returns the message id. With `bindGuestId` the card is recorded
   * as that guest's card, so its buttons are tied to the guest.
   */
  sendToUser(aadObjectId: string, message: LifecycleMessage, bindGuestId?: string): Promise<string | undefined>;
  /** Posts in a channel the bot knows; returns the message id. */
  sendToChannel(channelId: string, message: LifecycleMessage): Promise<string | undefined>;
  /** Posts into the conversation a command came from (a stored reference); false when it cannot be addressed. */
  sendToConversation(conversation: Record<string, unknown>, message: LifecycleMessage): Promise<boolean>;
}
