/** Requests in every state, as the store would hand them to the cards. */
import type { AccessRequest, RequestState } from '../../services/requests/model';

export const ADELE = { aadObjectId: '00000000-0000-0000-0000-00000000a0e1', name: 'Adele Vance' };
export const MEGAN = { aadObjectId: '00000000-0000-0000-0000-0000000b0e6a', name: 'Megan Bowen' };

export function aRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'GA-ABC123',
    kind: 'invite',
    state: 'pending',
    version: 1,
    requester: ADELE,
    tenantId: 'tenant-1',
    details: {
      email: 'guest@fabrikam.example',
      displayName: 'Gary Guest',
      message: 'Welcome to the project!',
      groups: [
        { id: 'g-sales', displayName: 'Sales' },
        { id: 'g-eng', displayName: 'Engineering' },
      ],
      justification: 'Joint project with Fabrikam',
    },
    createdAt: '2026-11-26T22:50:00.000Z',
    updatedAt: '2026-11-26T22:50:00.000Z',
    ...overrides,
  };
}

export const WITH_ROLE = { id: 'role-reader', displayName: 'Directory Readers' };

/** One request per state, with the decision and outcome that state implies. */
export function requestIn(state: RequestState): AccessRequest {
  const approved = { outcome: 'approved' as const, by: MEGAN, at: '2026-11-27T08:05:00.000Z' };
  const updatedAt = '2026-11-27T09:00:00.000Z';
  switch (state) {
    case 'pending':
      return aRequest();
    case 'approved':
    case 'executing':
      return aRequest({ state, decision: approved, updatedAt });
    case 'completed':
      return aRequest({
        state,
        decision: approved,
        outcome: { guestId: 'guest-1', redeemUrl: 'https://invitations.microsoft.com/redeem/?t=abc' },
        updatedAt,
      });
    case 'failed':
      return aRequest({
        state,
        decision: approved,
        outcome: { guestId: 'guest-1', failedStep: 'group:g-eng', error: 'Insufficient privileges to complete the operation.' },
        updatedAt,
      });
    case 'denied':
      return aRequest({
        state,
        decision: { outcome: 'denied', by: MEGAN, at: '2026-11-27T08:05:00.000Z', reason: 'Use the partner portal instead' },
        updatedAt,
      });
    case 'cancelled':
    case 'expired':
      return aRequest({ state, updatedAt });
  }
}
