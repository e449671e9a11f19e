import { formatDateTime } from '../../cards/dates';
import { describeStep, emailDomain, STATE_LABELS } from '../../cards/requestView';
import { REQUEST_STATES } from '../../services/requests/model';
import { aRequest, WITH_ROLE } from './requests';

describe('formatDateTime', () => {
  it.each([
    ['2026-11-26T22:50:00.000Z', '2026-11-26 22:50 UTC'],
    ['2026-11-27T00:50:59+02:00', '2026-11-26 22:50 UTC'],
    ['2026-01-02T03:04:05Z', '2026-01-02 03:04 UTC'],
    ['not a date', 'not a date'],
  ])('shows %s as %s, whatever the machine time zone', (iso, shown) => {
    expect(formatDateTime(iso)).toBe(shown);
  });
});

describe('state labels', () => {
  it('has words for every state', () => {
    REQUEST_STATES.forEach((state) => expect(STATE_LABELS[state]).toBeTruthy());
  });
});

describe('describeStep', () => {
  const details = { ...aRequest().details, directoryRole: WITH_ROLE };
  it.each([
    ['invite', 'sending the invitation'],
    ['group:g-sales', 'adding the guest to group Sales'],
    ['group:g-unknown', 'adding the guest to group g-unknown'],
    ['role:role-reader', 'assigning the directory role Directory Readers'],
    ['something_else', 'something\\_else'],
  ])('names step %s', (step, words) => {
    expect(describeStep(step, details).source).toBe(words);
  });
});

describe('emailDomain', () => {
  it('takes the part after the last @, lower-cased', () => {
    expect(emailDomain('Guest@Fabrikam.Example')).toBe('fabrikam.example');
    expect(emailDomain('no-at-sign')).toBe('');
  });
});
