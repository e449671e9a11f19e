/** `revoke <email>`: what disabling and deleting would do, before anything happens. */
import type { RevokePlan } from '../services/guests/guestModel';
import { adaptiveCard, type AdaptiveCard, type CardElement } from './adaptiveCard';
import { text, title } from './elements';
import { consequence, enabledLabel, guestStateLabel, revokePanels, turnedOffTexts } from './guestView';
import { md } from './markdown';

/**
 * The confirmation card. Each option opens a panel naming the Graph call it makes; only the panel's
 * confirm button acts, so reading the card or opening a panel changes nothing.
 */
export function revokeCard(plan: RevokePlan): AdaptiveCard {
  const { guest } = plan;
  const body: CardElement[] = [
    title(md`Revoke access: ${guest.displayName}`),
    text(md`${guest.email} · ${guestStateLabel(guest.state)} · ${enabledLabel(guest.enabled)}`, { subtle: true, spacing: 'None' }),
    text(md`Nothing changes until you open an option below and confirm it.`, { bold: true, color: 'Warning' }),
  ];
  if (!guest.enabled) body.push(text(md`Sign-in is already disabled for ${guest.displayName}.`));
  else if (!plan.turnedOff?.disable) body.push(text(consequence('disable', guest, plan.restorableUntil)));
  if (!plan.turnedOff?.delete) body.push(text(consequence('delete', guest, plan.restorableUntil)));
  if (!plan.turnedOff?.delete && plan.directoryRoles && plan.directoryRoles.length > 0) {
    const held = plan.directoryRoles.map((r) => r.displayName).join(', ');
    body.push(
      text(
        md`${guest.displayName} holds the directory role ${held}. If it is a privileged administrator role, Microsoft Graph refuses to let the bot delete them: remove the role in Microsoft Entra first, or disable their sign-in instead.`,
        { color: 'Warning' },
      ),
    );
  }
  body.push(...turnedOffTexts(plan));
  return adaptiveCard(body, revokePanels(plan, { explain: false }));
}
