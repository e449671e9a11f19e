import { revokeResultCard } from '../../cards/revokeResultCard';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** "Delete now" in a confirmation panel: the only way a guest gets deleted (restorable for 30 days). */
export const deleteGuestAction: ActionHandler<typeof VERBS.deleteGuest> = {
  verb: VERBS.deleteGuest,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.revoke(turn.actor, data.guestId, 'delete', turn.source), revokeResultCard);
  },
};
