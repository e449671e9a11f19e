import { cleanupPlanCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Run on a cleanup plan: the sponsors are told now, and the cleanup acts after the notice period. Who may is decided by the service, from the clicking person. */
export const runCleanupAction: ActionHandler<typeof VERBS.runCleanup> = {
  verb: VERBS.runCleanup,
  async handle(turn, data) {
    return outcomeResponse(await turn.lifecycle.cleanup.run(turn.actor, data.campaignId, turn.source), cleanupPlanCard);
  },
};
