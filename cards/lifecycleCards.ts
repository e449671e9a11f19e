/** The lifecycle's cards: expiry notices with Extend / Let it end, ended access, sponsors who left. */
import type {
  AccessEnded,
  CleanupNotice,
  CleanupPlan,
  DigestRow,
  ExpiryNotice,
  LifecycleMessage,
  RecertificationDigest,
  SponsorLeft,
} from '../services/lifecycle/messages';
import type { RecertificationProgress } from '../services/lifecycle/recertification';
import { formatDateTime } from './dates';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement, type InputDate } from './adaptiveCard';
import { errorText, execute, text, title } from './elements';
import { joinMarkdown, md, type Markdown } from './markdown';
import { VERBS, type ActionInput } from './verbs';

/** Id of the expiry notice's date input; `action.data.accessUntil` carries it. */
export const EXTEND_UNTIL_INPUT_ID = 'accessUntil' satisfies ActionInput<typeof VERBS.extendAccess>;

/** Guests named on one card at most; the rest are counted. */
const MAX_NAMED = 25;

const END_ACTION_TEXT = {
  disable: 'their sign-in is disabled (an admin can enable it again)',
  delete: 'the guest is deleted (restorable for 30 days)',
  none: 'the guest account stays, without this access',
} as const;

/** Any lifecycle message as its card. */
export function lifecycleCard(message: LifecycleMessage): AdaptiveCard {
  switch (message.kind) {
    case 'expiryNotice':
      return expiryNoticeCard(message);
    case 'accessEnded':
      return accessEndedCard(message);
    case 'sponsorLeft':
      return sponsorLeftCard(message);
    case 'recertificationDigest':
      return recertificationDigestCard(message);
    case 'cleanupPlan':
      return cleanupPlanCard(message);
    case 'cleanupNotice':
      return cleanupNoticeCard(message);
  }
}

function bullets(lines: readonly Markdown[]): Markdown {
  return joinMarkdown(
    lines.map((line) => md`- ${line}`),
    md`\r`,
  );
}

/** The sponsor's card before a guest's access ends: what ends when, Extend (with a date) or Let it end. */
export function expiryNoticeCard(notice: ExpiryNotice): AdaptiveCard {
  const { guest } = notice;
  const body: CardElement[] = [
    title(md`Access ending: ${guest.displayName}`),
    text(md`You sponsor ${guest.email}. This access ends after **${notice.lastDay}** (UTC):`, { spacing: 'Small' }),
    text(bullets(notice.items.map((item) => (item.given ? md`${item.label}` : md`${item.label}, which stays: the guest had it before`)))),
  ];
  if (notice.endAction) body.push(text(md`With nothing else left, ${END_ACTION_TEXT[notice.endAction]}.`));
  if (notice.answered) {
    body.push(text(md`${notice.answered}`, { color: 'Good', bold: true }));
    return adaptiveCard(body);
  }
  body.push(text(md`No answer means it ends.`, { subtle: true }));
  const until: InputDate = {
    type: 'Input.Date',
    id: EXTEND_UNTIL_INPUT_ID,
    label: `Extend until (at most ${notice.extendMax})`,
    min: notice.extendMin,
    max: notice.extendMax,
    isRequired: true,
    errorMessage: 'Choose the new last day.',
  };
  body.push(until);
  if (notice.error) body.push(errorText(md`${notice.error}`));
  const actions: Action[] = [
    execute(VERBS.extendAccess, 'Extend', { guestId: guest.id }, { style: 'positive', associatedInputs: 'auto' }),
    execute(VERBS.letAccessEnd, 'Let it end', { guestId: guest.id }, { associatedInputs: 'none' }),
  ];
  return adaptiveCard(body, actions);
}

const ACCOUNT_TEXT = {
  disabled: 'Their sign-in is disabled.',
  deleted: 'The guest is deleted (restorable for 30 days).',
  kept: 'The guest account stays (GUEST_END_ACTION is none).',
  alreadyGone: 'The guest account was gone already.',
} as const;

/** What ended for a guest: removed, left as it was, what became of the account, and what failed. */
export function accessEndedCard(message: AccessEnded): AdaptiveCard {
  const body: CardElement[] = [title(md`Access ended: ${message.guest.displayName}`), text(md`${message.guest.email}`, { subtle: true, spacing: 'Small' })];
  if (message.removed.length > 0) body.push(text(md`Removed: ${message.removed.join(', ')}`));
  if (message.leftAlone.length > 0) body.push(text(md`Left as it was (the guest had it before, from someone else): ${message.leftAlone.join(', ')}`));
  if (message.account) body.push(text(md`${ACCOUNT_TEXT[message.account]}`, { bold: true }));
  for (const problem of message.problems) body.push(text(md`${problem}`, { color: 'Attention' }));
  return adaptiveCard(body);
}

/** The approvers' card when a sponsor left: which guests they answer for now. */
export function sponsorLeftCard(message: SponsorLeft): AdaptiveCard {
  const why = message.sponsor.why === 'deleted' ? 'their account was deleted' : 'their account was disabled';
  const named = message.guests.slice(0, MAX_NAMED).map((g) => md`${g.displayName} (${g.email})`);
  const more = message.guests.length - named.length;
  const body: CardElement[] = [
    title(md`A sponsor left: ${message.sponsor.name}`),
    text(md`${message.sponsor.name} no longer answers for guests (${why}). The approver group now sponsors these ${message.guests.length} guests:`, {
      spacing: 'Small',
    }),
    text(bullets(named)),
  ];
  if (more > 0) body.push(text(md`… and ${more} more.`));
  body.push(
    text(
      message.inDirectory
        ? md`Entra shows the approver group as their sponsor too.`
        : md`Entra still shows the old sponsor: the bot's app lacks User.ReadWrite.All, which writing sponsors needs.`,
      { subtle: true },
    ),
    text(md`To hand a guest to a colleague, type: sponsor <guest email> <colleague email>`, { subtle: true }),
  );
  return adaptiveCard(body);
}

/** One guest's line of facts on a digest: last sign-in (or, without sign-in data, the invitation), groups, apps. */
export function digestFacts(row: DigestRow): Markdown {
  const { detail } = row;
  const parts: string[] = [];
  if (detail.lastSignIn === undefined) {
    parts.push(
      detail.invitationState === 'Accepted'
        ? 'sign-in unknown, invitation accepted'
        : detail.invitationState === 'PendingAcceptance'
          ? 'sign-in unknown, invitation never accepted'
          : 'sign-in unknown',
    );
  } else parts.push(detail.lastSignIn ? `last sign-in ${detail.lastSignIn.slice(0, 10)}` : 'no sign-in recorded');
  if (detail.groups) parts.push(detail.groups.length > 0 ? `groups: ${detail.groups.join(', ')}` : 'no groups');
  if (detail.apps) parts.push(detail.apps.length > 0 ? `apps: ${detail.apps.join(', ')}` : 'no apps');
  if (detail.reason) parts.push(detail.reason);
  return md`${parts.join(' · ')}`;
}

/** A sponsor's digest of their guests (or the approvers', past the grace): Keep or Remove each, or Keep all. */
export function recertificationDigestCard(digest: RecertificationDigest): AdaptiveCard {
  const part = digest.part ? md` (part ${digest.part.n} of ${digest.part.of})` : md``;
  const body: CardElement[] = [
    title(digest.audience === 'sponsor' ? md`Recertify your guests${part}` : md`Recertification: the approvers decide${part}`),
    text(
      digest.audience === 'sponsor'
        ? md`Keep or remove each guest you sponsor by **${digest.answerBy}** (UTC). Remove ends what the bot gave them; what you leave unanswered goes to the approvers.`
        : md`Their sponsors did not answer in time. Your decision is final; guests nobody answers for by **${digest.answerBy}** (UTC) are kept.`,
      { spacing: 'Small' },
    ),
  ];
  if (digest.signInNote) body.push(text(md`${digest.signInNote}`, { color: 'Warning' }));
  for (const row of digest.rows) {
    const items: CardElement[] = [text(md`**${row.guest.displayName}** · ${row.guest.email}`), text(digestFacts(row), { subtle: true, spacing: 'None' })];
    if (row.decision) {
      const by = row.decidedBy ? md` by ${row.decidedBy}` : md``;
      const outcome = row.outcome ? md`: ${row.outcome}` : md``;
      items.push(
        text(row.decision === 'keep' ? md`Kept${by}` : md`Removed${by}${outcome}`, { color: row.decision === 'keep' ? 'Good' : 'Attention', bold: true }),
      );
    } else {
      const data = { campaignId: digest.campaignId, guestId: row.guest.id };
      items.push({
        type: 'ActionSet',
        actions: [
          execute(VERBS.keepGuest, 'Keep', data, { associatedInputs: 'none' }),
          execute(VERBS.removeGuest, 'Remove', data, { style: 'destructive', associatedInputs: 'none' }),
        ],
      });
    }
    body.push({ type: 'Container', separator: true, items });
  }
  const first = digest.rows[0];
  const open = digest.rows.some((r) => !r.decision);
  const actions: Action[] =
    first && open ? [execute(VERBS.keepAllGuests, 'Keep all', { campaignId: digest.campaignId, guestId: first.guest.id }, { associatedInputs: 'none' })] : [];
  return adaptiveCard(body, actions);
}

/** `recertification`: how far the latest campaign has got. */
export function recertificationProgressCard(progress: RecertificationProgress | undefined): AdaptiveCard {
  if (!progress)
    return adaptiveCard([title(md`No recertification yet`), text(md`Type "recertify" to start one now (or set RECERTIFY_DAYS to run them on a schedule).`)]);
  const { campaign, counts } = progress;
  const answered = counts.kept + counts.removed;
  const states: Record<string, string> = {
    collecting: 'collecting guests and sending digests',
    open: 'waiting for sponsors',
    escalated: 'waiting for the approvers',
    closed: 'closed',
  };
  const body: CardElement[] = [
    title(md`Recertification ${campaign.id}`),
    text(
      md`Started by ${campaign.startedBy.name} on ${formatDateTime(campaign.startedAt)}${campaign.filter.domain ? md` for ${campaign.filter.domain}` : md``}: ${states[campaign.state] ?? campaign.state}.`,
      { spacing: 'Small' },
    ),
    {
      type: 'FactSet',
      facts: [
        { title: 'Guests', value: String(counts.items) },
        { title: 'Sponsors asked', value: String(progress.sponsors) },
        { title: 'Answered', value: `${answered} of ${counts.items}` },
        { title: 'Kept', value: String(counts.kept) },
        { title: 'Removed', value: String(counts.removed) },
        { title: 'Escalated to the approvers', value: String(counts.escalated) },
        { title: 'Unanswered', value: String(counts.undecided) },
      ],
    },
  ];
  if (campaign.dueAt && campaign.state !== 'closed') body.push(text(md`Next deadline: ${formatDateTime(campaign.dueAt)}.`, { subtle: true }));
  if (campaign.note) body.push(text(md`${campaign.note}`, { color: 'Warning' }));
  return adaptiveCard(body);
}

const ACTION_WORDS = { disable: 'disabled', delete: 'deleted', none: 'left as they are (GUEST_END_ACTION is none)' } as const;

/** The admin's cleanup plan: which guests, what would happen, who is told; Dry run (the default) or Run. */
export function cleanupPlanCard(plan: CleanupPlan): AdaptiveCard {
  const basis = plan.basis === 'signIn' ? md`no successful sign-in for ${plan.staleDays} days` : md`an invitation not accepted for ${plan.staleDays} days`;
  const body: CardElement[] = [
    title(md`Cleanup plan: stale:${plan.staleDays}d`),
    text(
      md`**${plan.total}** ${plan.total === 1 ? 'guest' : 'guests'} with ${basis}. Running tells their sponsors now; each sponsor can keep a guest for ${plan.noticeDays} days, then the others are **${ACTION_WORDS[plan.endAction]}**.`,
      { spacing: 'Small' },
    ),
  ];
  if (plan.basisNote) body.push(text(md`${plan.basisNote}`, { color: 'Warning' }));
  for (const row of plan.rows)
    body.push({
      type: 'Container',
      separator: true,
      items: [
        text(md`**${row.guest.displayName}** · ${row.guest.email}`),
        text(digestFacts(row), { subtle: true, spacing: 'None' }),
        ...(row.outcome ? [text(md`${row.outcome}`, { bold: true })] : []),
      ],
    });
  if (plan.total > plan.rows.length) body.push(text(md`… and ${plan.total - plan.rows.length} more.`));
  const told = plan.sponsors.slice(0, MAX_NAMED).map((s) => md`${s.name} (${s.guests})`);
  body.push(
    text(
      told.length > 0
        ? md`Sponsors told: ${joinMarkdown(told, md`, `)}${plan.sponsors.length > MAX_NAMED ? md` and ${plan.sponsors.length - MAX_NAMED} more` : md``}`
        : md`No sponsor to tell.`,
    ),
  );
  if (plan.withoutSponsor > 0)
    body.push(
      text(
        plan.withoutSponsor === 1
          ? md`1 guest has no sponsor: nobody can keep them.`
          : md`${plan.withoutSponsor} guests have no sponsor: nobody can keep them.`,
        { subtle: true },
      ),
    );
  for (const call of plan.calls) body.push(text(md`Call per guest: ${call.method} ${call.url}${call.body ? md` ${call.body}` : md``}`, { subtle: true }));
  if (plan.status) body.push(text(md`${plan.status}`, { color: plan.state === 'dryRun' ? 'Default' : 'Good', bold: true }));
  const actions: Action[] = [];
  if ((plan.state === 'planned' || plan.state === 'dryRun') && plan.total > 0) {
    actions.push(
      execute(VERBS.dryRunCleanup, 'Dry run', { campaignId: plan.campaignId }, { associatedInputs: 'none' }),
      execute(VERBS.runCleanup, 'Run', { campaignId: plan.campaignId }, { style: 'destructive', associatedInputs: 'none' }),
    );
  }
  return adaptiveCard(body, actions);
}

/** A sponsor's notice: these guests of theirs will be cleaned up on a date unless they keep them. */
export function cleanupNoticeCard(notice: CleanupNotice): AdaptiveCard {
  const body: CardElement[] = [
    title(md`Stale guests you sponsor`),
    text(
      md`These guests look unused (${notice.staleDays} days). After **${notice.actsOn}** (UTC) they are ${ACTION_WORDS[notice.endAction]}, unless you keep them.`,
      { spacing: 'Small' },
    ),
  ];
  for (const row of notice.rows) {
    const items: CardElement[] = [text(md`**${row.guest.displayName}** · ${row.guest.email}`), text(digestFacts(row), { subtle: true, spacing: 'None' })];
    if (row.decision === 'keep') items.push(text(md`Kept${row.decidedBy ? md` by ${row.decidedBy}` : md``}`, { color: 'Good', bold: true }));
    else if (row.outcome) items.push(text(md`${row.outcome}`, { bold: true }));
    else
      items.push({
        type: 'ActionSet',
        actions: [execute(VERBS.keepFromCleanup, 'Keep', { campaignId: notice.campaignId, guestId: row.guest.id }, { associatedInputs: 'none' })],
      });
    body.push({ type: 'Container', separator: true, items });
  }
  return adaptiveCard(body);
}
