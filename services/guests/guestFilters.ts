/**
 * The filter words of `guests [filter…]`: `pending`, `accepted`, `disabled`, `domain:fabrikam.com`,
 * `since:30d`, `stale:90d`. They combine; each may appear once.
 */
import type { GuestState } from '../directory/guestQueries';

export interface GuestFilters {
  state?: GuestState;
  disabled?: true;
  /** Lower-case mail domain. */
  domain?: string;
  /** Created in the last N days. */
  sinceDays?: number;
  /** No sign-in for N days (or, without sign-in data, no redemption for N days). */
  staleDays?: number;
}

export type ParsedFilters = { ok: true; filters: GuestFilters } | { ok: false; message: string };

export const FILTER_HELP = 'Filters: pending, accepted, disabled, domain:fabrikam.com, since:30d, stale:90d.';

/** A bound on day counts: Entra keeps sign-in data and audit history for far less than ten years. */
const MAX_DAYS = 3650;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function days(value: string): number | undefined {
  const match = /^(\d{1,4})d?$/.exec(value);
  const n = match ? Number(match[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_DAYS ? n : undefined;
}

/** Reads the words after `guests`; any problem names the word and lists what is accepted. */
export function parseGuestFilters(text: string): ParsedFilters {
  const filters: GuestFilters = {};
  const seen = new Set<string>();
  for (const word of text
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')) {
    const [key = '', value] = word.split(':', 2);
    const name = key === 'pending' || key === 'accepted' ? 'state' : key;
    if (seen.has(name)) return { ok: false, message: `"${word}" repeats a filter already given. ${FILTER_HELP}` };
    seen.add(name);
    if ((key === 'pending' || key === 'accepted' || key === 'disabled') && value === undefined) {
      if (key === 'disabled') filters.disabled = true;
      else filters.state = key === 'pending' ? 'PendingAcceptance' : 'Accepted';
    } else if (key === 'domain' && value !== undefined && DOMAIN.test(value.replace(/^@/, ''))) {
      filters.domain = value.replace(/^@/, '');
    } else if ((key === 'since' || key === 'stale') && value !== undefined && days(value) !== undefined) {
      if (key === 'since') filters.sinceDays = days(value);
      else filters.staleDays = days(value);
    } else {
      return { ok: false, message: `I do not know the filter "${word}". ${FILTER_HELP}` };
    }
  }
  return { ok: true, filters };
}

/** The filters in a fixed order and their typed form, e.g. `pending domain:fabrikam.com since:30d`. */
export function describeGuestFilters(filters: GuestFilters): string {
  const words: string[] = [];
  if (filters.state) words.push(filters.state === 'PendingAcceptance' ? 'pending' : 'accepted');
  if (filters.disabled) words.push('disabled');
  if (filters.domain) words.push(`domain:${filters.domain}`);
  if (filters.sinceDays !== undefined) words.push(`since:${filters.sinceDays}d`);
  if (filters.staleDays !== undefined) words.push(`stale:${filters.staleDays}d`);
  return words.join(' ');
}
