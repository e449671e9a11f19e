import type { InputChoiceSet, InputDate, InputText, InputToggle } from '../../cards/adaptiveCard';
import { inviteFormCard, NO_DIRECTORY_ROLE, type InviteFormModel } from '../../cards/inviteFormCard';
import { DATASETS, VERBS } from '../../cards/verbs';
import { allActions, allInputs, cardText, parseCardStrict } from '../helpers/adaptiveCards';

const GROUPS = [
  { id: 'g-sales', displayName: 'Sales' },
  { id: 'g-eng', displayName: 'Engineering' },
];
const ROLES = [{ id: 'role-reader', displayName: 'Directory Readers' }];

function form(overrides: Partial<InviteFormModel> = {}): InviteFormModel {
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
    groupChoices: GROUPS,
    groupSearch: false,
    roleChoices: ROLES,
    appChoices: [],
    appSearch: false,
    guestChoices: [],
    accessPeriod: { min: '2026-03-02', max: '2027-03-01', suggested: '2026-05-30', noEndAllowed: false },
    ...overrides,
  };
}

const filled = form({
  values: {
    guestId: '',
    appRole: '',
    displayName: 'Gary Guest',
    email: 'not-an-address',
    message: 'Welcome!',
    groupIds: ['g-sales', 'g-eng'],
    directoryRoleId: 'role-reader',
    accessUntil: '2026-04-30',
    noEndDate: '',
    sponsorEmail: '',
    justification: '[click](https://evil.example)',
  },
  errors: { email: 'Enter a valid email address, like name@example.com.' },
});

function input(model: InviteFormModel, id: string): InputText | InputChoiceSet | InputDate | InputToggle {
  const found = allInputs(inviteFormCard(model)).find((i) => i.id === id);
  if (!found) throw new Error(`no input ${id}`);
  return found;
}

describe('inviteFormCard', () => {
  it('has exactly the inputs the bot reads, each with a label', () => {
    const inputs = allInputs(inviteFormCard(form()));
    expect(inputs.map((i) => i.id)).toEqual(['displayName', 'email', 'message', 'groupIds', 'directoryRoleId', 'accessUntil', 'sponsorEmail', 'justification']);
    inputs.forEach((i) => expect(i.label).toBeTruthy());
  });

  it('asks until when access is needed, between tomorrow and the maximum, suggesting the default', () => {
    expect(input(form(), 'accessUntil')).toEqual({
      type: 'Input.Date',
      id: 'accessUntil',
      label: 'Access needed until (at most 2027-03-01)',
      min: '2026-03-02',
      max: '2027-03-01',
      value: '2026-05-30',
    });
    expect(input(filled, 'accessUntil')).toMatchObject({ value: '2026-04-30' });
    expect(allInputs(inviteFormCard(form())).some((i) => i.id === 'noEndDate')).toBe(false);
    const noEnd = form({
      accessPeriod: { min: '2026-03-02', max: '2027-03-01', suggested: '2026-05-30', noEndAllowed: true },
      values: { ...form().values, noEndDate: 'true' },
    });
    expect(input(noEnd, 'noEndDate')).toMatchObject({ type: 'Input.Toggle', value: 'true' });
    parseCardStrict(inviteFormCard(noEnd));
    expect(input(form(), 'sponsorEmail')).toMatchObject({ type: 'Input.Text', style: 'Email', placeholder: 'Leave empty to sponsor the guest yourself' });
  });

  it('keeps what the user typed, as typed (input values are not markdown)', () => {
    expect(input(filled, 'displayName')).toMatchObject({ value: 'Gary Guest' });
    expect(input(filled, 'email')).toMatchObject({ value: 'not-an-address' });
    expect(input(filled, 'message')).toMatchObject({ value: 'Welcome!' });
    expect(input(filled, 'groupIds')).toMatchObject({ value: 'g-sales,g-eng' });
    expect(input(filled, 'directoryRoleId')).toMatchObject({ value: 'role-reader' });
    expect(input(filled, 'justification')).toMatchObject({ value: '[click](https://evil.example)' });
  });

  it('names the error in red right below its field, and nowhere else', () => {
    const { body } = inviteFormCard(filled);
    const email = body.findIndex((e) => e.type === 'Input.Text' && e.id === 'email');
    expect(body[email + 1]).toMatchObject({
      type: 'TextBlock',
      color: 'Attention',
      text: 'Enter a valid email address, like name@example.com.',
    });
    expect(body.filter((e) => e.type === 'TextBlock' && e.color === 'Attention')).toHaveLength(1);
  });

  it('escapes error text, which may quote what the user typed', () => {
    const card = inviteFormCard(form({ errors: { justification: '"<b>*x*</b>" is too short' } }));
    expect(cardText(card)).toContain('"\\<b\\>\\*x\\*\\</b\\>" is too short');
  });

  it('shows a message about the whole form above the fields', () => {
    const { body } = inviteFormCard(form({ formError: 'You can have at most 5 pending requests.' }));
    const error = body.findIndex((e) => e.type === 'TextBlock' && e.text === 'You can have at most 5 pending requests.');
    const firstInput = body.findIndex((e) => e.type.startsWith('Input.'));
    expect(error).toBeGreaterThan(-1);
    expect(error).toBeLessThan(firstInput);
    expect(body[error]).toMatchObject({ color: 'Attention' });
  });

  it('requires an email address, checked by the client with a message', () => {
    expect(input(form(), 'email')).toMatchObject({ isRequired: true, style: 'Email', errorMessage: expect.any(String) });
  });

  it('requires a multiline justification of at most 1000 characters', () => {
    expect(input(form(), 'justification')).toMatchObject({ isRequired: true, isMultiline: true, maxLength: 1000, errorMessage: expect.any(String) });
  });

  it('offers an optional multiline personal message of at most 500 characters, and an optional display name', () => {
    expect(input(form(), 'message')).toMatchObject({ isMultiline: true, maxLength: 500 });
    expect(input(form(), 'message')).not.toHaveProperty('isRequired');
    expect(input(form(), 'displayName')).not.toHaveProperty('isRequired');
  });

  describe('groups', () => {
    it('is a multi-select of the static choices, without search', () => {
      const groups = input(form(), 'groupIds') as InputChoiceSet;
      expect(groups.isMultiSelect).toBe(true);
      expect(groups.choices).toEqual([
        { title: 'Sales', value: 'g-sales' },
        { title: 'Engineering', value: 'g-eng' },
      ]);
      expect(groups).not.toHaveProperty(['choices.data']);
      expect(groups).not.toHaveProperty('value');
    });

    it('searches the groups dataset as the user types when search is on', () => {
      const groups = input(form({ groupSearch: true }), 'groupIds') as InputChoiceSet;
      expect(groups['choices.data']).toEqual({ type: 'Data.Query', dataset: DATASETS.groups });
      expect(groups.style).toBe('filtered');
    });

    it('keeps a choice for every selected group, so the selection renders', () => {
      const model = form({
        groupSearch: true,
        groupChoices: [{ id: 'g-sales', displayName: 'Sales' }],
        values: { ...form().values, groupIds: ['g-sales', 'g-found-by-search'] },
      });
      const groups = input(model, 'groupIds') as InputChoiceSet;
      expect(groups.value).toBe('g-sales,g-found-by-search');
      expect(groups.choices.map((c) => c.value)).toEqual(['g-sales', 'g-found-by-search']);
    });

    it('is left out when there is nothing to choose from', () => {
      const ids = allInputs(inviteFormCard(form({ groupChoices: [] }))).map((i) => i.id);
      expect(ids).not.toContain('groupIds');
    });

    it('group names are shown as choice titles, which are plain text', () => {
      const groups = input(form({ groupChoices: [{ id: 'g1', displayName: 'R&D *core*' }] }), 'groupIds') as InputChoiceSet;
      expect(groups.choices[0]).toEqual({ title: 'R&D *core*', value: 'g1' });
    });
  });

  describe('directory role', () => {
    it('is absent when no role may be asked for', () => {
      const card = inviteFormCard(form({ roleChoices: [] }));
      expect(allInputs(card).map((i) => i.id)).not.toContain('directoryRoleId');
      expect(cardText(card)).not.toMatch(/directory role/i);
    });

    it('is an optional single choice that starts with "No directory role"', () => {
      const role = input(form(), 'directoryRoleId') as InputChoiceSet;
      expect(role.isMultiSelect).toBeUndefined();
      expect(role.isRequired).toBeUndefined();
      expect(role.choices).toEqual([
        { title: 'No directory role', value: NO_DIRECTORY_ROLE },
        { title: 'Directory Readers', value: 'role-reader' },
      ]);
      expect(role.value).toBe(NO_DIRECTORY_ROLE);
    });
  });

  it('sends the request with one Action.Execute that carries no data of its own', () => {
    const actions = allActions(inviteFormCard(filled));
    expect(actions).toEqual([
      { type: 'Action.Execute', verb: VERBS.submitInvite, title: 'Send request', data: {}, associatedInputs: 'auto', style: 'positive' },
    ]);
  });

  it.each([
    ['empty', form()],
    ['filled with an error', filled],
    ['with a form error', form({ formError: 'Try again' })],
    ['with group search', form({ groupSearch: true, values: { ...filled.values } })],
    ['without groups or roles', form({ groupChoices: [], roleChoices: [] })],
  ])('parses cleanly: %s', (_name, model) => {
    expect(() => parseCardStrict(inviteFormCard(model))).not.toThrow();
  });
});
