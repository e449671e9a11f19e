/**
 * TextBlock text and FactSet values are rendered as markdown by Teams. Anything a person typed
 * (names, addresses, justifications, messages, reasons, group names, error texts from Graph) goes
 * through `escapeMarkdown` first, so it shows literally instead of becoming a link, an image,
 * emphasis, a heading, a list or a quote. Teams honours backslash escapes, as CommonMark does.
 *
 * Input values, choice titles, labels and button titles are plain text: never escape those.
 */

/** Characters that start markup wherever they appear (links and images need `[`/`]`). */
const MARKUP_ANYWHERE = /[\\`*_[\]<>#~]/g;

/** `-`, `+` and `=` at the start of a line begin a list item, a rule or a heading underline. */
const MARKER_AT_LINE_START = /^([ \t]*)([-+=])/gm;

/** `1.` or `1)` at the start of a line begins an ordered list. */
const ORDERED_LIST_AT_LINE_START = /^([ \t]*\d+)([.)])/gm;

/** An entity such as `&#91;` or `&amp;` would display as another character. */
const ENTITY = /&(?=#?[0-9a-zA-Z]+;)/g;

/** Escapes text so that Teams shows it exactly as typed. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(MARKUP_ANYWHERE, (ch) => `\\${ch}`)
    .replace(ENTITY, '\\&')
    .replace(MARKER_AT_LINE_START, '$1\\$2')
    .replace(ORDERED_LIST_AT_LINE_START, '$1\\$2');
}

/** Markdown that is safe to render: written by us, with every value from elsewhere escaped. */
export class Markdown {
  private constructor(readonly source: string) {}

  /** For `md` and `joinMarkdown`; cards build Markdown with `md`, so values cannot skip the escape. */
  static fromTrusted(source: string): Markdown {
    return new Markdown(source);
  }

  toString(): string {
    return this.source;
  }
}

/**
 * Template tag for card text: the literal parts are our markdown, every `${value}` is escaped,
 * except values that are already `Markdown`. `md`**${name}** asked` bolds the name, whatever it holds.
 */
export function md(literals: TemplateStringsArray, ...values: (string | number | Markdown)[]): Markdown {
  let source = literals[0] ?? '';
  values.forEach((value, i) => {
    source += (value instanceof Markdown ? value.source : escapeMarkdown(String(value))) + (literals[i + 1] ?? '');
  });
  return Markdown.fromTrusted(source);
}

/** Joins pieces of safe markdown. */
export function joinMarkdown(parts: readonly Markdown[], separator: Markdown): Markdown {
  return Markdown.fromTrusted(parts.map((part) => part.source).join(separator.source));
}
