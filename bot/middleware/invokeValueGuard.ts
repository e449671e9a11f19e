import { ActivityTypes, type Activity, type AdaptiveCardInvokeResponse, type InvokeResponse, type MiddlewareHandler } from 'botbuilder';
import { cardActionNotUnderstood, searchNotSupported } from '../invokeResponses';

/**
 * botbuilder's ActivityHandler reads an invoke's value before our hooks see it: `value.action.type`
 * of an `adaptiveCard/action`, and it sets `value.kind` on an `application/search`. It answers a
 * missing value or queryText, or another action type, with a typed 400 of its own, but a value
 * without an action object, or one that is not an object at all, makes it throw, and the turn
 * fails instead. Those are answered here with the same typed 400 our hooks give; everything else
 * goes on to the framework's checks and then to our schemas.
 */
export function invokeValueGuard(): MiddlewareHandler {
  return async (context, next) => {
    const refusal = context.activity.type === ActivityTypes.Invoke ? refusalOf(context.activity) : undefined;
    if (!refusal) {
      await next();
      return;
    }
    const response: InvokeResponse = { status: refusal.statusCode, body: refusal };
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: response });
  };
}

/** Our answer to an invoke value the framework would throw on; undefined for every other value. */
function refusalOf(activity: Activity): AdaptiveCardInvokeResponse | undefined {
  const name = activity.name;
  const value: unknown = activity.value;
  if (name === 'adaptiveCard/action' && !(isObject(value) && isObject(value.action))) return cardActionNotUnderstood();
  if (name === 'application/search' && !isObject(value)) return searchNotSupported();
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
