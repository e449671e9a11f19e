/** The app access form: give a guest (existing, or new and invited) a role in an enterprise app. */
import type { NamedRef } from '../services/requests/model';
import { adaptiveCard, type AdaptiveCard, type CardElement, type Choice, type InputChoiceSet } from './adaptiveCard';
import { errorText, execute, text, title } from './elements';
import {
  accessUntilInputs,
  appRoleInput,
  justificationInput,
  sponsorInput,
  MESSAGE_MAX_LENGTH,
  textInput,
  type InviteFormField,
  type InviteFormModel,
} from './inviteFormCard';
import { md } from './markdown';
import { DATASETS, VERBS } from './verbs';
import { questionInputs } from './policyQuestions';

/** Value of the "A new guest" choice: the address field below names them. */
export const NEW_GUEST = 'new';

/** The app access form, keeping what the user typed and naming each error next to its field. */
export function appAccessFormCard(model: InviteFormModel): AdaptiveCard {
  const { values, errors } = model;
  const body: CardElement[] = [
    title(md`Give a guest access to an app`),
    text(md`The app's owners (or the approvers) decide. A new address is invited as a guest at the same time.`, {
      subtle: true,
      spacing: 'Small',
    }),
  ];
  if (model.formError) body.push(errorText(md`${model.formError}`));
  const field = (id: InviteFormField, input: CardElement): void => {
    body.push(input);
    const error = errors[id];
    if (error) body.push(errorText(md`${error}`));
  };

  field('guestId', guestInput(model.guestChoices, values.guestId));
  field('email', textInput('email', "Or a new guest's email address", values.email, { style: 'Email', placeholder: 'name@example.com' }));
  field('displayName', textInput('displayName', "New guest's display name", values.displayName, { placeholder: 'For example: Adele Vance (Contoso)' }));
  field(
    'message',
    textInput('message', 'Personal message in the invitation (new guests)', values.message, {
      isMultiline: true,
      maxLength: MESSAGE_MAX_LENGTH,
    }),
  );
  const app = appRoleInput(model, { label: 'Application and role', optional: false });
  if (app) field('appRole', app);
  else body.push(errorText(md`No application in your directory can be given to guests.`));
  for (const [id, input] of accessUntilInputs(model)) field(id, input);
  field('sponsorEmail', sponsorInput(values.sponsorEmail));
  body.push(...questionInputs(model.questions ?? [], values.answers ?? {}, model.questionErrors ?? {}));
  field('justification', justificationInput(values.justification));

  return adaptiveCard(body, [execute(VERBS.submitAppAccess, 'Send request', {}, { style: 'positive', associatedInputs: 'auto' })]);
}

/** Existing guests, found by typing a name or an address; "A new guest" means the address field. */
function guestInput(chosen: NamedRef[], selected: string): InputChoiceSet {
  const choices: Choice[] = [
    { title: 'A new guest (type the address below)', value: NEW_GUEST },
    ...chosen.map((g) => ({ title: g.displayName, value: g.id })),
  ];
  return {
    type: 'Input.ChoiceSet',
    id: 'guestId',
    label: 'Existing guest',
    style: 'filtered',
    placeholder: 'Search guests by name or address',
    choices,
    'choices.data': { type: 'Data.Query', dataset: DATASETS.guests },
    value: selected || NEW_GUEST,
  };
}
