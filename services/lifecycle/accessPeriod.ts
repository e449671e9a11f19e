/**
 * How long access lasts: the date a requester asks for ("Access needed until"), its default and
 * maximum, and when a chosen date ends in time. Dates are whole days in UTC (`2026-03-31`); access
 * "until" a date lasts through that day, so it ends when the next day begins.
 */

export interface AccessPeriodSettings {
  /** The date a form offers, this many days from today. */
  guestAccessDefaultDays: number;
  /** The latest date anyone may choose without a new approval, this many days from today. */
  guestAccessMaxDays: number;
  /** Whether a request may ask for access without an end date. */
  guestAccessNoEnd: boolean;
}

/** What a form shows about the date: the choices it allows. */
export interface AccessPeriodChoice {
  /** The first date that can be chosen (tomorrow). */
  min: string;
  /** The last date that can be chosen. */
  max: string;
  /** The date offered. */
  suggested: string;
  noEndAllowed: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day of an instant, as `YYYY-MM-DD`. */
export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** The day `days` after `day`. */
export function addDays(day: string, days: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS));
}

/** Whether the text is a real calendar day written `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && dayOf(date) === text;
}

/** When access "until `day`" ends: the start of the next day, UTC. */
export function endOfDay(day: string): string {
  return `${addDays(day, 1)}T00:00:00.000Z`;
}

/** The day access ending at `endsAt` lasts through (the inverse of `endOfDay`). */
export function lastDayOf(endsAt: string): string {
  return dayOf(new Date(Date.parse(endsAt) - 1));
}

/** The dates a form offers today. */
export function accessChoice(now: Date, settings: AccessPeriodSettings): AccessPeriodChoice {
  const today = dayOf(now);
  return {
    min: addDays(today, 1),
    max: addDays(today, settings.guestAccessMaxDays),
    suggested: addDays(today, settings.guestAccessDefaultDays),
    noEndAllowed: settings.guestAccessNoEnd,
  };
}

export type UntilCheck = { ok: true; until?: string } | { ok: false; message: string };

/**
 * Checks the date asked for. Empty means the suggested date; `noEnd` asks for no end date, which only
 * admins can allow. `latest` narrows the maximum (an approver may shorten, never lengthen).
 */
export function checkAccessUntil(text: string, options: { now: Date; settings: AccessPeriodSettings; noEnd?: boolean; latest?: string }): UntilCheck {
  const choice = accessChoice(options.now, options.settings);
  if (options.noEnd) {
    if (!choice.noEndAllowed) return { ok: false, message: 'Access without an end date is not allowed here: choose the last day the guest needs access.' };
    return { ok: true };
  }
  const day = text.trim() || choice.suggested;
  if (!isDay(day)) return { ok: false, message: 'Choose a date, for example 2026-03-31.' };
  if (day < choice.min) return { ok: false, message: `Choose a date from ${choice.min} on: access needs at least a day.` };
  const latest = options.latest && options.latest < choice.max ? options.latest : choice.max;
  if (day > latest) {
    return latest === options.latest
      ? { ok: false, message: `Choose ${latest} or earlier: an approver can shorten the access asked for, not lengthen it.` }
      : { ok: false, message: `Choose ${latest} or earlier: access lasts at most ${options.settings.guestAccessMaxDays} days without a new approval.` };
  }
  return { ok: true, until: day };
}
