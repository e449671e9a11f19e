/** What guest administration shows to admins: the types the services fill and the cards render. */
import type { GuestState } from '../directory/guestQueries';
import type { AccessRequest, NamedRef } from '../requests/model';

export type { GuestState };

/** One guest in a listing. */
export interface GuestRow {
  id: string;
  displayName: string;
  /** `mail`, else the first `otherMails`, else the user principal name. */
  email: string;
  state: GuestState | null;
  createdAt: string | null;
  enabled: boolean;
  /**
   * The last successful sign-in, interactive or not. Undefined when sign-in data was not read;
   * null when none is recorded.
   */
  lastSignIn?: string | null;
  /** Who answers for the guest, when the bot looks after them. */
  sponsor?: string;
}

/** One page of a `guests` listing as the card shows it. */
export interface GuestListPage {
  /** The filters as typed back (`pending domain:fabrikam.com`); empty for all guests. */
  filterText: string;
  rows: GuestRow[];
  /** Position of the first row among the rows listed so far (1-based). */
  firstNumber: number;
  /** Guests matching what Graph filters (its `@odata.count`); undefined when Graph gave no count. */
  directoryTotal?: number;
  /** Set when rows are picked out here (stale): how many directory guests have been checked so far. */
  checked?: number;
  /** With `checked`: how many of them have no recorded sign-in, so cannot be called stale. */
  noSignInRecorded?: number;
  /** E.g. that sign-in data is not available and what is listed instead. */
  notice?: string;
  /** Opaque ids for the Next and Previous buttons; absent at either end. */
  nextCursorId?: string;
  previousCursorId?: string;
  /** When the buttons stop working. */
  expiresAt: string;
}

/** A part of the guest card that Graph may fail to give (then the reason is shown instead). */
export type Readable<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The last successful sign-in, interactive or not. */
export type LastSignIn =
  | { kind: 'at'; at: string }
  /** Entra recorded none: never signed in, or not since recording began in April 2020. */
  | { kind: 'never' }
  /** Sign-in data cannot be read (no Entra ID P1 licence, or a missing permission). */
  | { kind: 'unavailable'; reason: string };

export interface AppRoleView {
  app: string;
  role: string;
  /** The group through which the guest holds the role; absent for a role assigned to the guest. */
  viaGroup?: string;
}

/** Who asked for the guest and who approved, from our own records. */
export interface GuestOrigin {
  requestId: string;
  requestedBy: string;
  requestedAt: string;
  approvedBy?: string;
  approvedAt?: string;
}

/** Everything the guest card shows. */
export interface GuestDetails {
  id: string;
  displayName: string;
  email: string;
  state: GuestState | null;
  stateChangedAt: string | null;
  createdAt: string | null;
  enabled: boolean;
  /** Absent on the requester's view: sign-in activity is for admins only. */
  lastSignIn?: LastSignIn;
  groups: Readable<NamedRef[]>;
  directoryRoles: Readable<NamedRef[]>;
  appRoles: Readable<AppRoleView[]>;
  sponsors: Readable<NamedRef[]>;
  /** Undefined when the guest was not invited through this bot. */
  origin?: GuestOrigin;
  /** What the bot gave the guest and until when, and who answers for them; absent when the bot does not look after them. */
  access?: GuestAccessView;
}

/** The bot's record of a guest: its sponsor, what its requests gave and until when. */
export interface GuestAccessView {
  sponsor: string;
  /** Live grants, soonest end first: "Project Falcon (group)", with the last day or none. */
  grants: { label: string; lastDay?: string; ending: boolean }[];
  /** What became of the account once its access all ended. */
  endState?: string;
}

export type RevokeOperation = 'disable' | 'delete';

/** One Graph request as a dry run lists it. */
export interface PlannedCall {
  method: string;
  url: string;
  /** JSON text of the body, when there is one. */
  body?: string;
  /** What Graph answers when it works, e.g. `204 No Content`. */
  expected: string;
}

/** The guest a revoke or a resend is about, as the cards name it. */
export interface GuestRef {
  id: string;
  displayName: string;
  email: string;
  enabled: boolean;
  state: GuestState | null;
}

export interface RevokePlan {
  guest: GuestRef;
  /** The calls each operation would make, for the confirmation card and the dry run. */
  calls: Record<RevokeOperation, PlannedCall>;
  /** Until when a deletion today could be undone. */
  restorableUntil: string;
  /** Why an operation is not offered, for each one whose feature is off. */
  turnedOff?: Partial<Record<RevokeOperation, string>>;
  /** The directory roles the guest holds, when they could be read and there are any. */
  directoryRoles?: NamedRef[];
}

export interface RevokeDone {
  guest: GuestRef;
  operation: RevokeOperation;
  call: PlannedCall;
  /** Set for deletions. */
  restorableUntil?: string;
  /** True when nothing had to change (already disabled). */
  unchanged?: boolean;
}

export interface ReinviteDone {
  guest: GuestRef;
  redeemUrl: string;
  /** True when the guest had redeemed, so their redemption was reset. */
  resetRedemption: boolean;
}

/** One request waiting for a decision, as the admins' `pending` shows it. */
export interface PendingItem {
  request: AccessRequest;
  /** Minutes since it was filed (computed by the service; cards have no clock). */
  ageMinutes: number;
  /** People who may decide (approvers other than the requester); undefined when they could not be read. */
  approvers: NamedRef[] | undefined;
  /** Where its approval card went, from the audit log. */
  delivery: 'channel' | 'chats' | 'nobody' | 'unknown';
}

/** One line of a request's audit timeline. */
export interface TimelineEntry {
  at: string;
  /** A name when known, else the object id; `Guest Access bot` for the system. */
  actor: string;
  action: string;
  detail?: Record<string, string | number | boolean | null>;
  source?: string;
}

/** What an admin command produced, or why it did not. */
export type AdminOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'forbidden'; message: string }
  | { kind: 'notFound'; message: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; message: string }
  /** The feature is off: the bot's app lacks a Graph permission it needs. */
  | { kind: 'turnedOff'; message: string };
