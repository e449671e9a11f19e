import type { AccessRequest, AuditEntry } from '../../../services/requests/model';
import { RequestHistory } from '../../../services/requests/requestHistory';

const ALEX = { aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000001', name: 'Alex Wilber' };
const MEGAN = { aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000002', name: 'Megan Bowen' };
const ISAIAH = { aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000003', name: 'Isaiah Langer' };

const request: AccessRequest = {
  id: 'GA-AAAAAA',
  kind: 'invite',
  state: 'completed',
  version: 4,
  requester: ALEX,
  tenantId: 't',
  details: { email: 'jane@fabrikam.com', displayName: '', message: '', groups: [], justification: 'Works with us on Falcon.' },
  createdAt: '2026-11-20T10:00:00Z',
  updatedAt: '2026-11-20T10:05:00Z',
  decision: { outcome: 'approved', by: MEGAN, at: '2026-11-20T10:01:00Z' },
};

const audit: AuditEntry[] = [
  { requestId: request.id, actor: ALEX.aadObjectId, action: 'request_created', at: '2026-11-20T10:00:00Z' },
  { requestId: request.id, actor: 'system', action: 'approval_requested', at: '2026-11-20T10:00:01Z' },
  { requestId: request.id, actor: ISAIAH.aadObjectId, action: 'approve_refused', at: '2026-11-20T10:00:30Z', detail: { why: 'not_approver' } },
  { requestId: request.id, actor: ISAIAH.aadObjectId, action: 'card_click_refused', at: '2026-11-20T10:00:40Z' },
  { requestId: request.id, actor: MEGAN.aadObjectId, action: 'request_approved', at: '2026-11-20T10:01:00Z' },
  { requestId: request.id, actor: 'system', action: 'request_completed', at: '2026-11-20T10:05:00Z' },
];

const history = new RequestHistory({
  store: {
    listRequestsByRequester: async (id) => (id === ALEX.aadObjectId ? [request] : []),
    getRequest: async (id) => (id === request.id ? request : undefined),
    listAudit: async () => audit,
  },
});

describe("a requester's history", () => {
  it("tells the request's life by name, without what others tried and were refused", async () => {
    const result = await history.timeline(ALEX, request.id);
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    expect(result.entries.map((e) => `${e.actor}: ${e.action}`)).toEqual([
      'Alex Wilber: request_created',
      'Guest Access bot: approval_requested',
      'Megan Bowen: request_approved',
      'Guest Access bot: request_completed',
    ]);
  });

  it("answers someone else's request as not theirs and an unknown one as not found", async () => {
    expect(await history.timeline(ISAIAH, request.id)).toEqual({ kind: 'notYours' });
    expect(await history.timeline(ALEX, 'GA-ZZZZZZ')).toEqual({ kind: 'notFound' });
  });

  it("lists the person's own requests", async () => {
    expect(await history.filedBy(ALEX)).toEqual([request]);
    expect(await history.filedBy(MEGAN)).toEqual([]);
  });
});
