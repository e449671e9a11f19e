/** `pending` for admins: every request waiting for a decision, how long it has waited and who can decide. */
import type { PendingItem } from '../services/guests/guestModel';
import { adaptiveCard, type AdaptiveCard, type CardElement, type Container } from './adaptiveCard';
import { text, title } from './elements';
import { joinMarkdown, md, type Markdown } from './markdown';

export interface PendingOverviewModel {
  items: PendingItem[];
}

const DELIVERY: Readonly<Record<PendingItem['delivery'], string>> = {
  channel: 'card posted in the approvals channel',
  chats: "card sent to approvers' chats",
  nobody: 'no approver could be reached',
  unknown: 'card delivery not recorded',
};

export function pendingOverviewCard(model: PendingOverviewModel): AdaptiveCard {
  const body: CardElement[] = [title(md`Waiting for approval: all requests`)];
  if (model.items.length === 0) {
    body.push(text(md`Nothing waits for approval.`, { subtle: true }));
    return adaptiveCard(body);
  }
  body.push(text(model.items.length === 1 ? md`1 request is waiting.` : md`${model.items.length} requests are waiting.`, { subtle: true, spacing: 'Small' }));
  body.push(...model.items.map(item));
  return adaptiveCard(body);
}

function item(pending: PendingItem): Container {
  const { request } = pending;
  const guest = request.kind === 'batch' ? `a batch of ${request.details.displayName}` : request.details.email || 'an existing guest';
  return {
    type: 'Container',
    separator: true,
    items: [
      text(md`**${request.id}** · ${guest} · asked by ${request.requester.name}`),
      text(md`waiting ${age(pending.ageMinutes)} · approvers: ${approvers(pending)} · ${DELIVERY[pending.delivery]}`, { subtle: true, spacing: 'None' }),
    ],
  };
}

function approvers(pending: PendingItem): Markdown {
  if (!pending.approvers) return md`could not be read`;
  if (pending.approvers.length === 0) return md`nobody besides the requester`;
  return joinMarkdown(
    pending.approvers.map((a) => md`${a.displayName}`),
    md`, `,
  );
}

/** "12 minutes", "5 hours", "3 days": the unit a person would use. */
export function age(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return plural(minutes, 'minute');
  if (minutes < 48 * 60) return plural(Math.floor(minutes / 60), 'hour');
  return plural(Math.floor(minutes / (24 * 60)), 'day');
}
