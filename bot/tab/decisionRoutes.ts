/**
 * To decide: what waits for the caller (the same rule as `pending`: everything for approvers, their
 * own apps' requests for app owners), and Approve or Deny on one request or several. Each decision
 * is the workflow's own compare-and-set with its own checks (no self-approval, approver or owner,
 * policy at approval), one request at a time, so a batch decides exactly what one click per request
 * would, and the chat's cards are brought up to date by the workflow as after a click in chat.
 */
import { z } from 'zod';
import type { Person } from '../../services/requests/model';
import type { DecisionResult, RequestWorkflow } from '../../services/requests/requestWorkflow';
import { alreadyDecidedNotice } from '../actions/decisionResponse';
import { defineRoute, ok, type TabRoute } from './tabApi';
import { requestView, type RequestView } from './views';

/** Requests one batch decides at most: the To decide list shows 50. */
export const MAX_BATCH = 50;

/** What happened to one request of a batch. */
export interface DecisionOutcome {
  requestId: string;
  result: 'decided' | 'alreadyDecided' | 'forbidden' | 'notFound' | 'invalid' | 'refusedByPolicy';
  /** For everything but `decided`: what to tell the person, in the chat card's words. */
  message?: string;
  request?: RequestView;
}

const decisionBody = z.object({
  requestIds: z.array(z.string().min(1).max(40)).min(1).max(MAX_BATCH),
  outcome: z.enum(['approve', 'deny']),
  reason: z.string().max(2000).optional().default(''),
});

export function decisionRoutes(deps: { workflow: RequestWorkflow }): TabRoute[] {
  const { workflow } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/decisions/pending',
      async handle(call) {
        const pending = await workflow.listPendingFor(call.actor);
        return ok({ mayDecide: pending !== undefined, requests: (pending ?? []).map((r) => requestView(r, call.actor)) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/decisions',
      body: decisionBody,
      async handle(call, { body }) {
        const outcomes: DecisionOutcome[] = [];
        // One after another: each decision is its own transition, audited under this call's source.
        for (const requestId of [...new Set(body.requestIds)]) {
          const result =
            body.outcome === 'approve'
              ? await workflow.approve(call.actor, requestId, call.source)
              : await workflow.deny(call.actor, requestId, body.reason, call.source);
          outcomes.push(outcomeOf(requestId, result, call.actor));
        }
        return ok({ outcomes });
      },
    }),
  ];
}

function outcomeOf(requestId: string, result: DecisionResult, viewer: Person): DecisionOutcome {
  switch (result.kind) {
    case 'decided':
      return { requestId, result: 'decided', request: requestView(result.request, viewer) };
    case 'alreadyDecided':
      return { requestId, result: 'alreadyDecided', message: alreadyDecidedNotice(result.request), request: requestView(result.request, viewer) };
    case 'invalid':
      // The workflow checks the reason before who denies, so the request itself is not shown here.
      return { requestId, result: 'invalid', message: result.message };
    case 'refusedByPolicy':
      return { requestId, result: 'refusedByPolicy', message: result.message, request: requestView(result.request, viewer) };
    case 'forbidden':
      return { requestId, result: 'forbidden', message: result.message };
    case 'notFound':
      return { requestId, result: 'notFound', message: 'This request no longer exists.' };
  }
}
