import { requestListCard, type RequestListModel } from '../../cards/requestListCard';
import { REQUEST_STATES } from '../../services/requests/model';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { aRequest, requestIn } from './requests';

const many = (count: number) => Array.from({ length: count }, (_, i) => aRequest({ id: `GA-${String(i).padStart(6, '0')}` }));

const list = (overrides: Partial<RequestListModel> = {}): RequestListModel => ({
  title: 'Your requests',
  requests: [requestIn('pending'), requestIn('denied')],
  emptyText: 'You have no requests.',
  ...overrides,
});

describe('requestListCard', () => {
  it('lists id, guest, state in words and creation date', () => {
    const text = cardText(requestListCard(list()));
    expect(text).toContain('Your requests');
    expect(text).toContain('**GA-ABC123** · guest@fabrikam.example');
    expect(text).toContain('Waiting for approval · created 2026-11-26 22:50 UTC');
    expect(text).toContain('Denied · created 2026-11-26 22:50 UTC');
    expect(text).not.toContain('Adele Vance');
  });

  it('names who asked in approver lists', () => {
    const text = cardText(requestListCard(list({ title: 'Waiting for you', showRequester: true })));
    expect(text).toContain('Waiting for approval · created 2026-11-26 22:50 UTC by Adele Vance');
  });

  it('says so when there is nothing to list', () => {
    const text = cardText(requestListCard(list({ requests: [] })));
    expect(text).toContain('You have no requests.');
  });

  it('shows at most 20 and counts the rest', () => {
    const card = requestListCard(list({ requests: many(25) }));
    const text = cardText(card);
    expect(text).toContain('GA-000019');
    expect(text).not.toContain('GA-000020');
    expect(text).toContain('and 5 more');
  });

  it('counts requests beyond the page it was given', () => {
    const text = cardText(requestListCard(list({ requests: many(20), total: 42 })));
    expect(text).toContain('and 22 more');
  });

  it('says nothing more when all are shown', () => {
    expect(cardText(requestListCard(list({ requests: many(20) })))).not.toMatch(/more/);
  });

  it('has no buttons', () => {
    expect(allActions(requestListCard(list()))).toEqual([]);
  });

  it('shows malicious text literally', () => {
    const request = aRequest({
      requester: { aadObjectId: 'x', name: '[Boss](https://evil.example)' },
      details: { ...aRequest().details, email: 'a_b*c@evil.example' },
    });
    const text = cardText(requestListCard(list({ requests: [request], showRequester: true })));
    expect(text).toContain('a\\_b\\*c@evil.example');
    expect(text).toContain('by \\[Boss\\](https://evil.example)');
  });

  it.each([
    ['one per state, approver view', list({ requests: REQUEST_STATES.map(requestIn), showRequester: true })],
    ['empty', list({ requests: [] })],
    ['more than 20', list({ requests: many(21), total: 100 })],
  ])('parses cleanly: %s', (_name, model) => {
    expect(() => parseCardStrict(requestListCard(model))).not.toThrow();
  });
});
