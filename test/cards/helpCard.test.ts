import { helpCard } from '../../cards/helpCard';
import { allActions, cardText, parseCardStrict } from '../helpers/adaptiveCards';

const commands = [
  { command: 'invite', description: 'Ask for a guest invitation' },
  { command: 'status <request id>', description: 'See where a request stands' },
];

describe('helpCard', () => {
  it('lists every command with its description', () => {
    const text = cardText(helpCard({ commands }));
    expect(text).toContain('invite: Ask for a guest invitation');
    expect(text).toContain('status \\<request id\\>: See where a request stands');
  });

  it('starts with the intro when there is one', () => {
    const card = helpCard({ commands, intro: 'I did not understand "*hi*". Here is what I can do:' });
    expect(cardText(card)).toContain('I did not understand "\\*hi\\*". Here is what I can do:');
    expect(helpCard({ commands }).body).toHaveLength(2);
  });

  it('has no buttons', () => {
    expect(allActions(helpCard({ commands }))).toEqual([]);
  });

  it('parses cleanly, with and without intro', () => {
    expect(() => parseCardStrict(helpCard({ commands, intro: 'Hi' }))).not.toThrow();
    expect(() => parseCardStrict(helpCard({ commands }))).not.toThrow();
  });
});
