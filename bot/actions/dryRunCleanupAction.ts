import { cleanupPlanCard } from '../../cards/lifecycleCards';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Dry run on a cleanup plan: what Run would do, audited; nothing changes. Who may is decided by the service, from the clicking person. */
export const dryRunCleanupAction: ActionHandler<typeof VERBS.dryRunCleanup> = {
  verb: VERBS.dryRunCleanup,
  async handle(turn, data) {
    return outcomeResponse(await turn.lifecycle.cleanup.dryRun(turn.actor, data.campaignId, turn.source), cleanupPlanCard);
  },
};
