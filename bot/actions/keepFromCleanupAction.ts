import { cleanupNoticeCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Keep on a cleanup notice: the sponsor keeps the guest out of the cleanup. Who may is decided by the service, from the clicking person. */
export const keepFromCleanupAction: ActionHandler<typeof VERBS.keepFromCleanup> = {
  verb: VERBS.keepFromCleanup,
  async handle(turn, data) {
    return outcomeResponse(await turn.lifecycle.cleanup.keep(turn.actor, data.campaignId, data.guestId, turn.source), cleanupNoticeCard);
  },
};
