/**
 * Routing edge cases in process, on botbuilder's TestAdapter: the bot with its middleware as
 * production wires it (createBot), a real store, and services that record every call, so each test
 * shows what the router answered and that it went no further than it should.
 */
import { TestAdapter } from 'botbuilder';
import { createBot } from '../../bot/createBot';
import type { GuestLifecycle } from '../../services/lifecycle/guestLifecycle';
import type { Cleanup } from '../../services/lifecycle/cleanup';
import type { Recertification } from '../../services/lifecycle/recertification';
import type { Sponsors } from '../../services/lifecycle/sponsors';
import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { DATASETS, VERBS } from '../../cards/verbs';
import type { GuestAdmin } from '../../services/guests/guestAdmin';
import { createLogger } from '../../services/platform/logger';
import type { RequestWorkflow } from '../../services/requests/requestWorkflow';
import { SqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { aRequest } from '../cards/requests';
import { cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { people } from '../helpers/botHarness';
import { teamsActivities } from '../helpers/teamsActivities';

const TENANT = '11111111-2222-3333-4444-000000000001';
const OTHER_TENANT = '99999999-9999-9999-9999-999999999999';
const SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
const CHANNEL = '19:approvals@thread.tacv2';

/**
 * A service whose every method call is recorded; `answers` gives some methods a result, and any
 * other method throws, so a route that should stop before the services fails its test if it does not.
 */
function recordingService<T>(calls: string[], answers: Record<string, (...args: unknown[]) => unknown> = {}): T {
  return new Proxy(
    {},
    {
      get:
        (_target, name) =>
        (...args: unknown[]) => {
          calls.push(String(name));
          const answer = answers[String(name)];
          if (!answer) throw new Error(`the router reached ${String(name)}`);
          return answer(...args);
        },
    },
  ) as T;
}

interface Routed {
  adapter: TestAdapter;
  store: Store;
  /** Service methods the turns called, in order. */
  calls: string[];
  searches: string[];
  send(activity: Record<string, unknown>): Promise<void>;
  /** The invoke answer of the last turn: its HTTP status and body. */
  invokeResponse(): { status: number; body: { statusCode: number; type: string; value: { code?: string; message?: string } } };
  /** The cards the bot sent so far, as text. */
  cardTexts(): string[];
}

/** The bot as createBot wires it, on a TestAdapter; the workflow answers `workflowAnswers` only (by default `my requests`, empty). */
function routed(workflowAnswers: Record<string, (...args: unknown[]) => unknown> = { listMine: async () => [] }): Routed {
  const adapter = new TestAdapter();
  const store = SqliteStore.open(':memory:');
  const calls: string[] = [];
  const searches: string[] = [];
  const bot = createBot(adapter, {
    workflow: recordingService<RequestWorkflow>(calls, workflowAnswers),
    guestAdmin: recordingService<GuestAdmin>(calls),
    lifecycle: {
      access: recordingService<GuestLifecycle>(calls),
      sponsors: recordingService<Sponsors>(calls),
      recertification: recordingService<Recertification>(calls),
      cleanup: recordingService<Cleanup>(calls),
    },
    store,
    limits: {
      search: async (personId: string) => {
        searches.push(personId);
        return { allowed: true };
      },
    },
    expectedTenantId: TENANT,
    clock: { now: () => new Date('2026-11-27T10:00:00Z') },
    logger: createLogger('silent'),
  });
  return {
    adapter,
    store,
    calls,
    searches,
    send: (activity) => adapter.processActivity(activity, (context) => bot.run(context)),
    invokeResponse() {
      const answers = adapter.activeQueue.filter((a) => a.type === 'invokeResponse');
      if (answers.length === 0) throw new Error('no invoke response was sent');
      return answers[answers.length - 1].value as ReturnType<Routed['invokeResponse']>;
    },
    cardTexts: () =>
      adapter.activeQueue
        .flatMap((a) => a.attachments ?? [])
        .map((attachment) => {
          parseCardStrict(attachment.content);
          return cardText(attachment.content as AdaptiveCard);
        }),
  };
}

const teams = teamsActivities({ serviceUrl: SERVICE_URL, tenantId: TENANT });
const foreign = teamsActivities({ serviceUrl: SERVICE_URL, tenantId: OTHER_TENANT });

describe('routing', () => {
  let bot: Routed;
  beforeEach(() => {
    bot = routed();
  });
  afterEach(() => bot.store.close());

  describe('card actions', () => {
    it('answers a verb the table does not have with 400 NotSupported, reaching no service', async () => {
      await bot.send(teams.cardAction(people.megan, 'request.explode', { requestId: 'GA-ABC123' }));
      expect(bot.invokeResponse()).toMatchObject({
        status: 400,
        body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'NotSupported' } },
      });
      expect(bot.calls).toEqual([]);
    });

    it.each([
      ['an id of the wrong type', VERBS.approve, { requestId: 42 }],
      ['no id at all', VERBS.cancel, {}],
      ["another verb's id", VERBS.deleteGuest, { requestId: 'GA-ABC123' }],
      ['an empty cursor', VERBS.guestsPage, { cursorId: '' }],
      ['a reason that is not text', VERBS.deny, { requestId: 'GA-ABC123', reason: ['No'] }],
    ])('answers a click with %s for its verb with 400 BadRequest, reaching no service', async (_what, verb, data) => {
      await bot.send(teams.cardAction(people.megan, verb, data, 'card-1'));
      expect(bot.invokeResponse()).toMatchObject({
        status: 400,
        body: { value: { code: 'BadRequest', message: 'The card sent data I did not expect; nothing was changed.' } },
      });
      expect(bot.calls).toEqual([]);
    });

    it('answers an action value without an action object with our 400 instead of failing the turn', async () => {
      for (const value of [{ trigger: 'manual' }, { action: null }, 'approve', [1]]) {
        await bot.send({ ...teams.cardAction(people.megan, VERBS.approve, {}), value });
        expect(bot.invokeResponse()).toMatchObject({ status: 400, body: { value: { code: 'BadRequest', message: 'This card action was not understood.' } } });
      }
      expect(bot.calls).toEqual([]);
    });

    it("leaves botbuilder's own typed 400 for an action that is not Action.Execute", async () => {
      await bot.send({ ...teams.cardAction(people.megan, VERBS.approve, {}), value: { action: { type: 'Action.Submit', data: { requestId: 'GA-ABC123' } } } });
      expect(bot.invokeResponse()).toMatchObject({ status: 400, body: { type: 'application/vnd.microsoft.error', value: { code: 'NotSupported' } } });
      expect(bot.calls).toEqual([]);
    });

    it('refuses a click whose data names another request than its card, audits it, and reaches no service', async () => {
      const key = `user:${people.megan.aadObjectId}`;
      for (const id of ['GA-AAAAAA', 'GA-BBBBBB']) {
        const { version: _version, state: _state, updatedAt: _updatedAt, ...filed } = aRequest({ id });
        await bot.store.createRequest(filed, { requestId: id, actor: people.alex.aadObjectId, action: 'request_submitted', at: filed.createdAt });
      }
      await bot.store.saveCardMessage({ requestId: 'GA-AAAAAA', role: 'approval', conversationKey: key, activityId: 'card-of-a' });
      const click = teams.cardAction(people.megan, VERBS.approve, { requestId: 'GA-BBBBBB' }, 'card-of-a');
      await bot.send(click);
      expect(bot.invokeResponse()).toMatchObject({
        status: 400,
        body: { value: { code: 'BadRequest', message: 'This button belongs to a card of another request, so nothing was changed.' } },
      });
      expect(bot.calls).toEqual([]);
      const refused = (await bot.store.listAudit('GA-BBBBBB')).filter((a) => a.action === 'card_click_refused');
      expect(refused.map((a) => [a.source, a.detail?.why])).toEqual([[click.id, 'otherSubject']]);
      expect((await bot.store.getRequest('GA-BBBBBB'))?.state).toBe('pending');
    });

    it('refuses a guest button on a card recorded for another guest', async () => {
      const key = `user:${people.lynne.aadObjectId}`;
      await bot.store.saveGuestCardMessage({ guestId: 'guest-jane', conversationKey: key, activityId: 'card-of-jane' });
      await bot.send(teams.cardAction(people.lynne, VERBS.deleteGuest, { guestId: 'guest-ravi' }, 'card-of-jane'));
      expect(bot.invokeResponse()).toMatchObject({
        status: 400,
        body: { value: { message: 'This button belongs to a card of another guest, so nothing was changed.' } },
      });
      expect(bot.calls).toEqual([]);
    });
  });

  describe('another tenant', () => {
    it('gets no answer to a message, and nothing of it is remembered', async () => {
      await bot.send(foreign.message(people.megan, 'help'));
      expect(bot.adapter.activeQueue).toEqual([]);
      expect(await bot.store.getConversation(`user:${people.megan.aadObjectId}`)).toBeUndefined();
      expect(bot.calls).toEqual([]);
    });

    it('gets 403 for an invoke, and nothing of it is remembered or audited', async () => {
      await bot.send(foreign.cardAction(people.megan, VERBS.approve, { requestId: 'GA-ABC123' }, 'card-1'));
      expect(bot.invokeResponse()).toMatchObject({ status: 403, body: { value: { code: 'Forbidden' } } });
      expect(await bot.store.getConversation(`user:${people.megan.aadObjectId}`)).toBeUndefined();
      expect(await bot.store.listAudit('GA-ABC123')).toEqual([]);
      expect(bot.calls).toEqual([]);
    });

    it('gets 403 for a search, which searches nothing', async () => {
      await bot.send(foreign.search(people.megan, DATASETS.groups, 'Pro'));
      expect(bot.invokeResponse()).toMatchObject({ status: 403 });
      expect(bot.searches).toEqual([]);
      expect(bot.calls).toEqual([]);
    });
  });

  describe('searches', () => {
    it('answers a dataset the cards do not use with 400, searching nothing and using no allowance', async () => {
      await bot.send(teams.search(people.alex, 'people', 'Meg'));
      expect(bot.invokeResponse()).toMatchObject({ status: 400, body: { value: { code: 'BadRequest', message: 'This search is not supported.' } } });
      expect(bot.searches).toEqual([]);
      expect(bot.calls).toEqual([]);
    });

    it('answers a search value that is not an object with our 400 instead of failing the turn', async () => {
      await bot.send({ ...teams.search(people.alex, DATASETS.groups, 'Pro'), value: 'groups' });
      expect(bot.invokeResponse()).toMatchObject({ status: 400, body: { value: { message: 'This search is not supported.' } } });
      expect(bot.calls).toEqual([]);
    });

    it("leaves botbuilder's own typed 400 for a search without query text", async () => {
      await bot.send(teams.search(people.alex, DATASETS.groups, ''));
      expect(bot.invokeResponse()).toMatchObject({ status: 400, body: { type: 'application/vnd.microsoft.error', value: { code: 'BadRequest' } } });
      expect(bot.calls).toEqual([]);
    });

    it('sends a known dataset to its search, counted against the person', async () => {
      const withGroups = routed({ searchGroups: async () => [{ id: 'group-1', displayName: 'Project Falcon' }] });
      try {
        await withGroups.send(teams.search(people.alex, DATASETS.groups, 'Fal'));
        expect(withGroups.invokeResponse()).toMatchObject({
          status: 200,
          body: { type: 'application/vnd.microsoft.search.searchResponse', value: { results: [{ title: 'Project Falcon', value: 'group-1' }] } },
        });
        expect(withGroups.searches).toEqual([people.alex.aadObjectId]);
        expect(withGroups.calls).toEqual(['searchGroups']);
      } finally {
        await withGroups.store.close();
      }
    });
  });

  describe('commands', () => {
    it("runs the command typed after the bot's mention in a channel, and remembers the channel", async () => {
      await bot.send(teams.channelMessage(people.alex, 'my requests', CHANNEL));
      expect(bot.cardTexts()).toEqual([expect.stringContaining('Your guest requests')]);
      expect(bot.calls).toEqual(['listMine']);
      expect(await bot.store.getConversation(`channel:${CHANNEL}`)).toMatchObject({
        reference: { conversation: { id: CHANNEL, conversationType: 'channel' } },
      });
    });

    it('shows the commands for a mention with nothing after it', async () => {
      await bot.send(teams.channelMessage(people.alex, '', CHANNEL));
      expect(bot.cardTexts()).toEqual([expect.stringContaining('my requests')]);
      expect(bot.calls).toEqual([]);
    });
  });
});
