/**
 * Guests, for admins: totals by state and by domain, the `guests` listing (same filters, same
 * server-side cursors: the browser holds one page of rows and two opaque ids), one guest as the
 * `guest` card shows them, Resend, and Disable or Delete behind the revoke card's plan, dry run
 * and confirmation. Those three are queued on the server, as a click on a chat card is: the view
 * says "Disabling sign-in…" at once and asks for the result until the worker has it. Also the
 * admins' overview of every pending request.
 */
import { problemText } from '../api';
import { button, facts, h, notice, replace, type Child } from '../dom';
import { requestTitle } from '../format';
import type {
  GuestDetails,
  GuestListPage,
  GuestRow,
  GuestTotals,
  GuestWriteView,
  PendingOverviewItem,
  PlannedCall,
  Readable,
  RevokeOperation,
  RevokePlan,
} from '../types';
import type { ViewContext } from './context';
import { stateBadge } from './requestDetails';

const DOMAINS_SHOWN = 8;
const QUICK_FILTERS: Array<[label: string, filter: string]> = [
  ['All guests', ''],
  ['Pending acceptance', 'pending'],
  ['Accepted', 'accepted'],
  ['Disabled', 'disabled'],
  ['Stale 90 days', 'stale:90d'],
];

const STATE_WORDS: Record<string, string> = { PendingAcceptance: 'Pending acceptance', Accepted: 'Accepted' };

/** How soon to ask again whether a queued write is done: soon at first, then less often (Graph may be retried for minutes). */
const FIRST_CHECK_MS = 400;
const LONGEST_CHECK_MS = 5_000;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function renderGuests(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const section = h('div');
  const directoryTab = h('button', { className: 'subnav-item', attrs: { type: 'button', role: 'tab', 'aria-selected': 'true' } }, 'Directory');
  const pendingTab = h('button', { className: 'subnav-item', attrs: { type: 'button', role: 'tab', 'aria-selected': 'false' } }, 'Pending overview');
  const choose = (which: 'directory' | 'pending') => {
    directoryTab.setAttribute('aria-selected', String(which === 'directory'));
    pendingTab.setAttribute('aria-selected', String(which === 'pending'));
    void (which === 'directory' ? renderDirectory(section, ctx) : renderPendingOverview(section, ctx));
  };
  directoryTab.addEventListener('click', () => choose('directory'));
  pendingTab.addEventListener('click', () => choose('pending'));
  replace(
    root,
    h('div', { className: 'toolbar' }, h('h2', null, 'Guests'), h('div', { className: 'subnav', attrs: { role: 'tablist' } }, directoryTab, pendingTab)),
    section,
  );
  await renderDirectory(section, ctx);
}

async function renderDirectory(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const totalsArea = h('section', { className: 'totals', attrs: { 'aria-label': 'Totals' } }, h('p', { className: 'subtle' }, 'Counting guests…'));
  const filterInput = h('input', {
    className: 'search',
    attrs: { type: 'search', 'aria-label': 'Filter guests', placeholder: 'pending domain:fabrikam.com since:30d stale:90d' },
  });
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const table = h('div', { className: 'guest-list' });
  const pager = h('nav', { className: 'pager', attrs: { 'aria-label': 'Pages' } });
  const detail = h('aside', { className: 'guest-detail', attrs: { 'aria-label': 'Guest', hidden: '' } });
  let page: GuestListPage | undefined;

  const search = () => void list(`/guests?filter=${encodeURIComponent(filterInput.value.trim())}`);
  filterInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') search();
  });
  const quick = h(
    'div',
    { className: 'chips', attrs: { role: 'group', 'aria-label': 'Quick filters' } },
    ...QUICK_FILTERS.map(([label, filter]) =>
      button(label, () => {
        filterInput.value = filter;
        search();
      }),
    ),
  );
  replace(
    root,
    totalsArea,
    h('div', { className: 'filter-row' }, filterInput, button('Search', search, { kind: 'primary' })),
    quick,
    status,
    h('div', { className: 'split' }, h('div', { className: 'split-main' }, table, pager), detail),
  );

  async function list(path: string): Promise<void> {
    replace(status, h('p', { className: 'subtle' }, 'Reading the directory…'));
    try {
      page = await ctx.api.get<GuestListPage>(path);
      replace(status, page.notice ? notice(page.notice) : null);
      showPage(page);
    } catch (error) {
      replace(status, notice(problemText(error), 'error'));
    }
  }

  function showPage(current: GuestListPage): void {
    if (current.rows.length === 0) {
      replace(table, h('p', { className: 'empty' }, current.filterText ? `No guest matches "${current.filterText}".` : 'There are no guests.'));
      replace(pager);
      return;
    }
    const rows = current.rows.map((row) =>
      h(
        'tr',
        null,
        h(
          'td',
          null,
          button(row.displayName, () => void openGuest(row), { kind: 'plain', label: `Open ${row.displayName}` }),
        ),
        h('td', null, row.email),
        h('td', null, row.state ? (STATE_WORDS[row.state] ?? row.state) : 'Unknown'),
        h('td', null, row.enabled ? 'Allowed' : 'Blocked'),
        h('td', null, ctx.formats.day(row.createdAt)),
        ...(row.lastSignIn !== undefined ? [h('td', null, row.lastSignIn ? ctx.formats.day(row.lastSignIn) : 'None recorded')] : []),
      ),
    );
    const signIn = current.rows.some((r) => r.lastSignIn !== undefined);
    replace(
      table,
      h(
        'table',
        { className: 'grid' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['Name', 'Address', 'Invitation', 'Sign-in', 'Invited', ...(signIn ? ['Last sign-in'] : [])].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
          ),
        ),
        h('tbody', null, ...rows),
      ),
    );
    const last = current.firstNumber + current.rows.length - 1;
    const of = current.directoryTotal !== undefined ? ` of ${ctx.formats.count(current.directoryTotal)}` : '';
    replace(
      pager,
      button('Previous', () => void list(`/guests/pages/${encodeURIComponent(current.previousCursorId!)}`), { disabled: !current.previousCursorId }),
      h('span', { className: 'position' }, `Guests ${ctx.formats.count(current.firstNumber)}–${ctx.formats.count(last)}${of}`),
      button('Next', () => void list(`/guests/pages/${encodeURIComponent(current.nextCursorId!)}`), { disabled: !current.nextCursorId }),
    );
  }

  async function openGuest(row: GuestRow): Promise<void> {
    detail.hidden = false;
    replace(detail, h('p', { className: 'subtle' }, `Reading ${row.displayName}…`));
    try {
      const answer = await ctx.api.get<{ details: GuestDetails; plan?: RevokePlan; resendTurnedOff?: string }>(
        `/guests/one?email=${encodeURIComponent(row.email)}`,
      );
      showGuest(answer.details, answer.plan, answer.resendTurnedOff);
    } catch (error) {
      replace(detail, notice(problemText(error), 'error'));
    }
  }

  function showGuest(guest: GuestDetails, plan: RevokePlan | undefined, resendTurnedOff: string | undefined): void {
    const actions = h('div', { className: 'actions' });
    const outcome = h('div', { attrs: { 'aria-live': 'polite' } });
    const entries: Array<[string, Child | Child[]]> = [
      ['Address', guest.email],
      ['Invitation', guest.state ? (STATE_WORDS[guest.state] ?? guest.state) : 'Unknown'],
      ['Sign-in', guest.enabled ? 'Allowed' : 'Blocked'],
      ['Invited', ctx.formats.when(guest.createdAt)],
      ['State changed', ctx.formats.when(guest.stateChangedAt)],
      ['Last sign-in', lastSignIn(guest)],
      ['Groups', readable(guest.groups, (v) => v.map((g) => g.displayName).join(', ') || 'None')],
      ['Directory roles', readable(guest.directoryRoles, (v) => v.map((r) => r.displayName).join(', ') || 'None')],
      ['App roles', readable(guest.appRoles, (v) => v.map((a) => `${a.app}: ${a.role}${a.viaGroup ? ` (through ${a.viaGroup})` : ''}`).join('; ') || 'None')],
      ['Sponsors', readable(guest.sponsors, (v) => v.map((s) => s.displayName).join(', ') || 'None')],
    ];
    if (guest.origin) {
      entries.push(['Asked for by', `${guest.origin.requestedBy} on ${ctx.formats.when(guest.origin.requestedAt)} (${guest.origin.requestId})`]);
      if (guest.origin.approvedBy) entries.push(['Approved by', `${guest.origin.approvedBy} on ${ctx.formats.when(guest.origin.approvedAt)}`]);
    }
    replace(detail, h('h3', null, guest.displayName), facts(entries), actions, outcome);
    if (!plan) return;

    const showActions = () =>
      replace(
        actions,
        resendTurnedOff
          ? h('p', { className: 'subtle' }, resendTurnedOff)
          : button('Resend invitation', () => confirmResend(), { label: `Resend invitation to ${guest.displayName}` }),
        plan.turnedOff?.disable
          ? h('p', { className: 'subtle' }, plan.turnedOff.disable)
          : button('Disable sign-in', () => void confirm('disable'), { disabled: !guest.enabled }),
        plan.turnedOff?.delete ? h('p', { className: 'subtle' }, plan.turnedOff.delete) : button('Delete', () => void confirm('delete'), { kind: 'danger' }),
      );

    const confirmResend = () =>
      replace(
        actions,
        h(
          'p',
          null,
          `Send ${guest.displayName} a new invitation? ${guest.state === 'Accepted' ? 'They redeemed already, so their redemption is reset: they accept again, keeping their groups and app roles.' : 'The new redeem link replaces the old one.'}`,
        ),
        button('Send the invitation', () => void resend(), { kind: 'primary' }),
        button('Cancel', showActions),
      );

    const resend = async () => {
      replace(actions);
      const ended = await write(`/guests/${encodeURIComponent(guest.id)}/resend`, { confirm: true });
      if (ended?.result?.kind === 'reinvited') {
        const done = ended.result.done;
        replace(
          outcome,
          notice(`A new invitation was sent to ${done.guest.displayName}.`, 'good'),
          h(
            'p',
            null,
            done.resetRedemption
              ? 'They had redeemed an earlier invitation, so their redemption was reset: they keep their account, groups and app roles, and sign in again after redeeming this one.'
              : `An e-mail with the new redeem link is on its way to ${done.guest.email}.`,
          ),
          h('p', null, h('a', { attrs: { href: done.redeemUrl, target: '_blank', rel: 'noopener noreferrer' } }, 'Open the new redeem link')),
        );
      }
      showActions();
    };

    /**
     * Queues a write and follows it until the worker has run it, showing "Disabling sign-in…"
     * meanwhile, then a refusal (with Graph's reason) as the chat card would. Undefined when it
     * could not be followed to its end (the admin moved on, or the server could not be asked).
     */
    const write = async (path: string, body: unknown): Promise<GuestWriteView | undefined> => {
      let current: GuestWriteView;
      try {
        current = await ctx.api.post<GuestWriteView>(path, body);
      } catch (error) {
        replace(outcome, notice(problemText(error), 'error'));
        return undefined;
      }
      for (let delay = FIRST_CHECK_MS; current.state === 'working'; delay = Math.min(delay * 2, LONGEST_CHECK_MS)) {
        replace(
          outcome,
          notice(current.working ?? 'Working…', 'info'),
          h('p', { className: 'subtle' }, 'Microsoft Graph is being asked now. The result shows here.'),
        );
        await wait(delay);
        // Another guest or view was opened meanwhile: nobody is looking at this one any more.
        if (!outcome.isConnected) return undefined;
        try {
          current = await ctx.api.get<GuestWriteView>(`/guests/writes/${encodeURIComponent(current.jobId)}`);
        } catch (error) {
          replace(outcome, notice(`${problemText(error)} The change was asked for; open the guest again to see where they stand.`, 'error'));
          return undefined;
        }
      }
      const result = current.result;
      if (!result) replace(outcome, notice('The change ended without a result to show: open the guest again to see where they stand.', 'error'));
      else if (result.kind === 'refused') replace(outcome, notice(`${result.title}: ${result.message}`, 'error'));
      return current;
    };

    const confirm = async (operation: RevokeOperation) => {
      replace(outcome);
      let current: RevokePlan;
      try {
        current = await ctx.api.get<RevokePlan>(`/guests/revoke-plan?email=${encodeURIComponent(guest.email)}`);
      } catch (error) {
        replace(outcome, notice(problemText(error), 'error'));
        return;
      }
      const what =
        operation === 'disable'
          ? `Disabling blocks ${guest.displayName}'s sign-in at once; their account, groups and app roles stay, and an admin can enable it again.`
          : `Deleting moves ${guest.displayName} to deleted users: they lose access at once. An admin can restore them until ${ctx.formats.day(current.restorableUntil)}.`;
      const roles = current.directoryRoles?.length
        ? h(
            'p',
            { className: 'line warning strong' },
            `${guest.displayName} holds the directory role ${current.directoryRoles.map((r) => r.displayName).join(', ')}.`,
          )
        : null;
      const dry = h('div', { attrs: { 'aria-live': 'polite' } });
      replace(
        actions,
        h(
          'div',
          { className: 'confirm', attrs: { role: 'group', 'aria-label': operation === 'disable' ? 'Confirm disabling' : 'Confirm deleting' } },
          h('p', null, what),
          roles,
          callText('The call it makes', current.calls[operation]),
          h(
            'div',
            { className: 'actions' },
            button('Dry run', () => void dryRun(operation, dry)),
            button(operation === 'disable' ? 'Disable now' : 'Delete now', () => void revoke(operation), { kind: 'danger' }),
            button('Cancel', showActions),
          ),
          dry,
        ),
      );
    };

    const dryRun = async (operation: RevokeOperation, into: HTMLElement) => {
      try {
        const planned = await ctx.api.post<RevokePlan>(`/guests/${encodeURIComponent(guest.id)}/dry-run`, { operation });
        replace(into, notice('Dry run: nothing was changed. This is the call the bot would send:', 'info'), callText('', planned.calls[operation]));
      } catch (error) {
        replace(into, notice(problemText(error), 'error'));
      }
    };

    const revoke = async (operation: RevokeOperation) => {
      replace(actions);
      const ended = await write(`/guests/${encodeURIComponent(guest.id)}/revoke`, { operation, confirm: true });
      if (ended?.result?.kind !== 'revoked') {
        if (outcome.isConnected) showActions();
        return;
      }
      const done = ended.result.done;
      const said = done.unchanged
        ? `${guest.displayName}'s sign-in was already disabled: nothing changed.`
        : operation === 'disable'
          ? `${guest.displayName}'s sign-in is disabled.`
          : `${guest.displayName} was deleted; an admin can restore them until ${ctx.formats.day(done.restorableUntil)}.`;
      replace(outcome, notice(said, 'good'), done.unchanged ? null : callText('The call that was made', done.call));
      if (page) showPage({ ...page, rows: page.rows.map((r) => (r.id === guest.id ? { ...r, enabled: false } : r)) });
    };

    showActions();
  }

  function lastSignIn(guest: GuestDetails): string | undefined {
    const last = guest.lastSignIn;
    if (!last) return undefined;
    if (last.kind === 'at') return ctx.formats.when(last.at);
    if (last.kind === 'never') return 'None recorded';
    return `Not available: ${last.reason}`;
  }

  async function totals(): Promise<void> {
    try {
      const counted = await ctx.api.get<GuestTotals>('/guests/totals');
      const tile = (label: string, value: number, filter: string) =>
        h(
          'button',
          {
            className: 'tile',
            attrs: { type: 'button', 'aria-label': `${label}: ${value}` },
            on: {
              click: () => {
                filterInput.value = filter;
                search();
              },
            },
          },
          h('span', { className: 'tile-value' }, ctx.formats.count(value)),
          h('span', { className: 'tile-label' }, label),
        );
      const domainRows = (rows: GuestTotals['byDomain']) =>
        rows.map((d) =>
          h(
            'tr',
            null,
            h(
              'td',
              null,
              d.domain.startsWith('(')
                ? d.domain
                : button(
                    d.domain,
                    () => {
                      filterInput.value = `domain:${d.domain}`;
                      search();
                    },
                    { label: `Guests from ${d.domain}` },
                  ),
            ),
            ...[d.total, d.pendingAcceptance, d.accepted, d.disabled].map((n) => h('td', { className: 'number' }, ctx.formats.count(n))),
          ),
        );
      const body = h('tbody', null, ...domainRows(counted.byDomain.slice(0, DOMAINS_SHOWN)));
      const more =
        counted.byDomain.length > DOMAINS_SHOWN
          ? button(`Show all ${counted.byDomain.length} domains`, () => {
              replace(body, ...domainRows(counted.byDomain));
              more?.remove();
            })
          : undefined;
      replace(
        totalsArea,
        h(
          'div',
          { className: 'tiles' },
          tile('Guests', counted.total, ''),
          tile('Pending acceptance', counted.pendingAcceptance, 'pending'),
          tile('Accepted', counted.accepted, 'accepted'),
          tile('Disabled', counted.disabled, 'disabled'),
        ),
        h(
          'table',
          { className: 'grid domains' },
          h('caption', null, 'By domain'),
          h('thead', null, h('tr', null, ...['Domain', 'Guests', 'Pending', 'Accepted', 'Disabled'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
          body,
        ),
        more,
        counted.otherDomains ? h('p', { className: 'subtle' }, `${ctx.formats.count(counted.otherDomains.total)} more guests from other domains.`) : null,
        h('p', { className: 'subtle' }, `Counted ${ctx.formats.when(counted.countedAt)}.`),
      );
    } catch (error) {
      replace(totalsArea, notice(problemText(error), 'error'));
    }
  }

  await Promise.all([totals(), list('/guests')]);
}

function callText(title: string, call: PlannedCall): HTMLElement {
  return h(
    'div',
    { className: 'call' },
    title ? h('p', { className: 'subtle' }, title) : null,
    h('code', null, `${call.method} ${call.url}${call.body ? ` ${call.body}` : ''}`),
    h('p', { className: 'subtle' }, `Expected answer: ${call.expected}`),
  );
}

function readable<T>(value: Readable<T>, show: (v: T) => string): string {
  return value.ok ? show(value.value) : `Not available: ${value.reason}`;
}

async function renderPendingOverview(root: HTMLElement, ctx: ViewContext): Promise<void> {
  replace(root, h('p', { className: 'subtle' }, 'Reading pending requests…'));
  try {
    const items = await ctx.api.get<PendingOverviewItem[]>('/pending');
    if (items.length === 0) {
      replace(root, h('p', { className: 'empty' }, 'No request is waiting for a decision.'));
      return;
    }
    const delivery = {
      channel: 'card in the approvals channel',
      chats: "cards in approvers' chats",
      nobody: 'no approver could be reached',
      unknown: 'unknown',
    } as const;
    replace(
      root,
      ...items.map((item) => {
        const article = h(
          'article',
          { className: 'request', attrs: { 'data-request-id': item.request.id } },
          h('header', null, h('h3', null, requestTitle(item.request)), stateBadge(item.request)),
          facts([
            ['Requested by', item.request.requester],
            ['Guest', item.request.guest.email],
            ['Waiting for', ageText(item.ageMinutes)],
            ['Who may decide', item.approvers ? item.approvers.join(', ') || 'Nobody' : 'Could not be read'],
            ['Where its card went', delivery[item.delivery]],
          ]),
        );
        return article;
      }),
    );
  } catch (error) {
    replace(root, notice(problemText(error), 'error'));
  }
}

function ageText(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / (24 * 60))} days`;
}
