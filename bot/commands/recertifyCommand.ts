import { noticeCard } from '../../cards/noticeCard';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `recertify [domain:…]`: starts a recertification campaign now. */
export const recertifyCommand: CommandHandler = {
  usage: 'recertify [domain:…]',
  description: 'Start a recertification now: each sponsor gets one card to keep or remove their guests.',
  audience: 'admins',
  match: (text) => matchWords(text, 'recertify'),
  async handle(turn, args) {
    await replyWith(turn, await turn.lifecycle.recertification.start(turn.actor, args, turn.source), (campaign) =>
      noticeCard({
        title: `Recertification ${campaign.id} started`,
        text: `I am collecting the guests${campaign.filter.domain ? ` of ${campaign.filter.domain}` : ''} the bot looks after; each sponsor gets one card to keep or remove theirs. Type "recertification" to see how far it has got.`,
        tone: 'good',
      }),
    );
  },
};
