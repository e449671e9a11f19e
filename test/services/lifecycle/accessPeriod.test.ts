import { accessChoice, addDays, checkAccessUntil, endOfDay, isDay, lastDayOf } from '../../../services/lifecycle/accessPeriod';

const NOW = new Date('2026-03-01T23:30:00Z');
const SETTINGS = { guestAccessDefaultDays: 30, guestAccessMaxDays: 90, guestAccessNoEnd: false };

describe('access periods', () => {
  it('counts whole UTC days: access until a day ends when the next one begins', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(endOfDay('2026-03-31')).toBe('2026-04-01T00:00:00.000Z');
    expect(lastDayOf(endOfDay('2026-12-31'))).toBe('2026-12-31');
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('31/03/2026')).toBe(false);
  });

  it('offers tomorrow to the maximum, suggesting the default', () => {
    expect(accessChoice(NOW, SETTINGS)).toEqual({ min: '2026-03-02', max: '2026-05-30', suggested: '2026-03-31', noEndAllowed: false });
  });

  it.each([
    ['', { ok: true, until: '2026-03-31' }],
    ['2026-03-02', { ok: true, until: '2026-03-02' }],
    ['2026-05-30', { ok: true, until: '2026-05-30' }],
    ['2026-03-01', { ok: false, message: 'Choose a date from 2026-03-02 on: access needs at least a day.' }],
    ['2026-05-31', { ok: false, message: 'Choose 2026-05-30 or earlier: access lasts at most 90 days without a new approval.' }],
    ['next week', { ok: false, message: 'Choose a date, for example 2026-03-31.' }],
  ])('checks %j', (text, expected) => {
    expect(checkAccessUntil(text, { now: NOW, settings: SETTINGS })).toEqual(expected);
  });

  it('allows no end date only when admins do, and an approver only earlier than asked', () => {
    expect(checkAccessUntil('', { now: NOW, settings: SETTINGS, noEnd: true }).ok).toBe(false);
    expect(checkAccessUntil('', { now: NOW, settings: { ...SETTINGS, guestAccessNoEnd: true }, noEnd: true })).toEqual({ ok: true });
    expect(checkAccessUntil('2026-04-02', { now: NOW, settings: SETTINGS, latest: '2026-04-01' })).toEqual({
      ok: false,
      message: 'Choose 2026-04-01 or earlier: an approver can shorten the access asked for, not lengthen it.',
    });
    expect(checkAccessUntil('2026-03-10', { now: NOW, settings: SETTINGS, latest: '2026-04-01' })).toEqual({ ok: true, until: '2026-03-10' });
  });
});
