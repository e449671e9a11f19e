import type { TurnContext } from 'botbuilder';
import { commandText, MAX_ENTITIES_CONSIDERED } from '../../bot/turn';

function contextWith(text: string, entities: unknown[]): TurnContext {
  return { activity: { type: 'message', text, entities } } as unknown as TurnContext;
}

const botMention = { type: 'mention', text: '<at>Guest Access</at>', mentioned: { id: '28:bot', name: 'Guest Access' } };

describe('commandText', () => {
  it("removes the bot's mention and keeps the command", () => {
    expect(commandText(contextWith('<at>Guest Access</at> set approvals channel', [botMention]))).toBe('set approvals channel');
  });

  it('ignores mention entities with empty text instead of splitting the text between every character', () => {
    expect(commandText(contextWith('help', [{ type: 'mention', text: '' }]))).toBe('help');
  });

  it('keeps the work bounded when every entity is an empty mention (the text never grows)', () => {
    const hostile = Array.from({ length: 26 }, () => ({ type: 'mention', text: '' }));
    const text = 'guests pending '.repeat(4);
    expect(commandText(contextWith(text, hostile))).toBe(text.trim());
  });

  it('ignores mention texts longer than a tagged display name', () => {
    const oversized = { type: 'mention', text: 'x'.repeat(400) };
    expect(commandText(contextWith(`help ${oversized.text}`, [oversized]))).toBe(`help ${oversized.text}`);
  });

  it(`looks at the first ${MAX_ENTITIES_CONSIDERED} entities only`, () => {
    const fillers = Array.from({ length: MAX_ENTITIES_CONSIDERED }, () => ({ type: 'clientInfo', locale: 'en-US' }));
    const late = { type: 'mention', text: 'pending' };
    expect(commandText(contextWith('my requests pending', [...fillers, late]))).toBe('my requests pending');
    expect(commandText(contextWith('my requests pending', [late, ...fillers]))).toBe('my requests');
  });

  it('removes each distinct mention once however often the entity repeats', () => {
    const repeated = Array.from({ length: 10 }, () => ({ type: 'mention', text: '<at>Megan Bowen</at>' }));
    expect(commandText(contextWith('<at>Megan Bowen</at> pending <at>Megan Bowen</at>', repeated))).toBe('pending');
  });
});
