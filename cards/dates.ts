/**
 * Cards show stored timestamps, never the clock: an ISO string comes in, the same text comes out on
 * every machine and in every time zone.
 */

const pad = (n: number): string => String(n).padStart(2, '0');

/** Formats an ISO timestamp as `2026-11-26 22:50 UTC`; a value that is not a date is shown as given. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}
