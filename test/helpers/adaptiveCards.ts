/**
 * Checks cards against the Adaptive Cards JS library, and reads them the way a person would.
 *
 * The package's `main` is an ES module that `require` cannot load; its webpack bundle in `dist/`
 * can, and carries the same parser.
 */
import type * as AdaptiveCards from 'adaptivecards';
import type { Action, AdaptiveCard, CardElement, InputChoiceSet, InputDate, InputText, InputToggle, ShowCardContent } from '../../cards/adaptiveCard';

// The package's main entry is an ES module Node cannot require; its UMD build can be.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC: typeof AdaptiveCards = require('adaptivecards/dist/adaptivecards.js');

/**
 * Properties Teams honours on our version 1.5 cards that adaptivecards 3.0.6 files under 1.6.
 * Teams documents `choices.data` (typeahead search) with cards as old as 1.2; the library parses it
 * only when asked to parse 1.6. Each entry here is a decision, not a convenience: keep it short.
 */
export const TEAMS_PROPERTIES_AHEAD_OF_LIBRARY: readonly string[] = ['choices.data'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Parses a card as the library would and throws, listing every problem, when:
 * - parsing logs any event (unknown element or action type, invalid value...);
 * - validation reports a failure (duplicate ids, required input without label or error message...);
 * - a property we sent does not survive a parse/serialize round trip, i.e. the library does not
 *   know it (it ignores unknown properties without a word) or we sent a default value;
 * - a property or value needs a newer version than the card declares (other than the allowed list).
 * Returns the parsed card.
 */
export function parseCardStrict(json: unknown): AdaptiveCards.AdaptiveCard {
  const source = JSON.parse(JSON.stringify(json)) as Json;
  const problems: string[] = [];

  // 1. A fresh context targets the library's newest version (1.6), so every property it knows parses.
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(source, context);
  problems.push(...describeEvents(context, 'parse'));

  const validation = card.validateProperties();
  for (const event of validation.validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }

  // Serialized for 1.6 so `choices.data` stays; the root `version` then reads "1.6" and is checked below.
  const roundTrip = card.toJSON(new AC.SerializationContext()) as Json;
  if (isObject(roundTrip) && isObject(source)) roundTrip.version = source.version ?? null;
  problems.push(...droppedProperties(source, roundTrip, '$'));

  // 2. Parsing against the version the card declares finds newer features used in an older card.
  const declared = isObject(source) && typeof source.version === 'string' ? source.version : undefined;
  const declaredContext = new AC.SerializationContext();
  const version = declared ? AC.Version.parse(declared, declaredContext) : undefined;
  if (!version || !version.isValid) {
    problems.push(`version: the card declares no valid version (${String(declared)})`);
  } else {
    const versioned = new AC.SerializationContext(version);
    new AC.AdaptiveCard().parse(source, versioned);
    problems.push(
      ...describeEvents(versioned, `version ${declared}`).filter(
        (problem) => !TEAMS_PROPERTIES_AHEAD_OF_LIBRARY.some((name) => problem.includes(`Property "${name}"`)),
      ),
    );
  }

  if (problems.length > 0) {
    throw new Error(`Card does not parse cleanly with adaptivecards:\n- ${problems.join('\n- ')}`);
  }
  return card;
}

function describeEvents(context: AdaptiveCards.SerializationContext, phase: string): string[] {
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    events.push(`${phase}: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  return events;
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every path present in `sent` must come back from the library with the same value. */
function droppedProperties(sent: Json, back: Json | undefined, path: string): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(back)) return [`round trip: ${path} was dropped`];
    return sent.flatMap((item, i) => droppedProperties(item, back[i], `${path}[${i}]`));
  }
  if (isObject(sent)) {
    if (back === undefined || !isObject(back)) return [`round trip: ${path} was dropped`];
    return Object.keys(sent).flatMap((key) => {
      const value = sent[key];
      if (value === undefined) return [];
      if (!(key in back)) return [`round trip: ${path}.${key} is unknown to the library (or a default value)`];
      return droppedProperties(value, back[key], `${path}.${key}`);
    });
  }
  if (sent !== back) return [`round trip: ${path} was ${JSON.stringify(sent)}, came back ${JSON.stringify(back)}`];
  return [];
}

/** Everything a person can read on the card, one piece a line, including ShowCard contents. */
export function cardText(card: AdaptiveCard | ShowCardContent): string {
  const lines: string[] = [];
  card.body.forEach((element) => elementText(element, lines));
  (card.actions ?? []).forEach((action) => actionText(action, lines));
  return lines.join('\n');
}

function elementText(element: CardElement, lines: string[]): void {
  switch (element.type) {
    case 'TextBlock':
      lines.push(element.text);
      return;
    case 'FactSet':
      element.facts.forEach((f) => lines.push(`${f.title}: ${f.value}`));
      return;
    case 'Container':
      element.items.forEach((item) => elementText(item, lines));
      return;
    case 'ColumnSet':
      element.columns.forEach((column) => column.items.forEach((item) => elementText(item, lines)));
      return;
    case 'Input.Text':
      if (element.label) lines.push(element.label);
      if (element.placeholder) lines.push(element.placeholder);
      if (element.value) lines.push(element.value);
      return;
    case 'Input.ChoiceSet':
      if (element.label) lines.push(element.label);
      element.choices.forEach((c) => lines.push(c.title));
      return;
    case 'Input.Date':
      if (element.label) lines.push(element.label);
      if (element.value) lines.push(element.value);
      return;
    case 'Input.Toggle':
      if (element.label) lines.push(element.label);
      lines.push(element.title);
      return;
    case 'ActionSet':
      element.actions.forEach((action) => actionText(action, lines));
      return;
  }
}

function actionText(action: Action, lines: string[]): void {
  lines.push(action.title);
  if (action.type === 'Action.ShowCard') lines.push(cardText(action.card));
}

/** All actions on the card, at any depth (inside ShowCards and ActionSets too). */
export function allActions(card: AdaptiveCard | ShowCardContent): Action[] {
  const found: Action[] = [];
  const visitAction = (action: Action): void => {
    found.push(action);
    if (action.type === 'Action.ShowCard') found.push(...allActions(action.card));
  };
  const visitElement = (element: CardElement): void => {
    if (element.type === 'Container') element.items.forEach(visitElement);
    if (element.type === 'ColumnSet') element.columns.forEach((c) => c.items.forEach(visitElement));
    if (element.type === 'ActionSet') element.actions.forEach(visitAction);
  };
  card.body.forEach(visitElement);
  (card.actions ?? []).forEach(visitAction);
  return found;
}

/** All inputs on the card, at any depth. */
export function allInputs(card: AdaptiveCard | ShowCardContent): (InputText | InputChoiceSet | InputDate | InputToggle)[] {
  const found: (InputText | InputChoiceSet | InputDate | InputToggle)[] = [];
  const visitElement = (element: CardElement): void => {
    if (element.type === 'Input.Text' || element.type === 'Input.ChoiceSet' || element.type === 'Input.Date' || element.type === 'Input.Toggle')
      found.push(element);
    if (element.type === 'Container') element.items.forEach(visitElement);
    if (element.type === 'ColumnSet') element.columns.forEach((c) => c.items.forEach(visitElement));
  };
  card.body.forEach(visitElement);
  for (const action of allActions(card)) {
    if (action.type === 'Action.ShowCard') action.card.body.forEach(visitElement);
  }
  return found;
}
