/** The invite form: what an employee fills in to ask for a guest invitation. */
import type { AppRoleChoice } from '../services/directory/directoryCatalog';
import type { AccessPeriodChoice } from '../services/lifecycle/accessPeriod';
import { LIMITS, type InviteFormValues } from '../services/requests/inviteValidation';
import type { NamedRef } from '../services/requests/model';
import {
  adaptiveCard,
  type AdaptiveCard,
  type CardElement,
  type Choice,
  type InputChoiceSet,
  type InputDate,
  type InputText,
  type InputToggle,
} from './adaptiveCard';
import { errorText, execute, text, title } from './elements';
import { md } from './markdown';
import { DATASETS, VERBS } from './verbs';
import { questionInputs } from './policyQuestions';
import type { PolicyQuestion } from '../services/requests/policies/policyFile';

/** The form's values as the user typed them (not yet validated), keyed by input id. */
export type { InviteFormValues };

/** Input ids on the form; the submitted `action.data` carries the values under these keys. */
export type InviteFormField = keyof InviteFormValues;

/**
 * Value of the "No directory role" choice. A choice with an empty value fails the Adaptive Cards
 * validator ("All choices ... must have their title and value properties set"), so the form sends
 * this word instead; `values.directoryRoleId` uses '' for the same meaning.
 */
export const NO_DIRECTORY_ROLE = 'none';

/** The inputs stop typing where the server's own limits are. */
export const MESSAGE_MAX_LENGTH = LIMITS.message;
export const JUSTIFICATION_MAX_LENGTH = LIMITS.justification;

export interface InviteFormModel {
  values: InviteFormValues;
  /** Message shown right below a field, e.g. after server-side validation. */
  errors: Partial<Record<InviteFormField, string>>;
  /** A message about the whole form, shown above the fields. */
  formError?: string;
  /** Groups offered as static choices; with `groupSearch` they must include the selected groups. */
  groupChoices: NamedRef[];
  /** When true, the groups field also searches the directory as the user types (Data.Query). */
  groupSearch: boolean;
  /** Directory roles the requester may ask for; empty means the form has no role field. */
  roleChoices: NamedRef[];
  /** Application-and-role choices (`value` is `<app id>|<role id>`). */
  appChoices: AppRoleChoice[];
  /** When true, the application field also searches the directory as the user types. */
  appSearch: boolean;
  /** The existing guest picked earlier on the app access form, so it renders again. */
  guestChoices: NamedRef[];
  /** The end dates the form allows today, and the one it suggests. */
  accessPeriod: AccessPeriodChoice;
  /** The questions of the policy the request falls under, before the justification. */
  questions?: PolicyQuestion[];
  /** Problems with the answers, by question id. */
  questionErrors?: Record<string, string>;
}

/** The invite form, keeping what the user typed and naming each error next to its field. */
export function inviteFormCard(model: InviteFormModel): AdaptiveCard {
  const { values, errors } = model;
  const body: CardElement[] = [
    title(md`Invite a guest`),
    text(md`An approver reviews every request before the guest is invited.`, { subtle: true, spacing: 'Small' }),
  ];
  if (model.formError) body.push(errorText(md`${model.formError}`));

  const field = (id: InviteFormField, input: CardElement): void => {
    body.push(input);
    const error = errors[id];
    if (error) body.push(errorText(md`${error}`));
  };

  field(
    'displayName',
    textInput('displayName', "Guest's display name", values.displayName, {
      placeholder: 'For example: Adele Vance (Contoso)',
    }),
  );
  field(
    'email',
    textInput('email', "Guest's email address", values.email, {
      style: 'Email',
      isRequired: true,
      errorMessage: "Enter the guest's email address.",
      placeholder: 'name@example.com',
    }),
  );
  field(
    'message',
    textInput('message', 'Personal message in the invitation', values.message, {
      isMultiline: true,
      maxLength: MESSAGE_MAX_LENGTH,
    }),
  );
  // A field the form does not offer (its feature is off, or nothing to choose) still shows its error.
  const optionalField = (id: InviteFormField, input: CardElement | undefined): void => {
    if (input) field(id, input);
    else if (errors[id]) body.push(errorText(md`${errors[id]}`));
  };
  optionalField('groupIds', groupsInput(model));
  optionalField('directoryRoleId', model.roleChoices.length > 0 ? roleInput(model.roleChoices, values.directoryRoleId) : undefined);
  optionalField('appRole', appRoleInput(model, { label: 'Also give access to an application (optional)', optional: true }));
  for (const [id, input] of accessUntilInputs(model)) field(id, input);
  field('sponsorEmail', sponsorInput(values.sponsorEmail));
  body.push(...questionInputs(model.questions ?? [], values.answers ?? {}, model.questionErrors ?? {}));
  field('justification', justificationInput(values.justification));

  return adaptiveCard(body, [execute(VERBS.submitInvite, 'Send request', {}, { style: 'positive', associatedInputs: 'auto' })]);
}

/**
 * "Access needed until": a date between tomorrow and the policy's maximum, the suggested one filled
 * in; and, when admins allow access without an end, a toggle for that.
 */
export function accessUntilInputs(model: InviteFormModel): [InviteFormField, InputDate | InputToggle][] {
  const { accessPeriod, values } = model;
  const date: InputDate = {
    type: 'Input.Date',
    id: 'accessUntil',
    label: `Access needed until (at most ${accessPeriod.max})`,
    min: accessPeriod.min,
    max: accessPeriod.max,
    value: values.accessUntil || accessPeriod.suggested,
  };
  const inputs: [InviteFormField, InputDate | InputToggle][] = [['accessUntil', date]];
  if (accessPeriod.noEndAllowed) {
    const noEnd: InputToggle = {
      type: 'Input.Toggle',
      id: 'noEndDate',
      title: 'No end date: the guest keeps this access until someone removes it',
      wrap: true,
    };
    if (values.noEndDate === 'true') noEnd.value = 'true';
    inputs.push(['noEndDate', noEnd]);
  }
  return inputs;
}

/** The sponsor: the requester unless a colleague is named. */
/** The business justification both request forms end with. */
export function justificationInput(value: string): InputText {
  return textInput('justification', 'Business justification', value, {
    isMultiline: true,
    maxLength: JUSTIFICATION_MAX_LENGTH,
    isRequired: true,
    errorMessage: 'Explain why the guest needs access.',
  });
}

export function sponsorInput(value: string): InputText {
  return textInput('sponsorEmail', "Sponsor, if not you: a colleague's email address", value, {
    style: 'Email',
    placeholder: 'Leave empty to sponsor the guest yourself',
  });
}

type TextInputOptions = Omit<InputText, 'type' | 'id' | 'label' | 'value'>;

/** A labelled text input keeping what the user typed. */
export function textInput(id: InviteFormField, label: string, value: string, options: TextInputOptions): InputText {
  const input: InputText = { type: 'Input.Text', id, label, ...options };
  if (value) input.value = value;
  return input;
}

/** Value of the "No application" choice (an empty choice value fails the Adaptive Cards validator). */
export const NO_APP = 'none';

/**
 * The application field: one choice per application and role a person can be given, titled with
 * the app's name and publisher. With `appSearch` it also searches as the user types; a selected
 * value missing from the choices keeps a choice so it renders again.
 */
export function appRoleInput(model: InviteFormModel, options: { label: string; optional: boolean }): InputChoiceSet | undefined {
  const { appChoices, appSearch, values } = model;
  if (!appSearch && appChoices.length === 0) return undefined;
  const choices: Choice[] = appChoices.map((c) => ({ title: c.title, value: c.value }));
  const selected = values.appRole && values.appRole !== NO_APP ? values.appRole : '';
  if (selected && !choices.some((c) => c.value === selected)) choices.push({ title: 'The application chosen earlier', value: selected });
  if (options.optional) choices.unshift({ title: 'No application', value: NO_APP });
  const input: InputChoiceSet = { type: 'Input.ChoiceSet', id: 'appRole', label: options.label, choices };
  if (!options.optional) {
    input.isRequired = true;
    input.errorMessage = 'Choose the application and the role the guest needs.';
  }
  if (appSearch) {
    input.style = 'filtered';
    input['choices.data'] = { type: 'Data.Query', dataset: DATASETS.appRoles };
    input.placeholder = 'Search applications';
  }
  if (selected) input.value = selected;
  else if (options.optional) input.value = NO_APP;
  return input;
}

/**
 * Multi-select of groups. Selected values only render when a choice carries them, so a selected
 * group missing from `groupChoices` (found by search earlier) keeps a choice titled with its id.
 * Without choices and without search there is nothing to pick, and no field.
 */
function groupsInput(model: InviteFormModel): InputChoiceSet | undefined {
  const { groupChoices, groupSearch, values } = model;
  if (!groupSearch && groupChoices.length === 0) return undefined;
  const choices: Choice[] = groupChoices.map(choice);
  for (const id of values.groupIds) {
    if (!groupChoices.some((group) => group.id === id)) choices.push({ title: id, value: id });
  }
  const input: InputChoiceSet = {
    type: 'Input.ChoiceSet',
    id: 'groupIds',
    label: 'Groups to add the guest to',
    isMultiSelect: true,
    choices,
  };
  if (groupSearch) {
    input.style = 'filtered';
    input['choices.data'] = { type: 'Data.Query', dataset: DATASETS.groups };
    input.placeholder = 'Search groups';
  }
  if (values.groupIds.length > 0) input.value = values.groupIds.join(',');
  return input;
}

/** Optional single-select; the first choice, "No directory role", sends `NO_DIRECTORY_ROLE`. */
function roleInput(roles: NamedRef[], selected: string): InputChoiceSet {
  return {
    type: 'Input.ChoiceSet',
    id: 'directoryRoleId',
    label: 'Directory role',
    choices: [{ title: 'No directory role', value: NO_DIRECTORY_ROLE }, ...roles.map(choice)],
    value: selected || NO_DIRECTORY_ROLE,
  };
}

function choice(ref: NamedRef): Choice {
  return { title: ref.displayName, value: ref.id };
}
