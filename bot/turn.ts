import { ActivityEventNames, ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import type { Person } from '../services/requests/model';
import { activityIdentity, mentionEntity } from './activitySchemas';

/** The acting person, from the activity's sender as Teams authenticated it; undefined when absent. */
export function actorOf(activity: Activity): Person | undefined {
  const parsed = activityIdentity.safeParse(activity);
  if (!parsed.success) return undefined;
  return { aadObjectId: parsed.data.from.aadObjectId, name: parsed.data.from.name ?? 'Someone' };
}

/** Teams puts the tenant on the conversation and in channelData; either may be missing. */
export function tenantOf(activity: Activity): string | undefined {
  const channelData: unknown = activity.channelData;
  const fromChannelData =
    typeof channelData === 'object' && channelData !== null && 'tenant' in channelData ? (channelData as { tenant?: { id?: unknown } }).tenant?.id : undefined;
  const tenant = activity.conversation?.tenantId ?? (typeof fromChannelData === 'string' ? fromChannelData : undefined);
  return tenant || undefined;
}

/** The Teams channel a message was posted in, if any. */
export function channelIdOf(activity: Activity): string | undefined {
  const channelData: unknown = activity.channelData;
  if (typeof channelData !== 'object' || channelData === null || !('channel' in channelData)) return undefined;
  const id = (channelData as { channel?: { id?: unknown } }).channel?.id;
  return typeof id === 'string' && id ? id : undefined;
}

export function isPersonalChat(activity: Activity): boolean {
  return activity.conversation?.conversationType === 'personal' || (!activity.conversation?.isGroup && !channelIdOf(activity));
}

/** The text the user typed, without the bot's @mention, trimmed. */
export function commandText(context: TurnContext): string {
  const withoutMention = context.activity.text ? textWithoutMentions(context.activity.text, context.activity.entities) : '';
  return withoutMention.replace(/\s+/g, ' ').trim();
}

/** Entities looked at per message: a command mentions the bot once, a chatty message a few people. */
export const MAX_ENTITIES_CONSIDERED = 32;

/**
 * The text with each mention's text replaced by a space. Empty and oversized mention texts are
 * ignored and only the first entities are looked at: every replacement puts one space where at
 * least one character was, so the text never grows, and the work stays a bounded number of passes
 * over the message whatever the sender puts in `entities`.
 */
export function textWithoutMentions(text: string, entities: unknown): string {
  const mentionTexts = new Set<string>();
  for (const entity of (Array.isArray(entities) ? entities : []).slice(0, MAX_ENTITIES_CONSIDERED)) {
    const mention = mentionEntity.safeParse(entity);
    if (mention.success) mentionTexts.add(mention.data.text);
  }
  let result = text;
  for (const mention of mentionTexts) result = result.replaceAll(mention, ' ');
  return result.replace(/<at>[^<]*<\/at>/gi, ' ');
}

/** Keys under which conversation references and posted cards are stored. */
export const conversationKeys = {
  user: (aadObjectId: string) => `user:${aadObjectId}`,
  channel: (channelId: string) => `channel:${channelId}`,
  /** A group chat, by its conversation id. */
  chat: (conversationId: string) => `chat:${conversationId}`,
  post: (activityId: string) => `post:${activityId}`,
};

/**
 * The conversation a card in this activity's conversation is recorded under: the channel (every
 * thread of it), the actor's 1:1 chat, or the group chat. The same key finds the card again when
 * someone clicks on it.
 */
export function cardConversationKey(activity: Activity, actorId: string): string | undefined {
  const channelId = channelIdOf(activity);
  if (channelId) return conversationKeys.channel(channelId);
  if (isPersonalChat(activity)) return conversationKeys.user(actorId);
  return activity.conversation?.id ? conversationKeys.chat(activity.conversation.id) : undefined;
}

/**
 * The event the adapter itself starts a proactive turn with (approval cards, notices, card
 * updates). Middleware for what Teams sends lets it pass, as botbuilder's own transcript logger
 * does; Teams never sends it, and the HTTP edge refuses it from outside.
 */
export function isAdapterEvent(activity: Pick<Activity, 'type' | 'name'>): boolean {
  return (
    activity.type === ActivityTypes.Event &&
    (activity.name === ActivityEventNames.ContinueConversation || activity.name === ActivityEventNames.CreateConversation)
  );
}
