import { TurnContext } from 'botbuilder';
import { noticeCard } from '../../cards/noticeCard';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `cleanup stale:90d`: the plan is built in the background and posted here, with Dry run and Run. */
export const cleanupCommand: CommandHandler = {
  usage: 'cleanup stale:90d',
  description: 'Plan the cleanup of stale guests: which, what would happen, who is told; then Dry run or Run.',
  audience: 'admins',
  match: (text) => matchWords(text, 'cleanup'),
  async handle(turn, args) {
    // The plan card comes back into this conversation once the job has read the directory.
    const conversation = JSON.parse(JSON.stringify(TurnContext.getConversationReference(turn.context.activity))) as Record<string, unknown>;
    await replyWith(turn, await turn.lifecycle.cleanup.plan(turn.actor, args, conversation, turn.source), (campaign) =>
      noticeCard({
        title: 'Building the cleanup plan',
        text: `Cleanup ${campaign.id}: I am reading the directory's guests. The plan comes here, with Dry run and Run; nothing changes before you choose Run.`,
      }),
    );
  },
};
