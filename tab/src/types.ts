/** The API's answers, as the tab reads them (the server's views in bot/tab/). */

export type RequestState = 'pending' | 'approved' | 'executing' | 'completed' | 'failed' | 'denied' | 'cancelled' | 'expired';

export interface RequestView {
  id: string;
  kind: 'invite' | 'appAccess' | 'extension' | 'batch';
  state: RequestState;
  stateLabel: string;
  createdAt: string;
  updatedAt: string;
  requester: string;
  guest: { email: string; displayName: string; existing: boolean };
  groups: string[];
  directoryRole?: string;
  app?: { name: string; publisher: string | null; role: string };
  justification: string;
  message: string;
  decision?: { outcome: 'approved' | 'denied'; by: string; at: string; reason?: string };
  outcome?: { redeemUrl?: string; error?: string; failedStep?: string; alreadyAGuest?: boolean; waitingForDirectory?: boolean };
  context: { guestsFromDomain?: number; routingNote?: string; grantsDirectoryRole: boolean };
  /** A batch: how many guests from which domains, and once approved how far it got. */
  batch?: { rows: number; domains: { domain: string; count: number }[]; progress?: BatchProgress };
}

export interface BatchProgress {
  total: number;
  done: number;
  failed: number;
  waiting: number;
}

/** One row of an Invite many file as the preview checked it; no problems means it will be filed. */
export interface PreviewRow {
  line: number;
  email: string;
  displayName: string;
  groups: string[];
  accessUntil?: string;
  problems: string[];
}

export interface PreviewAnswer {
  rows: PreviewRow[];
  valid: number;
  invalid: number;
  /** The questions of the approval policy the valid rows would be filed under (none without one). */
  questions: PolicyQuestion[];
}

/** A question an approval policy asks the requester. */
export interface PolicyQuestion {
  id: string;
  label: string;
  type: 'text' | 'choice' | 'date';
  required: boolean;
  choices?: string[];
}

/** One row of a filed batch with where it stands. */
export interface BatchRow {
  row: number;
  line: number;
  email: string;
  displayName: string;
  groups: string[];
  accessUntil?: string;
  state: 'queued' | 'done' | 'failed';
  error?: string;
  alreadyAGuest?: boolean;
}

export interface Me {
  name: string;
  views: { myRequests: boolean; toDecide: boolean; guests: boolean };
}

export interface HistoryView {
  at: string;
  actor: string;
  text: string;
}

export interface DecisionOutcome {
  requestId: string;
  result: 'decided' | 'alreadyDecided' | 'forbidden' | 'notFound' | 'invalid' | 'refusedByPolicy';
  message?: string;
  request?: RequestView;
}

export interface StateCounts {
  total: number;
  pendingAcceptance: number;
  accepted: number;
  disabled: number;
}

export interface GuestTotals extends StateCounts {
  byDomain: Array<StateCounts & { domain: string }>;
  otherDomains?: StateCounts;
  countedAt: string;
}

export type GuestState = 'PendingAcceptance' | 'Accepted';

export interface GuestRow {
  id: string;
  displayName: string;
  email: string;
  state: GuestState | null;
  createdAt: string | null;
  enabled: boolean;
  lastSignIn?: string | null;
}

export interface GuestListPage {
  filterText: string;
  rows: GuestRow[];
  firstNumber: number;
  directoryTotal?: number;
  checked?: number;
  noSignInRecorded?: number;
  notice?: string;
  nextCursorId?: string;
  previousCursorId?: string;
  expiresAt: string;
}

export type Readable<T> = { ok: true; value: T } | { ok: false; reason: string };
export interface NamedRef {
  id: string;
  displayName: string;
}

export interface GuestDetails {
  id: string;
  displayName: string;
  email: string;
  state: GuestState | null;
  stateChangedAt: string | null;
  createdAt: string | null;
  enabled: boolean;
  lastSignIn?: { kind: 'at'; at: string } | { kind: 'never' } | { kind: 'unavailable'; reason: string };
  groups: Readable<NamedRef[]>;
  directoryRoles: Readable<NamedRef[]>;
  appRoles: Readable<Array<{ app: string; role: string; viaGroup?: string }>>;
  sponsors: Readable<NamedRef[]>;
  origin?: { requestId: string; requestedBy: string; requestedAt: string; approvedBy?: string; approvedAt?: string };
}

export type RevokeOperation = 'disable' | 'delete';

export interface PlannedCall {
  method: string;
  url: string;
  body?: string;
  expected: string;
}

export interface RevokePlan {
  guest: { id: string; displayName: string; email: string; enabled: boolean; state: GuestState | null };
  calls: Record<RevokeOperation, PlannedCall>;
  restorableUntil: string;
  turnedOff?: Partial<Record<RevokeOperation, string>>;
  directoryRoles?: NamedRef[];
}

export interface RevokeDone {
  guest: RevokePlan['guest'];
  operation: RevokeOperation;
  call: PlannedCall;
  restorableUntil?: string;
  unchanged?: boolean;
}

export interface ReinviteDone {
  guest: RevokePlan['guest'];
  redeemUrl: string;
  resetRedemption: boolean;
}

export type GuestOperation = RevokeOperation | 'resend';

/** A queued Resend, Disable or Delete: working, then done with what changed or why nothing did. */
export interface GuestWriteView {
  jobId: string;
  operation: GuestOperation;
  state: 'working' | 'done';
  /** While working: "Disabling sign-in…", as the chat card says. */
  working?: string;
  /** Once done; absent when the write ended without a result the server could keep. */
  result?: { kind: 'revoked'; done: RevokeDone } | { kind: 'reinvited'; done: ReinviteDone } | { kind: 'refused'; title: string; message: string };
}

export interface PendingOverviewItem {
  request: RequestView;
  ageMinutes: number;
  approvers?: string[];
  delivery: 'channel' | 'chats' | 'nobody' | 'unknown';
}
