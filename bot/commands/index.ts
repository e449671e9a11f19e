import type { CommandHandler } from '../handlers';
import { helpCommand } from './helpCommand';
import { inviteCommand } from './inviteCommand';
import { myRequestsCommand } from './myRequestsCommand';
import { pendingCommand } from './pendingCommand';
import { requestAppCommand } from './requestAppCommand';
import { setApprovalsChannelCommand } from './setApprovalsChannelCommand';

/** Every chat command, in the order help lists them. */
export function createCommands(): CommandHandler[] {
  const commands: CommandHandler[] = [inviteCommand, requestAppCommand, myRequestsCommand, pendingCommand, setApprovalsChannelCommand];
  commands.push(helpCommand(() => commands));
  return commands;
}
