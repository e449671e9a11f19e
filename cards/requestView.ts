/** What several cards say about a request: its state in words, its facts, its decision and outcome. */
import { stageLabel } from '../services/requests/policies/approvalStages';
import { answerFacts } from './policyQuestions';
import {
  accessUntilOf,
  type AccessRequest,
  type AppAccess,
  type Decision,
  type InviteDetails,
  type NamedRef,
  type RequestState,
} from '../services/requests/model';
import type { Fact, TextBlock } from './adaptiveCard';
import { formatDateTime } from './dates';
import { fact, text } from './elements';
import { joinMarkdown, md, type Markdown } from './markdown';

/** The state of a request as the people involved read it. */
export const STATE_LABELS: Readonly<Record<RequestState, string>> = {
  pending: 'Waiting for approval',
  approved: 'Approved — inviting the guest',
  executing: 'Approved — inviting the guest',
  completed: 'Guest invited',
  failed: 'Failed',
  denied: 'Denied',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/** For a guest who exists already nothing is invited, so the words speak of access instead. */
const EXISTING_GUEST_LABELS: Partial<Record<RequestState, string>> = {
  approved: 'Approved — granting access',
  executing: 'Approved — granting access',
  completed: 'Access granted',
};

/** An extension gives nothing new: it makes the access last longer. */
const EXTENSION_LABELS: Partial<Record<RequestState, string>> = {
  approved: 'Approved — extending the access',
  executing: 'Approved — extending the access',
  completed: 'Access extended',
};

/** A batch invites many guests; its end is a list of outcomes rather than one guest invited. */
const BATCH_LABELS: Partial<Record<RequestState, string>> = {
  approved: 'Approved — inviting the guests',
  executing: 'Approved — inviting the guests',
  completed: 'Batch finished',
};

export function stateLabel(state: RequestState, details?: InviteDetails, kind?: AccessRequest['kind']): string {
  if (kind === 'extension') return EXTENSION_LABELS[state] ?? STATE_LABELS[state];
  if (kind === 'batch') return BATCH_LABELS[state] ?? STATE_LABELS[state];
  return (details?.existingGuestId ? EXISTING_GUEST_LABELS[state] : undefined) ?? STATE_LABELS[state];
}

/** The state in words, including what execution found: a wait for the directory, or a guest who existed already. */
export function requestStateLabel(request: AccessRequest): string {
  if (request.state === 'executing' && request.outcome?.waitingForDirectorySince) return 'Approved — waiting for the directory';
  if (request.state === 'completed' && request.outcome?.existingGuest && !request.details.existingGuestId) return 'Done — already a guest';
  return stateLabel(request.state, request.details, request.kind);
}

export function requestTitle(request: AccessRequest): Markdown {
  if (request.kind === 'extension') return md`Access extension request ${request.id}`;
  if (request.kind === 'batch') return md`Batch invitation request ${request.id}`;
  return request.kind === 'appAccess' ? md`App access request ${request.id}` : md`Guest access request ${request.id}`;
}

/** "Expense Hub (Example Corp) as Submitter". */
export function appAccessText(access: AppAccess): Markdown {
  const app = access.app.publisher ? md`${access.app.displayName} (${access.app.publisher})` : md`${access.app.displayName}`;
  return md`${app} as ${access.role.displayName}`;
}

/** One line saying what the requester asks for, with the names in bold. */
export function askText(request: AccessRequest): Markdown {
  const { details } = request;
  const access = details.appAccess;
  if (request.kind === 'batch') {
    return md`**${request.requester.name}** asks to invite **${details.displayName}** from a CSV file, with one justification.`;
  }
  if (request.kind === 'extension') {
    return md`**${request.requester.name}** asks to extend **${details.email}**'s access until **${details.accessUntil ?? 'no end'}**, longer than the policy allows without an approval.`;
  }
  if (details.existingGuestId && access) {
    return md`**${request.requester.name}** asks to give guest **${details.email}** access to **${appAccessText(access)}**.`;
  }
  if (access) {
    return md`**${request.requester.name}** asks to invite **${details.email}** as a guest with access to **${appAccessText(access)}**.`;
  }
  return md`**${request.requester.name}** asks to invite **${details.email}** as a guest.`;
}

/** The part of the guest's address after `@`, lower-cased. */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : email.slice(at + 1).toLowerCase();
}

export function groupsText(groups: readonly NamedRef[]): Markdown {
  if (groups.length === 0) return md`None`;
  return joinMarkdown(
    groups.map((group) => md`${group.displayName}`),
    md`, `,
  );
}

export function roleText(role: NamedRef | undefined): Markdown {
  return role ? md`${role.displayName}` : md`None`;
}

export interface RequestFactsOptions {
  /** Add who asked (the approver needs it; the requester knows). */
  requester?: boolean;
}

/** The facts of a request in the order people read them: who, for whom, what, why, when, where it stands. */
export function requestFacts(request: AccessRequest, options: RequestFactsOptions = {}): Fact[] {
  const { details } = request;
  const facts: Fact[] = [];
  if (options.requester) facts.push(fact('Requested by', md`${request.requester.name}`));
  if (request.kind === 'batch') return [...facts, ...batchFacts(request)];
  facts.push(fact('Guest', details.existingGuestId ? md`${details.email} (existing guest)` : md`${details.email}`));
  facts.push(fact('Display name', details.displayName ? md`${details.displayName}` : md`Not given`));
  if (request.kind === 'invite') {
    facts.push(fact('Groups', groupsText(details.groups)));
    facts.push(fact('Directory role', roleText(details.directoryRole)));
  }
  if (details.appAccess) facts.push(fact('Application', appAccessText(details.appAccess)));
  facts.push(fact('Access until', accessUntilText(request)));
  if (details.sponsor && details.sponsor.aadObjectId !== request.requester.aadObjectId) facts.push(fact('Sponsor', md`${details.sponsor.name}`));
  facts.push(fact('Justification', md`${details.justification}`));
  facts.push(...answerFacts(request));
  if (details.message) facts.push(fact('Personal message', md`${details.message}`));
  facts.push(fact('Submitted', md`${formatDateTime(request.createdAt)}`));
  facts.push(fact('State', md`${requestStateLabel(request)}`));
  if (request.approval && request.state === 'pending') facts.push(fact('Approval', md`${stageLabel(request.approval)} (policy: ${request.approval.policy})`));
  return facts;
}

/** Domains shown by name on a card; the rest are counted. */
const DOMAINS_ON_CARD = 10;

/** A batch's summary: how many guests, from which domains, into which groups (the rows are in the tab). */
function batchFacts(request: AccessRequest): Fact[] {
  const { details } = request;
  const summary = details.batch ?? { rows: 0, domains: [] };
  const shown = summary.domains.slice(0, DOMAINS_ON_CARD).map((d) => md`${d.domain} (${d.count})`);
  const more = summary.domains.length - shown.length;
  if (more > 0) shown.push(md`and ${more} more`);
  return [
    fact('Guests', md`${summary.rows}`),
    fact('Domains', joinMarkdown(shown, md`, `)),
    fact('Groups', groupsText(details.groups)),
    fact('Directory role', roleText(details.directoryRole)),
    fact('Access until', md`As each row of the file says (the full list is in the Requests tab)`),
    fact('Justification', md`${details.justification}`),
    fact('Submitted', md`${formatDateTime(request.createdAt)}`),
    fact('State', md`${requestStateLabel(request)}`),
  ];
}

/** Where a batch stands, and at the end its failures with their reasons. */
function batchOutcomeBlocks(request: AccessRequest): TextBlock[] {
  const progress = request.outcome?.batch;
  if (!progress || (request.state !== 'executing' && request.state !== 'completed')) return [];
  if (request.state === 'executing') {
    return [text(md`Progress: ${progress.done} done, ${progress.failed} failed, ${progress.waiting} waiting, of ${progress.total}.`)];
  }
  const blocks = [
    text(md`Batch finished: ${progress.done} of ${progress.total} invited, ${progress.failed} failed.`, { color: progress.failed > 0 ? 'Warning' : 'Good' }),
  ];
  for (const failure of progress.failures ?? []) {
    blocks.push(text(md`Line ${failure.row}, ${failure.email}: ${failure.reason}`, { color: 'Attention', spacing: 'Small' }));
  }
  if (progress.failed > (progress.failures ?? []).length) {
    blocks.push(text(md`The Requests tab lists every row with its outcome.`, { subtle: true }));
  }
  return blocks;
}

/** The last day of access: as asked, as an approver shortened it, or no end date (older requests had none). */
export function accessUntilText(request: AccessRequest): Markdown {
  const asked = request.details.accessUntil;
  const decided = request.decision?.accessUntil;
  if (decided && asked) return md`${decided} (shortened by the approver from ${asked})`;
  if (decided) return md`${decided} (set by the approver)`;
  return asked ? md`${asked}` : md`No end date`;
}

/** "Approved by X on <date>" or "Denied by X on <date>: <reason>". */
export function decisionText(decision: Decision): Markdown {
  const when = formatDateTime(decision.at);
  if (decision.outcome === 'approved') return md`Approved by ${decision.by.name} on ${when}`;
  return decision.reason ? md`Denied by ${decision.by.name} on ${when}: ${decision.reason}` : md`Denied by ${decision.by.name} on ${when}`;
}

/**
 * Names an execution step in words. Step keys are `invite`, `group:<id>`, `role:<id>`,
 * `app:<service principal id>:<role id>` and `policy` (the worker found the request outside policy); the
 * names come from the request, and an unknown key is shown as it is.
 */
export function describeStep(step: string, details: InviteDetails): Markdown {
  if (step === 'invite') return md`sending the invitation`;
  if (step === 'policy') return md`checking the request against your admins' policy before the next change`;
  const [kind, id] = splitOnce(step, ':');
  if (kind === 'group' && id !== undefined) {
    const group = details.groups.find((g) => g.id === id);
    return md`adding the guest to group ${group ? group.displayName : id}`;
  }
  if (kind === 'role' && id !== undefined) {
    const role = details.directoryRole?.id === id ? details.directoryRole : undefined;
    return md`assigning the directory role ${role ? role.displayName : id}`;
  }
  if (kind === 'app' && details.appAccess) return md`giving access to ${appAccessText(details.appAccess)}`;
  return md`${step}`;
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + separator.length)];
}

/** How far a guest found in the directory got with the invitation sent to them before. */
function acceptanceText(externalUserState: string | null): Markdown {
  if (externalUserState === 'Accepted') return md`They have accepted their invitation and can sign in.`;
  if (externalUserState === 'PendingAcceptance') return md`They have not accepted their invitation yet, so they cannot sign in until they do.`;
  return md`The directory does not say whether they have accepted their invitation.`;
}

/** What happened after the decision, for the states that have something to say. */
export function outcomeBlocks(request: AccessRequest): TextBlock[] {
  if (request.kind === 'batch') return batchOutcomeBlocks(request);
  const outcome = request.outcome ?? {};
  switch (request.state) {
    case 'completed': {
      if (request.kind === 'extension')
        return [text(md`Access extended: ${request.details.email} keeps what the bot gave until ${accessUntilOf(request) ?? 'no end'}.`, { color: 'Good' })];
      const access = request.details.appAccess;
      const existing = request.details.existingGuestId ? undefined : outcome.existingGuest;
      if (existing) {
        const granted = access ? md` They can now use ${appAccessText(access)}.` : md``;
        return [
          text(
            md`Done: ${request.details.email} was already a guest in your directory, invited before this request, so no new invitation was sent.${granted}`,
            { color: 'Good' },
          ),
          text(acceptanceText(existing.externalUserState)),
        ];
      }
      const done =
        request.details.existingGuestId && access
          ? md`Access granted: ${request.details.email} can use ${appAccessText(access)}`
          : access
            ? md`Guest invited: ${request.details.email}, with access to ${appAccessText(access)}`
            : md`Guest invited: ${request.details.email}`;
      return [text(done, { color: 'Good' })];
    }
    case 'failed': {
      const step = outcome.failedStep ? describeStep(outcome.failedStep, request.details) : undefined;
      const reason = outcome.error ? md`${outcome.error}` : md`no reason was given`;
      const line = step ? md`Failed while ${step}: ${reason}` : md`Failed: ${reason}`;
      return [text(line, { color: 'Attention' })];
    }
    case 'cancelled':
      return [text(md`Cancelled on ${formatDateTime(request.updatedAt)}`)];
    case 'expired':
      return [text(md`Expired without a decision on ${formatDateTime(request.updatedAt)}`)];
    case 'executing':
      if (!outcome.waitingForDirectorySince) return [];
      return [
        text(
          md`Waiting for the directory: the guest has been invited, and Microsoft Entra is still making the new account known everywhere, which can take a few minutes. The groups and roles are added as soon as it has; you will hear when it is done.`,
          { color: 'Warning' },
        ),
      ];
    case 'pending':
    case 'approved':
    case 'denied':
      return [];
  }
}
