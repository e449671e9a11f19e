import { appAccessFormCard } from '../../cards/appAccessFormCard';
import { VERBS } from '../../cards/verbs';
import type { ActionHandler } from '../handlers';
import { cardResponse } from '../invokeResponses';
import { filedResponse, formValues } from './formValues';

/** Send on the app access form: validated, filed, routed to the app's owners or the approvers. */
export const submitAppAccessAction: ActionHandler<typeof VERBS.submitAppAccess> = {
  verb: VERBS.submitAppAccess,
  async handle(turn, data) {
    const result = await turn.workflow.submit(turn.actor, turn.tenantId, 'appAccess', formValues(data), turn.source);
    if (!result.ok) return cardResponse(appAccessFormCard(result.form));
    return filedResponse(turn, result);
  },
};
