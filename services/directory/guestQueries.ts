/**
 * The Graph requests behind guest administration, as plain values: the `/users` query for a guest
 * listing, and the writes that disable or delete a user. GraphDirectory sends them; dry runs show
 * them exactly as they would be sent.
 */
import { odataString, pathSegment, queryString } from './odata';

export type GuestState = 'PendingAcceptance' | 'Accepted';

/** What a guest listing asks Graph to filter; every part is a default or advanced `$filter` clause. */
export interface GuestQuery {
  state?: GuestState;
  /** Only accounts whose sign-in is blocked. */
  disabled?: boolean;
  /** Lower-case mail domain, e.g. `fabrikam.com`. */
  domain?: string;
  /** Only guests created at or after this instant. */
  createdSince?: Date;
  /** Only guests whose invitation state last changed at or before this instant. */
  stateChangedBefore?: Date;
  /**
   * Selects `signInActivity` (needs Entra ID P1 and AuditLog.Read.All). It is only selected, never
   * filtered: Graph refuses a signInActivity filter combined with any other property.
   */
  withSignInActivity?: boolean;
}

/** A guest as listings and the guest card read it. */
export interface DirectoryGuest {
  id: string;
  displayName: string;
  mail: string | null;
  otherMails: string[];
  userPrincipalName: string;
  userType: 'Member' | 'Guest' | null;
  externalUserState: string | null;
  externalUserStateChangeDateTime: string | null;
  createdDateTime: string | null;
  accountEnabled: boolean | null;
  /**
   * The last successful sign-in, interactive or not (`signInActivity.lastSuccessfulSignInDateTime`).
   * Present only when signInActivity was asked for; null when Entra recorded none (never signed
   * in, or not since recording began).
   */
  lastSuccessfulSignInDateTime?: string | null;
}

/** A request as the dry run shows it and GraphDirectory sends it. */
export interface GraphWrite {
  method: 'PATCH' | 'DELETE' | 'POST';
  /** Relative to the version root, e.g. `/users/{id}`. */
  path: string;
  body?: Record<string, unknown>;
}

export const GUEST_FIELDS =
  'id,displayName,mail,otherMails,userPrincipalName,userType,externalUserState,externalUserStateChangeDateTime,createdDateTime,accountEnabled';

/** Graph's largest page for `/users`, and its largest when signInActivity is selected. */
export const GUEST_PAGE_SIZE = 999;
export const SIGN_IN_PAGE_SIZE = 500;

/** Graph writes DateTimeOffset literals unquoted; seconds are precise enough for day filters. */
function dateLiteral(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `$filter` of a listing: always guests, then each asked-for clause. */
export function guestFilter(query: GuestQuery): string {
  const clauses = ["userType eq 'Guest'"];
  if (query.state) clauses.push(`externalUserState eq ${odataString(query.state)}`);
  if (query.disabled) clauses.push('accountEnabled eq false');
  if (query.domain) clauses.push(`endswith(mail,${odataString(`@${query.domain}`)})`);
  if (query.createdSince) clauses.push(`createdDateTime ge ${dateLiteral(query.createdSince)}`);
  if (query.stateChangedBefore) clauses.push(`externalUserStateChangeDateTime le ${dateLiteral(query.stateChangedBefore)}`);
  return clauses.join(' and ');
}

/**
 * The first page of a listing. `$count=true` (with ConsistencyLevel: eventual) gives the total and
 * also makes the advanced clauses (endswith, createdDateTime) legal.
 */
export function guestListPath(query: GuestQuery): string {
  return `/users${queryString({
    $filter: guestFilter(query),
    $select: query.withSignInActivity ? `${GUEST_FIELDS},signInActivity` : GUEST_FIELDS,
    $top: query.withSignInActivity ? SIGN_IN_PAGE_SIZE : GUEST_PAGE_SIZE,
    $count: true,
  })}`;
}

export function disableUserRequest(userId: string): GraphWrite {
  return { method: 'PATCH', path: `/users/${pathSegment(userId)}`, body: { accountEnabled: false } };
}

export function deleteUserRequest(userId: string): GraphWrite {
  return { method: 'DELETE', path: `/users/${pathSegment(userId)}` };
}

export interface ReinviteInput {
  email: string;
  guestId: string;
  redirectUrl: string;
  /** For a guest who redeemed: start redemption over, keeping the user, its groups and app roles. */
  resetRedemption: boolean;
}

/**
 * A new invitation for an existing guest. Without reset Graph answers with the existing user and a
 * new redeem link; a reset needs the user's id and an address already on the user object.
 */
export function reinviteRequest(input: ReinviteInput): GraphWrite {
  const body: Record<string, unknown> = {
    invitedUserEmailAddress: input.email,
    inviteRedirectUrl: input.redirectUrl,
    sendInvitationMessage: true,
  };
  if (input.resetRedemption) {
    body.invitedUser = { id: input.guestId };
    body.resetRedemption = true;
  }
  return { method: 'POST', path: '/invitations', body };
}
