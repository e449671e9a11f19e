/** One page of `guests [filter…]`: who, their state, when created, whether they can sign in; Next / Previous. */
import type { GuestListPage, GuestRow } from '../services/guests/guestModel';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement } from './adaptiveCard';
import { formatDateTime } from './dates';
import { execute, text, title } from './elements';
import { count, enabledLabel, formatDay, guestLine, guestStateLabel, LAST_SIGN_IN_MEANS } from './guestView';
import { md, type Markdown } from './markdown';
import { VERBS } from './verbs';

export function guestListCard(page: GuestListPage): AdaptiveCard {
  const body: CardElement[] = [title(page.filterText ? md`Guests: ${page.filterText}` : md`Guests`), text(summary(page), { subtle: true, spacing: 'Small' })];
  if (page.notice) body.push(text(md`${page.notice}`, { color: 'Warning' }));
  if (page.checked !== undefined) body.push(text(LAST_SIGN_IN_MEANS, { subtle: true, spacing: 'Small' }));
  if (page.noSignInRecorded) body.push(text(unrecorded(page.noSignInRecorded), { spacing: 'Small' }));
  if (page.rows.length === 0) {
    body.push(text(page.nextCursorId ? md`None on this stretch of the directory; Next keeps looking.` : md`No guests match.`));
  }
  body.push(...page.rows.map((row) => guestLine(row, rowDetail(row))));
  body.push(
    text(md`Buttons work until ${formatDateTime(page.expiresAt)}. For one guest's details type: ${'guest <email>'}`, { subtle: true, spacing: 'Medium' }),
  );

  const actions: Action[] = [];
  if (page.previousCursorId) actions.push(execute(VERBS.guestsPage, 'Previous', { cursorId: page.previousCursorId }, { associatedInputs: 'none' }));
  if (page.nextCursorId) actions.push(execute(VERBS.guestsPage, 'Next', { cursorId: page.nextCursorId }, { associatedInputs: 'none' }));
  return adaptiveCard(body, actions);
}

/** "2,504 guests · 1–25 shown", or for stale listings how far the check has got. */
function summary(page: GuestListPage): Markdown {
  const last = page.firstNumber + page.rows.length - 1;
  const shown = page.rows.length > 0 ? md` · showing ${count(page.firstNumber)}–${count(last)}` : md``;
  if (page.checked !== undefined) {
    const of = page.directoryTotal === undefined ? md`` : md` of ${count(page.directoryTotal)}`;
    return md`Stale guests among the ${count(page.checked)}${of} guests checked so far${shown}`;
  }
  if (page.directoryTotal === undefined) return md`Guests${shown}`;
  return page.directoryTotal === 1 ? md`1 guest${shown}` : md`${count(page.directoryTotal)} guests${shown}`;
}

/** Guests without a recorded sign-in are left out of a stale listing; the card says how many. */
function unrecorded(n: number): Markdown {
  const who = n === 1 ? md`1 guest checked has` : md`${count(n)} guests checked have`;
  return md`${who} no recorded sign-in (never signed in, or not since Microsoft Entra began recording in April 2020): not listed, because whether they are stale is unknown.`;
}

function rowDetail(row: GuestRow): Markdown {
  const parts = [guestStateLabel(row.state), `created ${formatDay(row.createdAt)}`, enabledLabel(row.enabled)];
  if (row.lastSignIn !== undefined) parts.push(row.lastSignIn ? `last sign-in ${formatDay(row.lastSignIn)}` : 'no sign-in recorded');
  if (row.sponsor) parts.push(`sponsor ${row.sponsor}`);
  return md`${parts.join(' · ')}`;
}
