import type { DirectoryCatalog } from '../directory/directoryCatalog';
import { toGraphFailure } from '../directory/graphErrors';
import type { Logger } from '../platform/logger';
import type { AccessRequest, InviteDetails, NamedRef, Person } from './model';
import type { ApprovalTarget, Notifier } from './notifier';
import type { RoleService } from '../directory/roles';
import type { Store } from '../store/store';

/** The settings key under which the approvals channel an admin chose is stored. */
export const SETTING_APPROVALS_CHANNEL = 'approvalsChannel';

/** Where a new request's approval goes, decided before it is stored so its card can say why. */
export interface ApprovalPlan {
  /** The app's owners decide (app access and nothing else asked; for a new guest only when owners may invite). */
  owners: NamedRef[];
  /** Owners other than the requester who have a chat with the bot. */
  reachableOwners: NamedRef[];
  /**
   * The requester owns the app, the guest exists already and policy lets owners grant their own
   * app: no human approval. Self-service never creates a guest.
   */
  selfService: boolean;
  /** Shown on the approval card when the request went somewhere other than expected. */
  note?: string;
}

/**
 * Who decides a request and where its approval card goes. Directory-wide requests (groups,
 * directory roles, and invitations unless admins delegated them) belong to the approver group; a
 * request that only grants an enterprise application belongs to that application's owners too,
 * falling back to the approver group when no owner can be reached.
 */
export class ApprovalRouter {
  constructor(
    private readonly deps: {
      catalog: DirectoryCatalog;
      roles: RoleService;
      notifier: Notifier;
      store: Pick<Store, 'getSetting'>;
      settings: { appOwnersSelfService: boolean; appOwnersMayInvite: boolean };
      logger: Logger;
    },
  ) {}

  /**
   * App owners may decide only when the request asks for nothing beyond their application, and
   * for a guest who does not exist yet only when admins let owners invite (APP_OWNERS_MAY_INVITE):
   * inviting someone into the directory is the approver group's decision otherwise.
   */
  ownersDecide(details: InviteDetails): boolean {
    if (details.appAccess === undefined || details.groups.length > 0 || details.directoryRole !== undefined) return false;
    return details.existingGuestId !== undefined || this.deps.settings.appOwnersMayInvite;
  }

  async plan(requester: Person, details: InviteDetails): Promise<ApprovalPlan> {
    if (!details.appAccess) return { owners: [], reachableOwners: [], selfService: false };
    if (!this.ownersDecide(details)) {
      const appOnly = details.groups.length === 0 && details.directoryRole === undefined;
      // Say why an app-only request skipped the owners: they decide for existing guests only.
      const note = appOnly
        ? 'This request invites a new guest, which the approver group decides: app owners approve access for existing guests only.'
        : undefined;
      return { owners: [], reachableOwners: [], selfService: false, note };
    }
    const app = details.appAccess.app.displayName;
    const owners = await this.deps.catalog.appOwners(details.appAccess.app.id);
    const isOwner = owners.some((o) => o.id === requester.aadObjectId);
    if (isOwner && this.deps.settings.appOwnersSelfService && details.existingGuestId !== undefined) {
      return { owners, reachableOwners: [], selfService: true };
    }
    const others = owners.filter((o) => o.id !== requester.aadObjectId);
    const reach = await Promise.all(others.map((o) => this.deps.notifier.canReach(o.id)));
    const reachableOwners = others.filter((_, i) => reach[i]);
    if (reachableOwners.length > 0) return { owners, reachableOwners, selfService: false };
    const note =
      others.length === 0
        ? `${app} has no ${isOwner ? 'other ' : ''}owner in the directory, so this request came to the approver group.`
        : `No owner of ${app} can be reached in Teams yet, so this request came to the approver group.`;
    return { owners, reachableOwners, selfService: false, note };
  }

  /**
   * Sends the approval card: to the reachable owners, else to the approvals channel when one is
   * set, else to each approver's 1:1 chat (never the requester). Returns how many places got it.
   */
  async deliver(request: AccessRequest, plan: ApprovalPlan): Promise<number> {
    const { notifier } = this.deps;
    const send = async (targets: ApprovalTarget[]) => (await Promise.all(targets.map((t) => notifier.sendApprovalCard(t, request)))).filter(Boolean).length;
    const toOwners = await send(plan.reachableOwners.map((o) => ({ kind: 'user', aadObjectId: o.id })));
    if (toOwners > 0) return toOwners;

    const channelId = await this.approvalsChannel();
    if (channelId && (await send([{ kind: 'channel', channelId }])) > 0) return 1;
    let approvers: NamedRef[] = [];
    try {
      approvers = await this.deps.catalog.approvers();
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ requestId: request.id, status: failure.status, code: failure.code }, 'approver lookup failed');
    }
    return send(approvers.filter((a) => a.id !== request.requester.aadObjectId).map((a) => ({ kind: 'user', aadObjectId: a.id })));
  }

  /** The channel approval cards go to, when an admin set one. */
  async approvalsChannel(): Promise<string | undefined> {
    return (await this.deps.store.getSetting(SETTING_APPROVALS_CHANNEL)) || undefined;
  }

  /**
   * Approvers decide everything; an app's owners decide requests that only grant their app.
   * `forDecision`: the answer authorises a decision about to be written, so a cached "not an
   * approver" is asked of Graph again before it refuses (see RoleService.isApproverForDecision).
   */
  async mayDecide(actor: Person, request: AccessRequest, options: { forDecision?: boolean } = {}): Promise<boolean> {
    const { roles } = this.deps;
    if (await roles.isApprover(actor.aadObjectId)) return true;
    if (await this.ownsRequestedApp(actor, request)) return true;
    return options.forDecision === true && (await roles.isApproverForDecision(actor.aadObjectId));
  }

  private async ownsRequestedApp(actor: Person, request: AccessRequest): Promise<boolean> {
    const app = request.details.appAccess?.app;
    if (!app || !this.ownersDecide(request.details)) return false;
    return (await this.deps.catalog.appOwners(app.id)).some((o) => o.id === actor.aadObjectId);
  }
}
