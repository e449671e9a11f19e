import { recertificationDigestCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Remove on a recertification digest: what the bot gave the guest ends now, as at an end date. Who may answer is decided by the service, from the clicking person. */
export const removeGuestAction: ActionHandler<typeof VERBS.removeGuest> = {
  verb: VERBS.removeGuest,
  async handle(turn, data) {
    return outcomeResponse(
      await turn.lifecycle.recertification.decide(turn.actor, data.campaignId, data.guestId, 'remove', turn.source),
      recertificationDigestCard,
    );
  },
};
