/** One guest: state, dates, access, who asked for them; Resend invitation, Disable and Delete. */
import type { GuestDetails, LastSignIn, Readable, RevokePlan } from '../services/guests/guestModel';
import type { NamedRef } from '../services/requests/model';
import { adaptiveCard, type Action, type AdaptiveCard, type CardElement, type Fact } from './adaptiveCard';
import { formatDateTime } from './dates';
import { execute, fact, factSet, text, title } from './elements';
import { guestStateLabel, LAST_SIGN_IN_MEANS, revokePanels, turnedOffTexts } from './guestView';
import { joinMarkdown, md, type Markdown } from './markdown';
import { VERBS } from './verbs';

export interface GuestCardModel {
  guest: GuestDetails;
  /**
   * What Disable and Delete would do; their panels confirm before anything happens. Absent for
   * the requester's read-only view.
   */
  plan?: RevokePlan;
  /** Why Resend invitation is not offered: the feature it needs for this guest is off. */
  resendTurnedOff?: string;
}

export function guestCard(model: GuestCardModel): AdaptiveCard {
  const { guest } = model;
  const body: CardElement[] = [title(md`${guest.displayName}`), text(md`${guest.email} · guest`, { subtle: true, spacing: 'None' }), factSet(facts(guest))];
  // Only admins' cards read sign-in activity; the note explains that fact where it is shown.
  if (guest.lastSignIn) body.push(text(LAST_SIGN_IN_MEANS, { subtle: true, spacing: 'Small' }));
  if (!guest.enabled) body.push(text(md`Sign-in is disabled for this guest.`, { color: 'Attention' }));

  if (!model.plan) {
    body.push(text(md`You asked for this guest and your request invited them. To change their access, ask an admin.`, { subtle: true }));
    return adaptiveCard(body);
  }
  const actions: Action[] = [];
  if (guest.enabled && !model.resendTurnedOff)
    actions.push(execute(VERBS.resendGuest, 'Resend invitation', { guestId: guest.id }, { associatedInputs: 'none' }));
  if (guest.enabled && model.resendTurnedOff) body.push(text(md`${model.resendTurnedOff}`, { color: 'Warning' }));
  body.push(...turnedOffTexts(model.plan));
  actions.push(...revokePanels(model.plan, { explain: true }));
  return adaptiveCard(body, actions);
}

function facts(guest: GuestDetails): Fact[] {
  const list: Fact[] = [
    fact('Invitation', invitationText(guest)),
    fact('Sign-in', guest.enabled ? md`Enabled` : md`Disabled`),
    fact('Created', md`${guest.createdAt ? formatDateTime(guest.createdAt) : 'unknown'}`),
  ];
  if (guest.lastSignIn) list.push(fact('Last sign-in', lastSignInText(guest.lastSignIn)));
  list.push(fact('Groups', names(guest.groups)));
  if (!guest.directoryRoles.ok || guest.directoryRoles.value.length > 0) list.push(fact('Directory roles', names(guest.directoryRoles)));
  list.push(
    fact(
      'App roles',
      readableText(guest.appRoles, (roles) =>
        joinMarkdown(
          roles.map((r) => (r.viaGroup ? md`${r.app}: ${r.role} (through the group ${r.viaGroup})` : md`${r.app}: ${r.role}`)),
          md`, `,
        ),
      ),
    ),
    fact('Sponsors', names(guest.sponsors)),
  );
  const { access } = guest;
  if (access) {
    list.push(fact('Sponsor (told before access ends)', md`${access.sponsor}`));
    const lines = access.grants.map((g) => md`${g.label} ${g.ending ? 'ending now' : g.lastDay ? `until ${g.lastDay}` : 'with no end date'}`);
    list.push(
      fact('Access through the bot', lines.length > 0 ? joinMarkdown(lines, md`, `) : md`None left${access.endState ? ` (account ${access.endState})` : ''}`),
    );
  }
  const { origin } = guest;
  if (origin) {
    list.push(fact('Requested by', md`${origin.requestedBy} on ${formatDateTime(origin.requestedAt)} (${origin.requestId})`));
    list.push(fact('Approved by', origin.approvedBy && origin.approvedAt ? md`${origin.approvedBy} on ${formatDateTime(origin.approvedAt)}` : md`unknown`));
  } else {
    list.push(fact('Requested by', md`Not invited through this bot`));
  }
  return list;
}

function invitationText(guest: GuestDetails): Markdown {
  const since = guest.stateChangedAt ? md` since ${formatDateTime(guest.stateChangedAt)}` : md``;
  return md`${guestStateLabel(guest.state)}${since}`;
}

function lastSignInText(lastSignIn: LastSignIn): Markdown {
  switch (lastSignIn.kind) {
    case 'at':
      return md`${formatDateTime(lastSignIn.at)}`;
    case 'never':
      return md`None recorded (never signed in, or not since April 2020)`;
    case 'unavailable':
      return md`Unknown: ${lastSignIn.reason}`;
  }
}

function readableText<T>(value: Readable<T[]>, render: (items: T[]) => Markdown): Markdown {
  if (!value.ok) return md`Could not be read: ${value.reason}`;
  return value.value.length === 0 ? md`None` : render(value.value);
}

function names(value: Readable<NamedRef[]>): Markdown {
  return readableText(value, (refs) =>
    joinMarkdown(
      refs.map((r) => md`${r.displayName}`),
      md`, `,
    ),
  );
}
