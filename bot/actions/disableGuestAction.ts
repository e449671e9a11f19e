import { revokeResultCard } from '../../cards/revokeResultCard';
import { VERBS } from '../../cards/verbs';
import { guestActionData } from '../activitySchemas';
import { outcomeResponse } from '../adminResponses';
import { defineAction } from '../handlers';

/** "Disable now" in a confirmation panel: the only way sign-in gets disabled. */
export const disableGuestAction = defineAction({
  verb: VERBS.disableGuest,
  schema: guestActionData,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.revoke(turn.actor, data.guestId, 'disable', turn.source), revokeResultCard);
  },
});
