/** The facts of a request, as the chat's cards list them, for both My requests and To decide. */
import { facts, h, type Child } from '../dom';
import { appText, decisionText, stateTone, type Formats } from '../format';
import type { RequestView } from '../types';

export function stateBadge(request: RequestView): HTMLElement {
  return h('span', { className: `badge ${stateTone(request.state)}`, attrs: { 'data-state': request.state } }, request.stateLabel);
}

export function requestFacts(request: RequestView, formats: Formats, options: { requester: boolean }): HTMLElement {
  const entries: Array<[string, Child | Child[]]> = [];
  if (options.requester) entries.push(['Requested by', request.requester]);
  if (request.batch) {
    entries.push(['Guests', String(request.batch.rows)]);
    entries.push(['Domains', request.batch.domains.map((d) => `${d.domain} (${d.count})`).join(', ')]);
    entries.push(['Groups', request.groups.length > 0 ? request.groups.join(', ') : 'None']);
    entries.push(['Justification', request.justification]);
    entries.push(['Submitted', formats.when(request.createdAt)]);
    entries.push(['State', request.stateLabel]);
    return facts(entries);
  }
  entries.push(['Guest', request.guest.existing ? `${request.guest.email} (existing guest)` : request.guest.email]);
  entries.push(['Display name', request.guest.displayName || 'Not given']);
  if (request.kind === 'invite') {
    entries.push(['Groups', request.groups.length > 0 ? request.groups.join(', ') : 'None']);
    entries.push(['Directory role', request.directoryRole ?? 'None']);
  }
  if (request.app) entries.push(['Application', appText(request.app)]);
  entries.push(['Justification', request.justification]);
  if (request.message) entries.push(['Personal message', request.message]);
  entries.push(['Submitted', formats.when(request.createdAt)]);
  entries.push(['State', request.stateLabel]);
  return facts(entries);
}

/** The decision and what came of it, in the chat cards' words. */
export function outcomeLines(request: RequestView, formats: Formats): HTMLElement[] {
  const lines: HTMLElement[] = [];
  const decided = decisionText(request, formats);
  if (decided) lines.push(h('p', { className: `line ${request.decision?.outcome === 'denied' ? 'bad' : 'good'}` }, decided));
  const outcome = request.outcome;
  const progress = request.batch?.progress;
  if (request.state === 'completed' && progress) {
    lines.push(
      h(
        'p',
        { className: `line ${progress.failed > 0 ? 'warning' : 'good'}` },
        `Batch finished: ${progress.done} of ${progress.total} invited, ${progress.failed} failed.`,
      ),
    );
    return lines;
  }
  if (request.state === 'completed') {
    lines.push(
      h(
        'p',
        { className: 'line good' },
        outcome?.alreadyAGuest
          ? `Done: ${request.guest.email} was already a guest in your directory, so no new invitation was sent.`
          : request.guest.existing
            ? `Access granted: ${request.guest.email}${request.app ? ` can use ${appText(request.app)}` : ''}.`
            : `Guest invited: ${request.guest.email}.`,
      ),
    );
  }
  if (request.state === 'failed') lines.push(h('p', { className: 'line bad' }, `Failed: ${outcome?.error ?? 'no reason was given'}`));
  if (outcome?.waitingForDirectory) {
    lines.push(
      h(
        'p',
        { className: 'line warning' },
        'Waiting for the directory: the guest has been invited, and Microsoft Entra is still making the new account known everywhere.',
      ),
    );
  }
  if (request.state === 'cancelled') lines.push(h('p', { className: 'line' }, `Cancelled on ${formats.when(request.updatedAt)}`));
  if (request.state === 'expired') lines.push(h('p', { className: 'line' }, `Expired without a decision on ${formats.when(request.updatedAt)}`));
  return lines;
}
