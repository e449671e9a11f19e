import type { ActionHandler } from '../handlers';
import { approveAction } from './approveAction';
import { cancelAction } from './cancelAction';
import { denyAction } from './denyAction';
import { submitAppAccessAction } from './submitAppAccessAction';
import { submitInviteAction } from './submitInviteAction';

/** Every card verb the bot answers; the verb table in cards/verbs.ts names them. */
export function createActions(): ActionHandler[] {
  return [submitInviteAction, submitAppAccessAction, approveAction, denyAction, cancelAction];
}
