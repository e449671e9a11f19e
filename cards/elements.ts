/**
 * Element builders shared by the cards. Text arrives as `Markdown` (see `md` in markdown.ts), so
 * user text cannot reach a TextBlock or a FactSet without being escaped.
 */
import type { ActionExecuteOf, ActionStyle, Color, Fact, FactSet, Spacing, TextBlock } from './adaptiveCard';
import type { Markdown } from './markdown';
import type { ActionData, Verb } from './verbs';

/** The card's title line. */
export function title(text: Markdown): TextBlock {
  return { type: 'TextBlock', text: text.source, size: 'Medium', weight: 'Bolder', wrap: true };
}

export interface TextOptions {
  color?: Color;
  bold?: boolean;
  subtle?: boolean;
  spacing?: Spacing;
}

/** A wrapping paragraph of text. */
export function text(content: Markdown, options: TextOptions = {}): TextBlock {
  const block: TextBlock = { type: 'TextBlock', text: content.source, wrap: true };
  if (options.color) block.color = options.color;
  if (options.bold) block.weight = 'Bolder';
  if (options.subtle) block.isSubtle = true;
  if (options.spacing) block.spacing = options.spacing;
  return block;
}

/** An error in red, placed right below what it is about. */
export function errorText(content: Markdown): TextBlock {
  return text(content, { color: 'Attention', spacing: 'Small' });
}

/** One row of a FactSet: a title of ours (plain words, or markdown), and escaped markdown as the value. */
export function fact(factTitle: string | Markdown, value: Markdown): Fact {
  return { title: typeof factTitle === 'string' ? factTitle : factTitle.source, value: value.source };
}

export function factSet(facts: Fact[]): FactSet {
  return { type: 'FactSet', facts };
}

/**
 * A button that sends an `adaptiveCard/action` invoke with `verb` and the data the verb table
 * gives that verb (ids only): a button with another verb's data, or an unknown verb, does not compile.
 */
export function execute<V extends Verb>(
  verb: V,
  buttonTitle: string,
  data: ActionData<V>,
  options: { style?: ActionStyle; associatedInputs?: 'auto' | 'none' } = {},
): ActionExecuteOf<V> {
  const action: ActionExecuteOf<V> = { type: 'Action.Execute', verb, title: buttonTitle, data };
  if (options.style) action.style = options.style;
  if (options.associatedInputs) action.associatedInputs = options.associatedInputs;
  return action;
}
