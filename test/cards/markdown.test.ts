import { escapeMarkdown, joinMarkdown, md } from '../../cards/markdown';

/** Characters that must never reach Teams unescaped, wherever they stand. */
const ALWAYS_ESCAPED = ['\\', '`', '*', '_', '[', ']', '<', '>', '#', '~'];

/** Markup characters in `text` that no backslash escapes. */
function unescapedMarkup(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length)
      i++; // an escape: skip the escaped character
    else if (ALWAYS_ESCAPED.includes(text[i] ?? '')) found.push(`${text[i]} at ${i}`);
  }
  return found;
}

/** Removes the escapes CommonMark would remove: a backslash before ASCII punctuation. */
function unescape(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

const HOSTILE = [
  '[click](https://evil.example)',
  '![img](https://evil.example/pixel.png)',
  '**bold** and __bold__ and *it* and _it_',
  '# Heading',
  '## Heading',
  '`code` and ```fence```',
  '<https://evil.example> <b>html</b>',
  '> quoted',
  '- item',
  '+ item',
  '* item',
  '1. item',
  '12) item',
  '  - indented item',
  'first line\n- second\n3. third\n> fourth\n# fifth',
  'windows\r\n- line',
  '===',
  '---',
  '~~struck~~',
  'C:\\temp\\[not a link]',
  '&lt;b&gt; and &#91;x&#93;',
  '[a]: https://evil.example "reference definition"',
  '[x][a]',
];

describe('escapeMarkdown', () => {
  it.each([
    ['Adele Vance'],
    ['guest@fabrikam.example'],
    ['Sales & Marketing'],
    ['Hello (world)! 100% sure, 3 - 2 = 1.'],
    ['version 1. and item 2) mid-line'],
    ['O\'Brien: "quoted"'],
    [''],
  ])('leaves ordinary text alone: %j', (text) => {
    expect(escapeMarkdown(text)).toBe(text);
  });

  it.each([
    ['[click](https://evil.example)', '\\[click\\](https://evil.example)'],
    ['![img](https://evil.example/x.png)', '!\\[img\\](https://evil.example/x.png)'],
    ['*bold*', '\\*bold\\*'],
    ['_italic_', '\\_italic\\_'],
    ['# Heading', '\\# Heading'],
    ['`code`', '\\`code\\`'],
    ['<b>x</b>', '\\<b\\>x\\</b\\>'],
    ['> quote', '\\> quote'],
    ['- item', '\\- item'],
    ['+ item', '\\+ item'],
    ['1. item', '1\\. item'],
    ['12) item', '12\\) item'],
    ['   - indented', '   \\- indented'],
    ['a\n- b\n2. c', 'a\n\\- b\n2\\. c'],
    ['a\r\n- b', 'a\r\n\\- b'],
    ['===', '\\==='],
    ['~~struck~~', '\\~\\~struck\\~\\~'],
    ['C:\\temp', 'C:\\\\temp'],
    ['\\[', '\\\\\\['],
    ['&lt;script&gt;', '\\&lt;script\\&gt;'],
    ['&#91;x&#93;', '&\\#91;x&\\#93;'],
  ])('escapes %j', (text, expected) => {
    expect(escapeMarkdown(text)).toBe(expected);
  });

  it.each(HOSTILE)('only adds backslashes, so the text shows as typed: %j', (text) => {
    expect(unescape(escapeMarkdown(text))).toBe(text);
  });

  it.each(HOSTILE)('leaves no markup character unescaped: %j', (text) => {
    const escaped = escapeMarkdown(text);
    expect(unescapedMarkup(escaped)).toEqual([]);
    for (const line of escaped.split(/\r\n|\r|\n/)) {
      expect(line).not.toMatch(/^\s*[-+=]/);
      expect(line).not.toMatch(/^\s*\d+[.)]/);
      expect(line).not.toMatch(/^\s*[*_#>`~]/);
    }
  });

  it('(the check above notices raw markup)', () => {
    expect(unescapedMarkup('a [b] \\*')).toEqual(['[ at 2', '] at 4']);
  });

  it('escapes a backslash once, so an escape typed by the user shows too', () => {
    expect(escapeMarkdown('\\*')).toBe('\\\\\\*');
  });
});

describe('md', () => {
  it('keeps our markdown and escapes every value', () => {
    expect(md`**${'*Adele*'}** asks for ${'[x](https://evil.example)'}`.source).toBe('**\\*Adele\\*** asks for \\[x\\](https://evil.example)');
  });

  it('does not escape markdown twice', () => {
    const name = md`${'_Megan_'}`;
    expect(md`Approved by ${name}`.source).toBe('Approved by \\_Megan\\_');
  });

  it('joins pieces with a separator', () => {
    expect(joinMarkdown([md`${'a*'}`, md`${'b_'}`], md`, `).source).toBe('a\\*, b\\_');
  });

  it('formats numbers as text', () => {
    expect(md`${3} guests`.source).toBe('3 guests');
  });
});
