import { inviteFormCard } from '../../cards/inviteFormCard';
import { VERBS } from '../../cards/verbs';
import { inviteFormData } from '../activitySchemas';
import { defineAction } from '../handlers';
import { cardResponse } from '../invokeResponses';
import { filedResponse, formValues } from './formValues';

/** Send on the invite form: validated, filed, and the form turns into the request's status card. */
export const submitInviteAction = defineAction({
  verb: VERBS.submitInvite,
  schema: inviteFormData,
  async handle(turn, data) {
    const result = await turn.workflow.submit(turn.actor, turn.tenantId, 'invite', formValues(data), turn.source);
    if (!result.ok) return cardResponse(inviteFormCard(result.form));
    return filedResponse(turn, result);
  },
});
