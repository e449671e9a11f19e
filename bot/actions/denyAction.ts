import { VERBS } from '../../cards/verbs';
import type { ActionHandler } from '../handlers';
import { approvalResponse } from './decisionResponse';

/** Deny, with the reason typed on the card; without a reason the card comes back asking for one. */
export const denyAction: ActionHandler<typeof VERBS.deny> = {
  verb: VERBS.deny,
  binding: 'request',
  async handle(turn, data) {
    return approvalResponse(await turn.workflow.deny(turn.actor, data.requestId, data.reason, turn.source));
  },
};
