import { appAccessFormCard } from '../../cards/appAccessFormCard';
import { noticeCard } from '../../cards/noticeCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';
import { isPersonalChat } from '../turn';

/** `request app [guest email]`: opens the app access form, with the guest chosen when known. */
export const requestAppCommand: CommandHandler = {
  usage: 'request app [guest email]',
  description: 'Give a guest (existing or new) access to an enterprise application; its owners decide.',
  audience: 'everyone',
  match: (text) => matchWords(text, 'request app') ?? matchWords(text, 'request access'),
  async handle(turn, args) {
    if (!isPersonalChat(turn.context.activity)) {
      await sendCard(
        turn.context,
        noticeCard({
          title: "Let's do this in private",
          text: 'Access requests hold personal details: open a 1:1 chat with me and type "request app" there.',
        }),
      );
      return;
    }
    await sendCard(turn.context, appAccessFormCard(await turn.workflow.openAppAccessForm(args)));
  },
};
