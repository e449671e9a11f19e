import { helpCard } from '../../cards/helpCard';
import { matchWords, type CommandHandler } from '../handlers';
import { sendCard } from '../send';

const AUDIENCE_NOTE = { everyone: '', approvers: ' (approvers)', admins: ' (admins)' } as const;

/** `help`: every command with one line each. Built from the registered commands so it never drifts. */
export function helpCommand(commands: () => readonly CommandHandler[]): CommandHandler {
  return {
    usage: 'help',
    description: 'Show this list.',
    audience: 'everyone',
    match: (text) => matchWords(text, 'help') ?? (text === '?' ? '' : undefined),
    async handle(turn) {
      await sendCard(turn.context, helpCard({ commands: describe(commands()) }));
    },
  };
}

/** The reply to anything the bot does not understand: a short help card. */
export function unknownCommandCard(commands: readonly CommandHandler[], typed: string) {
  const shown = typed.length > 60 ? `${typed.slice(0, 57)}...` : typed;
  return helpCard({ intro: `I did not understand "${shown}". Here is what I can do:`, commands: describe(commands) });
}

function describe(commands: readonly CommandHandler[]) {
  return commands.map((c) => ({ command: c.usage, description: `${c.description}${AUDIENCE_NOTE[c.audience]}` }));
}
