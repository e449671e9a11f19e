/** The card an admin's Resend, Disable or Delete click leaves: "working on it", then the result. */
import type { GuestOperation, GuestWriteResult } from '../services/guests/guestWrites';
import type { AdaptiveCard } from './adaptiveCard';
import { noticeCard } from './noticeCard';
import { reinviteCard } from './reinviteCard';
import { revokeResultCard } from './revokeResultCard';

const WORKING: Readonly<Record<GuestOperation, string>> = {
  disable: 'Disabling sign-in…',
  delete: 'Deleting the guest…',
  resend: 'Sending a new invitation…',
};

type RefusalKind = Extract<GuestWriteResult, { kind: 'refused' }>['outcome']['kind'];

const FAILED_TITLES: Readonly<Record<RefusalKind, string>> = {
  forbidden: 'Not allowed',
  notFound: 'Not found',
  invalid: 'Not done',
  failed: 'Could not finish',
  turnedOff: 'Turned off',
};

/** What a write in progress is called ("Disabling sign-in…"), on the card and in the tab alike. */
export function guestWriteWorkingTitle(operation: GuestOperation): string {
  return WORKING[operation];
}

/** The heading of a write that changed nothing ("Not allowed", "Could not finish"), on the card and in the tab alike. */
export function guestWriteRefusedTitle(kind: RefusalKind): string {
  return FAILED_TITLES[kind];
}

/** Shown at once on the clicked card; the worker makes the change and this card then shows how it went. */
export function guestWritePendingCard(operation: GuestOperation): AdaptiveCard {
  return noticeCard({ title: WORKING[operation], text: 'Microsoft Graph is being asked now. You will see the result here, on this card.' });
}

/** The clicked card once the job ended: what changed, or why nothing did (with Graph's reason). */
export function guestWriteResultCard(result: GuestWriteResult): AdaptiveCard {
  switch (result.kind) {
    case 'revoked':
      return revokeResultCard(result.done);
    case 'reinvited':
      return reinviteCard(result.done);
    case 'refused': {
      const { kind, message } = result.outcome;
      return noticeCard({ title: FAILED_TITLES[kind], text: message, tone: kind === 'failed' || kind === 'forbidden' ? 'attention' : 'warning' });
    }
  }
}
