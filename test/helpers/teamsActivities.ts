import { randomUUID } from 'node:crypto';

/** A Teams user as activities carry them. */
export interface TeamsUser {
  aadObjectId: string;
  name: string;
}

export interface ActivityContext {
  serviceUrl: string;
  tenantId: string;
}

type Activity = Record<string, unknown>;

const BOT = { id: '28:guest-access-bot', name: 'Guest Access' };

/** The 1:1 conversation id Teams would give this user's chat with the bot. */
export function personalConversationId(user: TeamsUser): string {
  return `a:personal-${user.aadObjectId}`;
}

function base(ctx: ActivityContext, user: TeamsUser, conversation: Record<string, unknown>): Activity {
  return {
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: ctx.serviceUrl,
    from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
    recipient: BOT,
    conversation: { tenantId: ctx.tenantId, ...conversation },
    channelData: { tenant: { id: ctx.tenantId } },
    locale: 'en-US',
  };
}

/** Activity factories that read like the conversation a test checks. */
export function teamsActivities(ctx: ActivityContext) {
  const personal = (user: TeamsUser) => ({ id: personalConversationId(user), conversationType: 'personal' });
  return {
    message(user: TeamsUser, text: string): Activity {
      return { ...base(ctx, user, personal(user)), type: 'message', text, textFormat: 'plain' };
    },
    /** A message in a team channel that @mentions the bot, as Teams delivers it. */
    channelMessage(user: TeamsUser, text: string, channelId = '19:approvals@thread.tacv2'): Activity {
      const activity = base(ctx, user, { id: `${channelId};messageid=${Date.now()}`, conversationType: 'channel', isGroup: true });
      return {
        ...activity,
        type: 'message',
        text: `<at>${BOT.name}</at> ${text}`,
        entities: [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }],
        channelData: { tenant: { id: ctx.tenantId }, channel: { id: channelId }, team: { id: '19:team@thread.tacv2' } },
      };
    },
    /** An Action.Execute click on a card the bot posted as message `replyToId`. */
    cardAction(user: TeamsUser, verb: string, data: Record<string, unknown>, replyToId?: string): Activity {
      return {
        ...base(ctx, user, personal(user)),
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId,
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      };
    },
    /** An Action.Execute click on a card the bot posted as message `replyToId` in a team channel. */
    channelCardAction(user: TeamsUser, verb: string, data: Record<string, unknown>, replyToId: string, channelId = '19:approvals@thread.tacv2'): Activity {
      const activity = base(ctx, user, { id: `${channelId};messageid=${replyToId}`, conversationType: 'channel', isGroup: true });
      return {
        ...activity,
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId,
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
        channelData: { tenant: { id: ctx.tenantId }, channel: { id: channelId }, team: { id: '19:team@thread.tacv2' } },
      };
    },
    search(user: TeamsUser, dataset: string, queryText: string): Activity {
      return {
        ...base(ctx, user, personal(user)),
        type: 'invoke',
        name: 'application/search',
        value: { kind: 'search', dataset, queryText, queryOptions: { skip: 0, top: 15 } },
      };
    },
    /** The bot being added to the user's personal scope. */
    installation(user: TeamsUser): Activity {
      return { ...base(ctx, user, personal(user)), type: 'installationUpdate', action: 'add' };
    },
  };
}
