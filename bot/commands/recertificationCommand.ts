import { recertificationProgressCard } from '../../cards/lifecycleCards';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `recertification`: the latest campaign's progress (answered, kept, removed, escalated). */
export const recertificationCommand: CommandHandler = {
  usage: 'recertification',
  description: 'How far the latest recertification has got: answered, kept, removed, escalated.',
  audience: 'admins',
  match: (text) => matchWords(text, 'recertification'),
  async handle(turn) {
    await replyWith(turn, await turn.lifecycle.recertification.progress(turn.actor, turn.source), recertificationProgressCard);
  },
};
