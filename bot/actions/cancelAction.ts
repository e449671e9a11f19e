import { VERBS } from '../../cards/verbs';
import { requestActionData } from '../activitySchemas';
import { defineAction } from '../handlers';
import { statusResponse } from './decisionResponse';

/** The requester withdraws a request that is still waiting. */
export const cancelAction = defineAction({
  verb: VERBS.cancel,
  schema: requestActionData,
  binding: 'request',
  async handle(turn, data) {
    return statusResponse(await turn.workflow.cancel(turn.actor, data.requestId, turn.source));
  },
});
