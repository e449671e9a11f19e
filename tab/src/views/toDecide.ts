/**
 * To decide: what waits for the person, with what the approval card shows beside it (the domain's
 * other guests, where the request was routed, a directory role warning), Approve, Deny with a
 * reason, and several approved at once. Each decision is the server's compare-and-set: one
 * decided meanwhile in chat comes back saying who decided it.
 */
import { problemText } from '../api';
import { button, h, notice, replace } from '../dom';
import { askText, decisionText, domainContext, requestTitle } from '../format';
import type { DecisionOutcome, RequestView } from '../types';
import type { ViewContext } from './context';
import { batchDetails } from './inviteMany';
import { requestFacts, stateBadge } from './requestDetails';

interface Item {
  request: RequestView;
  element: HTMLElement;
  checkbox: HTMLInputElement;
  actions: HTMLElement;
  result: HTMLElement;
  decided: boolean;
}

export async function renderToDecide(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const list = h('div', { className: 'list' });
  const selectAll = h('input', { attrs: { type: 'checkbox', 'aria-label': 'Select every request' } });
  const approveSelected = button('Approve selected', () => void decideSelected(), { kind: 'primary', disabled: true });
  const items = new Map<string, Item>();

  replace(
    root,
    h(
      'div',
      { className: 'toolbar' },
      h('h2', null, 'To decide'),
      h('label', { className: 'select-all' }, selectAll, ' Select all'),
      approveSelected,
      button('Refresh', () => void load()),
    ),
    status,
    list,
  );
  selectAll.addEventListener('change', () => {
    for (const item of items.values()) if (!item.decided) item.checkbox.checked = selectAll.checked;
    updateSelection();
  });

  async function load(): Promise<void> {
    replace(status);
    try {
      const answer = await ctx.api.get<{ mayDecide: boolean; requests: RequestView[] }>('/decisions/pending');
      items.clear();
      selectAll.checked = false;
      if (!answer.mayDecide) {
        replace(list, h('p', { className: 'empty' }, "Nothing waits for your decision: requests go to the approvers, and app access to the app's owners."));
      } else if (answer.requests.length === 0) {
        replace(list, h('p', { className: 'empty' }, 'Nothing waits for your decision right now.'));
      } else {
        replace(list, ...answer.requests.map((r) => itemFor(r).element));
      }
      updateSelection();
    } catch (error) {
      replace(status, notice(problemText(error), 'error'));
    }
  }

  function selected(): Item[] {
    return [...items.values()].filter((i) => i.checkbox.checked && !i.decided);
  }

  function updateSelection(): void {
    const count = selected().length;
    approveSelected.disabled = count === 0;
    approveSelected.textContent = count > 0 ? `Approve selected (${count})` : 'Approve selected';
  }

  function itemFor(request: RequestView): Item {
    const checkbox = h('input', { attrs: { type: 'checkbox', 'aria-label': `Select ${request.id}` } });
    checkbox.addEventListener('change', updateSelection);
    const actions = h('div', { className: 'actions' });
    const result = h('div', { attrs: { 'aria-live': 'polite' } });
    const context = [
      domainContext(request) ? h('p', { className: 'subtle' }, domainContext(request)) : undefined,
      request.context.routingNote ? h('p', { className: 'line warning' }, request.context.routingNote) : undefined,
      request.context.grantsDirectoryRole ? h('p', { className: 'line warning strong' }, 'This request grants a directory role: review carefully.') : undefined,
    ];
    const element = h(
      'article',
      { className: 'request decide', attrs: { 'data-request-id': request.id } },
      h('header', null, checkbox, h('h3', null, requestTitle(request)), stateBadge(request)),
      h('p', null, askText(request)),
      requestFacts(request, ctx.formats, { requester: true }),
      ...context,
      actions,
      result,
    );
    if (request.kind === 'batch') {
      // The full list of rows, under the summary, for the approver to read before deciding.
      const rows = h('details', null, h('summary', null, `All ${request.batch?.rows ?? ''} rows`));
      rows.addEventListener('toggle', () => {
        if (rows.open && rows.childElementCount === 1) void batchDetails(rows, request, ctx);
      });
      element.insertBefore(rows, actions);
    }
    const item: Item = { request, element, checkbox, actions, result, decided: false };
    items.set(request.id, item);
    showButtons(item);
    return item;
  }

  function showButtons(item: Item): void {
    const reason = h('textarea', {
      attrs: { 'aria-label': `Reason for denying ${item.request.id}`, rows: '2', maxlength: '500', placeholder: 'The requester sees this reason.' },
    });
    const denyForm = h(
      'div',
      { className: 'deny-form', attrs: { hidden: '' } },
      h('label', null, 'Reason for denying', reason),
      button('Confirm deny', () => void decide([item], 'deny', reason.value), { kind: 'danger' }),
    );
    replace(
      item.actions,
      button('Approve', () => void decide([item], 'approve'), { kind: 'primary', label: `Approve ${item.request.id}` }),
      button(
        'Deny',
        () => {
          denyForm.hidden = !denyForm.hidden;
          if (!denyForm.hidden) reason.focus();
        },
        { label: `Deny ${item.request.id}` },
      ),
      denyForm,
    );
  }

  async function decideSelected(): Promise<void> {
    const chosen = selected();
    if (chosen.length > 0) await decide(chosen, 'approve');
  }

  async function decide(chosen: Item[], outcome: 'approve' | 'deny', reason = ''): Promise<void> {
    for (const item of chosen) for (const b of item.actions.querySelectorAll('button')) b.disabled = true;
    approveSelected.disabled = true;
    try {
      const answer = await ctx.api.post<{ outcomes: DecisionOutcome[] }>('/decisions', { requestIds: chosen.map((i) => i.request.id), outcome, reason });
      let decided = 0;
      for (const result of answer.outcomes) {
        const item = items.get(result.requestId);
        if (!item) continue;
        if (result.result === 'decided') decided += 1;
        showOutcome(item, result);
      }
      if (chosen.length > 1) {
        replace(
          status,
          notice(`${outcome === 'approve' ? 'Approved' : 'Denied'} ${decided} of ${chosen.length} requests.`, decided === chosen.length ? 'good' : 'info'),
        );
      }
    } catch (error) {
      replace(status, notice(problemText(error), 'error'));
      for (const item of chosen) showButtons(item);
    }
    updateSelection();
  }

  function showOutcome(item: Item, result: DecisionOutcome): void {
    const request = result.request ?? item.request;
    if (result.result === 'invalid') {
      // Nothing changed (no reason given): the buttons stay, with the problem next to them.
      showButtons(item);
      replace(item.result, notice(result.message ?? 'Nothing was changed.', 'error'));
      return;
    }
    item.decided = true;
    item.checkbox.checked = false;
    item.checkbox.disabled = true;
    item.element.classList.add('decided');
    const header = item.element.querySelector('header');
    const badge = header?.querySelector('.badge');
    if (badge && result.request) badge.replaceWith(stateBadge(result.request));
    replace(item.actions);
    const line = result.result === 'decided' ? (decisionText(request, ctx.formats) ?? request.stateLabel) : (result.message ?? 'Nothing was changed.');
    replace(item.result, notice(line, result.result === 'decided' ? 'good' : result.result === 'alreadyDecided' ? 'info' : 'error'));
    if (result.result === 'refusedByPolicy') {
      // Policy changed since filing: approving is refused, denying with a reason still helps the requester.
      item.decided = false;
      item.checkbox.disabled = false;
      item.element.classList.remove('decided');
      showButtons(item);
    }
  }

  await load();
}
