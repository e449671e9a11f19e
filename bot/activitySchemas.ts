import { z } from 'zod';

/**
 * Schemas for the activities and invoke values Teams sends. Everything that arrives in an activity
 * is untrusted input: it is parsed here, and code past this point sees only these types. The data
 * of each card verb is parsed with that verb's schema in the verb table (cards/verbs.ts).
 */

/** The only channel served. Web Chat and Direct Line are on by default for a new Azure Bot, and carry no Teams identity. */
export const SERVED_CHANNEL_ID = 'msteams';

/**
 * What every activity must carry before CloudAdapter sees it: who sent it, in which conversation,
 * on which channel, and where answers go. Without them the framework fails half-way through a turn
 * (a 500), or posts its answer to the public Bot Connector instead of the caller's service URL.
 */
export const incomingActivity = z.object({
  id: z.string().max(256).optional(),
  type: z.string().min(1).max(64),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  from: z.object({ id: z.string().min(1).max(512) }),
  conversation: z.object({ id: z.string().min(1).max(1024) }),
});

/** `adaptiveCard/action` (Action.Execute): the verb and the card's data merged with its inputs. */
export const adaptiveCardActionValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().max(100),
    data: z.record(z.string(), z.unknown()).optional().default({}),
  }),
});

/** `application/search` from an Input.ChoiceSet with `Data.Query`. */
export const searchInvokeValue = z.object({
  dataset: z.string().max(100).optional().default(''),
  queryText: z.string().max(200).optional().default(''),
  queryOptions: z.object({ skip: z.number().int().min(0).optional(), top: z.number().int().min(1).max(100).optional() }).optional(),
});

/** The parts of an activity's sender and conversation the bot relies on. */
export const activityIdentity = z.object({
  from: z.object({ aadObjectId: z.string().min(1).max(64), name: z.string().max(256).optional() }),
});

/** Longest mention text removed from a command: `<at>` and `</at>` around a display name of at most 256 characters. */
export const MAX_MENTION_TEXT = 300;

/** A mention entity whose text is worth removing from a command: not empty, not longer than a tagged name. */
export const mentionEntity = z.object({
  type: z.literal('mention'),
  text: z.string().min(1).max(MAX_MENTION_TEXT),
});
