import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptiveCard';

/** A message activity carrying one Adaptive Card. */
export function cardActivity(card: AdaptiveCard): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}

/** Sends a card into the current conversation and returns the new message's id. */
export async function sendCard(context: TurnContext, card: AdaptiveCard): Promise<string | undefined> {
  const response = await context.sendActivity(cardActivity(card));
  return response?.id;
}
