import { revokeCard } from '../../cards/revokeCard';
import { replyWithGuestCard } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `revoke <email>`: the confirmation card; nothing changes until the admin confirms on it. */
export const revokeCommand: CommandHandler = {
  usage: 'revoke <email>',
  description: "Disable a guest's sign-in or delete them (restorable for 30 days), after you confirm; with a dry run.",
  audience: 'admins',
  match: (text) => matchWords(text, 'revoke'),
  async handle(turn, args) {
    await replyWithGuestCard(turn, await turn.guestAdmin.planRevoke(turn.actor, args, turn.source), revokeCard, (plan) => plan.guest.id);
  },
};
