import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import type { ActionSubmission, Dataset, Verb } from '../cards/verbs';
import type { GuestAdmin } from '../services/guests/guestAdmin';
import type { LifecycleServices } from '../services/lifecycle/lifecycleServices';
import type { Logger } from '../services/platform/logger';
import type { Person } from '../services/requests/model';
import type { RequestWorkflow } from '../services/requests/requestWorkflow';
import type { TurnRecords } from './turnRecords';

/** What every handler gets for one turn: who acts, where, and the services to act with. */
export interface Turn {
  context: TurnContext;
  actor: Person;
  tenantId: string;
  workflow: RequestWorkflow;
  /** The admins' guest commands (list, inspect, resend, revoke, audit). */
  guestAdmin: GuestAdmin;
  /** Access that ends, sponsors, recertification and cleanup. */
  lifecycle: LifecycleServices;
  /** The few things handlers record or look up themselves: the cards they post, known channels. */
  records: TurnRecords;
  logger: Logger;
  /** Activity id, recorded in the audit log as the source of what the turn changed. */
  source: string;
}

/** A typed chat command. Adding a command means adding a file in bot/commands and a line in the list. */
export interface CommandHandler {
  /** The words a user types, as shown in help (`invite [email]`). */
  readonly usage: string;
  readonly description: string;
  /** Who the command is for, shown in help. */
  readonly audience: 'everyone' | 'approvers' | 'admins';
  /** Returns the arguments after the command words when the text is this command, else undefined. */
  match(text: string): string | undefined;
  handle(turn: Turn, args: string): Promise<void>;
}

/**
 * What a button's click must be tied to: the request (its data's `requestId`) or the guest (its
 * data's `guestId`) that the bot recorded for the card clicked. Buttons that decide or change
 * something are bound; forms, paging and dry runs are not. Only a verb whose data carries that id
 * may be bound to it.
 */
export type CardBinding = 'request' | 'guest';

/** The bindings a verb's data allows: 'request' when it names a request, 'guest' when it names a guest. */
export type BindingOf<V extends Verb> =
  (ActionSubmission<V> extends { requestId: string } ? 'request' : never) | (ActionSubmission<V> extends { guestId: string } ? 'guest' : never);

/**
 * The handler of one card verb. It declares its verb, and its data is what the verb table says a
 * click on that verb carries, parsed before the handler sees it.
 */
export interface ActionHandler<V extends Verb> {
  readonly verb: V;
  readonly binding?: BindingOf<V>;
  readonly handle: (turn: Turn, data: ActionSubmission<V>) => Promise<AdaptiveCardInvokeResponse>;
}

/** One handler for every verb of the table, under its verb: a missing or misplaced one does not compile. */
export type ActionRegistry = { readonly [V in Verb]: ActionHandler<V> };

/** One choice of a typeahead's answer. */
export interface SearchResult {
  title: string;
  value: string;
}

/** Answers the typeahead queries of one dataset. */
export type SearchHandler = (turn: Turn, queryText: string) => Promise<SearchResult[]>;

/** One search for every dataset the cards query. */
export type SearchRegistry = { readonly [D in Dataset]: SearchHandler };

/** Matches `words` at the start of the text, case-insensitively, followed by nothing or a space. */
export function matchWords(text: string, words: string): string | undefined {
  const lower = text.toLowerCase();
  if (lower === words) return '';
  if (lower.startsWith(`${words} `)) return text.slice(words.length + 1).trim();
  return undefined;
}
