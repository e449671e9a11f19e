import { approvalCard } from '../../cards/approvalCard';
import { requestListCard } from '../../cards/requestListCard';
import { requestStatusCard } from '../../cards/requestStatusCard';
import type { AccessRequest } from '../../services/requests/model';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { aRequest } from './requests';

function aBatch(overrides: Partial<AccessRequest> = {}): AccessRequest {
  const base = aRequest();
  return aRequest({
    kind: 'batch',
    details: {
      ...base.details,
      email: '',
      displayName: '14 guests',
      message: '',
      groups: [{ id: 'g-1', displayName: 'Project X' }],
      directoryRole: undefined,
      justification: 'Partner engineers for the spring release',
      batch: {
        rows: 14,
        domains: Array.from({ length: 12 }, (_, i) => ({ domain: `d${i}.example`, count: i < 2 ? 2 : 1 })),
      },
    },
    ...overrides,
  });
}

describe('batch cards', () => {
  it('summarises a batch for the approver: count, the first ten domains with counts, groups, Approve all and Deny, no end date to shorten', () => {
    const card = approvalCard({ request: aBatch(), context: {} });
    parseCardStrict(card);
    const text = cardText(card);
    expect(text).toContain('asks to invite **14 guests** from a CSV file');
    expect(text).toContain('Guests: 14');
    expect(text).toContain('d0.example (2), d1.example (2), d2.example (1)');
    expect(text).toContain('and 2 more');
    expect(text).toContain('Project X');
    expect(text).not.toContain('already in the directory');
    expect(allActions(card).map((a) => a.title)).toEqual(['Approve all', 'Deny', 'Confirm deny']);
    expect(JSON.stringify(card)).not.toContain('Input.Date');
  });

  it("shows the requester the batch's progress while it runs, and at the end the failures with their reasons", () => {
    const running = requestStatusCard({ request: aBatch({ state: 'executing', outcome: { batch: { total: 14, done: 5, failed: 1, waiting: 8 } } }) });
    parseCardStrict(running);
    expect(cardText(running)).toContain('Progress: 5 done, 1 failed, 8 waiting, of 14.');

    const failures = [{ row: 4, email: 'zed@refused.example', reason: 'The directory refused the change. Graph said: blocked.' }];
    const ended = requestStatusCard({ request: aBatch({ state: 'completed', outcome: { batch: { total: 14, done: 12, failed: 2, waiting: 0, failures } } }) });
    parseCardStrict(ended);
    const text = cardText(ended);
    expect(text).toContain('Batch finished: 12 of 14 invited, 2 failed.');
    expect(text).toContain('Line 4, zed@refused.example: The directory refused the change. Graph said: blocked.');
    expect(text).toContain('The Requests tab lists every row with its outcome.');
  });

  it('lists a batch among requests by its size', () => {
    expect(cardText(requestListCard({ title: 'Your requests', requests: [aBatch()], emptyText: '' }))).toContain('**GA-ABC123** · a batch of 14 guests');
  });
});
