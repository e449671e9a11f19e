import type { InviteDetails, Person } from '../../services/requests/model';
import type { Store } from '../../services/store/store';

/** Files requests straight into the store (no Graph checks): what a benchmark needs in bulk. */
export async function fileRequests(
  store: Store,
  options: { count: number; requester: Person; details: (i: number) => InviteDetails; approveBy?: Person; idPrefix: string },
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const at = new Date().toISOString();
    const id = `${options.idPrefix}${String(i).padStart(6, '0')}`;
    const request = await store.createRequest(
      { id, kind: 'invite', requester: options.requester, tenantId: 'bench', details: options.details(i), createdAt: at },
      { actor: options.requester.aadObjectId, action: 'request_created', source: 'bench', at },
    );
    if (options.approveBy) {
      await store.transition({
        id,
        from: 'pending',
        expectedVersion: request.version,
        to: 'approved',
        patch: { decision: { outcome: 'approved', by: options.approveBy, at } },
        audit: { actor: options.approveBy.aadObjectId, action: 'request_approved', source: 'bench', at },
        enqueueJob: true,
      });
    }
    ids.push(id);
  }
  return ids;
}
