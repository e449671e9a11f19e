import { noticeCard } from '../../cards/noticeCard';
import { requestListCard } from '../../cards/requestListCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';

/** `pending`: what waits for an approver's decision. */
export const pendingCommand: CommandHandler = {
  usage: 'pending',
  description: 'List the requests waiting for approval.',
  audience: 'approvers',
  match: (text) => matchWords(text, 'pending'),
  async handle(turn) {
    const requests = await turn.workflow.listPendingFor(turn.actor);
    if (!requests) {
      await sendCard(turn.context, noticeCard({
        title: 'Only for approvers',
        text: 'This list is for members of the guest approver group. Type "my requests" to see your own requests.',
        tone: 'attention',
      }));
      return;
    }
    await sendCard(turn.context, requestListCard({
      title: 'Waiting for approval',
      requests,
      emptyText: 'Nothing waits for approval.',
      showRequester: true,
    }));
  },
};
