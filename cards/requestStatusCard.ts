/** What the requester sees about their request, from submission to the end. */
import type { AccessRequest } from '../services/model';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement } from './adaptiveCard';
import { execute, factSet, text, title } from './elements';
import { md } from './markdown';
import { decisionText, outcomeBlocks, requestFacts, requestTitle } from './requestView';
import { VERBS } from './verbs';

export interface RequestStatusModel {
  request: AccessRequest;
  /** Shown above everything else, e.g. that no approver could be reached yet. */
  notice?: string;
  /**
   * The redeem link is a secret for the requester: shown only on cards in the requester's own 1:1
   * chat, never in a channel or to an approver.
   */
  showRedeemLink?: boolean;
}

/** The requester's card: facts, decision, outcome, and "Cancel request" while it waits. */
export function requestStatusCard(model: RequestStatusModel): AdaptiveCard {
  const { request } = model;
  const body: CardElement[] = [];
  if (model.notice) body.push(text(md`${model.notice}`, { color: 'Warning', bold: true }));
  body.push(title(requestTitle(request)));
  body.push(factSet(requestFacts(request)));
  if (request.decision) {
    const denied = request.decision.outcome === 'denied';
    body.push(text(decisionText(request.decision), { color: denied ? 'Attention' : 'Default' }));
  }
  body.push(...outcomeBlocks(request));

  const actions: Action[] = [];
  if (request.state === 'pending') {
    actions.push(execute(VERBS.cancel, 'Cancel request', { requestId: request.id }, { associatedInputs: 'none' }));
  }
  const redeemUrl = request.outcome?.redeemUrl;
  if (model.showRedeemLink === true && request.state === 'completed' && redeemUrl && isHttpsUrl(redeemUrl)) {
    body.push(text(md`Send the guest the redeem link if the invitation email does not reach them.`, { subtle: true }));
    actions.push({ type: 'Action.OpenUrl', title: 'Open redeem link', url: redeemUrl });
  }
  return adaptiveCard(body, actions);
}

/** Only an https address becomes a button; anything else stays off the card. */
function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
