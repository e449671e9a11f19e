import type { AccessRequest, ResendHelp } from './model';

/** Where an approval card goes: the approvals channel an admin chose, or one approver's 1:1 chat. */
export type ApprovalTarget = { kind: 'channel'; channelId: string } | { kind: 'user'; aadObjectId: string };

/** What happened to a request, for notices to people. */
export type RequestEvent = 'approved' | 'denied' | 'cancelled' | 'expired' | 'completed' | 'failed';

/**
 * Proactive messages, owned by the services and implemented in bot/ with the adapter and the
 * stored conversation references. Approval cards go out while a request is filed and report
 * failure instead of throwing, because a person who cannot be reached must not undo a request
 * already stored. Refreshes and notices are sent from the outbox: they answer false for nobody to
 * reach, and throw when sending failed, so the outbox tries again.
 */
export interface Notifier {
  /** Whether the person has a chat with the bot that cards can be sent to. */
  canReach(aadObjectId: string): Promise<boolean>;
  /** Posts an approval card; false when the target has no stored conversation or the post failed. */
  sendApprovalCard(target: ApprovalTarget, request: AccessRequest): Promise<boolean>;
  /**
   * Re-renders every card already posted for this request (the requester's and the approvers');
   * `resendHelp` goes on the requester's card. Throws when an update failed.
   */
  refreshCards(request: AccessRequest, resendHelp?: ResendHelp): Promise<void>;
  /** Sends a notice to one person's 1:1 chat with the bot; false when they have no chat with it, throws when sending failed. */
  notifyUser(aadObjectId: string, request: AccessRequest, event: RequestEvent, resendHelp?: ResendHelp): Promise<boolean>;
  /** Sends a notice to the approvals channel; false when the bot has no reference to it, throws when sending failed. */
  notifyChannel(channelId: string, request: AccessRequest, event: RequestEvent): Promise<boolean>;
}
