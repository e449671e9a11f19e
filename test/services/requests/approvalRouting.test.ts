import { pino } from 'pino';
import { ApprovalRouter } from '../../../services/requests/approvalRouting';
import type { AccessRequest, InviteDetails, NamedRef, Person } from '../../../services/requests/model';

const OWNER: Person = { aadObjectId: 'owner-1', name: 'Patti' };
const OTHER_OWNER: Person = { aadObjectId: 'owner-2', name: 'Lynne' };
const EMPLOYEE: Person = { aadObjectId: 'employee-1', name: 'Alex' };
const APP = { id: 'app-1', displayName: 'Expense Hub', publisher: null };
const ROLE: NamedRef = { id: 'role-1', displayName: 'Submitter' };

const newGuest: InviteDetails = {
  email: 'new@fabrikam.com',
  displayName: '',
  message: '',
  groups: [],
  justification: 'Expenses',
  appAccess: { app: APP, role: ROLE },
};
const existingGuest: InviteDetails = { ...newGuest, existingGuestId: 'guest-1' };

function router(settings: { appOwnersSelfService: boolean; appOwnersMayInvite: boolean }, owners: Person[] = [OWNER, OTHER_OWNER]) {
  return new ApprovalRouter({
    catalog: { appOwners: async () => owners.map((o) => ({ id: o.aadObjectId, displayName: o.name })) } as never,
    roles: { isApprover: async () => false } as never,
    notifier: { canReach: async () => true } as never,
    store: { getSetting: async () => undefined },
    settings,
    logger: pino({ level: 'silent' }),
  });
}

const request = (details: InviteDetails, requester = EMPLOYEE) => ({ details, requester }) as AccessRequest;

describe('ApprovalRouter', () => {
  describe('with app owners allowed to decide access only (APP_OWNERS_MAY_INVITE off)', () => {
    const routing = router({ appOwnersSelfService: true, appOwnersMayInvite: false });

    it('lets owners decide access for an existing guest, and never a request that would invite one', async () => {
      expect(routing.ownersDecide(existingGuest)).toBe(true);
      expect(routing.ownersDecide(newGuest)).toBe(false);
      expect(await routing.mayDecide(OWNER, request(existingGuest))).toBe(true);
      expect(await routing.mayDecide(OWNER, request(newGuest))).toBe(false);
    });

    it('sends a new guest to the approver group and says why, even when the requester owns the app', async () => {
      for (const requester of [EMPLOYEE, OWNER]) {
        const plan = await routing.plan(requester, newGuest);
        expect(plan).toMatchObject({ owners: [], reachableOwners: [], selfService: false });
        expect(plan.note).toContain('invites a new guest, which the approver group decides');
      }
    });

    it("approves by policy only an owner's own request for an existing guest", async () => {
      expect((await routing.plan(OWNER, existingGuest)).selfService).toBe(true);
      expect((await routing.plan(EMPLOYEE, existingGuest)).selfService).toBe(false);
    });
  });

  describe('with APP_OWNERS_MAY_INVITE on', () => {
    const routing = router({ appOwnersSelfService: true, appOwnersMayInvite: true });

    it('lets owners decide a request that invites a guest for their app and asks nothing else', async () => {
      expect(routing.ownersDecide(newGuest)).toBe(true);
      expect(routing.ownersDecide({ ...newGuest, groups: [{ id: 'g', displayName: 'Falcon' }] })).toBe(false);
      expect(routing.ownersDecide({ ...newGuest, directoryRole: { id: 'r', displayName: 'Guest Inviter' } })).toBe(false);
      expect((await routing.plan(EMPLOYEE, newGuest)).reachableOwners.map((o) => o.id)).toEqual([OWNER.aadObjectId, OTHER_OWNER.aadObjectId]);
    });

    it("still never creates a guest by self-service: the owner's own request goes to the other owners", async () => {
      const plan = await routing.plan(OWNER, newGuest);
      expect(plan.selfService).toBe(false);
      expect(plan.reachableOwners.map((o) => o.id)).toEqual([OTHER_OWNER.aadObjectId]);
    });
  });
});
