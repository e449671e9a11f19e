/**
 * Reading every guest of the directory once, a Graph page at a time (500 with sign-in activity,
 * 999 without), for the campaigns that look at all of them. Without an Entra ID P1 licence the
 * sign-in activity cannot be read; the walk says so and reads the invitation state instead.
 */
import type { GraphDirectory } from '../directory/graphDirectory';
import { toGraphFailure } from '../directory/graphErrors';
import type { DirectoryGuest, GuestQuery } from '../directory/guestQueries';

/** Graph's answer when the tenant has no Entra ID P1/P2 licence for signInActivity. */
const NON_PREMIUM = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

export const NO_SIGN_IN_LICENCE = 'Sign-in activity is not available: reading it needs a Microsoft Entra ID P1 or P2 licence, which this tenant does not have.';

export type WalkDirectory = Pick<GraphDirectory, 'listGuests' | 'nextGuests'>;

export interface WalkResult {
  /** Whether the pages carried sign-in activity. */
  signIn: boolean;
  /** Why sign-in activity is missing, when it was asked for and could not be read. */
  note?: string;
  /** Graph calls made. */
  pages: number;
}

/** Calls `visit` with each page of guests (of one mail domain when given), in Graph's order. */
export async function walkGuests(
  directory: WalkDirectory,
  query: { domain?: string; withSignIn: boolean; state?: GuestQuery['state'] },
  visit: (guests: DirectoryGuest[]) => Promise<void> | void,
): Promise<WalkResult> {
  const base: GuestQuery = {};
  if (query.domain) base.domain = query.domain;
  if (query.state) base.state = query.state;
  let signIn = query.withSignIn;
  let note: string | undefined;
  let page;
  try {
    page = await directory.listGuests({ ...base, withSignInActivity: signIn });
  } catch (error) {
    const failure = toGraphFailure(error);
    if (!signIn || failure.status !== 403 || failure.code !== NON_PREMIUM) throw failure;
    signIn = false;
    note = NO_SIGN_IN_LICENCE;
    page = await directory.listGuests(base);
  }
  let pages = 1;
  await visit(page.guests);
  while (page.nextLink) {
    page = await directory.nextGuests(page.nextLink);
    pages += 1;
    await visit(page.guests);
  }
  const result: WalkResult = { signIn, pages };
  if (note) result.note = note;
  return result;
}
