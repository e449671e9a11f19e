import { dryRunCard } from '../../cards/dryRunCard';
import { VERBS } from '../../cards/verbs';
import { guestActionData } from '../activitySchemas';
import { outcomeResponse } from '../adminResponses';
import { defineAction } from '../handlers';

/** Dry run of deleting: shows the Graph call and makes none. */
export const dryRunDeleteGuestAction = defineAction({
  verb: VERBS.dryRunDeleteGuest,
  schema: guestActionData,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.dryRun(turn.actor, data.guestId, 'delete', turn.source), (plan) =>
      dryRunCard({ plan, operation: 'delete' }),
    );
  },
});
