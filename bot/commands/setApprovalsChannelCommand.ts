import { noticeCard } from '../../cards/noticeCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';
import { channelIdOf, conversationKeys } from '../turn';

/** `set approvals channel`, typed in a channel: approval cards go there from now on. */
export const setApprovalsChannelCommand: CommandHandler = {
  usage: 'set approvals channel',
  description: 'Type in a team channel (mentioning me) to send approval cards there.',
  audience: 'admins',
  match: (text) => matchWords(text, 'set approvals channel'),
  async handle(turn) {
    const channelId = channelIdOf(turn.context.activity);
    if (!channelId) {
      await sendCard(
        turn.context,
        noticeCard({
          title: 'Type this in a channel',
          text: 'Go to the team channel where approvers should get the cards, mention me and type "set approvals channel".',
        }),
      );
      return;
    }
    // The channel's address must be stored before cards can be posted there.
    if (!(await turn.records.knowsConversation(conversationKeys.channel(channelId)))) {
      await sendCard(turn.context, noticeCard({ title: 'Not set', text: "I could not record this channel's address; try again.", tone: 'attention' }));
      return;
    }
    const result = await turn.workflow.setApprovalsChannel(turn.actor, channelId, turn.source);
    await sendCard(
      turn.context,
      result === 'set'
        ? noticeCard({ title: 'Approvals channel set', text: 'New guest requests will be posted in this channel for approvers.', tone: 'good' })
        : noticeCard({ title: 'Only for admins', text: 'Only members of the guest access admin group can choose the approvals channel.', tone: 'attention' }),
    );
  },
};
