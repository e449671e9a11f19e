/**
 * Generated guests, so a simulated directory can be as large as a real tenant's (tests use 2,500+,
 * enough for three pages of 999; `--guests 50000` makes a big one). The same options always give
 * the same guests: a seeded pseudo-random sequence picks names, domains, states and dates.
 */
import type { SeedFixture, SeedSignInActivity, SeedUser } from './seed';
import { seededRandom } from './random';

export interface GuestGeneratorOptions {
  /** Same seed, same guests. Default 1. */
  seed?: number;
  /** Every date lies in the three years before this instant. Default `2026-11-01T00:00:00Z`. */
  until?: string;
  /** Partner domains the guests come from. */
  domains?: readonly string[];
  /** The tenant's `<name>.onmicrosoft.com` domain, which guest UPNs end with. Default `example.onmicrosoft.com`. */
  initialDomain?: string;
}

export const DEFAULT_GENERATED_UNTIL = '2026-11-01T00:00:00Z';

const DEFAULT_DOMAINS = [
  'fabrikam.com',
  'contoso.com',
  'northwind.com',
  'adventure-works.com',
  'tailspintoys.com',
  'wingtiptoys.com',
  'litwareinc.com',
  'proseware.com',
] as const;

const FIRST_NAMES = [
  'Ana',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Femi',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kira',
  'Luca',
  'Maya',
  'Nils',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Wei',
  'Yara',
  'Zoe',
] as const;

const LAST_NAMES = [
  'Andersen',
  'Bauer',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Weber',
] as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const SPAN_MS = 3 * 365 * DAY_MS;

/** Prefix of generated ids; the index fills the last group, so ids never collide with each other. */
const ID_PREFIX = '9e5f0000-0000-4000-8000-';

/** The id of the generated guest with this (0-based) index. */
export function generatedGuestId(index: number): string {
  return `${ID_PREFIX}${(index + 1).toString(16).padStart(12, '0')}`;
}

/** Graph writes timestamps without fractions of a second. */
function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `count` guests: about three in four have redeemed their invitation (most of those signed in at
 * some point, some long ago), the rest are still pending; about one in twenty is disabled.
 */
export function generateGuests(count: number, options: GuestGeneratorOptions = {}): SeedUser[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`guest count must be a non-negative integer, got ${count}`);
  const until = Date.parse(options.until ?? DEFAULT_GENERATED_UNTIL);
  if (Number.isNaN(until)) throw new RangeError(`'until' is not a date: ${options.until}`);
  const domains = options.domains ?? DEFAULT_DOMAINS;
  if (domains.length === 0) throw new RangeError('at least one domain is needed');
  const initialDomain = options.initialDomain ?? 'example.onmicrosoft.com';
  const random = seededRandom(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const between = (from: number, to: number): number => from + Math.floor(random() * Math.max(0, to - from));

  const guests: SeedUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const domain = pick(domains);
    const local = `${first}.${last}.${i + 1}`.toLowerCase();
    const mail = `${local}@${domain}`;
    const created = between(until - SPAN_MS, until);
    const accepted = random() < 0.75;
    const stateChange = accepted ? between(created, Math.min(until, created + 14 * DAY_MS)) : created;
    // One redeemed guest in ten never signed in afterwards; the others did, at any time since.
    const signedIn = accepted && random() >= 0.1;
    const lastSignIn = signedIn ? between(stateChange, until) : undefined;
    guests.push({
      id: generatedGuestId(i),
      displayName: `${first} ${last} (${domain})`,
      givenName: first,
      surname: last,
      userPrincipalName: `${local}_${domain}#EXT#@${initialDomain}`,
      mail,
      otherMails: [mail],
      mailNickname: `${local}_${domain}#EXT#`,
      userType: 'Guest',
      creationType: 'Invitation',
      externalUserState: accepted ? 'Accepted' : 'PendingAcceptance',
      externalUserStateChangeDateTime: graphTime(stateChange),
      createdDateTime: graphTime(created),
      accountEnabled: random() >= 0.05,
      signInActivity: lastSignIn === undefined ? null : signInActivityOf(i, lastSignIn, stateChange, until),
    });
  }
  return guests;
}

/**
 * Sign-in activity around a guest's last successful sign-in. Most guests signed in interactively;
 * one in ten then failed an interactive attempt (so the interactive time is later than the last
 * success), and one in ten signs in only non-interactively lately (so the interactive time is
 * older). The variant follows the index, so the random sequence, and every other guest, is unchanged.
 */
function signInActivityOf(index: number, lastSuccess: number, redeemed: number, until: number): SeedSignInActivity {
  const success = graphTime(lastSuccess);
  if (index % 10 === 3) {
    const failedAttempt = Math.min(until, lastSuccess + ((index % 60) + 1) * DAY_MS);
    return { lastSignInDateTime: graphTime(failedAttempt), lastSuccessfulSignInDateTime: success };
  }
  if (index % 10 === 7) {
    const interactive = Math.max(redeemed, lastSuccess - 30 * DAY_MS);
    return { lastSignInDateTime: graphTime(interactive), lastNonInteractiveSignInDateTime: success, lastSuccessfulSignInDateTime: success };
  }
  return { lastSignInDateTime: success, lastSuccessfulSignInDateTime: success };
}

/** A copy of the fixture with `count` generated guests added to its users. */
export function withGeneratedGuests(fixture: SeedFixture, count: number, options: GuestGeneratorOptions = {}): SeedFixture {
  const copy = structuredClone(fixture);
  copy.users.push(...generateGuests(count, { initialDomain: copy.tenant.initialDomain, ...options }));
  return copy;
}
