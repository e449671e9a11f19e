import { dryRunCard } from '../../cards/dryRunCard';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Dry run of deleting: shows the Graph call and makes none. */
export const dryRunDeleteGuestAction: ActionHandler<typeof VERBS.dryRunDeleteGuest> = {
  verb: VERBS.dryRunDeleteGuest,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.dryRun(turn.actor, data.guestId, 'delete', turn.source), (plan) => dryRunCard({ plan, operation: 'delete' }));
  },
};
