import { TurnContext, type MiddlewareHandler } from 'botbuilder';
import type { Store } from '../../services/store/store';
import { actorOf, channelIdOf, conversationKeys, isAdapterEvent, isPersonalChat } from '../turn';

/**
 * Stores where to reach people later, from every activity that passed the tenant guard: a user's
 * 1:1 chat under their object id, a channel under its id (with the channel itself as the
 * conversation, so later posts start new threads). Proactive cards can only reach someone the bot
 * has heard from. The bot's own proactive turns store nothing.
 */
export function conversationCapture(conversations: Pick<Store, 'saveConversation'>): MiddlewareHandler {
  return async (context, next) => {
    const { activity } = context;
    if (isAdapterEvent(activity)) {
      await next();
      return;
    }
    const reference = TurnContext.getConversationReference(activity);
    const channelId = channelIdOf(activity);
    const actor = actorOf(activity);
    if (channelId) {
      const channelReference = { ...reference, conversation: { ...reference.conversation, id: channelId, isGroup: true, conversationType: 'channel' } };
      await conversations.saveConversation(conversationKeys.channel(channelId), toRecord(channelReference));
    } else if (actor && isPersonalChat(activity)) {
      await conversations.saveConversation(conversationKeys.user(actor.aadObjectId), toRecord(reference));
    }
    await next();
  };
}

function toRecord(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
