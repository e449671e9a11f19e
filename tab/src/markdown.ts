/**
 * The cards' markdown is what Teams renders: text the bot escaped with backslashes, and `**bold**`.
 * The renderer has no markdown of its own, so this small reader turns exactly that into HTML, every
 * character escaped first: nothing a person typed can become markup.
 */
export function markdownToHtml(text: string): string {
  const escape = (ch: string) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch;
  let html = '';
  let bold = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      i += 1;
      html += escape(text[i]);
    } else if (ch === '*' && text[i + 1] === '*') {
      i += 1;
      html += bold ? '</strong>' : '<strong>';
      bold = !bold;
    } else if (ch === '\n') {
      html += '<br>';
    } else {
      html += escape(ch);
    }
  }
  return bold ? `${html}</strong>` : html;
}
