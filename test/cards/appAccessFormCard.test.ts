import type { InputChoiceSet } from '../../cards/adaptiveCard';
import { appAccessFormCard, NEW_GUEST } from '../../cards/appAccessFormCard';
import type { InviteFormModel } from '../../cards/inviteFormCard';
import { DATASETS, VERBS } from '../../cards/verbs';
import { allActions, allInputs, cardText, parseCardStrict } from '../helpers/adaptiveCards';

const APP_CHOICES = [
  { value: 'app-1|role-1', title: 'Expense Hub (Example Corp) — Submitter' },
  { value: 'app-2|role-2', title: 'Partner Portal (Example Corp) — Portal reader' },
];

function model(overrides: Partial<InviteFormModel> = {}): InviteFormModel {
  return {
    values: {
      guestId: '',
      displayName: '',
      email: '',
      message: '',
      groupIds: [],
      directoryRoleId: '',
      appRole: '',
      accessUntil: '',
      noEndDate: '',
      sponsorEmail: '',
      justification: '',
    },
    errors: {},
    groupChoices: [],
    groupSearch: false,
    roleChoices: [],
    appChoices: APP_CHOICES,
    appSearch: false,
    guestChoices: [],
    accessPeriod: { min: '2026-03-02', max: '2027-03-01', suggested: '2026-05-30', noEndAllowed: false },
    ...overrides,
  };
}

function choiceSet(card: ReturnType<typeof appAccessFormCard>, id: string): InputChoiceSet {
  const input = allInputs(card).find((i) => i.id === id);
  if (input?.type !== 'Input.ChoiceSet') throw new Error(`no choice set ${id}`);
  return input;
}

describe('appAccessFormCard', () => {
  it('parses without warnings and submits with the app access verb and no data of its own', () => {
    const card = appAccessFormCard(model());
    parseCardStrict(card);
    const submit = allActions(card).find((a) => a.type === 'Action.Execute');
    expect(submit && submit.type === 'Action.Execute' ? [submit.verb, submit.data] : []).toEqual([VERBS.submitAppAccess, {}]);
  });

  it('searches existing guests as the user types, and offers a new guest by default', () => {
    const guest = choiceSet(appAccessFormCard(model()), 'guestId');
    expect(guest['choices.data']).toEqual({ type: 'Data.Query', dataset: DATASETS.guests });
    expect(guest.value).toBe(NEW_GUEST);
  });

  it('keeps a guest chosen earlier, with the name shown', () => {
    const card = appAccessFormCard(
      model({ values: { ...model().values, guestId: 'guest-9' }, guestChoices: [{ id: 'guest-9', displayName: 'Ravi Kumar (ravi@fabrikam.com)' }] }),
    );
    expect(choiceSet(card, 'guestId').value).toBe('guest-9');
    expect(cardText(card)).toContain('Ravi Kumar (ravi@fabrikam.com)');
  });

  it('lists each application and role with the publisher, required, and searchable when there are many', () => {
    const card = appAccessFormCard(model({ appSearch: true }));
    parseCardStrict(card);
    const app = choiceSet(card, 'appRole');
    expect(app.choices.map((c) => c.title)).toEqual(APP_CHOICES.map((c) => c.title));
    expect(app.isRequired).toBe(true);
    expect(app['choices.data']).toEqual({ type: 'Data.Query', dataset: DATASETS.appRoles });
  });

  it('names a problem next to its field and keeps what was typed', () => {
    const card = appAccessFormCard(
      model({
        values: { ...model().values, email: 'x@fabrikam.com', appRole: 'app-1|role-1', justification: 'Audit' },
        errors: { appRole: 'Ravi already has Submitter in Expense Hub: there is nothing to request.' },
      }),
    );
    parseCardStrict(card);
    const text = cardText(card);
    expect(text).toContain('Ravi already has Submitter in Expense Hub');
    expect(choiceSet(card, 'appRole').value).toBe('app-1|role-1');
    expect(allInputs(card).find((i) => i.id === 'email')?.value).toBe('x@fabrikam.com');
  });

  it('says so when no application can be given to guests', () => {
    const card = appAccessFormCard(model({ appChoices: [] }));
    parseCardStrict(card);
    expect(cardText(card)).toContain('No application in your directory can be given to guests.');
  });
});
