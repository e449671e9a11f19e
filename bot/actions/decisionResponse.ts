import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { approvalCard } from '../../cards/approvalCard';
import { requestStatusCard } from '../../cards/requestStatusCard';
import type { AccessRequest } from '../../services/requests/model';
import type { DecisionResult } from '../../services/requests/requestWorkflow';
import { cardResponse, errorResponse } from '../invokeResponses';

/** Who did what to a request that is no longer waiting, in one line. */
export function alreadyDecidedNotice(request: AccessRequest): string {
  const by = request.decision ? ` by ${request.decision.by.name}` : '';
  switch (request.state) {
    case 'cancelled':
      return 'This request was already cancelled by the requester.';
    case 'expired':
      return 'This request expired before anyone decided.';
    case 'denied':
      return `This request was already denied${by}.`;
    default:
      return `This request was already approved${by}.`;
  }
}

/** The approver's card after a click: refreshed, with a notice when someone else was first. */
export function approvalResponse(result: DecisionResult, denyError?: string): AdaptiveCardInvokeResponse {
  switch (result.kind) {
    case 'decided':
      return cardResponse(approvalCard({ request: result.request, context: result.request.context ?? {}, stage: result.stage }));
    case 'alreadyDecided':
      return cardResponse(approvalCard({ request: result.request, context: result.request.context ?? {}, notice: alreadyDecidedNotice(result.request) }));
    case 'invalid':
      return result.field === 'accessUntil'
        ? cardResponse(approvalCard({ request: result.request, context: result.request.context ?? {}, accessUntilError: result.message }))
        : cardResponse(approvalCard({ request: result.request, context: result.request.context ?? {}, denyError: denyError ?? result.message }));
    case 'refusedByPolicy':
      return cardResponse(approvalCard({ request: result.request, context: result.request.context ?? {}, notice: result.message }));
    case 'forbidden':
      return errorResponse(403, 'Forbidden', result.message);
    case 'notFound':
      return errorResponse(404, 'NotFound', 'This request no longer exists.');
  }
}

/** The requester's card after a click on it. */
export function statusResponse(result: DecisionResult): AdaptiveCardInvokeResponse {
  switch (result.kind) {
    case 'decided':
      return cardResponse(requestStatusCard({ request: result.request }));
    case 'alreadyDecided':
      return cardResponse(requestStatusCard({ request: result.request, notice: alreadyDecidedNotice(result.request) }));
    case 'invalid':
    case 'refusedByPolicy':
      return cardResponse(requestStatusCard({ request: result.request, notice: result.message }));
    case 'forbidden':
      return errorResponse(403, 'Forbidden', result.message);
    case 'notFound':
      return errorResponse(404, 'NotFound', 'This request no longer exists.');
  }
}
