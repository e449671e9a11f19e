import { recertificationDigestCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Keep all on a recertification digest: every guest on the card nobody answered for stays. Who may answer is decided by the service, from the clicking person. */
export const keepAllGuestsAction: ActionHandler<typeof VERBS.keepAllGuests> = {
  verb: VERBS.keepAllGuests,
  async handle(turn, data) {
    return outcomeResponse(await turn.lifecycle.recertification.keepAll(turn.actor, data.campaignId, data.guestId, turn.source), recertificationDigestCard);
  },
};
