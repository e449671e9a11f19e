import { inviteFormCard, NO_DIRECTORY_ROLE } from '../../cards/inviteFormCard';
import { requestStatusCard } from '../../cards/requestStatusCard';
import { VERBS } from '../../cards/verbs';
import { inviteFormData } from '../activitySchemas';
import { defineAction } from '../handlers';
import { cardResponse } from '../invokeResponses';
import { conversationKeys } from '../turn';

const NO_APPROVER_REACHED =
  'No approver could be reached yet: approvers receive requests once they have opened a chat with me. ' +
  'Your request is saved and waits for them; they can also find it by typing "pending".';

/** Send on the invite form: validated, filed, and the form turns into the request's status card. */
export const submitInviteAction = defineAction({
  verb: VERBS.submitInvite,
  schema: inviteFormData,
  async handle(turn, data) {
    const values = { ...data, directoryRoleId: data.directoryRoleId === NO_DIRECTORY_ROLE ? '' : data.directoryRoleId };
    const result = await turn.workflow.submitInvite(turn.actor, turn.tenantId, values, turn.source);
    if (!result.ok) return cardResponse(inviteFormCard(result.form));

    const formMessageId = turn.context.activity.replyToId;
    if (formMessageId) {
      await turn.store.saveCardMessage({
        requestId: result.request.id,
        role: 'requester',
        conversationKey: conversationKeys.user(turn.actor.aadObjectId),
        activityId: formMessageId,
      });
    }
    const notice = result.approversReached === 0 ? NO_APPROVER_REACHED : undefined;
    return cardResponse(requestStatusCard({ request: result.request, notice }));
  },
});
