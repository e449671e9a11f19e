import {
  ActivityTypes,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type InvokeResponse,
} from 'botbuilder';
import { helpCard } from '../cards/helpCard';
import { noticeCard } from '../cards/noticeCard';
import { DATASETS } from '../cards/verbs';
import { FeatureOff } from '../services/directory/capabilities';
import type { Clock } from '../services/platform/clock';
import type { GuestAdmin } from '../services/guests/guestAdmin';
import type { Logger } from '../services/platform/logger';
import type { PersonLimits } from '../services/platform/rateLimits';
import type { RequestWorkflow } from '../services/requests/requestWorkflow';
import type { Store } from '../services/store/store';
import { adaptiveCardActionValue, searchInvokeValue } from './activitySchemas';
import { unknownCommandCard } from './commands/helpCommand';
import type { ActionHandler, CardBinding, CommandHandler, Turn } from './handlers';
import { errorResponse, messageResponse } from './invokeResponses';
import { sendCard } from './send';
import { actorOf, cardConversationKey, channelIdOf, commandText, conversationKeys, isPersonalChat, tenantOf } from './turn';

export interface BotDependencies {
  workflow: RequestWorkflow;
  guestAdmin: GuestAdmin;
  store: Store;
  commands: readonly CommandHandler[];
  actions: readonly ActionHandler[];
  /** Typeahead queries per person; a held-down key or a script must not become a flood of Graph searches. */
  limits: Pick<PersonLimits, 'search'>;
  /** Activities from any other tenant are refused. */
  expectedTenantId: string;
  clock: Clock;
  logger: Logger;
}

/**
 * Routes Teams activities: typed commands to command handlers, card buttons to verb handlers,
 * typeahead queries to the workflow. It holds no business rules; it finds out who acts (from the
 * activity's sender, never from card data) and turns service results into cards.
 */
export class GuestAccessBot extends TeamsActivityHandler {
  private readonly actions: ReadonlyMap<string, ActionHandler>;

  constructor(private readonly deps: BotDependencies) {
    super();
    this.actions = new Map(deps.actions.map((a) => [a.verb, a]));
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onConversationUpdate(async (context, next) => {
      await this.welcome(context);
      await next();
    });
    this.onInstallationUpdate(async (context, next) => {
      await this.welcome(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    const tenant = tenantOf(context.activity);
    if (tenant !== this.deps.expectedTenantId) {
      this.deps.logger.warn({ activityId: context.activity.id, type: context.activity.type }, 'activity from another tenant refused');
      if (context.activity.type === ActivityTypes.Invoke) {
        const refusal: InvokeResponse = { status: 403, body: errorResponse(403, 'Forbidden', 'This bot serves another organisation.') };
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: refusal });
      }
      return;
    }
    await this.rememberConversation(context);
    await super.run(context);
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const name = context.activity.name;
    if (name === 'adaptiveCard/action') return this.invokeResponse(await this.handleCardAction(context));
    if (name === 'application/search') return this.invokeResponse(await this.handleSearch(context));
    return super.onInvokeActivity(context);
  }

  private invokeResponse(response: AdaptiveCardInvokeResponse | { statusCode: number; type: string; value: unknown }): InvokeResponse {
    return { status: response.statusCode, body: response };
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const turn = this.turnFor(context);
    if (!turn) {
      await context.sendActivity('I could not tell who you are, so I cannot help with guest access here.');
      return;
    }
    const text = commandText(context);
    if (!text) {
      await sendCard(context, helpCard({ commands: this.helpLines() }));
      return;
    }
    for (const command of this.deps.commands) {
      const args = command.match(text);
      if (args !== undefined) {
        turn.logger.info({ command: command.usage }, 'command');
        try {
          await command.handle(turn, args);
        } catch (error) {
          if (!(error instanceof FeatureOff)) throw error;
          turn.logger.info({ command: command.usage, feature: error.feature }, 'feature turned off');
          await sendCard(context, noticeCard({ title: 'Turned off', text: error.message, tone: 'warning' }));
        }
        return;
      }
    }
    await sendCard(context, unknownCommandCard(this.deps.commands, text));
  }

  private async handleCardAction(context: TurnContext): Promise<AdaptiveCardInvokeResponse> {
    const parsed = adaptiveCardActionValue.safeParse(context.activity.value);
    if (!parsed.success) return errorResponse(400, 'BadRequest', 'This card action was not understood.');
    const handler = this.actions.get(parsed.data.action.verb);
    if (!handler) return errorResponse(400, 'NotSupported', 'This button is not supported any more. Type "help" to start again.');
    const turn = this.turnFor(context);
    if (!turn) return errorResponse(401, 'Unauthorized', 'I could not tell who clicked, so nothing was changed.');
    const data = handler.schema.safeParse(parsed.data.action.data);
    if (!data.success) return errorResponse(400, 'BadRequest', 'The card sent data I did not expect; nothing was changed.');
    if (handler.binding) {
      const problem = await this.bindingProblem(context, turn.actor.aadObjectId, handler.binding, data.data);
      if (problem) {
        turn.logger.warn({ verb: handler.verb, why: problem, replyToId: context.activity.replyToId }, 'click not tied to a recorded card');
        await this.deps.store.appendAudit({
          requestId: handler.binding === 'request' ? subjectOf(data.data, 'requestId') : undefined,
          actor: turn.actor.aadObjectId,
          action: 'card_click_refused',
          source: turn.source,
          detail: { verb: handler.verb, why: problem },
          at: this.deps.clock.now().toISOString(),
        });
        const message = problem === 'otherSubject'
          ? `This button belongs to a card of another ${handler.binding}, so nothing was changed.`
          : 'This button is not on a card I can find, so nothing was changed. Use the buttons on the card I sent for it.';
        return errorResponse(400, 'BadRequest', message);
      }
    }
    turn.logger.info({ verb: handler.verb }, 'card action');
    try {
      return await handler.handle(turn, data.data);
    } catch (error) {
      // A feature the app's permissions do not allow: the card stays and Teams shows why.
      if (!(error instanceof FeatureOff)) throw error;
      turn.logger.info({ verb: handler.verb, feature: error.feature }, 'feature turned off');
      return messageResponse(error.message);
    }
  }

  /**
   * A decision click (approve, deny, cancel; an admin's resend, disable, delete) must come from a
   * card the bot recorded for the very request or guest its data names. Teams names the clicked
   * message in `replyToId` for every card a bot posted, the Agents Playground too (checked against
   * Microsoft's samples, which update the card through it, and by capturing the Playground's
   * invokes), and a card replaced through an invoke answer keeps its message id. So a click naming
   * no recorded card, or another request or guest than its card's, was forged or carried over:
   * refused, even for someone who may act on both.
   */
  private async bindingProblem(context: TurnContext, actorId: string, binding: CardBinding, data: unknown): Promise<'untied' | 'otherSubject' | undefined> {
    const { activity } = context;
    const key = cardConversationKey(activity, actorId);
    const subject = subjectOf(data, binding === 'request' ? 'requestId' : 'guestId');
    if (!key || !activity.replyToId || !subject) return 'untied';
    const { store } = this.deps;
    const recorded = binding === 'request'
      ? (await store.findCardMessage(key, activity.replyToId))?.requestId
      : (await store.findGuestCardMessage(key, activity.replyToId))?.guestId;
    if (recorded === undefined) return 'untied';
    return recorded.toLowerCase() === subject.toLowerCase() ? undefined : 'otherSubject';
  }

  /** Typeahead on a form: each dataset named in cards/verbs.ts maps to one directory search. */
  private async handleSearch(context: TurnContext) {
    const parsed = searchInvokeValue.safeParse(context.activity.value);
    if (!parsed.success) return errorResponse(400, 'BadRequest', 'This search is not supported.');
    const turn = this.turnFor(context);
    if (!turn) return errorResponse(401, 'Unauthorized', 'I could not tell who is searching.');
    const { workflow } = this.deps;
    const { dataset, queryText } = parsed.data;
    // An empty result is the one answer the typeahead contract documents besides results; the
    // next keystroke a moment later searches again.
    const allowance = await this.deps.limits.search(turn.actor.aadObjectId);
    if (!allowance.allowed) {
      turn.logger.info({ dataset, retryAfterMs: allowance.retryAfterMs }, 'search limit reached');
      return searchResponse([]);
    }
    let results: { title: string; value: string }[];
    if (dataset === DATASETS.groups) results = (await workflow.searchGroups(queryText)).map((g) => ({ title: g.displayName, value: g.id }));
    else if (dataset === DATASETS.guests) results = (await workflow.searchGuests(queryText)).map((g) => ({ title: g.displayName, value: g.id }));
    else if (dataset === DATASETS.appRoles) results = await workflow.searchAppRoles(queryText);
    else return errorResponse(400, 'BadRequest', 'This search is not supported.');
    return searchResponse(results);
  }

  private turnFor(context: TurnContext): Turn | undefined {
    const actor = actorOf(context.activity);
    const tenantId = tenantOf(context.activity);
    if (!actor || !tenantId) return undefined;
    const source = context.activity.id ?? 'unknown';
    return {
      context,
      actor,
      tenantId,
      workflow: this.deps.workflow,
      guestAdmin: this.deps.guestAdmin,
      store: this.deps.store,
      logger: this.deps.logger.child({ activityId: source }),
      source,
    };
  }

  /**
   * Stores where to reach people later: a user's 1:1 chat under their object id, a channel under
   * its id (with the channel itself as the conversation, so later posts start new threads).
   */
  private async rememberConversation(context: TurnContext): Promise<void> {
    const { activity } = context;
    const reference = TurnContext.getConversationReference(activity);
    const channelId = channelIdOf(activity);
    const actor = actorOf(activity);
    if (channelId) {
      const channelReference = { ...reference, conversation: { ...reference.conversation, id: channelId, isGroup: true, conversationType: 'channel' } };
      await this.deps.store.saveConversation(conversationKeys.channel(channelId), toRecord(channelReference));
    } else if (actor && isPersonalChat(activity)) {
      await this.deps.store.saveConversation(conversationKeys.user(actor.aadObjectId), toRecord(reference));
    }
  }

  /** Says hello once, when the bot is added to someone's personal scope. */
  private async welcome(context: TurnContext): Promise<void> {
    const { activity } = context;
    if (!isPersonalChat(activity)) return;
    const botAdded = activity.type === ActivityTypes.InstallationUpdate
      ? activity.action === 'add'
      : (activity.membersAdded ?? []).some((m) => m.id === activity.recipient?.id);
    if (!botAdded) return;
    const actor = actorOf(activity);
    if (!actor) return;
    const greeted = `greeted:${actor.aadObjectId}`;
    if (await this.deps.store.getSetting(greeted)) return;
    await this.deps.store.setSetting(greeted, activity.timestamp ? String(activity.timestamp) : 'yes', {
      actor: actor.aadObjectId,
      action: 'bot_installed',
      source: activity.id,
      at: this.deps.clock.now().toISOString(),
    });
    // Install events often carry no name (Teams and the Playground leave it out): greet without one.
    const hello = activity.from?.name ? `Hi ${activity.from.name}!` : 'Hi!';
    await sendCard(context, helpCard({ intro: `${hello} I handle guest access for your organisation.`, commands: this.helpLines() }));
  }

  private helpLines() {
    return this.deps.commands.map((c) => ({ command: c.usage, description: c.description }));
  }
}

/** The id a button's data names (`requestId` or `guestId`), when it is a string. */
function subjectOf(data: unknown, field: 'requestId' | 'guestId'): string | undefined {
  if (typeof data !== 'object' || data === null || !(field in data)) return undefined;
  const value: unknown = (data as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

function searchResponse(results: { title: string; value: string }[]) {
  return { statusCode: 200, type: 'application/vnd.microsoft.search.searchResponse', value: { results } };
}

function toRecord(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
