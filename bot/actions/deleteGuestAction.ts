import { guestWritePendingCard } from '../../cards/guestWriteCards';
import { VERBS } from '../../cards/verbs';
import { clickedCard, outcomeResponse, unboundClick } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** "Delete now" in a confirmation panel, the only way a guest gets deleted (restorable for 30 days): queued, the card shows the result. */
export const deleteGuestAction: ActionHandler<typeof VERBS.deleteGuest> = {
  verb: VERBS.deleteGuest,
  binding: 'guest',
  async handle(turn, data) {
    const card = clickedCard(turn);
    if (!card) return unboundClick();
    return outcomeResponse(await turn.guestAdmin.queueRevoke(turn.actor, data.guestId, 'delete', turn.source, { card }), (queued) =>
      guestWritePendingCard(queued.operation),
    );
  },
};
