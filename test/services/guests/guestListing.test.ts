import { Capabilities } from '../../../services/directory/capabilities';
import type { GuestPage } from '../../../services/directory/graphDirectory';
import { GraphFailure } from '../../../services/directory/graphErrors';
import type { DirectoryGuest, GuestQuery } from '../../../services/directory/guestQueries';
import type { GuestListPage } from '../../../services/guests/guestModel';
import { GuestListing, type ListingDirectory, type ListingResult } from '../../../services/guests/guestListing';
import { createLogger } from '../../../services/platform/logger';
import { SqliteStore } from '../../../services/store/sqliteStore';
import type { Store } from '../../../services/store/store';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const DAY = 24 * 3600_000;
const OWNER = 'admin-1';

function guest(n: number, overrides: Partial<DirectoryGuest> = {}): DirectoryGuest {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    displayName: `Guest ${n}`,
    mail: `guest${n}@fabrikam.com`,
    otherMails: [],
    userPrincipalName: `guest${n}_fabrikam.com#EXT#@example.onmicrosoft.com`,
    userType: 'Guest',
    externalUserState: 'Accepted',
    externalUserStateChangeDateTime: '2025-01-01T00:00:00Z',
    createdDateTime: '2025-01-01T00:00:00Z',
    accountEnabled: true,
    ...overrides,
  };
}

/** Graph's pages as a list; each call is recorded, and listGuests can be made to fail. */
class FakeDirectory implements ListingDirectory {
  readonly calls: string[] = [];
  readonly queries: GuestQuery[] = [];
  failFirstWith?: (query: GuestQuery) => GraphFailure | undefined;

  constructor(private readonly pages: DirectoryGuest[][]) {}

  async listGuests(query: GuestQuery): Promise<GuestPage> {
    this.calls.push('list');
    this.queries.push(query);
    const failure = this.failFirstWith?.(query);
    if (failure) throw failure;
    return this.page(0);
  }

  async nextGuests(nextLink: string): Promise<GuestPage> {
    this.calls.push(nextLink);
    return this.page(Number(new URL(nextLink).searchParams.get('page')));
  }

  private page(index: number): GuestPage {
    const total = this.pages.reduce((n, p) => n + p.length, 0);
    const result: GuestPage = { guests: this.pages[index] ?? [] };
    if (index === 0) result.count = total;
    if (index + 1 < this.pages.length) result.nextLink = `https://graph.microsoft.com/v1.0/users?page=${index + 1}`;
    return result;
  }
}

function numbered(from: number, count: number, overrides: Partial<DirectoryGuest> = {}): DirectoryGuest[] {
  return Array.from({ length: count }, (_, i) => guest(from + i, overrides));
}

describe('GuestListing', () => {
  let store: Store;
  let now: number;
  const clock = { now: () => new Date(now) };
  const logger = createLogger('silent');

  beforeEach(() => {
    store = SqliteStore.open(':memory:');
    now = NOW;
  });

  afterEach(() => store.close());

  function listing(directory: ListingDirectory, options: { rowsPerCard?: number; capabilities?: Capabilities } = {}): GuestListing {
    return new GuestListing({
      store,
      directory,
      clock,
      capabilities: options.capabilities ?? Capabilities.everything(),
      logger,
      options: { rowsPerCard: options.rowsPerCard ?? 25 },
    });
  }

  function pageOf(result: ListingResult): GuestListPage {
    if (result.kind !== 'page') throw new Error(`expected a page, got ${JSON.stringify(result)}`);
    return result.page;
  }

  const names = (page: GuestListPage) => page.rows.map((r) => r.displayName);

  it('lets admins who start the same listing at once share one Graph read, each with cursors of their own', async () => {
    const directory = new FakeDirectory([numbered(1, 60), numbered(61, 10)]);
    const guests = listing(directory);
    const [mine, theirs, filtered] = await Promise.all([guests.start(OWNER, {}), guests.start('admin-2', {}), guests.start(OWNER, { state: 'Accepted' })]);
    expect(directory.calls).toEqual(['list', 'list']);
    expect(directory.queries.map((q) => q.state)).toEqual([undefined, 'Accepted']);
    const [first, second] = [pageOf(mine), pageOf(theirs)];
    expect(names(second)).toEqual(names(first));
    expect(second.nextCursorId).not.toBe(first.nextCursorId);
    // Each cursor stays its owner's: the other admin's Next is refused.
    expect((await guests.open(OWNER, second.nextCursorId!)).kind).toBe('refused');
    expect(pageOf(await guests.open('admin-2', second.nextCursorId!)).firstNumber).toBe(26);
    pageOf(filtered);
    // Once the shared read is over, a new listing reads Graph again.
    await guests.start(OWNER, {});
    expect(directory.calls).toEqual(['list', 'list', 'list']);
  });

  it('reads each Graph page once however often the admin goes forward and back', async () => {
    const directory = new FakeDirectory([numbered(1, 60), numbered(61, 60), numbered(121, 10)]);
    const guests = listing(directory);
    const cards: GuestListPage[] = [pageOf(await guests.start(OWNER, {}))];
    while (cards.at(-1)!.nextCursorId) cards.push(pageOf(await guests.open(OWNER, cards.at(-1)!.nextCursorId!)));
    expect(cards.map((c) => [c.firstNumber, c.rows.length])).toEqual([
      [1, 25],
      [26, 25],
      [51, 10],
      [61, 25],
      [86, 25],
      [111, 10],
      [121, 10],
    ]);
    expect(directory.calls).toEqual(['list', 'https://graph.microsoft.com/v1.0/users?page=1', 'https://graph.microsoft.com/v1.0/users?page=2']);

    let back = cards.at(-1)!;
    const seen: number[] = [];
    while (back.previousCursorId) {
      back = pageOf(await guests.open(OWNER, back.previousCursorId));
      seen.push(back.firstNumber);
    }
    expect(seen).toEqual([111, 86, 61, 51, 26, 1]);
    const again = pageOf(await guests.open(OWNER, cards[2].nextCursorId!));
    expect(again.firstNumber).toBe(61);
    expect(directory.calls).toHaveLength(3);
    expect(cards[0].directoryTotal).toBe(130);
    expect(cards.at(-1)!.directoryTotal).toBe(130);
  });

  it('shares pages between instances on one store, so a second instance does not read Graph again', async () => {
    const directory = new FakeDirectory([numbered(1, 30), numbered(31, 5)]);
    const first = pageOf(await listing(directory).start(OWNER, {}));
    const second = pageOf(await listing(directory).open(OWNER, first.nextCursorId!));
    const next = pageOf(await listing(directory).open(OWNER, second.nextCursorId!));
    const nextAgain = pageOf(await listing(directory).open(OWNER, second.nextCursorId!));
    expect(names(next)).toEqual(names(nextAgain));
    expect(directory.calls).toHaveLength(2);
  });

  it('keeps every cursor to its owner and its lifetime', async () => {
    const directory = new FakeDirectory([numbered(1, 30)]);
    const guests = listing(directory);
    const first = pageOf(await guests.start(OWNER, {}));
    expect(await guests.open('admin-2', first.nextCursorId!)).toMatchObject({ kind: 'refused', why: 'otherOwner' });
    expect(await guests.open(OWNER, 'short')).toMatchObject({ kind: 'refused', why: 'malformed' });
    expect(await guests.open(OWNER, 'B'.repeat(24))).toMatchObject({ kind: 'refused', why: 'unknown' });
    now += 15 * 60_000;
    expect(await guests.open(OWNER, first.nextCursorId!)).toMatchObject({ kind: 'refused', why: 'expired' });
    // A new listing clears what has expired.
    await guests.start(OWNER, {});
    expect(await store.getCursor(first.nextCursorId!)).toBeUndefined();
  });

  it('picks stale guests here, reading further Graph pages (within a bound) to fill a card', async () => {
    const fresh = { lastSuccessfulSignInDateTime: new Date(NOW - DAY).toISOString() };
    const old = { lastSuccessfulSignInDateTime: new Date(NOW - 200 * DAY).toISOString() };
    const directory = new FakeDirectory([
      numbered(1, 10, fresh),
      [...numbered(11, 3, old), ...numbered(14, 7, fresh)],
      numbered(21, 10, old),
      numbered(31, 10, fresh),
      numbered(41, 10, old),
      numbered(51, 10, old),
    ]);
    const guests = listing(directory, { rowsPerCard: 25 });
    const first = pageOf(await guests.start(OWNER, { staleDays: 90 }));
    expect(directory.queries[0]).toEqual({ withSignInActivity: true });
    // Four Graph pages at most per card: 13 stale guests found in them.
    expect(directory.calls).toHaveLength(4);
    expect(names(first)).toEqual([...numbered(11, 3), ...numbered(21, 10)].map((g) => g.displayName));
    expect(first.checked).toBe(40);
    expect(first.rows.every((r) => r.lastSignIn !== undefined)).toBe(true);
    const second = pageOf(await guests.open(OWNER, first.nextCursorId!));
    expect(names(second)).toEqual(numbered(41, 20).map((g) => g.displayName));
    expect(second.checked).toBe(60);
    expect(second.firstNumber).toBe(14);
  });

  it('decides on the last successful sign-in and counts guests without one apart instead of calling them stale', async () => {
    const directory = new FakeDirectory([
      [
        // The last interactive attempt was yesterday, but it failed: the last success is 200 days old.
        guest(1, { lastSuccessfulSignInDateTime: new Date(NOW - 200 * DAY).toISOString() }),
        // Invited long ago and no sign-in recorded: unknown, not stale.
        guest(2, { lastSuccessfulSignInDateTime: null, createdDateTime: new Date(NOW - 400 * DAY).toISOString() }),
        guest(3, { lastSuccessfulSignInDateTime: null, externalUserState: 'PendingAcceptance' }),
        guest(4, { lastSuccessfulSignInDateTime: new Date(NOW - 5 * DAY).toISOString() }),
      ],
    ]);
    const page = pageOf(await listing(directory).start(OWNER, { staleDays: 90 }));
    expect(names(page)).toEqual(['Guest 1']);
    expect(page.rows[0]?.lastSignIn).toBe(new Date(NOW - 200 * DAY).toISOString());
    expect(page.checked).toBe(4);
    expect(page.noSignInRecorded).toBe(2);
  });

  it('falls back to invitations never redeemed for N days when the tenant has no P1 licence', async () => {
    const directory = new FakeDirectory([numbered(1, 3, { externalUserState: 'PendingAcceptance' })]);
    directory.failFirstWith = (query) =>
      query.withSignInActivity
        ? new GraphFailure(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license")
        : undefined;
    const page = pageOf(await listing(directory).start(OWNER, { staleDays: 30, domain: 'fabrikam.com' }));
    expect(directory.queries[1]).toEqual({ domain: 'fabrikam.com', state: 'PendingAcceptance', stateChangedBefore: new Date(NOW - 30 * DAY) });
    expect(page.notice).toContain('needs a Microsoft Entra ID P1 or P2 licence');
    expect(page.rows).toHaveLength(3);
    expect(page.checked).toBeUndefined();
  });

  it('does not ask Graph for sign-in activity the app may not read, and says why it lists invitations instead', async () => {
    const directory = new FakeDirectory([numbered(1, 2, { externalUserState: 'PendingAcceptance' })]);
    const capabilities = Capabilities.granted(['User.Read.All']);
    const page = pageOf(await listing(directory, { capabilities }).start(OWNER, { staleDays: 30 }));
    expect(directory.queries).toEqual([{ state: 'PendingAcceptance', stateChangedBefore: new Date(NOW - 30 * DAY) }]);
    expect(page.notice).toContain(
      "Reading sign-in activity (guests stale:N and the last sign-in on the guest card) is turned off: the bot's app lacks AuditLog.Read.All",
    );
    expect(page.notice).toContain('Listed instead: guests who have not redeemed their invitation for 30 days.');
    expect(page.rows).toHaveLength(2);
  });

  it('reports other Graph failures in words', async () => {
    const directory = new FakeDirectory([]);
    directory.failFirstWith = () => new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    expect(await listing(directory).start(OWNER, {})).toEqual({
      kind: 'failed',
      message: expect.stringContaining('either its app lacks a Graph permission this needs'),
    });
  });
});
