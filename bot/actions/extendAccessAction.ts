import { expiryNoticeCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Extend on an expiry notice: the guest's access lasts until the date chosen; past the policy maximum, the approvers are asked. */
export const extendAccessAction: ActionHandler<typeof VERBS.extendAccess> = {
  verb: VERBS.extendAccess,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.lifecycle.access.extend(turn.actor, data.guestId, data.accessUntil, turn.source, turn.tenantId), expiryNoticeCard);
  },
};
