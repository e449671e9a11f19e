import { VERBS } from '../../cards/verbs';
import type { ActionHandler } from '../handlers';
import { statusResponse } from './decisionResponse';

/** The requester withdraws a request that is still waiting. */
export const cancelAction: ActionHandler<typeof VERBS.cancel> = {
  verb: VERBS.cancel,
  binding: 'request',
  async handle(turn, data) {
    return statusResponse(await turn.workflow.cancel(turn.actor, data.requestId, turn.source));
  },
};
