/** The approver's card: what is asked, by whom, for whom and why; approve or deny with a reason. */
import type { AccessRequest } from '../services/requests/model';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement, type InputDate } from './adaptiveCard';
import { errorText, execute, factSet, text, title } from './elements';
import { md, type Markdown } from './markdown';
import { askText, decisionText, emailDomain, outcomeBlocks, requestFacts, requestTitle } from './requestView';
import { VERBS, type ActionInput } from './verbs';

export interface ApprovalContext {
  /** Guests from the same domain already in the directory; undefined when it could not be read. */
  guestsFromDomain?: number;
  /** Why the card came to these approvers (e.g. the app has no owner who can be reached). */
  routingNote?: string;
}

export interface ApprovalModel {
  request: AccessRequest;
  context: ApprovalContext;
  /** Why the last deny did not go through (e.g. no reason given), shown next to the deny button. */
  denyError?: string;
  /** Shown above everything else, e.g. that another approver decided first. */
  notice?: string;
  /** Why the end date the approver chose was not accepted, shown next to it. */
  accessUntilError?: string;
}

/** Id of the approver's end date input; `action.data.accessUntil` carries it. */
export const ACCESS_UNTIL_INPUT_ID = 'accessUntil' satisfies ActionInput<typeof VERBS.approve>;

/** Id of the reason input in the deny form; `action.data.reason` carries it. */
export const DENY_REASON_INPUT_ID = 'reason' satisfies ActionInput<typeof VERBS.deny>;

export function approvalCard(model: ApprovalModel): AdaptiveCard {
  const { request } = model;
  const { details } = request;
  const pending = request.state === 'pending';

  const body: CardElement[] = [];
  if (model.notice) body.push(text(md`${model.notice}`, { color: 'Warning', bold: true }));
  body.push(title(requestTitle(request)), text(askText(request), { spacing: 'Small' }), factSet(requestFacts(request, { requester: true })));
  if (!details.existingGuestId && request.kind !== 'batch')
    body.push(text(guestsFromDomainText(details.email, model.context.guestsFromDomain), { subtle: true }));
  if (model.context.routingNote) body.push(text(md`${model.context.routingNote}`, { color: 'Warning' }));
  if (details.directoryRole) {
    body.push(text(md`This request grants a directory role: review carefully.`, { color: 'Warning', bold: true }));
  }
  if (request.decision) {
    const denied = request.decision.outcome === 'denied';
    body.push(text(decisionText(request.decision), { color: denied ? 'Attention' : 'Good', bold: true }));
  }
  body.push(...outcomeBlocks(request));

  const actions: Action[] = [];
  if (pending && request.kind === 'batch') {
    if (model.denyError) body.push(errorText(md`${model.denyError}`));
    actions.push(execute(VERBS.approve, 'Approve all', { requestId: request.id }, { style: 'positive', associatedInputs: 'none' }), denyAction(request.id));
  } else if (pending) {
    // An approver may shorten the access asked for: the date is filled in, and can only be moved earlier.
    const until: InputDate = {
      type: 'Input.Date',
      id: ACCESS_UNTIL_INPUT_ID,
      label: details.accessUntil ? 'Access until (you may shorten it)' : 'Access until (optional: no end date was asked for)',
    };
    if (details.accessUntil) {
      until.value = details.accessUntil;
      until.max = details.accessUntil;
    }
    body.push(until);
    if (model.accessUntilError) body.push(errorText(md`${model.accessUntilError}`));
    if (model.denyError) body.push(errorText(md`${model.denyError}`));
    actions.push(execute(VERBS.approve, 'Approve', { requestId: request.id }, { style: 'positive', associatedInputs: 'auto' }), denyAction(request.id));
  }
  return adaptiveCard(body, actions);
}

function denyAction(requestId: string): Action {
  return {
    type: 'Action.ShowCard',
    title: 'Deny',
    card: {
      type: 'AdaptiveCard',
      body: [
        {
          type: 'Input.Text',
          id: DENY_REASON_INPUT_ID,
          label: 'Reason for denying',
          isMultiline: true,
          isRequired: true,
          errorMessage: 'Give a reason: the requester sees it.',
        },
      ],
      actions: [execute(VERBS.deny, 'Confirm deny', { requestId }, { style: 'destructive', associatedInputs: 'auto' })],
    },
  };
}

function guestsFromDomainText(email: string, count: number | undefined): Markdown {
  const domain = emailDomain(email);
  if (count === undefined) return md`Guests from ${domain} already in the directory: unknown`;
  return count === 1 ? md`1 guest from ${domain} already in the directory` : md`${count} guests from ${domain} already in the directory`;
}
