import { expiryNoticeCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Let it end on an expiry notice: nothing changes, and the sponsor's answer is recorded. */
export const letAccessEndAction: ActionHandler<typeof VERBS.letAccessEnd> = {
  verb: VERBS.letAccessEnd,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.lifecycle.access.letEnd(turn.actor, data.guestId, turn.source), expiryNoticeCard);
  },
};
