import {
  ActivityTypes,
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type SearchInvokeResponse,
  type SearchInvokeValue,
  type TurnContext,
} from 'botbuilder';
import { helpCard } from '../cards/helpCard';
import { noticeCard } from '../cards/noticeCard';
import { isDataset, isVerb, parseSubmission, type Verb } from '../cards/verbs';
import { FeatureOff } from '../services/directory/capabilities';
import type { Clock } from '../services/platform/clock';
import type { GuestAdmin } from '../services/guests/guestAdmin';
import type { LifecycleServices } from '../services/lifecycle/lifecycleServices';
import type { Logger } from '../services/platform/logger';
import type { PersonLimits } from '../services/platform/rateLimits';
import type { RequestWorkflow } from '../services/requests/requestWorkflow';
import { adaptiveCardActionValue, searchInvokeValue } from './activitySchemas';
import { unknownCommandCard } from './commands/helpCommand';
import type { ActionRegistry, CardBinding, CommandHandler, SearchRegistry, SearchResult, Turn } from './handlers';
import { cardActionNotUnderstood, errorResponse, messageResponse, searchNotSupported } from './invokeResponses';
import { sendCard } from './send';
import { actorOf, cardConversationKey, commandText, isPersonalChat, tenantOf } from './turn';
import type { RouterRecords, TurnRecords } from './turnRecords';

export interface BotDependencies {
  workflow: RequestWorkflow;
  guestAdmin: GuestAdmin;
  lifecycle: LifecycleServices;
  /** What handlers may record and look up (see turnRecords.ts). */
  records: TurnRecords;
  /** What the router itself records: clicked cards, refused clicks, greetings. */
  routerRecords: RouterRecords;
  commands: readonly CommandHandler[];
  actions: ActionRegistry;
  searches: SearchRegistry;
  /** Typeahead queries per person; a held-down key or a script must not become a flood of Graph searches. */
  limits: Pick<PersonLimits, 'search'>;
  clock: Clock;
  logger: Logger;
}

/**
 * Routes Teams activities: typed commands to command handlers, card buttons (botbuilder's
 * `onAdaptiveCardInvoke`) to verb handlers, typeahead queries (`onSearchInvoke`) to dataset
 * searches. It holds no business rules; it finds out who acts (from the activity's sender, never
 * from card data) and turns service results into cards. The tenant check and the capture of
 * conversation references run before it, as adapter middleware (see createBot).
 */
export class GuestAccessBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDependencies) {
    super();
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

  /**
   * A card button. botbuilder has already refused a value without an action or with another type
   * than Action.Execute (typed 400s of its own); the rest is checked here: the verb against the
   * table, the clicking person, the data against the verb's schema, and for binding verbs the card.
   */
  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const parsed = adaptiveCardActionValue.safeParse(invokeValue);
    if (!parsed.success) return cardActionNotUnderstood();
    const { verb, data } = parsed.data.action;
    if (!isVerb(verb)) return errorResponse(400, 'NotSupported', 'This button is not supported any more. Type "help" to start again.');
    const turn = this.turnFor(context);
    if (!turn) return errorResponse(401, 'Unauthorized', 'I could not tell who clicked, so nothing was changed.');
    return this.runAction(turn, verb, data);
  }

  private async runAction<V extends Verb>(turn: Turn, verb: V, rawData: unknown): Promise<AdaptiveCardInvokeResponse> {
    const handler = this.deps.actions[verb];
    const data = parseSubmission(verb, rawData);
    if (!data.success) return errorResponse(400, 'BadRequest', 'The card sent data I did not expect; nothing was changed.');
    if (handler.binding) {
      const binding: CardBinding = handler.binding;
      const problem = await this.bindingProblem(turn, binding, data.data);
      if (problem) {
        turn.logger.warn({ verb, why: problem, replyToId: turn.context.activity.replyToId }, 'click not tied to a recorded card');
        await this.deps.routerRecords.audit({
          requestId: binding === 'request' ? subjectOf(data.data, 'requestId') : undefined,
          actor: turn.actor.aadObjectId,
          action: 'card_click_refused',
          source: turn.source,
          detail: { verb, why: problem },
          at: this.deps.clock.now().toISOString(),
        });
        const message =
          problem === 'otherSubject'
            ? `This button belongs to a card of another ${binding}, so nothing was changed.`
            : 'This button is not on a card I can find, so nothing was changed. Use the buttons on the card I sent for it.';
        return errorResponse(400, 'BadRequest', message);
      }
    }
    turn.logger.info({ verb }, 'card action');
    try {
      return await handler.handle(turn, data.data);
    } catch (error) {
      // A feature the app's permissions do not allow: the card stays and Teams shows why.
      if (!(error instanceof FeatureOff)) throw error;
      turn.logger.info({ verb, feature: error.feature }, 'feature turned off');
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
  private async bindingProblem(turn: Turn, binding: CardBinding, data: unknown): Promise<'untied' | 'otherSubject' | undefined> {
    const { activity } = turn.context;
    const key = cardConversationKey(activity, turn.actor.aadObjectId);
    const subject = subjectOf(data, binding === 'request' ? 'requestId' : 'guestId');
    if (!key || !activity.replyToId || !subject) return 'untied';
    const { routerRecords } = this.deps;
    const recorded =
      binding === 'request' ? await routerRecords.requestOfCard(key, activity.replyToId) : await routerRecords.guestOfCard(key, activity.replyToId);
    if (recorded === undefined) return 'untied';
    return recorded.toLowerCase() === subject.toLowerCase() ? undefined : 'otherSubject';
  }

  /**
   * Typeahead on a form. botbuilder has already refused a search without a value or queryText
   * (typed 400s of its own); the dataset must be one the cards use, each answered by its search.
   */
  protected override async onSearchInvoke(context: TurnContext, invokeValue: SearchInvokeValue): Promise<SearchInvokeResponse> {
    const parsed = searchInvokeValue.safeParse(invokeValue);
    if (!parsed.success) return searchNotSupported();
    const { dataset, queryText } = parsed.data;
    if (!isDataset(dataset)) return searchNotSupported();
    const turn = this.turnFor(context);
    if (!turn) return errorResponse(401, 'Unauthorized', 'I could not tell who is searching.');
    // An empty result is the one answer the typeahead contract documents besides results; the
    // next keystroke a moment later searches again.
    const allowance = await this.deps.limits.search(turn.actor.aadObjectId);
    if (!allowance.allowed) {
      turn.logger.info({ dataset, retryAfterMs: allowance.retryAfterMs }, 'search limit reached');
      return searchResponse([]);
    }
    return searchResponse(await this.deps.searches[dataset](turn, queryText));
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
      lifecycle: this.deps.lifecycle,
      records: this.deps.records,
      logger: this.deps.logger.child({ activityId: source }),
      source,
    };
  }

  /** Says hello once, when the bot is added to someone's personal scope. */
  private async welcome(context: TurnContext): Promise<void> {
    const { activity } = context;
    if (!isPersonalChat(activity)) return;
    const botAdded =
      activity.type === ActivityTypes.InstallationUpdate
        ? activity.action === 'add'
        : (activity.membersAdded ?? []).some((m) => m.id === activity.recipient?.id);
    if (!botAdded) return;
    const actor = actorOf(activity);
    if (!actor) return;
    const firstTime = await this.deps.routerRecords.markGreeted(actor.aadObjectId, activity.timestamp ? String(activity.timestamp) : 'yes', {
      actor: actor.aadObjectId,
      action: 'bot_installed',
      source: activity.id,
      at: this.deps.clock.now().toISOString(),
    });
    if (!firstTime) return;
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

function searchResponse(results: SearchResult[]): SearchInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.search.searchResponse', value: { results } };
}
