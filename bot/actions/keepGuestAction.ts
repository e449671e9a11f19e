import { recertificationDigestCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Keep on a recertification digest: the guest stays, and the card shows who decided. Who may answer is decided by the service, from the clicking person. */
export const keepGuestAction: ActionHandler<typeof VERBS.keepGuest> = {
  verb: VERBS.keepGuest,
  async handle(turn, data) {
    return outcomeResponse(
      await turn.lifecycle.recertification.decide(turn.actor, data.campaignId, data.guestId, 'keep', turn.source),
      recertificationDigestCard,
    );
  },
};
