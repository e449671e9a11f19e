import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { cardText, parseCardStrict } from './adaptiveCards';
import type { BotHarness, PostResult } from './botHarness';
import { personalConversationId, type TeamsUser } from './teamsActivities';

/** The card in an invoke answer, checked to parse without warnings. */
export function invokeCard(result: PostResult): AdaptiveCard {
  const body = result.body as { statusCode?: number; type?: string; value?: unknown };
  if (result.status !== 200 || body?.type !== 'application/vnd.microsoft.card.adaptive') {
    throw new Error(`Expected a card answer, got ${result.status} ${JSON.stringify(body)}`);
  }
  parseCardStrict(body.value);
  return body.value as AdaptiveCard;
}

/** The error in an invoke answer (Teams' `application/vnd.microsoft.error`). */
export function invokeError(result: PostResult): { statusCode: number; code: string; message: string } {
  const body = result.body as { statusCode: number; type?: string; value: { code: string; message: string } };
  if (body?.type !== 'application/vnd.microsoft.error') throw new Error(`Expected an error answer, got ${JSON.stringify(body)}`);
  return { statusCode: body.statusCode, ...body.value };
}

/** The text of an invoke answer Teams shows as a message, leaving the clicked card as it was. */
export function invokeMessage(result: PostResult): string {
  const body = result.body as { type?: string; value?: unknown };
  if (body?.type !== 'application/vnd.microsoft.activity.message') throw new Error(`Expected a message answer, got ${JSON.stringify(body)}`);
  return String(body.value);
}

/** Cards the bot sent (or updated) in a user's 1:1 chat, each checked to parse without warnings. */
export function cardsFor(harness: BotHarness, user: TeamsUser, kind?: 'send' | 'update'): { activityId: string; card: AdaptiveCard; text: string }[] {
  return harness.connector
    .in(personalConversationId(user))
    .filter((r) => !kind || r.kind === kind)
    .flatMap((r) =>
      harness.connector.cards([r]).map((content) => {
        parseCardStrict(content);
        const card = content as AdaptiveCard;
        return { activityId: r.activityId, card, text: cardText(card) };
      }),
    );
}

/** The card as first posted in the user's 1:1 chat that names the request (an approval card, say). */
export function cardNaming(harness: BotHarness, user: TeamsUser, requestId: string): { activityId: string; card: AdaptiveCard; text: string } {
  const card = cardsFor(harness, user, 'send').find((c) => c.text.includes(requestId));
  if (!card) throw new Error(`${user.name} has no card naming ${requestId}`);
  return card;
}

/** Clicks a button on the user's card for the request, as Teams sends it: naming the card's message. */
export function clickOnCard(harness: BotHarness, user: TeamsUser, verb: string, data: { requestId: string } & Record<string, unknown>): Promise<PostResult> {
  return harness.post(harness.activities.cardAction(user, verb, data, cardNaming(harness, user, data.requestId).activityId));
}

/** The latest card a user received, as text. */
export function lastCardText(harness: BotHarness, user: TeamsUser): string {
  const cards = cardsFor(harness, user);
  return cards[cards.length - 1]?.text ?? '';
}

/** Sends `text` from the user and returns the card the bot replied with. */
export async function say(harness: BotHarness, user: TeamsUser, text: string): Promise<{ activityId: string; card: AdaptiveCard; text: string }> {
  const before = cardsFor(harness, user).length;
  const result = await harness.post(harness.activities.message(user, text));
  if (result.status !== 200) throw new Error(`Message answered ${result.status}`);
  const cards = cardsFor(harness, user);
  const reply = cards[cards.length - 1];
  if (!reply || cards.length === before) throw new Error(`No card came back for "${text}"`);
  return reply;
}
