/** After `resend`: the new redeem link for the admin to pass on. */
import type { ReinviteDone } from '../services/guests/guestModel';
import { adaptiveCard, type Action, type AdaptiveCard } from './adaptiveCard';
import { text, title } from './elements';
import { md } from './markdown';

export function reinviteCard(done: ReinviteDone): AdaptiveCard {
  const { guest } = done;
  const heading = title(md`New invitation sent to ${guest.displayName}`);
  heading.color = 'Good';
  const explanation = done.resetRedemption
    ? md`${guest.displayName} had redeemed an earlier invitation, so their redemption was reset: they keep their account, groups and app roles, and sign in again after redeeming this one.`
    : md`${guest.displayName} had not redeemed their invitation yet. An e-mail with a new redeem link is on its way to ${guest.email}.`;
  const actions: Action[] = [];
  if (isHttpsUrl(done.redeemUrl)) actions.push({ type: 'Action.OpenUrl', title: 'Open redeem link', url: done.redeemUrl });
  return adaptiveCard(
    [
      heading,
      text(explanation),
      text(md`If the e-mail does not arrive, send the guest this redeem link yourself:`, { subtle: true }),
      text(md`${done.redeemUrl}`),
    ],
    actions,
  );
}

/** Only an https address becomes a button. */
function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
