/**
 * How the admin commands and buttons answer a service outcome: the card when it worked, otherwise
 * a notice in chat (commands) or Teams' error or message answer (buttons, so the card stays).
 */
import { TurnContext, type AdaptiveCardInvokeResponse } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptiveCard';
import { noticeCard } from '../cards/noticeCard';
import type { AdminOutcome } from '../services/guests/guestAdmin';
import type { CardAddress } from '../services/guests/guestWrites';
import type { Turn } from './handlers';
import { cardResponse, errorResponse, messageResponse } from './invokeResponses';
import { sendCard } from './send';
import { cardConversationKey } from './turn';

type Failure = Exclude<AdminOutcome<unknown>, { kind: 'ok' }>;

const TITLES: Readonly<Record<Failure['kind'], string>> = {
  forbidden: 'Not allowed',
  notFound: 'Not found',
  invalid: 'Not understood',
  failed: 'Could not finish',
  turnedOff: 'Turned off',
};

/** The card for a command's outcome: `render` when it worked, a notice saying why when not. */
export function outcomeCard<T>(outcome: AdminOutcome<T>, render: (value: T) => AdaptiveCard): AdaptiveCard {
  if (outcome.kind === 'ok') return render(outcome.value);
  const tone = outcome.kind === 'notFound' || outcome.kind === 'invalid' || outcome.kind === 'turnedOff' ? 'warning' : 'attention';
  return noticeCard({ title: TITLES[outcome.kind], text: outcome.message, tone });
}

/** Sends the command's card into the conversation it was typed in (1:1 chat or channel). */
export async function replyWith<T>(turn: Turn, outcome: AdminOutcome<T>, render: (value: T) => AdaptiveCard): Promise<void> {
  await sendCard(turn.context, outcomeCard(outcome, render));
}

/**
 * Sends a card whose buttons act on one guest and records it, so that a click on those buttons can
 * be tied to that guest. `guestIdOf` says which guest, or undefined when the card has no such buttons.
 */
export async function replyWithGuestCard<T>(
  turn: Turn,
  outcome: AdminOutcome<T>,
  render: (value: T) => AdaptiveCard,
  guestIdOf: (value: T) => string | undefined,
): Promise<void> {
  const activityId = await sendCard(turn.context, outcomeCard(outcome, render));
  const guestId = outcome.kind === 'ok' ? guestIdOf(outcome.value) : undefined;
  const conversationKey = cardConversationKey(turn.context.activity, turn.actor.aadObjectId);
  if (activityId && guestId && conversationKey) await turn.records.recordGuestCard(guestId, conversationKey, activityId);
}

/** A button's answer: the new card when it worked; otherwise the clicked card stays and Teams shows why. */
export function outcomeResponse<T>(outcome: AdminOutcome<T>, render: (value: T) => AdaptiveCard): AdaptiveCardInvokeResponse {
  switch (outcome.kind) {
    case 'ok':
      return cardResponse(render(outcome.value));
    case 'forbidden':
      return errorResponse(403, 'Forbidden', outcome.message);
    case 'notFound':
      return errorResponse(404, 'NotFound', outcome.message);
    case 'invalid':
      return errorResponse(400, 'BadRequest', outcome.message);
    case 'failed':
    case 'turnedOff':
      return messageResponse(outcome.message);
  }
}

/** The card a click was made on (its conversation and message), for a queued job to update later. */
export function clickedCard(turn: Turn): CardAddress | undefined {
  const { activity } = turn.context;
  if (!activity.replyToId) return undefined;
  const reference = JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as Record<string, unknown>;
  return { conversation: reference, activityId: activity.replyToId };
}

/** A click that names no card (bound buttons are checked before, so only a forged click gets here). */
export function unboundClick(): AdaptiveCardInvokeResponse {
  return errorResponse(400, 'BadRequest', 'This button is not on a card I can find, so nothing was changed. Use the buttons on the card I sent for it.');
}
