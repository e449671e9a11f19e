import { z } from 'zod';
import type { InviteFormValues } from '../services/requests/inviteValidation';

/**
 * The one table of card verbs. Each entry names the verb Teams sends back, the data its buttons
 * carry (ids only, never anything the server would trust) and the inputs of the card it is on.
 * Cards build buttons from it (`execute` in elements.ts only takes the data of its verb), the
 * router parses clicks with it, and its registry of handlers must answer every verb in it.
 */

type Shape = z.core.$ZodShape;

/** A request, by id; the server loads it and checks who may act on it. */
const requestRef = z.object({ requestId: z.string().min(1).max(40) });

/**
 * A page of a guest listing: an opaque cursor id. Any short string gets through here so that an
 * altered id reaches the service, which refuses it with a clear message and audits it.
 */
const cursorRef = z.object({ cursorId: z.string().min(1).max(200) });

/** A guest's object id, looked up and checked again by the service. */
const guestRef = z.object({ guestId: z.string().min(1).max(64) });

/** One guest in a recertification or cleanup campaign; the service checks who may answer for them. */
const campaignGuestRef = z.object({ campaignId: z.string().min(1).max(40), guestId: z.string().min(1).max(64) });

/** A campaign, by id; the service checks who may act on it. */
const campaignRef = z.object({ campaignId: z.string().min(1).max(40) });

/** A button that carries nothing: its card's inputs say everything. */
const noData = z.object({});

/** A card whose button sends no input of its own. */
const noInputs = z.object({});

/** Inputs are user text: bounded generously above what the form itself allows, then checked by the services. */
const typed = (max: number) =>
  z
    .string()
    .max(max * 4)
    .optional()
    .default('');

/** The invite and app access forms' inputs, as Adaptive Cards send them (multi-select choices come comma-joined). */
const inviteFormInputs = z.object({
  guestId: typed(40),
  displayName: typed(256),
  email: typed(254),
  message: typed(500),
  groupIds: z
    .union([z.string().max(20 * 40 * 2), z.array(z.string().max(40))])
    .optional()
    .default('')
    .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((id) => id.trim()).filter((id) => id !== '')),
  directoryRoleId: typed(40),
  appRole: typed(80),
  accessUntil: typed(10),
  noEndDate: typed(5),
  sponsorEmail: typed(254),
  justification: typed(1000),
  /** Gathered from the `answer_<question id>` inputs by `gatherAnswers` (they arrive flat, beside the fields). */
  answers: z.record(z.string().max(40), z.string().max(2000)).optional().default({}),
} satisfies { [Field in keyof InviteFormValues]: z.ZodType<InviteFormValues[Field], unknown> });

/** The approver's end date for the access (empty keeps the one asked for), and under a policy an optional comment for the later stages. */
const approveInputs = z.object({ accessUntil: z.string().max(40).optional().default(''), comment: z.string().max(2000).optional().default('') });

/** The prefix of a policy question's input id on the request forms (see services/requests/policies/questions.ts). */
const ANSWER_PREFIX = 'answer_';
/** At most this many answers are read from one submission; a policy asks at most ten questions. */
const MAX_ANSWERS = 20;

/** Moves the forms' `answer_<id>` inputs into `answers`, so the schema can check them as one field. */
function gatherAnswers(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const answers: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(ANSWER_PREFIX) && Object.keys(answers).length < MAX_ANSWERS) answers[key.slice(ANSWER_PREFIX.length)] = value;
    else if (key !== 'answers') rest[key] = value;
  }
  return { ...rest, answers };
}

/** The new last day a sponsor extends a guest's access to. */
const extendInputs = z.object({ accessUntil: z.string().max(40).optional().default('') });

/** The deny panel's reason; an empty one brings the card back asking for it. */
const denyInputs = z.object({ reason: z.string().max(2000).optional().default('') });

/** One verb: what its buttons carry, and what a click arrives with (that data merged with the card's inputs). */
function cardVerb<const Name extends string, Data extends Shape, Inputs extends Shape>(verb: Name, data: z.ZodObject<Data>, inputs: z.ZodObject<Inputs>) {
  return { verb, data, inputs, submission: z.object({ ...data.shape, ...inputs.shape }) };
}

/** A request form's verb: as `cardVerb`, with the policy questions' answers gathered into one field first. */
function formVerb<const Name extends string>(verb: Name) {
  const spec = cardVerb(verb, noData, inviteFormInputs);
  return { ...spec, submission: z.preprocess(gatherAnswers, spec.submission) };
}

/** Every card verb, by the name code uses for it: the verb Teams sends, its button data, its card's inputs. */
export const CARD_VERBS = {
  submitInvite: formVerb('invite.submit'),
  submitAppAccess: formVerb('appAccess.submit'),
  approve: cardVerb('request.approve', requestRef, approveInputs),
  deny: cardVerb('request.deny', requestRef, denyInputs),
  cancel: cardVerb('request.cancel', requestRef, noInputs),
  /** Next / Previous on a guest listing. */
  guestsPage: cardVerb('guests.page', cursorRef, noInputs),
  /** Guest administration buttons. */
  resendGuest: cardVerb('guest.resend', guestRef, noInputs),
  disableGuest: cardVerb('guest.disable', guestRef, noInputs),
  deleteGuest: cardVerb('guest.delete', guestRef, noInputs),
  dryRunDisableGuest: cardVerb('guest.disable.dryRun', guestRef, noInputs),
  dryRunDeleteGuest: cardVerb('guest.delete.dryRun', guestRef, noInputs),
  /** A sponsor's answers to an expiry notice. */
  extendAccess: cardVerb('lifecycle.extend', guestRef, extendInputs),
  letAccessEnd: cardVerb('lifecycle.letEnd', guestRef, noInputs),
  /** A sponsor's (or, past the grace, an approver's) answers on a recertification digest. */
  keepGuest: cardVerb('recertification.keep', campaignGuestRef, noInputs),
  removeGuest: cardVerb('recertification.remove', campaignGuestRef, noInputs),
  /** Keep every guest on the card nobody answered for; its data names the card's first guest. */
  keepAllGuests: cardVerb('recertification.keepAll', campaignGuestRef, noInputs),
  /** An admin's choices on a cleanup plan, and a sponsor's Keep on its notice. */
  dryRunCleanup: cardVerb('cleanup.dryRun', campaignRef, noInputs),
  runCleanup: cardVerb('cleanup.run', campaignRef, noInputs),
  keepFromCleanup: cardVerb('cleanup.keep', campaignGuestRef, noInputs),
};

type CardVerbs = typeof CARD_VERBS;
type VerbName = keyof CardVerbs;

/** The verbs by name, for the cards and tests that put them on buttons (`VERBS.approve`). */
export const VERBS = Object.fromEntries(Object.entries(CARD_VERBS).map(([name, spec]) => [name, spec.verb])) as {
  readonly [Name in VerbName]: CardVerbs[Name]['verb'];
};

/** A verb as Teams sends it back in `action.verb`. */
export type Verb = CardVerbs[VerbName]['verb'];

/** The table's entries by the verb Teams sends. */
type VerbSpecs = { readonly [V in Verb]: Extract<CardVerbs[VerbName], { verb: V }> };

/** What a button of `V` carries in its `data`: its ids, and nothing else. */
export type ActionData<V extends Verb> = z.input<VerbSpecs[V]['data']>;

/** What a click on a button of `V` arrives with once parsed: the button's data and the card's inputs. */
export type ActionSubmission<V extends Verb> = z.output<VerbSpecs[V]['submission']>;

/** The names of the inputs a card sends with `V` (the deny panel's reason, the form's fields). */
export type ActionInput<V extends Verb> = keyof VerbSpecs[V]['inputs']['shape'];

/**
 * The names of a table's entries that share their verb with another entry; never for a table in
 * which every verb is told apart. Checked for CARD_VERBS below, so a duplicate does not compile.
 */
export type DuplicateVerbs<Table extends Record<string, { verb: string }>> = {
  [Name in keyof Table]: {
    [Other in Exclude<keyof Table, Name>]: Table[Other]['verb'] extends Table[Name]['verb'] ? Other : never;
  }[Exclude<keyof Table, Name>];
}[keyof Table];

/** Fails to compile when two entries of CARD_VERBS share a verb: a click could not tell them apart. */
const everyVerbOnce: [DuplicateVerbs<CardVerbs>] extends [never] ? true : never = true;
void everyVerbOnce;

const VERB_SPECS = Object.fromEntries(Object.values(CARD_VERBS).map((spec) => [spec.verb, spec])) as VerbSpecs;

/** Whether `value` is a verb of the table (anything else on a click is a card from an older version, or forged). */
export function isVerb(value: string): value is Verb {
  return Object.hasOwn(VERB_SPECS, value);
}

/**
 * Parses a click's data (the button's data merged with the card's inputs) with its verb's schema.
 * The cast ties the looked-up schema to `V`: the compiler cannot follow a generic key through the
 * table's union, but VerbSpecs holds each verb's own entry, so the result is that verb's submission.
 */
export function parseSubmission<V extends Verb>(verb: V, data: unknown): z.ZodSafeParseResult<ActionSubmission<V>> {
  const schema: z.ZodType = VERB_SPECS[verb].submission;
  return schema.safeParse(data) as z.ZodSafeParseResult<ActionSubmission<V>>;
}

/** Datasets a `Data.Query` typeahead on a card may ask the bot for; the bot answers each with one search. */
export const DATASETS = {
  groups: 'groups',
  guests: 'guests',
  appRoles: 'appRoles',
} as const;

export type Dataset = (typeof DATASETS)[keyof typeof DATASETS];

/** Whether `value` names a dataset the cards use. */
export function isDataset(value: string): value is Dataset {
  return Object.values<string>(DATASETS).includes(value);
}
