import { markdownToHtml } from '../../tab/src/markdown';
import { escapeMarkdown, md } from '../../cards/markdown';

describe("the dialog's markdown", () => {
  it('shows text the cards escaped exactly as typed', () => {
    const typed = 'Jane_Doe **not bold** [link](https://evil.example) <b>x</b> & \\ # 1.';
    expect(markdownToHtml(escapeMarkdown(typed))).toBe('Jane_Doe **not bold** [link](https://evil.example) &lt;b&gt;x&lt;/b&gt; &amp; \\ # 1.');
  });

  it('makes bold what the cards mean as bold, and nothing else markup', () => {
    expect(markdownToHtml(md`**${'Alex <script>'}** asks`.toString())).toBe('<strong>Alex &lt;script&gt;</strong> asks');
    expect(markdownToHtml('"quoted" \'single\'')).toBe('&quot;quoted&quot; &#39;single&#39;');
    expect(markdownToHtml('**never closed')).toBe('<strong>never closed</strong>');
  });
});
