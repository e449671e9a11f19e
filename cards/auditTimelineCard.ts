/** `audit <request id>`: everything that happened to a request, in order, with who did it. */
import type { TimelineEntry } from '../services/guests/guestModel';
import type { AccessRequest } from '../services/requests/model';
import { adaptiveCard, type AdaptiveCard, type CardElement, type Container } from './adaptiveCard';
import { formatDateTime } from './dates';
import { fact, factSet, text, title } from './elements';
import { md, type Markdown } from './markdown';
import { requestStateLabel } from './requestView';
import { answerFacts } from './policyQuestions';

export interface AuditTimelineModel {
  request: AccessRequest;
  entries: TimelineEntry[];
}

/** At most this many entries are shown; the rest are counted. */
export const MAX_TIMELINE_ENTRIES = 60;

/** Audit actions in words; an action not listed is shown with its underscores as spaces. */
const ACTIONS: Readonly<Record<string, string>> = {
  request_created: 'asked for the guest',
  approval_requested: 'sent the approval card',
  approval_unreachable: 'could not reach any approver',
  request_approved: 'approved',
  request_denied: 'denied',
  request_cancelled: 'cancelled the request',
  request_expired: 'expired the request',
  execution_started: 'started inviting the guest',
  execution_resumed: 'resumed inviting the guest',
  execution_retry_scheduled: 'scheduled a retry',
  execution_deferred: 'waited for the directory to know the new guest',
  directory_wait_started: 'started waiting for the directory to know the new guest',
  request_completed: 'invited the guest',
  request_failed: 'failed to invite the guest',
  approve_refused: 'tried to approve and was refused',
  deny_refused: 'tried to deny and was refused',
  cancel_refused: 'tried to cancel and was refused',
  guest_reinvited: 'sent a new invitation',
  guest_disabled: "disabled the guest's sign-in",
  guest_deleted: 'deleted the guest',
  guest_disable_dry_run: 'ran a dry run of disabling the guest',
  guest_delete_dry_run: 'ran a dry run of deleting the guest',
  guest_disable_unchanged: 'tried to disable the guest, who was already disabled',
  grant_end_noticed: 'told the sponsor that access is ending',
  grant_extended: 'extended the access',
  grant_end_accepted: 'let the access end',
  grant_ending: 'started ending the access',
  grant_ended: 'ended the access',
  grant_handed_over: 'handed the access to a later request',
  grant_end_failed: 'could not end the access',
  guest_end_started: 'started ending the guest account',
  guest_ended: 'ended the guest account',
  guest_end_failed: 'could not end the guest account',
  sponsor_set: "made someone else the guest's sponsor",
  sponsor_left: 'handed the guest to the approver group: its sponsor left',
  recertification_kept: 'kept the guest in a recertification',
  recertification_removed: 'removed the guest in a recertification',
  cleanup_kept: 'kept the guest out of a cleanup',
  cleanup_applied: 'cleaned up the stale guest',
  stage_approval_recorded: 'approved the stage, which needs more approvals',
  stage_approved: 'approved the stage',
  stage_reminder_sent: 'reminded the approvers of a stage nobody decided',
  approval_reminded: 'sent the approval card again as a reminder',
  stage_escalated: 'escalated a stage nobody decided to its fallback group',
};

/** For a request about a guest who existed already nothing is invited, so these speak of access. */
const EXISTING_GUEST_ACTIONS: Readonly<Record<string, string>> = {
  request_created: 'asked for access for the guest',
  execution_started: 'started granting the access',
  execution_resumed: 'resumed granting the access',
  request_completed: 'granted the access',
  request_failed: 'failed to grant the access',
};

/** An extension request gives nothing new: its execution makes the access last longer. */
const EXTENSION_ACTIONS: Readonly<Record<string, string>> = {
  request_created: 'asked to extend the access',
  execution_started: 'started extending the access',
  request_completed: 'extended the access',
  request_failed: 'failed to extend the access',
};

export function auditTimelineCard(model: AuditTimelineModel): AdaptiveCard {
  const { request, entries } = model;
  const body: CardElement[] = [
    title(md`Timeline of ${request.id}`),
    factSet([
      fact('Guest', md`${request.kind === 'batch' ? `a batch of ${request.details.displayName}` : request.details.email || 'an existing guest'}`),
      fact('Requested by', md`${request.requester.name}`),
      fact('State', md`${requestStateLabel(request)}`),
      ...(request.approval ? [fact('Policy', md`${request.approval.policy} (${request.approval.stages.length} stages)`)] : []),
      ...answerFacts(request),
    ]),
  ];
  if (entries.length === 0) body.push(text(md`The audit log has no entries for this request.`, { subtle: true }));
  const words =
    request.kind === 'extension' ? { ...ACTIONS, ...EXTENSION_ACTIONS } : request.details.existingGuestId ? { ...ACTIONS, ...EXISTING_GUEST_ACTIONS } : ACTIONS;
  body.push(...entries.slice(0, MAX_TIMELINE_ENTRIES).map((entry) => line(entry, words)));
  const more = entries.length - MAX_TIMELINE_ENTRIES;
  if (more > 0) body.push(text(md`and ${more} more`, { subtle: true }));
  return adaptiveCard(body);
}

function line(entry: TimelineEntry, words: Readonly<Record<string, string>>): Container {
  const items = [text(md`${formatDateTime(entry.at)} · **${entry.actor}** ${actionText(entry.action, words)}`)];
  const detail = detailText(entry);
  if (detail) items.push(text(detail, { subtle: true, spacing: 'None' }));
  return { type: 'Container', separator: true, items };
}

function actionText(action: string, words: Readonly<Record<string, string>>): string {
  return words[action] ?? action.replace(/[_.]/g, ' ');
}

function detailText(entry: TimelineEntry): Markdown | undefined {
  const parts = Object.entries(entry.detail ?? {}).map(([key, value]) => `${key}: ${String(value)}`);
  if (entry.source) parts.push(`from ${entry.source.startsWith('job') ? 'the worker' : 'Teams activity'} ${entry.source}`);
  return parts.length > 0 ? md`${parts.join(' · ')}` : undefined;
}
