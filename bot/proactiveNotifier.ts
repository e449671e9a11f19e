import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { AdaptiveCard } from '../cards/adaptiveCard';
import { approvalCard } from '../cards/approvalCard';
import { guestWriteResultCard } from '../cards/guestWriteCards';
import { lifecycleCard } from '../cards/lifecycleCards';
import type { LifecycleMessage, LifecycleMessenger } from '../services/lifecycle/messages';
import { noticeCard } from '../cards/noticeCard';
import { requestStatusCard } from '../cards/requestStatusCard';
import type { CardAddress, GuestCardUpdater, GuestWriteResult } from '../services/guests/guestWrites';
import type { Logger } from '../services/platform/logger';
import type { AccessRequest, CardMessage, ResendHelp } from '../services/requests/model';
import type { ApprovalTarget, Notifier, RequestEvent } from '../services/requests/notifier';
import type { Store } from '../services/store/store';
import { cardActivity } from './send';
import { conversationKeys } from './turn';

/** The parts of a stored reference that a proactive turn needs. */
const storedReference = z
  .object({
    serviceUrl: z.string().url(),
    channelId: z.string(),
    conversation: z.object({ id: z.string().min(1) }).passthrough(),
  })
  .passthrough();

/**
 * Sends and updates cards outside of a user's turn, through the adapter and the conversation
 * references the bot stored when people talked to it. Delivery problems are logged and reported
 * as `false`; they never undo what the workflow decided.
 */
export class ProactiveNotifier implements Notifier, GuestCardUpdater, LifecycleMessenger {
  constructor(
    private readonly adapter: CloudAdapter,
    /** The bot's app id; empty in local mode. */
    private readonly appId: string,
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async canReach(aadObjectId: string): Promise<boolean> {
    const stored = await this.store.getConversation(conversationKeys.user(aadObjectId));
    return storedReference.safeParse(stored?.reference).success;
  }

  async sendApprovalCard(target: ApprovalTarget, request: AccessRequest): Promise<boolean> {
    const key = target.kind === 'channel' ? conversationKeys.channel(target.channelId) : conversationKeys.user(target.aadObjectId);
    const card = approvalCard({ request, context: request.context ?? {} });
    const activityId = await this.send(key, card, request.id).catch(() => undefined);
    if (!activityId) return false;
    // Under a policy the card belongs to the stage it was sent for: a refresh shows that stage decided, without buttons.
    const stage = request.approval?.current;
    await this.store.saveCardMessage({ requestId: request.id, role: 'approval', conversationKey: key, activityId, ...(stage === undefined ? {} : { stage }) });
    return true;
  }

  async refreshCards(request: AccessRequest, resendHelp?: ResendHelp): Promise<void> {
    const cards = await this.store.listCardMessages(request.id);
    // Every card is tried; the first failure is reported after, so the outbox refreshes them all again.
    const results = await Promise.allSettled(cards.map((card) => this.update(card, request, resendHelp)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async notifyUser(aadObjectId: string, request: AccessRequest, event: RequestEvent, resendHelp?: ResendHelp): Promise<boolean> {
    const toRequester = aadObjectId === request.requester.aadObjectId;
    const key = conversationKeys.user(aadObjectId);
    if (toRequester && request.kind === 'batch' && event === 'approved') {
      // The requester's batch card, kept up to date in place as the rows finish (done / failed / waiting).
      const activityId = await this.send(key, requestStatusCard({ request, showRedeemLink: false }), request.id);
      if (activityId) await this.store.saveCardMessage({ requestId: request.id, role: 'requester', conversationKey: key, activityId });
      return activityId !== undefined;
    }
    return (await this.send(key, noticeFor(request, event, toRequester, resendHelp), request.id)) !== undefined;
  }

  async notifyChannel(channelId: string, request: AccessRequest, event: RequestEvent): Promise<boolean> {
    return (await this.send(conversationKeys.channel(channelId), noticeFor(request, event, false), request.id)) !== undefined;
  }

  async showGuestWriteResult(card: CardAddress, result: GuestWriteResult): Promise<'delivered' | 'unreachable'> {
    const reference = storedReference.safeParse(card.conversation);
    if (!reference.success) return 'unreachable';
    await this.adapter.continueConversationAsync(this.appId, reference.data as unknown as Partial<ConversationReference>, async (context) => {
      await context.updateActivity({ ...cardActivity(guestWriteResultCard(result)), id: card.activityId });
    });
    return 'delivered';
  }

  async sendToUser(aadObjectId: string, message: LifecycleMessage, bindGuestId?: string): Promise<string | undefined> {
    const key = conversationKeys.user(aadObjectId);
    const activityId = await this.send(key, lifecycleCard(message), message.kind);
    // Recorded so that the card's buttons count only for the guest it was sent about.
    if (activityId && bindGuestId) await this.store.saveGuestCardMessage({ guestId: bindGuestId, conversationKey: key, activityId });
    return activityId;
  }

  async sendToChannel(channelId: string, message: LifecycleMessage): Promise<string | undefined> {
    return this.send(conversationKeys.channel(channelId), lifecycleCard(message), message.kind);
  }

  async sendToConversation(conversation: Record<string, unknown>, message: LifecycleMessage): Promise<boolean> {
    const reference = storedReference.safeParse(conversation);
    if (!reference.success) return false;
    await this.adapter.continueConversationAsync(this.appId, reference.data as unknown as Partial<ConversationReference>, async (context) => {
      await context.sendActivity(cardActivity(lifecycleCard(message)));
    });
    return true;
  }

  private async update(card: CardMessage, request: AccessRequest, resendHelp?: ResendHelp): Promise<void> {
    // The redeem link goes only to the requester's own 1:1 chat.
    const inRequesterChat = card.role === 'requester' && card.conversationKey === conversationKeys.user(request.requester.aadObjectId);
    const content =
      card.role === 'requester'
        ? requestStatusCard({ request, resendHelp, showRedeemLink: inRequesterChat })
        : approvalCard({ request, context: request.context ?? {}, stage: card.stage });
    await this.withConversation(card.conversationKey, request.id, async (context) => {
      await context.updateActivity({ ...cardActivity(content), id: card.activityId });
    });
  }

  /** The id of the message sent; undefined when there is no stored conversation. Throws when sending failed. */
  private async send(key: string, card: AdaptiveCard, requestId: string): Promise<string | undefined> {
    let sentId: string | undefined;
    await this.withConversation(key, requestId, async (context) => {
      sentId = (await context.sendActivity(cardActivity(card)))?.id ?? '';
    });
    return sentId;
  }

  /** Runs `work` in a proactive turn of the stored conversation; false when there is none, throws when the work fails. */
  private async withConversation(key: string, requestId: string, work: (context: TurnContext) => Promise<void>): Promise<boolean> {
    const stored = await this.store.getConversation(key);
    const reference = storedReference.safeParse(stored?.reference);
    if (!reference.success) {
      this.logger.info({ requestId, conversation: key.split(':')[0] }, 'no stored conversation to reach');
      return false;
    }
    try {
      await this.adapter.continueConversationAsync(this.appId, reference.data as unknown as Partial<ConversationReference>, work);
      return true;
    } catch (error) {
      this.logger.warn(
        { requestId, conversation: key.split(':')[0], err: error instanceof Error ? error.message : String(error) },
        'proactive delivery failed',
      );
      throw error;
    }
  }
}

/**
 * Decisions get a short notice; outcomes get the whole status card (the failed step and why, and
 * for the requester alone the redeem link).
 */
function noticeFor(request: AccessRequest, event: RequestEvent, toRequester: boolean, resendHelp?: ResendHelp): AdaptiveCard {
  const who = request.decision?.by.name ?? 'An approver';
  const guest = request.kind === 'batch' ? `a batch of ${request.details.displayName}` : request.details.email;
  switch (event) {
    case 'approved':
      return noticeCard({
        title: `Request ${request.id} approved`,
        text: `${who} approved your request for ${guest}. ${request.kind === 'extension' ? 'I am extending the access now.' : request.kind === 'batch' ? 'I am inviting the guests now.' : 'I am inviting the guest now.'}`,
        tone: 'good',
      });
    case 'denied':
      return noticeCard({
        title: `Request ${request.id} denied`,
        text: `${who} denied your request for ${guest}. Reason: ${request.decision?.reason ?? 'none given'}`,
        tone: 'attention',
      });
    case 'cancelled':
      return noticeCard({ title: `Request ${request.id} cancelled`, text: `The request for ${guest} was cancelled.` });
    case 'expired':
      return noticeCard({
        title: `Request ${request.id} expired`,
        text: `Nobody decided on your request for ${guest} in time, so it expired. Send a new one if the guest still needs access.`,
        tone: 'attention',
      });
    case 'completed':
    case 'failed':
      return requestStatusCard({ request, resendHelp, showRedeemLink: toRequester });
  }
}
