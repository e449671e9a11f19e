import type { ActionHandler } from '../handlers';
import { approveAction } from './approveAction';
import { cancelAction } from './cancelAction';
import { deleteGuestAction } from './deleteGuestAction';
import { denyAction } from './denyAction';
import { disableGuestAction } from './disableGuestAction';
import { dryRunDeleteGuestAction } from './dryRunDeleteGuestAction';
import { dryRunDisableGuestAction } from './dryRunDisableGuestAction';
import { guestsPageAction } from './guestsPageAction';
import { resendGuestAction } from './resendGuestAction';
import { submitAppAccessAction } from './submitAppAccessAction';
import { submitInviteAction } from './submitInviteAction';

/** Every card verb the bot answers; the verb table in cards/verbs.ts names them. */
export function createActions(): ActionHandler[] {
  return [
    submitInviteAction,
    submitAppAccessAction,
    approveAction,
    denyAction,
    cancelAction,
    guestsPageAction,
    resendGuestAction,
    disableGuestAction,
    deleteGuestAction,
    dryRunDisableGuestAction,
    dryRunDeleteGuestAction,
  ];
}
