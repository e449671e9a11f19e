import { requestListCard } from '../../cards/requestListCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';

/** `my requests`: the requester's own requests and where each one stands. */
export const myRequestsCommand: CommandHandler = {
  usage: 'my requests',
  description: 'List the guest requests you made and their status.',
  audience: 'everyone',
  match: (text) => matchWords(text, 'my requests') ?? matchWords(text, 'my request'),
  async handle(turn) {
    const requests = await turn.workflow.listMine(turn.actor);
    await sendCard(
      turn.context,
      requestListCard({
        title: 'Your guest requests',
        requests,
        emptyText: 'You have not asked for any guest yet. Type "invite" to start.',
      }),
    );
  },
};
