import type { CommandHandler } from '../handlers';
import { auditCommand } from './auditCommand';
import { cleanupCommand } from './cleanupCommand';
import { guestCommand } from './guestCommand';
import { guestsCommand } from './guestsCommand';
import { helpCommand } from './helpCommand';
import { inviteCommand } from './inviteCommand';
import { myRequestsCommand } from './myRequestsCommand';
import { pendingCommand } from './pendingCommand';
import { policiesCommand } from './policiesCommand';
import { recertificationCommand } from './recertificationCommand';
import { recertifyCommand } from './recertifyCommand';
import { requestAppCommand } from './requestAppCommand';
import { resendCommand } from './resendCommand';
import { revokeCommand } from './revokeCommand';
import { setApprovalsChannelCommand } from './setApprovalsChannelCommand';
import { sponsorCommand } from './sponsorCommand';

/** Every chat command, in the order help lists them. */
export function createCommands(): CommandHandler[] {
  const commands: CommandHandler[] = [
    inviteCommand,
    requestAppCommand,
    myRequestsCommand,
    pendingCommand,
    setApprovalsChannelCommand,
    guestsCommand,
    guestCommand,
    resendCommand,
    revokeCommand,
    sponsorCommand,
    recertifyCommand,
    recertificationCommand,
    cleanupCommand,
    auditCommand,
    policiesCommand,
  ];
  commands.push(helpCommand(() => commands));
  return commands;
}
