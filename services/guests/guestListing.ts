/**
 * Paged guest listings. Graph answers `/users` in pages of up to 999 guests and a card shows far
 * fewer, so each Graph page is read once and kept on the server as a "page" cursor; the card's
 * Next and Previous buttons carry only the random id of a "view" cursor (which page, which slice).
 * Graph's `@odata.nextLink` stays in the page cursor, and reading N Graph pages costs N calls, however
 * often the admin goes back and forth. Cursors belong to the admin who made them and expire.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Capabilities } from '../directory/capabilities';
import type { Clock } from '../platform/clock';
import type { GraphDirectory, GuestPage } from '../directory/graphDirectory';
import { toGraphFailure } from '../directory/graphErrors';
import type { DirectoryGuest, GuestQuery } from '../directory/guestQueries';
import { describeGuestFilters, type GuestFilters } from './guestFilters';
import type { GuestListPage, GuestRow } from './guestModel';
import type { Logger } from '../platform/logger';
import type { PageCursor, Store } from '../store/store';

export type ListingDirectory = Pick<GraphDirectory, 'listGuests' | 'nextGuests'>;

export interface ListingOptions {
  /** Guests on one card: small enough for Teams' message size limit with long names. */
  rowsPerCard: number;
  /** How long a listing's buttons work. */
  ttlMs: number;
  /** For listings filtered here (stale), Graph pages read at most per click to fill a card. */
  maxGraphPagesPerCard: number;
}

export const DEFAULT_LISTING_OPTIONS: Readonly<ListingOptions> = Object.freeze({
  rowsPerCard: 25,
  ttlMs: 15 * 60_000,
  maxGraphPagesPerCard: 4,
});

/** Why a cursor id from a card is not honoured; the audit log records it. */
export type CursorRefusal = 'malformed' | 'unknown' | 'expired' | 'otherOwner';

export type ListingResult =
  { kind: 'page'; page: GuestListPage } | { kind: 'refused'; why: CursorRefusal; message: string } | { kind: 'failed'; message: string };

const PAGE_KIND = 'guests.page';
const RECENT_PAGES = 4;
const VIEW_KIND = 'guests.view';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Graph's answer when the tenant has no Entra ID P1/P2 licence for signInActivity. */
const NON_PREMIUM = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';
const NON_PREMIUM_REASON = 'Sign-in activity is not available: reading it needs a Microsoft Entra ID P1 or P2 licence, which this tenant does not have.';

/** 18 random bytes in base64url: 24 characters, 144 bits, unguessable. */
export function newCursorId(): string {
  return randomBytes(18).toString('base64url');
}

const CURSOR_ID = /^[A-Za-z0-9_-]{24}$/;

export function isCursorId(value: string): boolean {
  return CURSOR_ID.test(value);
}

const REFUSALS: Readonly<Record<CursorRefusal, string>> = {
  malformed: 'This list button was altered, so I did not follow it. Type "guests" to list guests again.',
  unknown: 'I do not know this page of the list any more. Type "guests" to list guests again.',
  expired: 'This list has expired, so its buttons no longer work. Type "guests" to list guests again.',
  otherOwner: 'This list was made for another admin. Type "guests" to get your own.',
};

/**
 * How the listing finds guests: straight from Graph's filters (`directory`), by reading sign-in
 * data and picking stale guests here (`signIn`), or, without sign-in data, by asking Graph for
 * invitations nobody redeemed (`neverRedeemed`).
 */
const listingSchema = z.object({
  filterText: z.string(),
  mode: z.enum(['directory', 'signIn', 'neverRedeemed']),
  staleCutoff: z.string().optional(),
  notice: z.string().optional(),
  total: z.number().int().optional(),
});

const rowSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string(),
  state: z.enum(['PendingAcceptance', 'Accepted']).nullable(),
  createdAt: z.string().nullable(),
  enabled: z.boolean(),
  lastSignIn: z.string().nullable().optional(),
});

const pageStateSchema = z.object({
  listing: listingSchema,
  rows: z.array(rowSchema),
  /** Graph's link to the rest, absolute as Graph gave it; checked again before it is followed. */
  nextLink: z.string().optional(),
  /** Id reserved for the page after this one, so it is read from Graph once whoever asks first. */
  nextPageId: z.string().optional(),
  previousPageId: z.string().optional(),
  /** Rows listed before this page. */
  rowsBefore: z.number().int().min(0),
  /** Directory guests read up to the end of this page (for listings filtered here). */
  checked: z.number().int().min(0),
  /** Of those, guests with no recorded successful sign-in: not counted as stale, because unknown. */
  unrecorded: z.number().int().min(0).default(0),
});

/** `next`: the first slice of the following page; `last`: this page's last slice. */
const viewStateSchema = z.object({
  pageId: z.string(),
  position: z.union([z.number().int().min(0), z.literal('next'), z.literal('last')]),
});

type Listing = z.infer<typeof listingSchema>;
type PageState = z.infer<typeof pageStateSchema>;
type ViewState = z.infer<typeof viewStateSchema>;

interface StoredPage {
  id: string;
  ownerId: string;
  expiresAt: string;
  state: PageState;
}

type Loaded<T> = { ok: true; value: T } | { ok: false; why: CursorRefusal };

export class GuestListing {
  private readonly options: ListingOptions;
  /**
   * Page cursors read lately, already checked against their schema. A stored page never changes
   * once written, so each Next click need not read and re-check 999 rows from the store again.
   */
  private readonly recentPages = new Map<string, { ownerId: string; expiresAt: string; state: PageState }>();
  /**
   * First reads under way, by listing: admins who start the same listing at the same moment share
   * one Graph read of up to 999 guests instead of each queueing their own.
   */
  private readonly firstReadsInFlight = new Map<string, Promise<Read>>();

  constructor(
    private readonly deps: {
      store: Store;
      directory: ListingDirectory;
      clock: Clock;
      capabilities: Capabilities;
      logger: Logger;
      newId?: () => string;
      options?: Partial<ListingOptions>;
    },
  ) {
    this.options = { ...DEFAULT_LISTING_OPTIONS, ...deps.options };
  }

  /** The first card of a new listing for `ownerId`. */
  async start(ownerId: string, filters: GuestFilters): Promise<ListingResult> {
    const now = this.deps.clock.now();
    await this.deps.store.deleteExpiredCursors(now);
    const staleCutoff = filters.staleDays === undefined ? undefined : new Date(now.getTime() - filters.staleDays * DAY_MS);
    let listing: Listing = {
      filterText: describeGuestFilters(filters),
      mode: staleCutoff ? 'signIn' : 'directory',
      staleCutoff: staleCutoff?.toISOString(),
    };
    // Without the permission to read sign-in activity, Graph is not asked for it at all.
    const signInOff = listing.mode === 'signIn' ? this.deps.capabilities.offMessage('signIn') : undefined;
    let read: Read;
    if (signInOff) {
      listing = { ...listing, mode: 'neverRedeemed', notice: neverRedeemedNotice(filters, signInOff) };
    }
    // Guests who accepted cannot be told stale without sign-in data: the fallback lists none of them.
    const readListing = (l: Listing): Promise<Read> =>
      l.mode === 'neverRedeemed' && filters.state === 'Accepted'
        ? Promise.resolve({ rows: [], read: 0, unrecorded: 0 })
        : this.shared(l, () => this.readPages(l, () => this.deps.directory.listGuests(queryFor(filters, l, now))));
    try {
      read = await readListing(listing);
    } catch (error) {
      const failure = toGraphFailure(error);
      if (listing.mode !== 'signIn' || failure.status !== 403 || failure.code !== NON_PREMIUM) {
        this.deps.logger.warn({ status: failure.status, code: failure.code }, 'guest listing failed');
        return { kind: 'failed', message: failure.userMessage };
      }
      listing = { ...listing, mode: 'neverRedeemed', notice: neverRedeemedNotice(filters, NON_PREMIUM_REASON) };
      try {
        read = await readListing(listing);
      } catch (second) {
        return { kind: 'failed', message: toGraphFailure(second).userMessage };
      }
    }
    const page: StoredPage = {
      id: this.newId(),
      ownerId,
      expiresAt: new Date(now.getTime() + this.options.ttlMs).toISOString(),
      state: this.pageState({ ...listing, total: read.total }, read, { rowsBefore: 0, checked: 0, unrecorded: 0 }),
    };
    await this.save(page, PAGE_KIND, page.state);
    return this.render(page, 0);
  }

  /** The card behind a Next or Previous button, for the admin who clicked it. */
  async open(ownerId: string, cursorId: string): Promise<ListingResult> {
    if (!isCursorId(cursorId)) return refuse('malformed');
    const view = await this.load(cursorId, VIEW_KIND, ownerId, viewStateSchema);
    if (!view.ok) return refuse(view.why);
    const page = await this.loadPage(view.value.state.pageId, ownerId);
    if (!page.ok) return refuse(page.why);
    const { position } = view.value.state;
    if (position === 'next') return this.follow(page.value);
    if (position === 'last') return this.render(page.value, this.lastSlice(page.value));
    return this.render(page.value, Math.min(position, this.lastSlice(page.value)));
  }

  /** The page after `page`: read from Graph the first time anyone asks, from the store after that. */
  private async follow(page: StoredPage): Promise<ListingResult> {
    const { nextPageId, nextLink } = page.state;
    if (!nextPageId || !nextLink) return this.render(page, this.lastSlice(page));
    const known = await this.loadPage(nextPageId, page.ownerId);
    if (known.ok) return this.render(known.value, 0);
    if (known.why !== 'unknown') return refuse(known.why);

    let read: Read;
    try {
      read = await this.readPages(page.state.listing, () => this.deps.directory.nextGuests(nextLink));
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'guest listing next page failed');
      return { kind: 'failed', message: `I could not read the next page: ${failure.userMessage} Type "guests" to start again.` };
    }
    const next: StoredPage = {
      id: nextPageId,
      ownerId: page.ownerId,
      expiresAt: page.expiresAt,
      state: this.pageState(page.state.listing, read, {
        rowsBefore: page.state.rowsBefore + page.state.rows.length,
        checked: page.state.checked,
        unrecorded: page.state.unrecorded,
        previousPageId: page.id,
      }),
    };
    // Another instance may have stored the same page a moment earlier; its copy wins.
    if (!(await this.save(next, PAGE_KIND, next.state))) {
      const stored = await this.loadPage(nextPageId, page.ownerId);
      return stored.ok ? this.render(stored.value, 0) : refuse(stored.why);
    }
    return this.render(next, 0);
  }

  /** A slice of a page, with view cursors for the buttons. */
  private async render(page: StoredPage, offset: number): Promise<ListingResult> {
    const { rows, listing } = page.state;
    const size = this.options.rowsPerCard;
    let next: ViewState | undefined;
    if (offset + size < rows.length) next = { pageId: page.id, position: offset + size };
    else if (page.state.nextPageId) next = { pageId: page.id, position: 'next' };
    let previous: ViewState | undefined;
    if (offset > 0) previous = { pageId: page.id, position: Math.max(0, offset - size) };
    else if (page.state.previousPageId) previous = { pageId: page.state.previousPageId, position: 'last' };

    const shown = rows.slice(offset, offset + size);
    // The sponsor comes from the bot's own records, read once for the rows on the card.
    const sponsors = new Map((await this.deps.store.listManagedGuests(shown.map((r) => r.id))).map((g) => [g.guestId, g.sponsor.name]));
    const result: GuestListPage = {
      filterText: listing.filterText,
      rows: shown.map((row) => {
        const sponsor = sponsors.get(row.id.toLowerCase());
        return sponsor ? { ...row, sponsor } : row;
      }),
      firstNumber: page.state.rowsBefore + offset + 1,
      directoryTotal: listing.total,
      expiresAt: page.expiresAt,
    };
    if (listing.mode === 'signIn') {
      result.checked = page.state.checked;
      result.noSignInRecorded = page.state.unrecorded;
    }
    if (listing.notice) result.notice = listing.notice;
    if (next) result.nextCursorId = await this.saveView(page, next);
    if (previous) result.previousCursorId = await this.saveView(page, previous);
    return { kind: 'page', page: result };
  }

  /**
   * Reads one Graph page, or for listings filtered here as many as it takes (within a bound) to
   * fill a card, so that a card of stale guests is not empty because one page had none.
   */
  /** Runs `read` unless the same listing's first read is under way, whose result is then shared. */
  private shared(listing: Listing, read: () => Promise<Read>): Promise<Read> {
    const key = JSON.stringify([listing.mode, listing.filterText]);
    const inFlight = this.firstReadsInFlight.get(key);
    if (inFlight) return inFlight;
    const started = read().finally(() => this.firstReadsInFlight.delete(key));
    this.firstReadsInFlight.set(key, started);
    return started;
  }

  private async readPages(listing: Listing, first: () => Promise<GuestPage>): Promise<Read> {
    let page = await first();
    const total = page.count;
    let read = page.guests.length;
    const rows = this.keep(listing, page.guests);
    let unrecorded = this.countUnrecorded(listing, page.guests);
    for (
      let calls = 1;
      listing.mode === 'signIn' && rows.length < this.options.rowsPerCard && page.nextLink && calls < this.options.maxGraphPagesPerCard;
      calls += 1
    ) {
      page = await this.deps.directory.nextGuests(page.nextLink);
      read += page.guests.length;
      rows.push(...this.keep(listing, page.guests));
      unrecorded += this.countUnrecorded(listing, page.guests);
    }
    return { rows, read, unrecorded, total, nextLink: page.nextLink };
  }

  /** Rows of the guests the listing shows: all of them, or for `signIn` only the stale ones. */
  private keep(listing: Listing, guests: DirectoryGuest[]): GuestRow[] {
    const cutoff = listing.staleCutoff ? Date.parse(listing.staleCutoff) : undefined;
    const shown = listing.mode === 'signIn' && cutoff !== undefined ? guests.filter((g) => isStale(g, cutoff)) : guests;
    return shown.map((g) => toRow(g, listing.mode === 'signIn'));
  }

  /** Guests whose staleness cannot be told, so the card can say how many were left out. */
  private countUnrecorded(listing: Listing, guests: DirectoryGuest[]): number {
    return listing.mode === 'signIn' ? guests.filter((g) => !g.lastSuccessfulSignInDateTime).length : 0;
  }

  private pageState(listing: Listing, read: Read, position: { rowsBefore: number; checked: number; unrecorded: number; previousPageId?: string }): PageState {
    const state: PageState = {
      listing,
      rows: read.rows,
      rowsBefore: position.rowsBefore,
      checked: position.checked + read.read,
      unrecorded: position.unrecorded + read.unrecorded,
    };
    if (read.nextLink) {
      state.nextLink = read.nextLink;
      state.nextPageId = this.newId();
    }
    if (position.previousPageId) state.previousPageId = position.previousPageId;
    return state;
  }

  private lastSlice(page: StoredPage): number {
    const size = this.options.rowsPerCard;
    return Math.max(0, Math.floor((page.state.rows.length - 1) / size) * size);
  }

  private async saveView(page: StoredPage, view: ViewState): Promise<string> {
    const id = this.newId();
    await this.save({ id, ownerId: page.ownerId, expiresAt: page.expiresAt }, VIEW_KIND, view);
    return id;
  }

  private save(target: { id: string; ownerId: string; expiresAt: string }, kind: string, state: PageState | ViewState): Promise<boolean> {
    const cursor: PageCursor = {
      id: target.id,
      ownerId: target.ownerId,
      kind,
      state: { ...state },
      createdAt: this.deps.clock.now().toISOString(),
      expiresAt: target.expiresAt,
    };
    return this.deps.store.createCursor(cursor);
  }

  private async loadPage(id: string, ownerId: string): Promise<Loaded<StoredPage>> {
    const recent = this.recentPages.get(id);
    if (recent) {
      if (recent.ownerId !== ownerId) return { ok: false, why: 'otherOwner' };
      if (Date.parse(recent.expiresAt) <= this.deps.clock.now().getTime()) return { ok: false, why: 'expired' };
      return { ok: true, value: { id, ...recent } };
    }
    const loaded = await this.load(id, PAGE_KIND, ownerId, pageStateSchema);
    if (!loaded.ok) return loaded;
    this.recentPages.set(id, { ownerId, expiresAt: loaded.value.expiresAt, state: loaded.value.state });
    // Keep only a few pages: enough for Next and Previous around the page being read.
    while (this.recentPages.size > RECENT_PAGES) this.recentPages.delete(this.recentPages.keys().next().value!);
    return { ok: true, value: { id, ownerId, expiresAt: loaded.value.expiresAt, state: loaded.value.state } };
  }

  /** A cursor of this kind, belonging to this admin and not expired; its state checked against the schema. */
  private async load<S extends z.ZodType>(id: string, kind: string, ownerId: string, schema: S): Promise<Loaded<{ expiresAt: string; state: z.infer<S> }>> {
    const cursor = await this.deps.store.getCursor(id);
    if (!cursor || cursor.kind !== kind) return { ok: false, why: 'unknown' };
    if (cursor.ownerId !== ownerId) return { ok: false, why: 'otherOwner' };
    if (Date.parse(cursor.expiresAt) <= this.deps.clock.now().getTime()) return { ok: false, why: 'expired' };
    const state = schema.safeParse(cursor.state);
    if (!state.success) return { ok: false, why: 'unknown' };
    return { ok: true, value: { expiresAt: cursor.expiresAt, state: state.data } };
  }

  private newId(): string {
    return (this.deps.newId ?? newCursorId)();
  }
}

interface Read {
  rows: GuestRow[];
  /** Directory guests read from Graph. */
  read: number;
  /** Of those, guests without a recorded successful sign-in (sign-in listings only). */
  unrecorded: number;
  total?: number;
  nextLink?: string;
}

function refuse(why: CursorRefusal): ListingResult {
  return { kind: 'refused', why, message: REFUSALS[why] };
}

function queryFor(filters: GuestFilters, listing: Listing, now: Date): GuestQuery {
  const query: GuestQuery = {};
  if (filters.state) query.state = filters.state;
  if (filters.disabled) query.disabled = true;
  if (filters.domain) query.domain = filters.domain;
  if (filters.sinceDays !== undefined) query.createdSince = new Date(now.getTime() - filters.sinceDays * DAY_MS);
  if (listing.mode === 'signIn') query.withSignInActivity = true;
  if (listing.mode === 'neverRedeemed' && listing.staleCutoff) {
    query.state = 'PendingAcceptance';
    query.stateChangedBefore = new Date(listing.staleCutoff);
  }
  return query;
}

function neverRedeemedNotice(filters: GuestFilters, why: string): string {
  const days = filters.staleDays ?? 0;
  const base = `${why} Listed instead: guests who have not redeemed their invitation for ${days} days.`;
  return filters.state === 'Accepted' ? `${base} Guests who accepted cannot be checked without sign-in data, so none are listed.` : base;
}

/**
 * Stale: the last successful sign-in (interactive or not) is before the cutoff. A guest with no
 * recorded sign-in is not stale but unknown: Entra keeps no record for sign-ins before April 2020,
 * so "none recorded" does not mean "never", and the card counts them apart.
 */
function isStale(guest: DirectoryGuest, cutoff: number): boolean {
  const last = guest.lastSuccessfulSignInDateTime;
  return last ? Date.parse(last) < cutoff : false;
}

function toRow(guest: DirectoryGuest, withSignIn: boolean): GuestRow {
  const state = guest.externalUserState === 'PendingAcceptance' || guest.externalUserState === 'Accepted' ? guest.externalUserState : null;
  const row: GuestRow = {
    id: guest.id,
    displayName: guest.displayName || guest.userPrincipalName,
    email: guest.mail ?? guest.otherMails[0] ?? guest.userPrincipalName,
    state,
    createdAt: guest.createdDateTime,
    enabled: guest.accountEnabled !== false,
  };
  if (withSignIn) row.lastSignIn = guest.lastSuccessfulSignInDateTime ?? null;
  return row;
}
