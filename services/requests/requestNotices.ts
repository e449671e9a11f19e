import type { ApprovalRouter } from './approvalRouting';
import { REQUEST_CARDS, REQUEST_NOTICE, requestCardsPayload, requestNoticePayload } from './announcements';
import type { DirectoryCatalog } from '../directory/directoryCatalog';
import { toGraphFailure } from '../directory/graphErrors';
import type { RoleService } from '../directory/roles';
import type { Logger } from '../platform/logger';
import type { OutboxHandlers } from '../platform/outboxDeliverer';
import type { Store } from '../store/store';
import type { Person, ResendHelp } from './model';
import type { Notifier } from './notifier';

/** Admins named on a requester's card as the people who can resend an invitation. */
const ADMINS_NAMED = 3;

/**
 * Delivers the outbox entries about requests: card refreshes and notices, rendered from the
 * request as it is stored when they go out. Sending twice is harmless for a refresh (the same
 * message is updated again); a notice is sent again only when a crash came between sending it and
 * marking it delivered.
 */
export class RequestNotices {
  constructor(
    private readonly deps: {
      store: Store;
      notifier: Notifier;
      roles: Pick<RoleService, 'isAdmin'>;
      catalog: Pick<DirectoryCatalog, 'admins'>;
      router: Pick<ApprovalRouter, 'approvalsChannel'>;
      logger: Logger;
    },
  ) {}

  /** The deliverer's handlers for the request kinds. */
  handlers(): OutboxHandlers {
    return {
      [REQUEST_CARDS]: async (item) => {
        const { requestId, resendHelp } = requestCardsPayload.parse(item.payload);
        const request = await this.deps.store.getRequest(requestId);
        if (!request) return 'unreachable';
        await this.deps.notifier.refreshCards(request, resendHelp ? await this.resendHelpFor(request.requester) : undefined);
        return 'delivered';
      },
      [REQUEST_NOTICE]: async (item) => {
        const { requestId, event, to, resendHelp } = requestNoticePayload.parse(item.payload);
        const { store, notifier, router } = this.deps;
        const request = await store.getRequest(requestId);
        if (!request) return 'unreachable';
        let reached: boolean;
        if (to === 'requester') {
          const help = resendHelp ? await this.resendHelpFor(request.requester) : undefined;
          reached = await notifier.notifyUser(request.requester.aadObjectId, request, event, help);
        } else {
          const channelId = await router.approvalsChannel();
          if (channelId) reached = await notifier.notifyChannel(channelId, request, event);
          else reached = request.decision ? await notifier.notifyUser(request.decision.by.aadObjectId, request, event) : false;
        }
        return reached ? 'delivered' : 'unreachable';
      },
    };
  }

  /** Whether the requester can resend invitations themself, and otherwise which admins to ask; undefined when Graph cannot say. */
  private async resendHelpFor(requester: Person): Promise<ResendHelp | undefined> {
    try {
      const requesterIsAdmin = await this.deps.roles.isAdmin(requester.aadObjectId);
      const adminNames = requesterIsAdmin ? [] : (await this.deps.catalog.admins()).map((a) => a.displayName).slice(0, ADMINS_NAMED);
      return { requesterIsAdmin, adminNames };
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'could not tell who can resend an invitation');
      return undefined;
    }
  }
}
