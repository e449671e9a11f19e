import type { Activity, TurnContext } from 'botbuilder';
import type { Person } from '../services/model';
import { activityIdentity } from './activitySchemas';

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
    typeof channelData === 'object' && channelData !== null && 'tenant' in channelData
      ? (channelData as { tenant?: { id?: unknown } }).tenant?.id
      : undefined;
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
  const withoutMention = context.activity.text ? removeMentions(context) : '';
  return withoutMention.replace(/\s+/g, ' ').trim();
}

function removeMentions(context: TurnContext): string {
  let text = context.activity.text ?? '';
  for (const entity of context.activity.entities ?? []) {
    if (entity.type === 'mention' && typeof entity.text === 'string') text = text.split(entity.text).join(' ');
  }
  return text.replace(/<at>[^<]*<\/at>/gi, ' ');
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
