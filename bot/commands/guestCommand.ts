import { guestCard } from '../../cards/guestCard';
import { replyWithGuestCard } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `guest <email>`: one guest's card with Resend invitation, Disable and Delete. */
export const guestCommand: CommandHandler = {
  usage: 'guest <email>',
  description: "One guest's state, sign-ins, groups, app roles, sponsor and who asked for them; admins can resend, disable or delete.",
  audience: 'admins',
  match: (text) => matchWords(text, 'guest'),
  async handle(turn, args) {
    await replyWithGuestCard(
      turn,
      await turn.guestAdmin.inspect(turn.actor, args, turn.source),
      (found) => guestCard({ guest: found.details, plan: found.plan, resendTurnedOff: found.resendTurnedOff }),
      (found) => (found.plan ? found.details.id : undefined),
    );
  },
};
