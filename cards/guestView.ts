/** What several guest cards say: a guest's state in words, dates, Graph calls, and the revoke panels. */
import type { GuestRef, GuestState, PlannedCall, RevokeOperation, RevokePlan } from '../services/guests/guestModel';
import type { ActionShowCard, CardElement, Container, Fact, TextBlock } from './adaptiveCard';
import { formatDateTime } from './dates';
import { execute, fact, factSet, text } from './elements';
import { md, type Markdown } from './markdown';
import { VERBS } from './verbs';

/** The invitation state as an admin reads it. */
export function guestStateLabel(state: GuestState | null): string {
  if (state === 'PendingAcceptance') return 'Pending (invitation not redeemed)';
  if (state === 'Accepted') return 'Accepted';
  return 'Unknown';
}

/** `2025-03-10`, or `unknown` for a missing date. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return 'unknown';
  const shown = formatDateTime(iso);
  return /^\d{4}-\d{2}-\d{2} /.test(shown) ? shown.slice(0, 10) : shown;
}

export function enabledLabel(enabled: boolean): string {
  return enabled ? 'sign-in enabled' : 'sign-in disabled';
}

/** What "last sign-in" means on the guest cards: Entra's last successful sign-in of any kind. */
export const LAST_SIGN_IN_MEANS = md`Last sign-in means the last successful sign-in, interactive or not.`;

/** `1234` as `1,234`: fixed locale, so every machine renders the same card. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The facts of one Graph request: method and URL, body, and the answer that means it worked. */
export function callFacts(call: PlannedCall): Fact[] {
  const facts = [fact('Request', md`${call.method} ${call.url}`)];
  if (call.body) facts.push(fact('Body', md`${call.body}`));
  facts.push(fact('Expected answer', md`${call.expected}`));
  return facts;
}

/** Exactly what each revoke operation does to the guest, in the words the confirmation uses. */
export function consequence(operation: RevokeOperation, guest: GuestRef, restorableUntil: string): Markdown {
  if (operation === 'disable') {
    return md`**Disable sign-in:** ${guest.displayName} can no longer sign in, from now on. Sessions already open can last until their tokens expire. Groups, app roles and sponsors stay, and an admin can enable the account again later.`;
  }
  return md`**Delete:** ${guest.displayName} is removed from the directory and from every group. The deletion is soft: an admin can restore the guest, with their groups, from Deleted users in Microsoft Entra for 30 days (until ${formatDay(restorableUntil)}). After that it is permanent.`;
}

const OPERATION = {
  disable: { button: 'Disable sign-in', confirm: 'Disable now', verb: VERBS.disableGuest, dryRun: VERBS.dryRunDisableGuest },
  delete: { button: 'Delete', confirm: 'Delete now', verb: VERBS.deleteGuest, dryRun: VERBS.dryRunDeleteGuest },
} as const;

/**
 * The confirmation panel of one operation: opening it changes nothing; it says what will happen and
 * which Graph call does it, and only its confirm button acts. Dry run shows the call without making it.
 */
export function revokePanel(plan: RevokePlan, operation: RevokeOperation, options: { explain: boolean }): ActionShowCard {
  const { guest } = plan;
  const labels = OPERATION[operation];
  const body: CardElement[] = [];
  // Cards that already say what will happen in their body show only the call here.
  if (options.explain) body.push(text(consequence(operation, guest, plan.restorableUntil)));
  body.push(factSet(callFacts(plan.calls[operation])));
  return {
    type: 'Action.ShowCard',
    title: labels.button,
    card: {
      type: 'AdaptiveCard',
      body,
      actions: [
        execute(labels.verb, labels.confirm, { guestId: guest.id }, { style: 'destructive', associatedInputs: 'none' }),
        execute(labels.dryRun, 'Dry run', { guestId: guest.id }, { associatedInputs: 'none' }),
      ],
    },
  };
}

/**
 * Both panels, leaving out disabling a guest whose sign-in is already disabled, and any operation
 * that is turned off (the card says why instead, see turnedOffTexts).
 */
export function revokePanels(plan: RevokePlan, options: { explain: boolean }): ActionShowCard[] {
  const panels: ActionShowCard[] = [];
  if (plan.guest.enabled && !plan.turnedOff?.disable) panels.push(revokePanel(plan, 'disable', options));
  if (!plan.turnedOff?.delete) panels.push(revokePanel(plan, 'delete', options));
  return panels;
}

/** Why an operation a card would offer is not there: its feature is off. */
export function turnedOffTexts(plan: RevokePlan): TextBlock[] {
  const operations: RevokeOperation[] = plan.guest.enabled ? ['disable', 'delete'] : ['delete'];
  return operations.flatMap((operation) => {
    const message = plan.turnedOff?.[operation];
    return message ? [text(md`${message}`, { color: 'Warning' })] : [];
  });
}

/** One guest as a line and a subtle line under it, for lists. */
export function guestLine(guest: { displayName: string; email: string }, detail: Markdown): Container {
  return {
    type: 'Container',
    separator: true,
    items: [text(md`**${guest.displayName}** · ${guest.email}`), text(detail, { subtle: true, spacing: 'None' })],
  };
}
