import { guestWritePendingCard } from '../../cards/guestWriteCards';
import { VERBS } from '../../cards/verbs';
import { clickedCard, outcomeResponse, unboundClick } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** "Disable now" in a confirmation panel, the only way sign-in gets disabled: queued, the card shows the result when done. */
export const disableGuestAction: ActionHandler<typeof VERBS.disableGuest> = {
  verb: VERBS.disableGuest,
  binding: 'guest',
  async handle(turn, data) {
    const card = clickedCard(turn);
    if (!card) return unboundClick();
    return outcomeResponse(await turn.guestAdmin.queueRevoke(turn.actor, data.guestId, 'disable', turn.source, { card }), (queued) =>
      guestWritePendingCard(queued.operation),
    );
  },
};
