import { inviteFormCard } from '../../cards/inviteFormCard';
import { VERBS } from '../../cards/verbs';
import type { ActionHandler } from '../handlers';
import { cardResponse } from '../invokeResponses';
import { filedResponse, formValues } from './formValues';

/** Send on the invite form: validated, filed, and the form turns into the request's status card. */
export const submitInviteAction: ActionHandler<typeof VERBS.submitInvite> = {
  verb: VERBS.submitInvite,
  async handle(turn, data) {
    const result = await turn.workflow.submit(turn.actor, turn.tenantId, 'invite', formValues(data), turn.source);
    if (!result.ok) return cardResponse(inviteFormCard(result.form));
    return filedResponse(turn, result);
  },
};
