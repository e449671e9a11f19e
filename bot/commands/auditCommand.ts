import { auditTimelineCard } from '../../cards/auditTimelineCard';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `audit <request id>`: the full timeline of a request from the audit log. */
export const auditCommand: CommandHandler = {
  usage: 'audit <request id>',
  description: 'Everything that happened to a request, with who did it and when.',
  audience: 'admins',
  match: (text) => matchWords(text, 'audit'),
  async handle(turn, args) {
    await replyWith(turn, await turn.guestAdmin.timeline(turn.actor, args, turn.source), auditTimelineCard);
  },
};
