/**
 * My requests: everything the person filed, newest first, each opening onto its facts, its
 * timeline from the audit log, the redeem link of a guest it invited, and Cancel while it waits.
 * New request opens the chat's own form in a Teams dialog.
 */
import { problemText } from '../api';
import { append, button, h, notice, replace } from '../dom';
import { requestTitle } from '../format';
import type { HistoryView, RequestView } from '../types';
import type { ViewContext } from './context';
import { batchDetails, inviteManyPanel } from './inviteMany';
import { outcomeLines, requestFacts, stateBadge } from './requestDetails';

export async function renderMyRequests(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const list = h('div', { className: 'list' });
  const search = h('input', {
    className: 'search',
    attrs: { type: 'search', placeholder: 'Find by request id, address or name', 'aria-label': 'Find a request' },
  });
  let requests: RequestView[] = [];
  let highlight: string | undefined;

  const menu = h('div', { className: 'menu', attrs: { role: 'menu', hidden: '' } });
  const newRequest = button('New request', () => (menu.hidden = !menu.hidden), { kind: 'primary' });
  newRequest.setAttribute('aria-haspopup', 'menu');
  const open = (kind: 'invite' | 'appAccess') => () => {
    menu.hidden = true;
    void ctx.openRequestDialog(kind).then(async (filed) => {
      if (!filed) return;
      highlight = filed;
      await load();
    });
  };
  append(
    menu,
    h('button', { className: 'menu-item', attrs: { type: 'button', role: 'menuitem' }, on: { click: open('invite') } }, 'Invite a guest'),
    h('button', { className: 'menu-item', attrs: { type: 'button', role: 'menuitem' }, on: { click: open('appAccess') } }, 'Give a guest access to an app'),
    h('button', { className: 'menu-item', attrs: { type: 'button', role: 'menuitem' }, on: { click: () => openInviteMany() } }, 'Invite many (CSV file)'),
  );
  const many = h('div');
  const openInviteMany = () => {
    menu.hidden = true;
    replace(
      many,
      inviteManyPanel(
        ctx,
        (filed) => {
          highlight = filed;
          void load();
        },
        () => replace(many),
      ),
    );
  };

  replace(
    root,
    h('div', { className: 'toolbar' }, h('h2', null, 'My requests'), h('div', { className: 'menu-anchor' }, newRequest, menu)),
    many,
    search,
    status,
    list,
  );
  search.addEventListener('input', () => show());

  async function load(): Promise<void> {
    try {
      requests = (await ctx.api.get<{ requests: RequestView[] }>('/requests/mine')).requests;
      replace(status);
      show();
    } catch (error) {
      replace(status, notice(problemText(error), 'error'));
    }
  }

  function show(): void {
    const words = search.value.trim().toLowerCase();
    const shown = words
      ? requests.filter((r) => [r.id, r.guest.email, r.guest.displayName, r.app?.name ?? ''].some((text) => text.toLowerCase().includes(words)))
      : requests;
    if (requests.length === 0) {
      replace(list, h('p', { className: 'empty' }, 'You have not asked for any guest yet. New request opens the form.'));
      return;
    }
    replace(list, ...(shown.length > 0 ? shown.map((r) => item(r)) : [h('p', { className: 'empty' }, 'No request matches.')]));
  }

  function item(request: RequestView): HTMLElement {
    const body = h('div', { className: 'details-body' });
    const details = h(
      'details',
      { className: 'request', attrs: { 'data-request-id': request.id } },
      h(
        'summary',
        null,
        h('span', { className: 'title' }, requestTitle(request)),
        h('span', { className: 'subtle' }, request.kind === 'batch' ? request.guest.displayName : request.guest.email),
        stateBadge(request),
        h('span', { className: 'subtle' }, ctx.formats.day(request.createdAt)),
      ),
      body,
    );
    let filled = false;
    details.addEventListener('toggle', () => {
      if (details.open && !filled) {
        filled = true;
        void fill(body, request);
      }
    });
    if (request.id === highlight) {
      details.open = true;
      highlight = undefined;
    }
    return details;
  }

  async function fill(body: HTMLElement, request: RequestView): Promise<void> {
    if (request.kind === 'batch') {
      append(body, requestFacts(request, ctx.formats, { requester: false }), ...outcomeLines(request, ctx.formats));
      await batchDetails(body, request, ctx);
      if (request.state === 'pending') append(body, cancelControl(request));
      return;
    }
    append(body, requestFacts(request, ctx.formats, { requester: false }), ...outcomeLines(request, ctx.formats));
    const redeemUrl = request.outcome?.redeemUrl;
    if (redeemUrl) {
      append(
        body,
        h('p', null, h('a', { className: 'button primary', attrs: { href: redeemUrl, target: '_blank', rel: 'noopener noreferrer' } }, 'Open redeem link')),
        h('p', { className: 'subtle' }, 'The redeem link is for the guest only: send it to them yourself if the invitation e-mail does not reach them.'),
      );
    }
    if (request.state === 'pending') append(body, cancelControl(request));
    const timeline = h('ol', { className: 'timeline', attrs: { 'aria-label': 'Timeline' } });
    append(body, h('h3', null, 'Timeline'), timeline);
    try {
      const answer = await ctx.api.get<{ timeline: HistoryView[] }>(`/requests/${encodeURIComponent(request.id)}/timeline`);
      replace(timeline, ...answer.timeline.map((e) => h('li', null, h('span', { className: 'subtle' }, ctx.formats.when(e.at)), ' ', `${e.actor} ${e.text}`)));
    } catch (error) {
      replace(timeline, h('li', null, problemText(error)));
    }
  }

  function cancelControl(request: RequestView): HTMLElement {
    const area = h('div', { className: 'actions' });
    const ask = () =>
      replace(
        area,
        h('span', null, `Cancel ${request.id}? The approvers will see that you withdrew it.`),
        button('Yes, cancel it', () => void cancel(), { kind: 'danger' }),
        button('Keep it', () => idle()),
      );
    const idle = () => replace(area, button('Cancel request', ask));
    const cancel = async () => {
      try {
        await ctx.api.post(`/requests/${encodeURIComponent(request.id)}/cancel`);
        highlight = request.id;
        await load();
      } catch (error) {
        // Someone may have decided meanwhile: show the request as it is now, and why nothing happened.
        highlight = request.id;
        await load();
        replace(status, notice(problemText(error), 'error'));
      }
    };
    idle();
    return area;
  }

  await load();
}
