import { inviteFormCard } from '../../cards/inviteFormCard';
import { noticeCard } from '../../cards/noticeCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';
import { isPersonalChat } from '../turn';

/** `invite [email]`: opens the invite form, pre-filled with the address when one is given. */
export const inviteCommand: CommandHandler = {
  usage: 'invite [email]',
  description: 'Ask for a guest invitation (opens a form; an approver decides).',
  audience: 'everyone',
  match: (text) => matchWords(text, 'invite'),
  async handle(turn, args) {
    if (!isPersonalChat(turn.context.activity)) {
      await sendCard(
        turn.context,
        noticeCard({
          title: "Let's do this in private",
          text: 'Guest requests hold personal details: open a 1:1 chat with me and type "invite" there.',
        }),
      );
      return;
    }
    const form = await turn.workflow.openInviteForm(args.split(' ')[0] ?? '');
    await sendCard(turn.context, inviteFormCard(form));
  },
};
