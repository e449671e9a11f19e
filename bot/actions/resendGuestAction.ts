import { reinviteCard } from '../../cards/reinviteCard';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';
import { isPersonalChat } from '../turn';

/** Resend invitation on the guest card: a new invitation, and the redeem link on the card. */
export const resendGuestAction: ActionHandler<typeof VERBS.resendGuest> = {
  verb: VERBS.resendGuest,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.resendById(turn.actor, data.guestId, turn.source, isPersonalChat(turn.context.activity)), reinviteCard);
  },
};
