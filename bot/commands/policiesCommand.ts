import { policiesCard } from '../../cards/policiesCard';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `policies [test <kind> <email> groups:"…"]`: the approval policies in force, and which one a hypothetical request would fall under. */
export const policiesCommand: CommandHandler = {
  usage: 'policies [test invite <email> groups:"<group>"]',
  description: 'The approval policies in force, and which one a request like this would fall under.',
  audience: 'admins',
  match: (text) => matchWords(text, 'policies'),
  async handle(turn, args) {
    await replyWith(turn, await turn.workflow.policies(turn.actor, args, turn.source), policiesCard);
  },
};
