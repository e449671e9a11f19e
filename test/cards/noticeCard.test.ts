import { noticeCard, type NoticeTone } from '../../cards/noticeCard';
import { cardText, parseCardStrict } from '../helpers/adaptiveCards';

describe('noticeCard', () => {
  it('shows title and text', () => {
    const card = noticeCard({ title: 'Approved', text: 'Request GA-ABC123 was approved by Megan Bowen' });
    expect(cardText(card)).toBe('Approved\nRequest GA-ABC123 was approved by Megan Bowen');
    expect(card.body[0]).not.toHaveProperty('color');
  });

  it.each([
    ['good', 'Good'],
    ['attention', 'Attention'],
    ['warning', 'Warning'],
  ] as [NoticeTone, string][])('colors the title for a %s notice', (tone, color) => {
    expect(noticeCard({ title: 'T', text: 'x', tone }).body[0]).toMatchObject({ color });
  });

  it('shows text literally', () => {
    const card = noticeCard({ title: '# Done', text: 'Denied by [Boss](https://evil.example): *no*' });
    expect(cardText(card)).toBe('\\# Done\nDenied by \\[Boss\\](https://evil.example): \\*no\\*');
  });

  it.each(['default', 'good', 'attention', 'warning'] as NoticeTone[])('parses cleanly: %s', (tone) => {
    expect(() => parseCardStrict(noticeCard({ title: 'Title', text: 'Text', tone }))).not.toThrow();
  });
});
