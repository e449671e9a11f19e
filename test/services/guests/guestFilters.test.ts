import { describeGuestFilters, parseGuestFilters } from '../../../services/guests/guestFilters';

describe('guest filters', () => {
  it('reads every filter, in any order and case, and writes them back in a fixed order', () => {
    const parsed = parseGuestFilters('Stale:90d  domain:@Fabrikam.com disabled since:30 PENDING');
    expect(parsed).toEqual({
      ok: true,
      filters: { staleDays: 90, domain: 'fabrikam.com', disabled: true, sinceDays: 30, state: 'PendingAcceptance' },
    });
    if (parsed.ok) expect(describeGuestFilters(parsed.filters)).toBe('pending disabled domain:fabrikam.com since:30d stale:90d');
  });

  it('lists nothing when no filter is given', () => {
    expect(parseGuestFilters('  ')).toEqual({ ok: true, filters: {} });
  });

  it.each([
    ['pending accepted', 'repeats a filter'],
    ['since:1d since:2d', 'repeats a filter'],
    ['domain:fabrikam', 'I do not know the filter "domain:fabrikam"'],
    ["domain:o'brien.com", 'I do not know the filter'],
    ['since:0d', 'I do not know the filter "since:0d"'],
    ['stale:99999d', 'I do not know the filter'],
    ['stale', 'I do not know the filter "stale"'],
    ['pending:yes', 'I do not know the filter'],
    ['everyone', 'I do not know the filter "everyone"'],
  ])('refuses %p, naming the word and the accepted filters', (text, message) => {
    const parsed = parseGuestFilters(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toContain(message);
      expect(parsed.message).toContain('Filters: pending, accepted, disabled, domain:fabrikam.com, since:30d, stale:90d.');
    }
  });
});
