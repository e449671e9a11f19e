import { reinviteCard } from '../../cards/reinviteCard';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';
import { isPersonalChat } from '../turn';

/** `resend <email>`: a new invitation and its redeem link. */
export const resendCommand: CommandHandler = {
  usage: 'resend <email>',
  description: 'Send a guest a new invitation and show you the new redeem link (resets redemption if they had redeemed).',
  audience: 'admins',
  match: (text) => matchWords(text, 'resend'),
  async handle(turn, args) {
    await replyWith(turn, await turn.guestAdmin.resendByEmail(turn.actor, args, turn.source, isPersonalChat(turn.context.activity)), reinviteCard);
  },
};
