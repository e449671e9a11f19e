import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import type { z } from 'zod';
import type { Verb } from '../cards/verbs';
import type { GuestAdmin } from '../services/guests/guestAdmin';
import type { Logger } from '../services/platform/logger';
import type { Person } from '../services/requests/model';
import type { RequestWorkflow } from '../services/requests/requestWorkflow';
import type { Store } from '../services/store/store';

/** What every handler gets for one turn: who acts, where, and the services to act with. */
export interface Turn {
  context: TurnContext;
  actor: Person;
  tenantId: string;
  workflow: RequestWorkflow;
  /** The admins' guest commands (list, inspect, resend, revoke, audit). */
  guestAdmin: GuestAdmin;
  store: Store;
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
 * something are bound; forms, paging and dry runs are not.
 */
export type CardBinding = 'request' | 'guest';

/** A card button. The schema validates the data the card sent before the handler sees it. */
export interface ActionHandler<S extends z.ZodType = z.ZodType> {
  readonly verb: Verb;
  readonly schema: S;
  readonly binding?: CardBinding;
  handle(turn: Turn, data: z.infer<S>): Promise<AdaptiveCardInvokeResponse>;
}

/** Keeps the verb and the data type of a handler together for the compiler. */
export function defineAction<S extends z.ZodType>(handler: ActionHandler<S>): ActionHandler<S> {
  return handler;
}

/** Matches `words` at the start of the text, case-insensitively, followed by nothing or a space. */
export function matchWords(text: string, words: string): string | undefined {
  const lower = text.toLowerCase();
  if (lower === words) return '';
  if (lower.startsWith(`${words} `)) return text.slice(words.length + 1).trim();
  return undefined;
}
