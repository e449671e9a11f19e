import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { NEW_GUEST } from '../../cards/appAccessFormCard';
import { NO_APP, NO_DIRECTORY_ROLE } from '../../cards/inviteFormCard';
import { requestStatusCard } from '../../cards/requestStatusCard';
import type { ActionSubmission, VERBS } from '../../cards/verbs';
import type { InviteFormValues } from '../../services/requests/inviteValidation';
import type { SubmitResult } from '../../services/requests/requestWorkflow';
import type { Turn } from '../handlers';
import { cardResponse } from '../invokeResponses';
import { conversationKeys, isPersonalChat } from '../turn';

const NO_APPROVER_REACHED =
  'No approver could be reached yet: approvers receive requests once they have opened a chat with me. ' +
  'Your request is saved and waits for them; they can also find it by typing "pending".';

/** A sent invite or app access form (both have the same fields). */
type FormSubmission = ActionSubmission<typeof VERBS.submitInvite | typeof VERBS.submitAppAccess>;

/** The form's data as the services read it: the "none" choices the cards send become empty. */
export function formValues(data: FormSubmission): InviteFormValues {
  return {
    ...data,
    guestId: data.guestId === NEW_GUEST ? '' : data.guestId,
    directoryRoleId: data.directoryRoleId === NO_DIRECTORY_ROLE ? '' : data.directoryRoleId,
    appRole: data.appRole === NO_APP ? '' : data.appRole,
  };
}

/**
 * A filed request: the form the requester clicked becomes the request's status card, and is
 * remembered so that it can be updated in place as the request moves on.
 */
export async function filedResponse(turn: Turn, result: Extract<SubmitResult, { ok: true }>): Promise<AdaptiveCardInvokeResponse> {
  const formMessageId = turn.context.activity.replyToId;
  // Forms are only sent in 1:1 chats; a status card anywhere else is never updated, nor its Cancel honoured.
  if (formMessageId && isPersonalChat(turn.context.activity)) {
    await turn.records.recordRequesterCard(result.request.id, conversationKeys.user(turn.actor.aadObjectId), formMessageId);
  }
  const notice = result.approversReached === 0 && !result.selfService ? NO_APPROVER_REACHED : undefined;
  return cardResponse(requestStatusCard({ request: result.request, notice }));
}
