import { z } from 'zod';

/**
 * Schemas for the values Teams sends with invokes. Everything that arrives in an activity is
 * untrusted input: it is parsed here, and code past this point sees only these types.
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
  queryOptions: z
    .object({ skip: z.number().int().min(0).optional(), top: z.number().int().min(1).max(100).optional() })
    .optional(),
});

const text = (max: number) => z.string().max(max * 4).optional().default('');

/** The invite form's inputs, as Adaptive Cards send them (multi-select choices come comma-joined). */
export const inviteFormData = z.object({
  guestId: text(40),
  displayName: text(256),
  email: text(254),
  message: text(500),
  groupIds: z
    .union([z.string().max(20 * 40 * 2), z.array(z.string().max(40))])
    .optional()
    .default('')
    .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((id) => id.trim()).filter((id) => id !== '')),
  directoryRoleId: text(40),
  appRole: text(80),
  justification: text(1000),
});

/** Buttons on request cards carry the request id and nothing else the server would rely on. */
export const requestActionData = z.object({
  requestId: z.string().min(1).max(40),
});

/**
 * Next / Previous on a guest listing: an opaque cursor id. Any short string gets through here so
 * that an altered id reaches the service, which refuses it with a clear message and audits it.
 */
export const cursorActionData = z.object({
  cursorId: z.string().min(1).max(200),
});

/** Guest administration buttons: the guest's object id, looked up and checked again by the service. */
export const guestActionData = z.object({
  guestId: z.string().min(1).max(64),
});

export const denyActionData = requestActionData.extend({
  reason: z.string().max(2000).optional().default(''),
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

export type InviteFormData = z.infer<typeof inviteFormData>;
