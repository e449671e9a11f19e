import { guestWritePendingCard } from '../../cards/guestWriteCards';
import { VERBS } from '../../cards/verbs';
import { guestActionData } from '../activitySchemas';
import { clickedCard, outcomeResponse, unboundClick } from '../adminResponses';
import { defineAction } from '../handlers';

/** "Disable now" in a confirmation panel, the only way sign-in gets disabled: queued, the card shows the result when done. */
export const disableGuestAction = defineAction({
  verb: VERBS.disableGuest,
  schema: guestActionData,
  binding: 'guest',
  async handle(turn, data) {
    const card = clickedCard(turn);
    if (!card) return unboundClick();
    return outcomeResponse(await turn.guestAdmin.queueRevoke(turn.actor, data.guestId, 'disable', turn.source, card), (queued) => guestWritePendingCard(queued.operation));
  },
});
