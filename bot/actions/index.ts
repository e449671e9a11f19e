import { VERBS } from '../../cards/verbs';
import type { ActionRegistry } from '../handlers';
import { approveAction } from './approveAction';
import { cancelAction } from './cancelAction';
import { deleteGuestAction } from './deleteGuestAction';
import { denyAction } from './denyAction';
import { disableGuestAction } from './disableGuestAction';
import { dryRunDeleteGuestAction } from './dryRunDeleteGuestAction';
import { dryRunCleanupAction } from './dryRunCleanupAction';
import { dryRunDisableGuestAction } from './dryRunDisableGuestAction';
import { extendAccessAction } from './extendAccessAction';
import { guestsPageAction } from './guestsPageAction';
import { keepAllGuestsAction } from './keepAllGuestsAction';
import { keepFromCleanupAction } from './keepFromCleanupAction';
import { keepGuestAction } from './keepGuestAction';
import { letAccessEndAction } from './letAccessEndAction';
import { removeGuestAction } from './removeGuestAction';
import { resendGuestAction } from './resendGuestAction';
import { runCleanupAction } from './runCleanupAction';
import { submitAppAccessAction } from './submitAppAccessAction';
import { submitInviteAction } from './submitInviteAction';

/**
 * Every card verb the bot answers, under its verb. The type says one handler per verb of the
 * table in cards/verbs.ts: a verb without a handler, a handler under another verb, or a verb
 * listed twice does not compile.
 */
export function createActions(): ActionRegistry {
  return {
    [VERBS.submitInvite]: submitInviteAction,
    [VERBS.submitAppAccess]: submitAppAccessAction,
    [VERBS.approve]: approveAction,
    [VERBS.deny]: denyAction,
    [VERBS.cancel]: cancelAction,
    [VERBS.guestsPage]: guestsPageAction,
    [VERBS.resendGuest]: resendGuestAction,
    [VERBS.disableGuest]: disableGuestAction,
    [VERBS.deleteGuest]: deleteGuestAction,
    [VERBS.dryRunDisableGuest]: dryRunDisableGuestAction,
    [VERBS.dryRunDeleteGuest]: dryRunDeleteGuestAction,
    [VERBS.extendAccess]: extendAccessAction,
    [VERBS.letAccessEnd]: letAccessEndAction,
    [VERBS.keepGuest]: keepGuestAction,
    [VERBS.removeGuest]: removeGuestAction,
    [VERBS.keepAllGuests]: keepAllGuestsAction,
    [VERBS.dryRunCleanup]: dryRunCleanupAction,
    [VERBS.runCleanup]: runCleanupAction,
    [VERBS.keepFromCleanup]: keepFromCleanupAction,
  } satisfies ActionRegistry;
}
