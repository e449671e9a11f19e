import { dryRunCard } from '../../cards/dryRunCard';
import { VERBS } from '../../cards/verbs';
import { guestActionData } from '../activitySchemas';
import { outcomeResponse } from '../adminResponses';
import { defineAction } from '../handlers';

/** Dry run of disabling: shows the Graph call and makes none. */
export const dryRunDisableGuestAction = defineAction({
  verb: VERBS.dryRunDisableGuest,
  schema: guestActionData,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.dryRun(turn.actor, data.guestId, 'disable', turn.source), (plan) =>
      dryRunCard({ plan, operation: 'disable' }),
    );
  },
});
