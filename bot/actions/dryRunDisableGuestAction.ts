import { dryRunCard } from '../../cards/dryRunCard';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Dry run of disabling: shows the Graph call and makes none. */
export const dryRunDisableGuestAction: ActionHandler<typeof VERBS.dryRunDisableGuest> = {
  verb: VERBS.dryRunDisableGuest,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.dryRun(turn.actor, data.guestId, 'disable', turn.source), (plan) =>
      dryRunCard({ plan, operation: 'disable' }),
    );
  },
};
