/** A compact list of requests: the requester's own, or those waiting for an approver. */
import type { AccessRequest } from '../services/requests/model';
import { adaptiveCard, type AdaptiveCard, type CardElement, type Container } from './adaptiveCard';
import { formatDateTime } from './dates';
import { text, title } from './elements';
import { md } from './markdown';
import { requestStateLabel } from './requestView';

/** At most this many requests are listed; the rest are counted. */
export const MAX_LISTED_REQUESTS = 20;

export interface RequestListModel {
  title: string;
  requests: AccessRequest[];
  /** Shown when there is no request at all. */
  emptyText: string;
  /** How many requests exist when `requests` is only the first page; defaults to `requests.length`. */
  total?: number;
  /** Approver lists name who asked. */
  showRequester?: boolean;
  /** The list shows stored dates only, never times relative to now. */
  now?: never;
}

export function requestListCard(model: RequestListModel): AdaptiveCard {
  const body: CardElement[] = [title(md`${model.title}`)];
  const total = Math.max(model.total ?? 0, model.requests.length);
  if (total === 0) {
    body.push(text(md`${model.emptyText}`, { subtle: true }));
    return adaptiveCard(body);
  }
  const shown = model.requests.slice(0, MAX_LISTED_REQUESTS);
  body.push(...shown.map((request) => listItem(request, model.showRequester === true)));
  const more = total - shown.length;
  if (more > 0) body.push(text(md`and ${more} more`, { subtle: true, spacing: 'Medium' }));
  return adaptiveCard(body);
}

function listItem(request: AccessRequest, showRequester: boolean): Container {
  const created = formatDateTime(request.createdAt);
  const detail = showRequester
    ? md`${requestStateLabel(request)} · created ${created} by ${request.requester.name}`
    : md`${requestStateLabel(request)} · created ${created}`;
  return {
    type: 'Container',
    separator: true,
    items: [
      text(md`**${request.id}** · ${request.kind === 'batch' ? `a batch of ${request.details.displayName}` : request.details.email}`),
      text(detail, { subtle: true, spacing: 'None' }),
    ],
  };
}
