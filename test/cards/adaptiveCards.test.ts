/**
 * What adaptivecards 3.0.6 accepts, and that `parseCardStrict` notices what the library would only
 * shrug at. These pin the findings the card choices rest on.
 */
import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { adaptiveCard } from '../../cards/adaptiveCard';
import { VERBS } from '../../cards/verbs';
import { cardText, parseCardStrict } from '../helpers/adaptiveCards';

// The package's main entry is an ES module Node cannot require; its UMD build can be.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC: typeof import('adaptivecards') = require('adaptivecards/dist/adaptivecards.js');

const typeahead = {
  type: 'Input.ChoiceSet',
  id: 'groupIds',
  label: 'Groups',
  isMultiSelect: true,
  style: 'filtered',
  choices: [{ title: 'Sales', value: 'g-sales' }],
  'choices.data': { type: 'Data.Query', dataset: 'groups' },
  value: 'g-sales',
};

const withBody = (body: object[], actions: object[] = []): object => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  ...(actions.length > 0 ? { actions } : {}),
});

describe('parseCardStrict', () => {
  it('accepts Action.Execute with associatedInputs, labelled required inputs and a typeahead choice set', () => {
    const card = withBody(
      [typeahead, { type: 'Input.Text', id: 'email', label: 'Email', isRequired: true, errorMessage: 'Enter it', style: 'Email' }],
      [{ type: 'Action.Execute', verb: VERBS.submitInvite, title: 'Send', data: {}, associatedInputs: 'auto' }],
    );
    expect(() => parseCardStrict(card)).not.toThrow();
  });

  it('returns the parsed card', () => {
    const parsed = parseCardStrict(adaptiveCard([{ type: 'TextBlock', text: 'Hello', wrap: true }]));
    expect(parsed.getItemCount()).toBe(1);
  });

  it('rejects unknown element and action types', () => {
    expect(() => parseCardStrict(withBody([{ type: 'Input.Magic', id: 'x' }]))).toThrow(/UnknownElementType/);
    expect(() => parseCardStrict(withBody([], [{ type: 'Action.Magic', title: 'x' }]))).toThrow(/UnknownActionType/);
  });

  it('rejects properties the library does not know, which it otherwise ignores without a word', () => {
    const typo = withBody([{ type: 'Input.ChoiceSet', id: 'g', isMultiselect: true, choices: [{ title: 'a', value: 'a' }] }]);
    expect(() => parseCardStrict(typo)).toThrow(/\$\.body\[0\]\.isMultiselect is unknown/);
  });

  it('rejects invalid values', () => {
    expect(() => parseCardStrict(withBody([{ type: 'TextBlock', text: 'x', color: 'Purple' }]))).toThrow(/InvalidPropertyValue/);
  });

  it('rejects required inputs without label or error message, and duplicate ids', () => {
    expect(() => parseCardStrict(withBody([{ type: 'Input.Text', id: 'a', isRequired: true }]))).toThrow(
      /RequiredInputsShouldHaveLabel[\s\S]*RequiredInputsShouldHaveErrorMessage/,
    );
    const twice = { type: 'Input.Text', id: 'a', label: 'A' };
    expect(() => parseCardStrict(withBody([twice, twice]))).toThrow(/DuplicateId/);
  });

  it('rejects a choice with an empty value (so "No directory role" cannot be the empty string)', () => {
    const empty = withBody([{ type: 'Input.ChoiceSet', id: 'r', label: 'Role', choices: [{ title: 'None', value: '' }] }]);
    expect(() => parseCardStrict(empty)).toThrow(/PropertyCantBeNull/);
  });

  it('rejects features newer than the version the card declares, except the Teams ones allowed by name', () => {
    const newer = withBody([{ type: 'Input.Text', id: 'a', label: 'A', labelPosition: 'inline' }]);
    expect(() => parseCardStrict(newer)).toThrow(/version 1\.5: UnsupportedProperty: Property "labelPosition"/);
    expect(() => parseCardStrict(withBody([typeahead]))).not.toThrow();
  });

  it('rejects a card without a valid version', () => {
    expect(() => parseCardStrict({ type: 'AdaptiveCard', body: [] })).toThrow(/declares no valid version/);
  });
});

describe('adaptivecards 3.0.6 and choices.data (the surprise behind the allow list)', () => {
  const parse = (context: InstanceType<typeof AC.SerializationContext>) => {
    const card = new AC.AdaptiveCard();
    card.parse(withBody([typeahead]), context);
    return card;
  };

  it('files choices.data under version 1.6, which a fresh context targets whatever the card declares', () => {
    const context = new AC.SerializationContext();
    expect(context.targetVersion.toString()).toBe('1.6');
    parse(context);
    expect(context.eventCount).toBe(0);
  });

  it('warns about choices.data when told to parse the version the card declares (1.5)', () => {
    const context = new AC.SerializationContext(AC.Versions.v1_5);
    parse(context);
    expect(context.eventCount).toBe(1);
    expect(context.getEventAt(0).message).toBe('Property "choices.data" is supported in version 1.6, but you are using version 1.5.');
  });

  it('drops choices.data when it writes a 1.5 card back out', () => {
    const json = parse(new AC.SerializationContext()).toJSON() as { body: Record<string, unknown>[] };
    expect(json.body[0]).not.toHaveProperty(['choices.data']);
  });
});

describe('cardText', () => {
  it('reads text blocks, facts, labels, choices, button titles and ShowCard contents', () => {
    const card: AdaptiveCard = adaptiveCard(
      [
        { type: 'TextBlock', text: 'Title' },
        { type: 'FactSet', facts: [{ title: 'Guest', value: 'a@b.example' }] },
        { type: 'Container', items: [{ type: 'Input.Text', id: 'x', label: 'Name', value: 'Gary' }] },
        { type: 'Input.ChoiceSet', id: 'y', label: 'Pick', choices: [{ title: 'One', value: '1' }] },
      ],
      [
        {
          type: 'Action.ShowCard',
          title: 'More',
          card: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'Inside' }] },
        },
      ],
    );
    expect(cardText(card).split('\n')).toEqual(['Title', 'Guest: a@b.example', 'Name', 'Gary', 'Pick', 'One', 'More', 'Inside']);
  });
});
