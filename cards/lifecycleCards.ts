/** The lifecycle's cards: expiry notices with Extend / Let it end, ended access, sponsors who left. */
import type { AccessEnded, ExpiryNotice, LifecycleMessage, SponsorLeft } from '../services/lifecycle/messages';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement, type InputDate } from './adaptiveCard';
import { errorText, execute, text, title } from './elements';
import { joinMarkdown, md, type Markdown } from './markdown';
import { VERBS, type ActionInput } from './verbs';

/** Id of the expiry notice's date input; `action.data.accessUntil` carries it. */
export const EXTEND_UNTIL_INPUT_ID = 'accessUntil' satisfies ActionInput<typeof VERBS.extendAccess>;

/** Guests named on one card at most; the rest are counted. */
const MAX_NAMED = 25;

const END_ACTION_TEXT = {
  disable: 'their sign-in is disabled (an admin can enable it again)',
  delete: 'the guest is deleted (restorable for 30 days)',
  none: 'the guest account stays, without this access',
} as const;

/** Any lifecycle message as its card. */
export function lifecycleCard(message: LifecycleMessage): AdaptiveCard {
  switch (message.kind) {
    case 'expiryNotice':
      return expiryNoticeCard(message);
    case 'accessEnded':
      return accessEndedCard(message);
    case 'sponsorLeft':
      return sponsorLeftCard(message);
  }
}

function bullets(lines: readonly Markdown[]): Markdown {
  return joinMarkdown(lines.map((line) => md`- ${line}`), md`\r`);
}

/** The sponsor's card before a guest's access ends: what ends when, Extend (with a date) or Let it end. */
export function expiryNoticeCard(notice: ExpiryNotice): AdaptiveCard {
  const { guest } = notice;
  const body: CardElement[] = [
    title(md`Access ending: ${guest.displayName}`),
    text(md`You sponsor ${guest.email}. This access ends after **${notice.lastDay}** (UTC):`, { spacing: 'Small' }),
    text(bullets(notice.items.map((item) => (item.given ? md`${item.label}` : md`${item.label}, which stays: the guest had it before`)))),
  ];
  if (notice.endAction) body.push(text(md`With nothing else left, ${END_ACTION_TEXT[notice.endAction]}.`));
  if (notice.answered) {
    body.push(text(md`${notice.answered}`, { color: 'Good', bold: true }));
    return adaptiveCard(body);
  }
  body.push(text(md`No answer means it ends.`, { subtle: true }));
  const until: InputDate = {
    type: 'Input.Date',
    id: EXTEND_UNTIL_INPUT_ID,
    label: `Extend until (at most ${notice.extendMax})`,
    min: notice.extendMin,
    max: notice.extendMax,
    isRequired: true,
    errorMessage: 'Choose the new last day.',
  };
  body.push(until);
  if (notice.error) body.push(errorText(md`${notice.error}`));
  const actions: Action[] = [
    execute(VERBS.extendAccess, 'Extend', { guestId: guest.id }, { style: 'positive', associatedInputs: 'auto' }),
    execute(VERBS.letAccessEnd, 'Let it end', { guestId: guest.id }, { associatedInputs: 'none' }),
  ];
  return adaptiveCard(body, actions);
}

const ACCOUNT_TEXT = {
  disabled: 'Their sign-in is disabled.',
  deleted: 'The guest is deleted (restorable for 30 days).',
  kept: 'The guest account stays (GUEST_END_ACTION is none).',
  alreadyGone: 'The guest account was gone already.',
} as const;

/** What ended for a guest: removed, left as it was, what became of the account, and what failed. */
export function accessEndedCard(message: AccessEnded): AdaptiveCard {
  const body: CardElement[] = [title(md`Access ended: ${message.guest.displayName}`), text(md`${message.guest.email}`, { subtle: true, spacing: 'Small' })];
  if (message.removed.length > 0) body.push(text(md`Removed: ${message.removed.join(', ')}`));
  if (message.leftAlone.length > 0) body.push(text(md`Left as it was (the guest had it before, from someone else): ${message.leftAlone.join(', ')}`));
  if (message.account) body.push(text(md`${ACCOUNT_TEXT[message.account]}`, { bold: true }));
  for (const problem of message.problems) body.push(text(md`${problem}`, { color: 'Attention' }));
  return adaptiveCard(body);
}

/** The approvers' card when a sponsor left: which guests they answer for now. */
export function sponsorLeftCard(message: SponsorLeft): AdaptiveCard {
  const why = message.sponsor.why === 'deleted' ? 'their account was deleted' : 'their account was disabled';
  const named = message.guests.slice(0, MAX_NAMED).map((g) => md`${g.displayName} (${g.email})`);
  const more = message.guests.length - named.length;
  const body: CardElement[] = [
    title(md`A sponsor left: ${message.sponsor.name}`),
    text(md`${message.sponsor.name} no longer answers for guests (${why}). The approver group now sponsors these ${message.guests.length} guests:`, { spacing: 'Small' }),
    text(bullets(named)),
  ];
  if (more > 0) body.push(text(md`… and ${more} more.`));
  body.push(
    text(
      message.inDirectory
        ? md`Entra shows the approver group as their sponsor too.`
        : md`Entra still shows the old sponsor: the bot's app lacks User.ReadWrite.All, which writing sponsors needs.`,
      { subtle: true },
    ),
    text(md`To hand a guest to a colleague, type: sponsor <guest email> <colleague email>`, { subtle: true }),
  );
  return adaptiveCard(body);
}
