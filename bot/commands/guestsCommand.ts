import { guestListCard } from '../../cards/guestListCard';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `guests [filter…]`: a page of guests with Next / Previous. */
export const guestsCommand: CommandHandler = {
  usage: 'guests [filter…]',
  description: 'List guests a page at a time. Filters combine: pending, accepted, disabled, domain:fabrikam.com, since:30d, stale:90d.',
  audience: 'admins',
  match: (text) => matchWords(text, 'guests'),
  async handle(turn, args) {
    await replyWith(turn, await turn.guestAdmin.listGuests(turn.actor, args, turn.source), guestListCard);
  },
};
