/** What the requester sees about their request, from submission to the end. */
import type { AccessRequest, ResendHelp } from '../services/requests/model';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement } from './adaptiveCard';
import { execute, factSet, text, title } from './elements';
import { md, type Markdown } from './markdown';
import { decisionText, outcomeBlocks, requestFacts, requestTitle } from './requestView';
import { VERBS } from './verbs';

export interface RequestStatusModel {
  request: AccessRequest;
  /** Shown above everything else, e.g. that no approver could be reached yet. */
  notice?: string;
  /** Who can send a guest found in the directory a new invitation; without it the card names admins in general. */
  resendHelp?: ResendHelp;
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
  const existing = request.state === 'completed' && !request.details.existingGuestId ? request.outcome?.existingGuest : undefined;
  if (existing && existing.externalUserState !== 'Accepted') body.push(text(resendHint(request.details.email, model.resendHelp), { subtle: true }));

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

/** Only admins can send an invitation again (`resend <email>`): the requester is told whether that is them, or whom to ask. */
function resendHint(email: string, help: ResendHelp | undefined): Markdown {
  const command = `resend ${email}`;
  if (help?.requesterIsAdmin) return md`If they never received the invitation or lost it, type "${command}" to send them a new one.`;
  if (help && help.adminNames.length > 0) {
    const names =
      help.adminNames.length === 1
        ? md`${help.adminNames[0]}`
        : md`${help.adminNames.slice(0, -1).join(', ')} or ${help.adminNames[help.adminNames.length - 1]}`;
    return md`If they never received the invitation or lost it, ask an admin of this bot (${names}) to send a new one: only admins can, by typing "${command}".`;
  }
  return md`If they never received the invitation or lost it, an admin of this bot can send a new one by typing "${command}".`;
}

/** Only an https address becomes a button; anything else stays off the card. */
function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
