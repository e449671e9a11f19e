/**
 * Totals of the directory's guests for the admins' overview: how many wait to accept, accepted,
 * are disabled, and the same by mail domain. Graph cannot group, so the guests are read once in its
 * largest pages (999 a call, about 50 calls for 50,000 guests), counted here, and the counts (never
 * the guests) are kept for a few minutes; every admin opening the overview meanwhile gets them.
 */
import type { Capabilities } from '../directory/capabilities';
import type { GraphDirectory } from '../directory/graphDirectory';
import { toGraphFailure } from '../directory/graphErrors';
import type { DirectoryGuest } from '../directory/guestQueries';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Person } from '../requests/model';
import type { Store } from '../store/store';
import type { AdminOutcome } from './guestAdmin';

export type TotalsDirectory = Pick<GraphDirectory, 'listGuests' | 'nextGuests'>;

export interface StateCounts {
  total: number;
  pendingAcceptance: number;
  accepted: number;
  /** Sign-in blocked, whatever the invitation state. */
  disabled: number;
}

export interface GuestTotals extends StateCounts {
  /** Largest domains first; at most MAX_DOMAINS, the rest counted in `otherDomains`. */
  byDomain: Array<StateCounts & { domain: string }>;
  otherDomains?: StateCounts;
  /** When Graph was read: the counts may be this old. */
  countedAt: string;
}

/** Domains listed by name; a tenant with more has a long tail that a list of totals does not help with. */
export const MAX_DOMAINS = 50;
/** How long counts are reused. Guests change by the handful; five minutes old is recent enough for totals. */
export const TOTALS_TTL_MS = 5 * 60_000;
/** Graph pages read at most: 200,000 guests, well above what B2B tenants hold. */
const MAX_PAGES = 200;
const NOT_ALLOWED = 'Only members of the guest access admin group can see guest totals. Your attempt was recorded.';
const NO_ADDRESS = '(no mail address)';

export class GuestTotalsService {
  private cached: { totals: GuestTotals; until: number } | undefined;
  /** One count at a time: admins who open the overview together share it. */
  private counting: Promise<GuestTotals> | undefined;

  constructor(
    private readonly deps: {
      directory: TotalsDirectory;
      roles: { isAdmin(aadObjectId: string): Promise<boolean> };
      store: Pick<Store, 'appendAudit'>;
      capabilities: Capabilities;
      clock: Clock;
      logger: Logger;
      ttlMs?: number;
    },
  ) {}

  async totals(actor: Person, source: string): Promise<AdminOutcome<GuestTotals>> {
    const { deps } = this;
    if (!(await deps.roles.isAdmin(actor.aadObjectId))) {
      await deps.store.appendAudit({
        actor: actor.aadObjectId,
        action: 'admin_command_refused',
        source,
        detail: { command: 'guests.totals', why: 'not_admin' },
        at: deps.clock.now().toISOString(),
      });
      return { kind: 'forbidden', message: NOT_ALLOWED };
    }
    const off = deps.capabilities.offMessage('guestList');
    if (off) return { kind: 'turnedOff', message: off };
    const now = deps.clock.now().getTime();
    if (this.cached && this.cached.until > now) return { kind: 'ok', value: this.cached.totals };
    try {
      this.counting ??= this.count().finally(() => (this.counting = undefined));
      const totals = await this.counting;
      this.cached = { totals, until: now + (deps.ttlMs ?? TOTALS_TTL_MS) };
      return { kind: 'ok', value: totals };
    } catch (error) {
      const failure = toGraphFailure(error);
      deps.logger.warn({ status: failure.status, code: failure.code }, 'guest totals failed');
      return { kind: 'failed', message: failure.userMessage };
    }
  }

  private async count(): Promise<GuestTotals> {
    const { directory, clock } = this.deps;
    const all = emptyCounts();
    const domains = new Map<string, StateCounts>();
    let page = await directory.listGuests({});
    for (let pages = 1; ; pages += 1) {
      for (const guest of page.guests) {
        const domain = domainOf(guest);
        let counts = domains.get(domain);
        if (!counts) domains.set(domain, (counts = emptyCounts()));
        add(all, guest);
        add(counts, guest);
      }
      if (!page.nextLink || pages >= MAX_PAGES) break;
      page = await directory.nextGuests(page.nextLink);
    }
    const sorted = [...domains.entries()]
      .map(([domain, counts]) => ({ domain, ...counts }))
      .sort((a, b) => b.total - a.total || a.domain.localeCompare(b.domain));
    const totals: GuestTotals = { ...all, byDomain: sorted.slice(0, MAX_DOMAINS), countedAt: clock.now().toISOString() };
    if (sorted.length > MAX_DOMAINS) {
      const rest = emptyCounts();
      for (const entry of sorted.slice(MAX_DOMAINS)) {
        rest.total += entry.total;
        rest.pendingAcceptance += entry.pendingAcceptance;
        rest.accepted += entry.accepted;
        rest.disabled += entry.disabled;
      }
      totals.otherDomains = rest;
    }
    return totals;
  }
}

function emptyCounts(): StateCounts {
  return { total: 0, pendingAcceptance: 0, accepted: 0, disabled: 0 };
}

function add(counts: StateCounts, guest: DirectoryGuest): void {
  counts.total += 1;
  if (guest.externalUserState === 'PendingAcceptance') counts.pendingAcceptance += 1;
  if (guest.externalUserState === 'Accepted') counts.accepted += 1;
  if (guest.accountEnabled === false) counts.disabled += 1;
}

/** The guest's mail domain, as the `domain:` filter of the listing matches it (on `mail`). */
function domainOf(guest: DirectoryGuest): string {
  const address = guest.mail ?? '';
  const at = address.lastIndexOf('@');
  return at < 0 ? NO_ADDRESS : address.slice(at + 1).toLowerCase();
}
