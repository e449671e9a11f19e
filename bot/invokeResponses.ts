import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptiveCard';

/** Replaces the card the user clicked with this one. */
export function cardResponse(card: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card as unknown as Record<string, unknown> };
}

/** Shows a short message to the user who clicked, leaving the card as it is. */
export function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
}

/** Teams' typed error answer: a 4xx status with a code and a message the user sees. */
export function errorResponse(statusCode: 400 | 401 | 403 | 404 | 409 | 500, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } };
}

/** The answer to a card action whose value is not an `Action.Execute` with a verb and data. */
export function cardActionNotUnderstood(): AdaptiveCardInvokeResponse {
  return errorResponse(400, 'BadRequest', 'This card action was not understood.');
}

/** The answer to a typeahead query that is malformed or names no dataset the cards use. */
export function searchNotSupported(): AdaptiveCardInvokeResponse {
  return errorResponse(400, 'BadRequest', 'This search is not supported.');
}
