/**
 * The one table of card verbs. Cards put `verb` into `Action.Execute` data and the router
 * dispatches on the same constants, so the compiler knows every verb on both sides.
 */
export const VERBS = {
  submitInvite: 'invite.submit',
  submitAppAccess: 'appAccess.submit',
  approve: 'request.approve',
  deny: 'request.deny',
  cancel: 'request.cancel',
  /** Next / Previous on a guest listing (data: an opaque cursor id). */
  guestsPage: 'guests.page',
  /** Guest administration buttons (data: the guest's object id, checked again by the server). */
  resendGuest: 'guest.resend',
  disableGuest: 'guest.disable',
  deleteGuest: 'guest.delete',
  dryRunDisableGuest: 'guest.disable.dryRun',
  dryRunDeleteGuest: 'guest.delete.dryRun',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];

export const ALL_VERBS: readonly Verb[] = Object.values(VERBS);

/** Datasets a `Data.Query` typeahead on a card may ask the bot for. */
export const DATASETS = {
  groups: 'groups',
  guests: 'guests',
  appRoles: 'appRoles',
} as const;

export type Dataset = (typeof DATASETS)[keyof typeof DATASETS];
