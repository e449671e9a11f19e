import { revokeResultCard } from '../../cards/revokeResultCard';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** "Disable now" in a confirmation panel: the only way sign-in gets disabled. */
export const disableGuestAction: ActionHandler<typeof VERBS.disableGuest> = {
  verb: VERBS.disableGuest,
  binding: 'guest',
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.revoke(turn.actor, data.guestId, 'disable', turn.source), revokeResultCard);
  },
};
