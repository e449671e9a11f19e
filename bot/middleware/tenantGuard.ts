import { ActivityTypes, type InvokeResponse, type MiddlewareHandler } from 'botbuilder';
import type { Logger } from '../../services/platform/logger';
import { errorResponse } from '../invokeResponses';
import { isAdapterEvent, tenantOf } from '../turn';

/**
 * Refuses every activity from another tenant than the configured one, before anything else runs:
 * nothing of it is stored or answered, except an invoke, which Teams waits on and gets a 403. The
 * bot's own proactive turns pass: they continue a conversation that passed this guard when stored.
 */
export function tenantGuard(expectedTenantId: string, logger: Logger): MiddlewareHandler {
  return async (context, next) => {
    if (isAdapterEvent(context.activity) || tenantOf(context.activity) === expectedTenantId) {
      await next();
      return;
    }
    logger.warn({ activityId: context.activity.id, type: context.activity.type }, 'activity from another tenant refused');
    if (context.activity.type === ActivityTypes.Invoke) {
      const refusal: InvokeResponse = { status: 403, body: errorResponse(403, 'Forbidden', 'This bot serves another organisation.') };
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: refusal });
    }
  };
}
