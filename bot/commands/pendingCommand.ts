import { noticeCard } from '../../cards/noticeCard';
import { pendingOverviewCard } from '../../cards/pendingOverviewCard';
import { requestListCard } from '../../cards/requestListCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';

/** `pending`: for admins every waiting request with its age and approvers; for approvers what waits for them. */
export const pendingCommand: CommandHandler = {
  usage: 'pending',
  description: 'List the requests waiting for approval (admins see all of them, with their age and approvers).',
  audience: 'approvers',
  match: (text) => matchWords(text, 'pending'),
  async handle(turn) {
    const overview = await turn.guestAdmin.pendingOverview(turn.actor);
    if (overview) {
      await sendCard(turn.context, pendingOverviewCard({ items: overview }));
      return;
    }
    const requests = await turn.workflow.listPendingFor(turn.actor);
    if (!requests) {
      await sendCard(
        turn.context,
        noticeCard({
          title: 'Only for approvers',
          text: 'This list is for members of the guest approver group. Type "my requests" to see your own requests.',
          tone: 'attention',
        }),
      );
      return;
    }
    await sendCard(
      turn.context,
      requestListCard({
        title: 'Waiting for approval',
        requests,
        emptyText: 'Nothing waits for approval.',
        showRequester: true,
      }),
    );
  },
};
