import { guestWritePendingCard } from '../../cards/guestWriteCards';
import { VERBS } from '../../cards/verbs';
import { clickedCard, outcomeResponse, unboundClick } from '../adminResponses';
import type { ActionHandler } from '../handlers';
import { isPersonalChat } from '../turn';

/** Resend invitation on the guest card: queued; the card then shows the new redeem link (1:1 chats only). */
export const resendGuestAction: ActionHandler<typeof VERBS.resendGuest> = {
  verb: VERBS.resendGuest,
  binding: 'guest',
  async handle(turn, data) {
    const card = clickedCard(turn);
    if (!card) return unboundClick();
    return outcomeResponse(
      await turn.guestAdmin.queueResend(turn.actor, data.guestId, turn.source, isPersonalChat(turn.context.activity), { card }),
      (queued) => guestWritePendingCard(queued.operation),
    );
  },
};
