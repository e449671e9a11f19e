/**
 * Compile-time checks of the verb table, run by `tsc -p tsconfig.json` in `npm test` (jest does not
 * load this file). Each `@ts-expect-error` line must fail to compile: if one ever compiles, the
 * directive is unused and tsc fails, so the rule it stands for has been lost.
 */
import { createActions } from '../../bot/actions';
import { approveAction } from '../../bot/actions/approveAction';
import { denyAction } from '../../bot/actions/denyAction';
import { disableGuestAction } from '../../bot/actions/disableGuestAction';
import type { ActionHandler, ActionRegistry, SearchRegistry } from '../../bot/handlers';
import { createSearches } from '../../bot/searches';
import { execute } from '../../cards/elements';
import { CARD_VERBS, DATASETS, VERBS, type ActionData, type ActionInput, type DuplicateVerbs } from '../../cards/verbs';

// Buttons carry the data of their own verb, ids only.
execute(VERBS.approve, 'Approve', { requestId: 'GA-ABC123' });
execute(VERBS.guestsPage, 'Next', { cursorId: 'c1' });
execute(VERBS.submitInvite, 'Send request', {});
// @ts-expect-error a request button with a guest's id
execute(VERBS.approve, 'Approve', { guestId: 'g1' });
// @ts-expect-error a guest button with a request's id
execute(VERBS.deleteGuest, 'Delete now', { requestId: 'GA-ABC123' });
// @ts-expect-error a paging button without its cursor
execute(VERBS.guestsPage, 'Next', {});
// @ts-expect-error names and roles never go into button data
execute(VERBS.approve, 'Approve', { requestId: 'GA-ABC123', approver: 'Megan Bowen' });
// @ts-expect-error a form's send button carries nothing but its inputs
execute(VERBS.submitInvite, 'Send request', { requestId: 'GA-ABC123' });
// @ts-expect-error a verb that is not in the table
execute('request.explode', 'Explode', { requestId: 'GA-ABC123' });

// @ts-expect-error data typed for one verb does not fit another
export const wrongData: ActionData<typeof VERBS.resendGuest> = { cursorId: 'c1' };
// The deny panel's input is the reason; the form has no such input.
export const reasonInput: ActionInput<typeof VERBS.deny> = 'reason';
// @ts-expect-error the form has no input of that name
export const noReasonOnTheForm: ActionInput<typeof VERBS.submitInvite> = 'reason';

// The registry answers every verb, each with its own handler.
export const complete: ActionRegistry = createActions();
// @ts-expect-error a registry without a handler for every verb
export const missingVerb = { [VERBS.approve]: approveAction } satisfies ActionRegistry;
export const misplaced = {
  ...createActions(),
  // @ts-expect-error a handler under another verb than its own
  [VERBS.approve]: denyAction,
} satisfies ActionRegistry;
export const sameDataOtherVerb = {
  ...createActions(),
  // @ts-expect-error disabling answers only its own verb, though deleting carries the same data
  [VERBS.deleteGuest]: disableGuestAction,
} satisfies ActionRegistry;
export const listedTwice = {
  ...createActions(),
  [VERBS.approve]: approveAction,
  // @ts-expect-error a verb answered twice
  [VERBS.approve]: approveAction,
} satisfies ActionRegistry;
export const unknownVerb = {
  ...createActions(),
  // @ts-expect-error a handler for a verb the table does not have
  'request.explode': approveAction,
} satisfies ActionRegistry;

// A handler binds only to what its verb's data names.
export const boundToGuest: ActionHandler<typeof VERBS.approve> = {
  verb: VERBS.approve,
  // @ts-expect-error an approval names a request, not a guest
  binding: 'guest',
  handle: approveAction.handle,
};
export const pagingBound: ActionHandler<typeof VERBS.guestsPage> = {
  verb: VERBS.guestsPage,
  // @ts-expect-error paging names no request or guest to bind to
  binding: 'request',
  handle: async () => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: {} }),
};

// Every dataset has its search, and only the datasets the cards use.
export const searches: SearchRegistry = createSearches();
// @ts-expect-error a dataset without its search
export const missingSearch = { [DATASETS.groups]: createSearches().groups } satisfies SearchRegistry;
export const unknownDataset = {
  ...createSearches(),
  // @ts-expect-error a dataset the cards do not use
  people: createSearches().groups,
} satisfies SearchRegistry;

// Two entries of a verb table may not share a verb.
type Twice = { approve: { verb: 'request.approve' }; alsoApprove: { verb: 'request.approve' }; deny: { verb: 'request.deny' } };
export const tableHasNoDuplicate: [DuplicateVerbs<typeof CARD_VERBS>] extends [never] ? true : never = true;
// @ts-expect-error a table naming one verb twice
export const duplicateFound: [DuplicateVerbs<Twice>] extends [never] ? true : never = true;
