import { revokeResultCard } from '../../cards/revokeResultCard';
import { VERBS } from '../../cards/verbs';
import { guestActionData } from '../activitySchemas';
import { outcomeResponse } from '../adminResponses';
import { defineAction } from '../handlers';

/** "Delete now" in a confirmation panel: the only way a guest gets deleted (restorable for 30 days). */
export const deleteGuestAction = defineAction({
  verb: VERBS.deleteGuest,
  schema: guestActionData,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.revoke(turn.actor, data.guestId, 'delete', turn.source), revokeResultCard);
  },
});
