/** The approver's card: what is asked, by whom, for whom and why; approve or deny with a reason. */
import type { AccessRequest } from '../services/requests/model';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement, type InputDate } from './adaptiveCard';
import { errorText, execute, factSet, text, title } from './elements';
import { md, type Markdown } from './markdown';
import { askText, decisionText, emailDomain, outcomeBlocks, requestFacts, requestTitle } from './requestView';
import { stageLabel } from '../services/requests/policies/approvalStages';
import { formatDateTime } from './dates';
import type { ApprovalProgress } from '../services/requests/model';
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
  /** Under a policy: the stage (0-based) the card was posted for; default the stage waiting now. */
  stage?: number;
}

/** Id of the optional comment an approver gives a stage under a policy; `action.data.comment` carries it. */
export const APPROVAL_COMMENT_INPUT_ID = 'comment' satisfies ActionInput<typeof VERBS.approve>;

/** Id of the approver's end date input; `action.data.accessUntil` carries it. */
export const ACCESS_UNTIL_INPUT_ID = 'accessUntil' satisfies ActionInput<typeof VERBS.approve>;

/** Id of the reason input in the deny form; `action.data.reason` carries it. */
export const DENY_REASON_INPUT_ID = 'reason' satisfies ActionInput<typeof VERBS.deny>;

export function approvalCard(model: ApprovalModel): AdaptiveCard {
  const { request } = model;
  const { details } = request;
  const progress = request.approval;
  const cardStage = progress ? Math.min(model.stage ?? progress.current, progress.current) : undefined;
  // A card of an earlier stage keeps no buttons once its stage is decided: the next stage's people decide now.
  const pending = request.state === 'pending' && (cardStage === undefined || cardStage === progress?.current);

  const body: CardElement[] = [];
  if (model.notice) body.push(text(md`${model.notice}`, { color: 'Warning', bold: true }));
  body.push(title(requestTitle(request)), text(askText(request), { spacing: 'Small' }), factSet(requestFacts(request, { requester: true })));
  if (!details.existingGuestId && request.kind !== 'batch')
    body.push(text(guestsFromDomainText(details.email, model.context.guestsFromDomain), { subtle: true }));
  if (model.context.routingNote) body.push(text(md`${model.context.routingNote}`, { color: 'Warning' }));
  if (progress && cardStage !== undefined) body.push(...stageBlocks(request, progress, cardStage));
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
    if (progress) body.push(commentInput());
    actions.push(
      execute(VERBS.approve, 'Approve all', { requestId: request.id }, { style: 'positive', associatedInputs: progress ? 'auto' : 'none' }),
      denyAction(request.id),
    );
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
    if (progress) body.push(commentInput());
    actions.push(execute(VERBS.approve, 'Approve', { requestId: request.id }, { style: 'positive', associatedInputs: 'auto' }), denyAction(request.id));
  }
  return adaptiveCard(body, actions);
}

/**
 * Under a policy: which stage this card is for ("Stage 2 of 2: security team"), who decided the
 * earlier stages and why, where the stage went and why, and how many approvals it still needs.
 */
function stageBlocks(request: AccessRequest, progress: ApprovalProgress, cardStage: number): CardElement[] {
  const blocks: CardElement[] = [text(md`${stageLabel(progress, cardStage)}`, { bold: true, spacing: 'Medium' })];
  progress.stages.forEach((stage, index) => {
    if (index === cardStage || stage.approvals.length === 0) return;
    for (const approval of stage.approvals) {
      const why = approval.comment ? md`: ${approval.comment}` : md``;
      blocks.push(text(md`Stage ${index + 1} (${stage.name}): approved by ${approval.by.name} on ${formatDateTime(approval.at)}${why}`, { spacing: 'Small' }));
    }
  });
  const stage = progress.stages[cardStage];
  if (!stage) return blocks;
  if (stage.note) blocks.push(text(md`${stage.note}`, { color: 'Warning' }));
  if (stage.remindedAt && !stage.escalatedAt && request.state === 'pending') {
    blocks.push(text(md`Reminder: this stage has waited for a decision since ${formatDateTime(stage.startedAt ?? request.createdAt)}.`, { color: 'Warning' }));
  }
  if (stage.escalatedAt)
    blocks.push(text(md`Nobody decided in time, so this stage was escalated to ${stage.fallbackGroup.displayName} as well.`, { color: 'Warning' }));
  if (stage.required > 1) {
    const names = stage.approvals.map((a) => a.by.name).join(', ');
    blocks.push(
      text(md`This stage needs ${stage.required} approvals from different people; ${stage.approvals.length} so far${names ? md` (${names})` : md``}.`),
    );
  }
  if (request.state === 'pending' && cardStage < progress.current) {
    const by = stage.approvals.map((a) => a.by.name).join(' and ');
    blocks.push(text(md`This stage was approved by ${by}. The request is now at ${stageLabel(progress)}.`, { color: 'Good', bold: true }));
  }
  return blocks;
}

/** Under a policy an approver may say why, for the later stages and the requester. */
function commentInput(): CardElement {
  return {
    type: 'Input.Text',
    id: APPROVAL_COMMENT_INPUT_ID,
    label: 'Comment for the later stages and the requester (optional)',
    isMultiline: true,
    maxLength: 500,
  };
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
