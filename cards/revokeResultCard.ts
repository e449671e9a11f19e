/** What a confirmed revoke did: the call made, and how to undo it. */
import type { RevokeDone } from '../services/guests/guestModel';
import { adaptiveCard, type AdaptiveCard } from './adaptiveCard';
import { factSet, text, title } from './elements';
import { callFacts, formatDay } from './guestView';
import { md } from './markdown';

export function revokeResultCard(done: RevokeDone): AdaptiveCard {
  const { guest } = done;
  if (done.unchanged) {
    return adaptiveCard([
      title(md`Already disabled: ${guest.displayName}`),
      text(md`Sign-in was already disabled for ${guest.email}, so nothing was changed.`),
    ]);
  }
  const heading = done.operation === 'disable' ? title(md`Sign-in disabled: ${guest.displayName}`) : title(md`Deleted: ${guest.displayName}`);
  heading.color = 'Good';
  const effect =
    done.operation === 'disable'
      ? md`${guest.email} can no longer sign in. To undo, enable the account again in Microsoft Entra.`
      : md`${guest.email} was removed from the directory. To undo, restore the guest from Deleted users in Microsoft Entra until ${formatDay(done.restorableUntil)}; groups come back with them.`;
  return adaptiveCard([
    heading,
    text(effect),
    text(md`Microsoft Graph call made:`, { subtle: true }),
    factSet(callFacts(done.call)),
    text(md`Recorded in the audit log with your name.`, { subtle: true }),
  ]);
}
