import { VERBS } from '../../cards/verbs';
import type { ActionHandler } from '../handlers';
import { approvalResponse } from './decisionResponse';

/** Approve on the approval card, with the end date the approver kept or shortened. The approver is the clicking user; the card only names the request. */
export const approveAction: ActionHandler<typeof VERBS.approve> = {
  verb: VERBS.approve,
  binding: 'request',
  async handle(turn, data) {
    return approvalResponse(await turn.workflow.approve(turn.actor, data.requestId, turn.source, data.accessUntil, data.comment));
  },
};
