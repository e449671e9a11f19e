import { guestListCard } from '../../cards/guestListCard';
import { VERBS } from '../../cards/verbs';
import { outcomeResponse } from '../adminResponses';
import type { ActionHandler } from '../handlers';

/** Next or Previous on a guest listing: the card names a cursor, the server holds the paging state. */
export const guestsPageAction: ActionHandler<typeof VERBS.guestsPage> = {
  verb: VERBS.guestsPage,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.openGuestPage(turn.actor, data.cursorId, turn.source), guestListCard);
  },
};
