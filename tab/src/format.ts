/** Words and dates as the tab shows them, in the person's Teams locale. */
import type { RequestState, RequestView } from './types';

export class Formats {
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly date: Intl.DateTimeFormat;
  private readonly number: Intl.NumberFormat;

  constructor(locale: string) {
    const safe = Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0 ? locale : 'en-US';
    this.dateTime = new Intl.DateTimeFormat(safe, { dateStyle: 'medium', timeStyle: 'short' });
    this.date = new Intl.DateTimeFormat(safe, { dateStyle: 'medium' });
    this.number = new Intl.NumberFormat(safe);
  }

  when(iso: string | null | undefined): string {
    if (!iso) return '';
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.dateTime.format(date);
  }

  day(iso: string | null | undefined): string {
    if (!iso) return '';
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.date.format(date);
  }

  count(n: number): string {
    return this.number.format(n);
  }
}

/** The colour family of a state's badge. */
export function stateTone(state: RequestState): 'waiting' | 'good' | 'bad' | 'neutral' | 'busy' {
  switch (state) {
    case 'pending':
      return 'waiting';
    case 'completed':
      return 'good';
    case 'failed':
    case 'denied':
      return 'bad';
    case 'approved':
    case 'executing':
      return 'busy';
    case 'cancelled':
    case 'expired':
      return 'neutral';
  }
}

/** "Expense Hub (Contoso) as Submitter". */
export function appText(app: NonNullable<RequestView['app']>): string {
  return `${app.publisher ? `${app.name} (${app.publisher})` : app.name} as ${app.role}`;
}

/** What the request asks, in one sentence, as the approval card says it. */
export function askText(request: RequestView): string {
  const who = request.requester;
  if (request.batch) return `${who} asks to invite ${request.guest.displayName} from a CSV file, with one justification.`;
  if (request.guest.existing && request.app) return `${who} asks to give guest ${request.guest.email} access to ${appText(request.app)}.`;
  if (request.app) return `${who} asks to invite ${request.guest.email} as a guest with access to ${appText(request.app)}.`;
  return `${who} asks to invite ${request.guest.email} as a guest.`;
}

export function requestTitle(request: RequestView): string {
  if (request.kind === 'batch') return `Batch invitation request ${request.id}`;
  return `${request.kind === 'appAccess' ? 'App access request' : 'Guest access request'} ${request.id}`;
}

export function decisionText(request: RequestView, formats: Formats): string | undefined {
  const decision = request.decision;
  if (!decision) return undefined;
  const verb = decision.outcome === 'approved' ? 'Approved' : 'Denied';
  return `${verb} by ${decision.by} on ${formats.when(decision.at)}${decision.reason ? `: ${decision.reason}` : ''}`;
}

/** "3 guests from fabrikam.com already in the directory". */
export function domainContext(request: RequestView): string | undefined {
  if (request.guest.existing || request.batch) return undefined;
  const domain = request.guest.email.slice(request.guest.email.lastIndexOf('@') + 1);
  const count = request.context.guestsFromDomain;
  if (count === undefined) return `Guests from ${domain} already in the directory: unknown`;
  return count === 1 ? `1 guest from ${domain} already in the directory` : `${count} guests from ${domain} already in the directory`;
}
