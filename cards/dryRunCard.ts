/** A dry run: the Graph call a revoke would make, shown and not made. */
import type { RevokeOperation, RevokePlan } from '../services/guests/guestModel';
import { adaptiveCard, type AdaptiveCard } from './adaptiveCard';
import { factSet, text, title } from './elements';
import { callFacts, consequence, revokePanel } from './guestView';
import { md } from './markdown';

export interface DryRunModel {
  plan: RevokePlan;
  operation: RevokeOperation;
}

/** The call and its effect; the confirm panel stays, so the admin can go ahead after reading it. */
export function dryRunCard(model: DryRunModel): AdaptiveCard {
  const { plan, operation } = model;
  const what = operation === 'disable' ? md`disable sign-in for ${plan.guest.displayName}` : md`delete ${plan.guest.displayName}`;
  return adaptiveCard(
    [
      title(md`Dry run: ${what}`),
      text(md`Nothing was changed. This is the Microsoft Graph call the bot would make:`, { color: 'Good', bold: true }),
      factSet(callFacts(plan.calls[operation])),
      text(consequence(operation, plan.guest, plan.restorableUntil)),
    ],
    [revokePanel(plan, operation, { explain: false })],
  );
}
