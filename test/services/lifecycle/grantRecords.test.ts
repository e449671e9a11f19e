import { endOfDay } from '../../../services/lifecycle/accessPeriod';
import { batchRowGrantsOf, batchRowGuestOf } from '../../../services/lifecycle/grantRecords';
import type { BatchRow } from '../../../services/requests/batches/model';
import type { AccessRequest } from '../../../services/requests/model';

const AT = '2026-03-01T09:00:00.000Z';

function row(progress: BatchRow['progress'], accessUntil: string | null = '2026-03-31'): BatchRow {
  return {
    requestId: 'GA-BATCH1',
    row: 2,
    line: 3,
    email: 'ana@fabrikam.com',
    displayName: 'Ana',
    message: '',
    groups: [
      { id: 'group-1', displayName: 'Project Falcon' },
      { id: 'group-2', displayName: 'Contractors' },
      { id: 'group-3', displayName: 'Not reached' },
    ],
    accessUntil: accessUntil ?? undefined,
    state: 'done',
    progress,
    updatedAt: AT,
  };
}

describe('what a batch row gave', () => {
  it("records the account and each group the row reached, ending with the row's until, keyed by the guest", () => {
    const grants = batchRowGrantsOf(row({ guestId: 'GUEST-A', groupsDone: ['group-1', 'group-2'] }), 'GUEST-A', true, AT);
    expect(grants.map((g) => [g.id, g.kind, g.targetId, g.given, g.endsAt])).toEqual([
      ['GA-BATCH1/guest-a/account/GUEST-A', 'account', 'GUEST-A', true, endOfDay('2026-03-31')],
      ['GA-BATCH1/guest-a/group/group-1', 'group', 'group-1', true, endOfDay('2026-03-31')],
      ['GA-BATCH1/guest-a/group/group-2', 'group', 'group-2', true, endOfDay('2026-03-31')],
    ]);
  });

  it('records a group an existing guest was in already as not given, and no account, and no end for a row without one', () => {
    const grants = batchRowGrantsOf(
      row({ guestId: 'guest-b', existing: true, groupsDone: ['group-1', 'group-2'], groupsAlready: ['group-2'] }, null),
      'guest-b',
      false,
      AT,
    );
    expect(grants.map((g) => [g.kind, g.targetId, g.given, g.endsAt])).toEqual([
      ['group', 'group-1', true, undefined],
      ['group', 'group-2', false, undefined],
    ]);
  });

  it("counts a membership found on a retry as given when the row's own invitation created the guest", () => {
    const grants = batchRowGrantsOf(row({ guestId: 'guest-c', sentAt: AT, groupsDone: ['group-1'], groupsAlready: ['group-1'] }), 'guest-c', true, AT);
    expect(grants.find((g) => g.kind === 'group')?.given).toBe(true);
  });

  it("names the batch's sponsor for the row's guest, and the batch as the one that created it", () => {
    const request = {
      id: 'GA-BATCH1',
      requester: { aadObjectId: 'alex', name: 'Alex Wilber' },
      details: { email: '', displayName: '', message: '', groups: [], justification: 'x', sponsor: { aadObjectId: 'sam', name: 'Sam Sponsor' } },
    } as unknown as AccessRequest;
    expect(batchRowGuestOf(request, row({}), 'guest-a', true, AT)).toEqual({
      guestId: 'guest-a',
      email: 'ana@fabrikam.com',
      displayName: 'Ana',
      sponsor: { kind: 'user', id: 'sam', name: 'Sam Sponsor' },
      createdByRequest: 'GA-BATCH1',
      createdAt: AT,
    });
    const { details } = request;
    const bySelf = { ...request, details: { ...details, sponsor: undefined } } as AccessRequest;
    expect(batchRowGuestOf(bySelf, row({}), 'guest-a', false, AT)).toEqual({
      guestId: 'guest-a',
      email: 'ana@fabrikam.com',
      displayName: 'Ana',
      sponsor: { kind: 'user', id: 'alex', name: 'Alex Wilber' },
      createdAt: AT,
    });
  });
});
