import { reinviteCard } from '../../cards/reinviteCard';
import { VERBS } from '../../cards/verbs';
import { guestActionData } from '../activitySchemas';
import { outcomeResponse } from '../adminResponses';
import { defineAction } from '../handlers';

/** Resend invitation on the guest card: a new invitation, and the redeem link on the card. */
export const resendGuestAction = defineAction({
  verb: VERBS.resendGuest,
  schema: guestActionData,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.resendById(turn.actor, data.guestId, turn.source), reinviteCard);
  },
});
