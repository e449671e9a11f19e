/**
 * A small typed model of the Adaptive Card elements the bot sends. Only what our cards use is
 * modelled, so an element or property we have not checked against Teams fails to compile.
 * Doc comments follow the Adaptive Card schema (adaptivecards.io/explorer).
 */
import type { ActionData, Dataset, Verb } from './verbs';

export const CARD_VERSION = '1.5';
export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** Controls the color of TextBlock elements. */
export type Color = 'Default' | 'Dark' | 'Light' | 'Accent' | 'Good' | 'Warning' | 'Attention';

/** Controls size of text. */
export type FontSize = 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';

/** Controls the weight of TextBlock elements. */
export type FontWeight = 'Lighter' | 'Default' | 'Bolder';

/** Controls the amount of spacing between this element and the preceding element. */
export type Spacing = 'None' | 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge' | 'Padding';

/** Style hint for Container. */
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

/** Controls the style of an Action, which influences how the action is displayed, spoken, etc. */
export type ActionStyle = 'default' | 'positive' | 'destructive';

/** Properties every element in a card body may carry. */
interface ElementBase {
  /** A unique identifier associated with the item. */
  id?: string;
  /** Controls the amount of spacing between this element and the preceding element. */
  spacing?: Spacing;
  /** When true, draw a separating line at the top of the element. */
  separator?: boolean;
}

/** Displays text, allowing control over font sizes, weight, and color. */
export interface TextBlock extends ElementBase {
  type: 'TextBlock';
  /** Text to display. A subset of markdown is supported. */
  text: string;
  /** Controls the color of TextBlock elements. */
  color?: Color;
  /** Controls size of text. */
  size?: FontSize;
  /** Controls the weight of TextBlock elements. */
  weight?: FontWeight;
  /** If true, displays text slightly toned down to appear less prominent. */
  isSubtle?: boolean;
  /** If true, allow text to wrap. Otherwise, text is clipped. */
  wrap?: boolean;
}

/** Describes a Fact in a FactSet as a key/value pair. */
export interface Fact {
  /** The title of the fact. */
  title: string;
  /** The value of the fact. */
  value: string;
}

/** The FactSet element displays a series of facts (i.e. name/value pairs) in a tabular form. */
export interface FactSet extends ElementBase {
  type: 'FactSet';
  /** The array of Fact's. */
  facts: Fact[];
}

/** Containers group items together. */
export interface Container extends ElementBase {
  type: 'Container';
  /** The card elements to render inside the Container. */
  items: CardElement[];
  /** Style hint for Container. */
  style?: ContainerStyle;
}

/** Defines a container that is part of a ColumnSet. */
export interface Column {
  type: 'Column';
  /** The card elements to render inside the Column. */
  items: CardElement[];
  /** "auto", "stretch", a number representing relative width of the column in the column group, or in version 1.1 and higher, a specific pixel width, like "50px". */
  width?: 'auto' | 'stretch' | number;
}

/** ColumnSet divides a region into Columns, allowing elements to sit side-by-side. */
export interface ColumnSet extends ElementBase {
  type: 'ColumnSet';
  /** The array of Columns to divide the region into. */
  columns: Column[];
}

/** Properties every input element carries. */
interface InputBase extends ElementBase {
  /** Unique identifier for the value. Used to identify collected input when the Submit action is performed. */
  id: string;
  /** Label for this input. */
  label?: string;
  /** Whether or not this input is required. */
  isRequired?: boolean;
  /** Error message to display when entered input is invalid. */
  errorMessage?: string;
}

/** Style hint for text input. */
export type TextInputStyle = 'Text' | 'Tel' | 'Url' | 'Email' | 'Password';

/** Lets a user enter text. */
export interface InputText extends InputBase {
  type: 'Input.Text';
  /** If true, allow multiple lines of input. */
  isMultiline?: boolean;
  /** Hint of maximum length characters to collect (may be ignored by some clients). */
  maxLength?: number;
  /** Description of the input desired. Displayed when no text has been input. */
  placeholder?: string;
  /** Style hint for text input. */
  style?: TextInputStyle;
  /** The initial value for this field. */
  value?: string;
}

/** Describes a choice for use in a ChoiceSet. */
export interface Choice {
  /** Text to display. */
  title: string;
  /** The raw value for the choice. NOTE: do not use a , in the value, since a ChoiceSet with isMultiSelect set to true returns a comma-delimited string of choice values. */
  value: string;
}

/** The data populating Input.ChoiceSet choices dynamically (typeahead search answered by the bot). */
export interface DataQuery {
  type: 'Data.Query';
  /** The dataset to be queried to get the choices. */
  dataset: Dataset;
}

/** Allows a user to input a Choice. */
export interface InputChoiceSet extends InputBase {
  type: 'Input.ChoiceSet';
  /** Choice options. */
  choices: Choice[];
  /** Enables dynamic typeahead as the user types, by fetching a remote set of choices from a backend. */
  'choices.data'?: DataQuery;
  /** Allow multiple choices to be selected. */
  isMultiSelect?: boolean;
  /** Description of the input desired. Only visible when no selection has been made, the style is compact and isMultiSelect is false. */
  placeholder?: string;
  /** Style hint for the choices: a dropdown (compact), radio buttons or checkboxes (expanded), or a typeahead list (filtered). */
  style?: 'compact' | 'expanded' | 'filtered';
  /** The initial choice (or set of choices) that should be selected. For multi-select, specify a comma-separated string of values. */
  value?: string;
  /** If true, allow text of choices to wrap. */
  wrap?: boolean;
}

/** Lets a user choose a date. */
export interface InputDate extends InputBase {
  type: 'Input.Date';
  /** Hint of minimum value expressed in YYYY-MM-DD (may be ignored by some clients). */
  min?: string;
  /** Hint of maximum value expressed in YYYY-MM-DD (may be ignored by some clients). */
  max?: string;
  /** Description of the input desired. Displayed when no selection has been made. */
  placeholder?: string;
  /** The initial value for this field expressed in YYYY-MM-DD. */
  value?: string;
}

/** Lets a user choose between two options. */
export interface InputToggle extends InputBase {
  type: 'Input.Toggle';
  /** Title for the toggle. */
  title: string;
  /** The initial selected value; "true" turns the toggle on (the default value when on is "true"). */
  value?: 'true';
  /** If true, allow text to wrap. Otherwise, text is clipped. */
  wrap?: boolean;
}

/** Displays a set of actions. */
export interface ActionSet extends ElementBase {
  type: 'ActionSet';
  /** The array of Action elements to show. */
  actions: Action[];
}

export type CardElement = TextBlock | FactSet | Container | ColumnSet | InputText | InputChoiceSet | InputDate | InputToggle | ActionSet;

/** Properties every action carries. */
interface ActionBase {
  /** Label for button or link that represents this action. */
  title: string;
  /** Controls the style of an Action, which influences how the action is displayed, spoken, etc. */
  style?: ActionStyle;
}

/** Gathers input fields, merges with optional data field, and sends an event to the client. Clients process the event by sending an Invoke activity of type adaptiveCard/action to the target Bot. */
export interface ActionExecuteOf<V extends Verb> extends ActionBase {
  type: 'Action.Execute';
  /** The card author-defined verb associated with this action. */
  verb: V;
  /** Initial data that input fields will be combined with. These are essentially 'hidden' properties. Ids only, as the verb table says. */
  data: ActionData<V>;
  /** Controls which inputs are associated with the action. */
  associatedInputs?: 'auto' | 'none';
}

/** An Action.Execute of any verb, each with the data of its own verb. */
export type ActionExecute = { [V in Verb]: ActionExecuteOf<V> }[Verb];

/** Defines an AdaptiveCard which is shown to the user when the button or link is clicked. */
export interface ActionShowCard extends ActionBase {
  type: 'Action.ShowCard';
  /** The Adaptive Card to show. Inputs in ShowCards will not be submitted if the submit button is located on a parent card. */
  card: ShowCardContent;
}

/** When invoked, show the given url either by launching it in an external web browser or showing within an embedded web browser. */
export interface ActionOpenUrl extends ActionBase {
  type: 'Action.OpenUrl';
  /** The URL to open. */
  url: string;
}

export type Action = ActionExecute | ActionShowCard | ActionOpenUrl;

/** The card inside an Action.ShowCard: it inherits version and schema from the card holding it. */
export interface ShowCardContent {
  type: 'AdaptiveCard';
  /** The card elements to show in the primary card region. */
  body: CardElement[];
  /** The Actions to show in the card's action bar. */
  actions?: Action[];
}

/** An Adaptive Card, containing a free-form body of card elements, and an optional set of actions. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  /** The Adaptive Card schema. */
  $schema: typeof CARD_SCHEMA;
  /** Schema version that this card requires. */
  version: typeof CARD_VERSION;
  /** The card elements to show in the primary card region. */
  body: CardElement[];
  /** The Actions to show in the card's action bar. */
  actions?: Action[];
}

/** Wraps body and actions into a card with the version and schema every card of the bot uses. */
export function adaptiveCard(body: CardElement[], actions: Action[] = []): AdaptiveCard {
  const card: AdaptiveCard = { type: 'AdaptiveCard', $schema: CARD_SCHEMA, version: CARD_VERSION, body };
  if (actions.length > 0) card.actions = actions;
  return card;
}
