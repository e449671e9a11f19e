import { guestListCard } from '../../cards/guestListCard';
import { VERBS } from '../../cards/verbs';
import { cursorActionData } from '../activitySchemas';
import { outcomeResponse } from '../adminResponses';
import { defineAction } from '../handlers';

/** Next or Previous on a guest listing: the card names a cursor, the server holds the paging state. */
export const guestsPageAction = defineAction({
  verb: VERBS.guestsPage,
  schema: cursorActionData,
  async handle(turn, data) {
    return outcomeResponse(await turn.guestAdmin.openGuestPage(turn.actor, data.cursorId, turn.source), guestListCard);
  },
});
